// New-MigrationBatch -ExcludeFolders as Exchange Online reads it (reference sheet, New-MigrationBatch):
// folder paths relative to the IMAP root, case-insensitive, no wildcards except a trailing `/*`
// (the folder's subfolders; Cutover also skips the folder itself, as it always has), `#Inbox#` is
// the well-known Inbox in any language, and `\#Notes\#` is a folder literally named #Notes#.
// One rule for every reader: the real IMAP source, the emulator's demo source, preflight.

function normalise(raw: string): string {
  let p = raw.trim().toLowerCase();
  if (p === '#inbox#') return 'inbox';
  if (p.startsWith('\\#') && p.endsWith('\\#') && p.length >= 4) p = `#${p.slice(2, -2)}#`;
  return p;
}

/** Whether `folder` (a '/'-separated path, INBOX as `INBOX`) is left out by any of the patterns. */
export function folderExcluded(folder: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns?.length) return false;
  const f = folder.toLowerCase();
  return patterns.some((raw) => {
    const p = normalise(raw);
    if (p === '') return false;
    if (p.endsWith('/*')) {
      const parent = p.slice(0, -2);
      return f === parent || f.startsWith(`${parent}/`);
    }
    return f === p;
  });
}
