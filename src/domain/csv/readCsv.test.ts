// Files as Excel saves them in each locale, generated here: "CSV UTF-8" (comma, BOM),
// "CSV" in a European locale (semicolons, Windows-1252), "Unicode text" (UTF-16 LE with
// BOM, tabs), and the variants editors write. Each must give the same rows, with accented
// user names and passwords intact, and serialize to the comma-separated UTF-8 CSV Exchange takes.

import { serializeMigrationCsv, validateMigrationCsv } from './migrationCsv';
import { decodeCsvBytes, describeReading, detectSeparator, isAmbiguous, readCsvBytes, type CsvSeparator } from './readCsv';

const ROWS = [
  ['EmailAddress', 'UserName', 'Password'],
  ['terrya@contoso.edu', 'contoso\\terry.adams', 'Perché-2026'],
  ['zoe@contoso.edu', 'zoë.müller', 'Grüße;aus,Köln'],
  ['jose@contoso.edu', 'josé.garcía', 'Año "nuevo" ñ'],
];

/** Windows-1252 has no encoder in Node: Latin-1 plus the 0x80–0x9F letters and signs used here. */
function cp1252(text: string): Buffer {
  const extra: Record<string, number> = { '€': 0x80, Š: 0x8a, Œ: 0x8c, Ž: 0x8e, š: 0x9a, œ: 0x9c, ž: 0x9e, Ÿ: 0x9f };
  return Buffer.from([...text].map((ch) => extra[ch] ?? (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 0x3f)));
}

/** What Excel writes: quotes only around values holding the separator, a quote or a line break. */
function excelText(rows: string[][], sep: CsvSeparator): string {
  const cell = (v: string) => (v.includes(sep) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(sep)).join('\r\n') + '\r\n';
}

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
}

const BOM8 = Buffer.from([0xef, 0xbb, 0xbf]);
const FILES: { name: string; bytes: Buffer; readAs: string }[] = [
  { name: 'Excel "CSV UTF-8 (Comma delimited)"', bytes: Buffer.concat([BOM8, Buffer.from(excelText(ROWS, ','), 'utf8')]), readAs: 'commas, UTF-8 with BOM' },
  { name: 'UTF-8 without BOM, commas', bytes: Buffer.from(excelText(ROWS, ','), 'utf8'), readAs: 'commas, UTF-8' },
  { name: 'Excel "CSV" in an Italian/German/French locale (semicolons, ANSI)', bytes: cp1252(excelText(ROWS, ';')), readAs: 'semicolons, Windows-1252' },
  { name: 'UTF-8 with BOM, semicolons', bytes: Buffer.concat([BOM8, Buffer.from(excelText(ROWS, ';'), 'utf8')]), readAs: 'semicolons, UTF-8 with BOM' },
  {
    name: 'Excel "Unicode text" (UTF-16 LE, BOM, tabs)',
    bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(excelText(ROWS, '\t'), 'utf16le')]),
    readAs: 'tabs, UTF-16 LE',
  },
  { name: 'UTF-16 BE with BOM, tabs', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(excelText(ROWS, '\t'))]), readAs: 'tabs, UTF-16 BE' },
  { name: 'Windows-1252, tabs', bytes: cp1252(excelText(ROWS, '\t')), readAs: 'tabs, Windows-1252' },
];

