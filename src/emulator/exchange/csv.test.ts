// The emulator reads -CSVData with Cutover's one tokenizer (domain/csv/parseCsv), keeping
// the rules it had: quoted fields, a quote never closed runs to the end, blank lines are no rows.

import { parseImapCsv, splitCsv } from './csv';

describe('the emulator CSV reader', () => {
  it('reads quoted fields, doubled quotes, CRLF and LF, and skips blank or whitespace-only lines', () => {
    expect(splitCsv('a,"b,""c"""\r\n\r\n   \nd,e\n')).toEqual([
      ['a', 'b,"c"'],
      ['d', 'e'],
    ]);
  });

  it('runs a quote that is never closed to the end of the file', () => {
    expect(splitCsv('a,b\r\nc,"d\r\ne')).toEqual([
      ['a', 'b'],
      ['c', 'd\r\ne'],
    ]);
  });

  it('keeps a password with commas and quotes exactly, and rejects a row with the wrong column count in Exchange words', () => {
    const rows = parseImapCsv(Buffer.from('\ufeffEmailAddress,UserName,Password\r\nanna@contoso.edu,anna,"p,""w"\r\n'));
    expect(rows).toEqual([{ row: 2, emailAddress: 'anna@contoso.edu', userName: 'anna', password: 'p,"w' }]);
    expect(() => parseImapCsv(Buffer.from('EmailAddress,UserName,Password\r\nanna@contoso.edu,anna,p,w\r\n'))).toThrow(/Row 2 has the wrong number of columns/);
  });
});
