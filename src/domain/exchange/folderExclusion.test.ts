import { folderExcluded } from './folderExclusion';

describe('-ExcludeFolders, as Exchange Online reads it', () => {
  test('matches whole paths, case-insensitively, never a prefix of a name', () => {
    expect(folderExcluded('Archive', ['archive'])).toBe(true);
    expect(folderExcluded('Archive/2025', ['Archive'])).toBe(false);
    expect(folderExcluded('Archived', ['Archive'])).toBe(false);
  });
  test('Folder/* takes the subfolders (and, in Cutover, the folder itself)', () => {
    expect(folderExcluded('Archive/2025', ['Archive/*'])).toBe(true);
    expect(folderExcluded('Archive/2025/Q1', ['Archive/*'])).toBe(true);
    expect(folderExcluded('Archive', ['Archive/*'])).toBe(true);
    expect(folderExcluded('Archives/2025', ['Archive/*'])).toBe(false);
  });
  test('#Inbox# is the Inbox whatever its name; \\#Notes\\# is a folder literally named #Notes#', () => {
    expect(folderExcluded('INBOX', ['#Inbox#'])).toBe(true);
    expect(folderExcluded('#Notes#', ['\\#Notes\\#'])).toBe(true);
    expect(folderExcluded('Notes', ['\\#Notes\\#'])).toBe(false);
  });
  test('no patterns, or blank ones, exclude nothing', () => {
    expect(folderExcluded('INBOX', undefined)).toBe(false);
    expect(folderExcluded('INBOX', [])).toBe(false);
    expect(folderExcluded('INBOX', ['  '])).toBe(false);
  });
});