describe('reading what Excel writes', () => {
  it.each(FILES)('$name: same rows, every character of names and passwords kept', ({ bytes, readAs }) => {
    const v = validateMigrationCsv(bytes);
    expect(v.problems).toEqual([]);
    expect(v.reading && describeReading(v.reading)).toBe(readAs);
    expect(v.reading && isAmbiguous(v.reading)).toBe(false);
    expect(v.rows.map((r) => [r.emailAddress, r.userName, r.password.reveal()])).toEqual(ROWS.slice(1));
    // Exchange gets its documented file: comma-separated UTF-8, passwords exact.
    const out = serializeMigrationCsv(v.rows);
    expect(out.subarray(0, 3).equals(BOM8)).toBe(false);
    const again = validateMigrationCsv(out);
    expect(again.reading).toMatchObject({ encoding: 'utf-8', separator: ',', bom: false });
    expect(again.rows.map((r) => [r.emailAddress, r.userName, r.password.reveal()])).toEqual(ROWS.slice(1));
    expect(out.toString('utf8')).toContain('Perché-2026');
  });

  it('masks the decoded passwords (the one masker per file sees what the file says, not its bytes)', () => {
    const v = validateMigrationCsv(cp1252(excelText(ROWS, ';')));
    expect(v.masker.scrub('pw Perché-2026 and Grüße;aus,Köln')).toBe('pw •••• and ••••');
  });

  it('a header split by the wrong separator is never guessed: the one that names the columns wins', () => {
    expect(detectSeparator('EmailAddress;UserName;Password\r\na@b.cd;x,y;z,w')).toEqual({ separator: ';', alternatives: [] });
    expect(detectSeparator('EmailAddress,UserName,Password\r\na@b.cd,x;y;q,z')).toEqual({ separator: ',', alternatives: [] });
    expect(detectSeparator('\r\n\r\nEmailAddress\tUserName\tPassword\tUserRoot')).toEqual({ separator: '\t', alternatives: [] });
    // An incomplete header holding two separators: the card asks.
    expect(detectSeparator('EmailAddress;UserName,Passwort')).toEqual({ separator: ';', alternatives: [','] });
    expect(detectSeparator('EmailAddress,UserName,Password', ';')).toEqual({ separator: ';', alternatives: [] });
  });

  it('valid UTF-8 and a BOM are sure; non-UTF-8 bytes are Windows-1252, asked about when some read as symbols', () => {
    expect(decodeCsvBytes(Buffer.from('Zoë,Łódź', 'utf8'))).toMatchObject({ ok: true, encoding: 'utf-8', alternatives: [] });
    expect(decodeCsvBytes(cp1252('Perché'))).toMatchObject({ ok: true, text: 'Perché', encoding: 'windows-1252', alternatives: [] });
    // Polish saved as Windows-1250: "ł" (0xB3) reads "³" in Windows-1252.
    const polish = Buffer.from([0x50, 0x61, 0xb3, 0x61, 0x63]); // "Pałac" in Windows-1250
    expect(decodeCsvBytes(polish)).toMatchObject({ ok: true, text: 'Pa³ac', encoding: 'windows-1252', alternatives: ['windows-1250'] });
    expect(decodeCsvBytes(polish, 'windows-1250')).toMatchObject({ ok: true, text: 'Pałac', encoding: 'windows-1250', alternatives: [] });
    const r = readCsvBytes(Buffer.concat([Buffer.from('EmailAddress;UserName;Password\r\np@contoso.edu;p;'), polish]));
    expect(r.ok && isAmbiguous(r.reading)).toBe(true);
  });

  it('never replaces a byte it cannot read: UTF-16 with a broken surrogate or an odd length is an error', () => {
    const lone = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from(',c', 'utf16le')]);
    expect(decodeCsvBytes(lone)).toMatchObject({ ok: false, encoding: 'utf-16le' });
    expect(decodeCsvBytes(Buffer.from([0xff, 0xfe, 0x41]))).toMatchObject({ ok: false, encoding: 'utf-16le' });
    const v = validateMigrationCsv(lone);
    expect(v.fatal).toBe(true);
    expect(v.problems[0].message).toMatch(/UTF-16 LE/);
  });

  it('Excel\'s "sep=;" hint line names the separator and is not taken for the header; line numbers stay the file\'s', () => {
    const v = validateMigrationCsv(cp1252('sep=;\r\nEmailAddress;UserName;Password\r\nterrya@contoso.edu;terry;Perché-2026\r\nbad;x;y\r\n'));
    expect(v.reading).toMatchObject({ separator: ';', encoding: 'windows-1252' });
    expect(v.rows[0]).toMatchObject({ rowNumber: 1, line: 3, userName: 'terry' });
    expect(v.rows[0].password.reveal()).toBe('Perché-2026');
    expect(v.problems.map((p) => [p.code, p.line])).toEqual([['InvalidEmailAddress', 4]]);
  });

  it('a wrong-count row in a semicolon file names the semicolon', () => {
    const v = validateMigrationCsv('EmailAddress;UserName;Password\r\na@contoso.edu;a;pa;ss\r\n');
    expect(v.problems[0].code).toBe('WrongColumnCount');
    expect(v.problems[0].fix).toMatch(/contains a semicolon/);
    expect(v.problems[0].fix).not.toContain('pa;ss');
  });
});
