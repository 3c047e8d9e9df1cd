import { firstInvalidUtf8Offset, lineAtByte, parseCsv } from './parseCsv';
import { decodeCsvBytes } from './readCsv';

const fieldsOf = (text: string) => parseCsv(text).records.map((r) => r.fields);
const linesOf = (text: string) => parseCsv(text).records.map((r) => r.line);

describe('parseCsv', () => {
  it('splits LF, CRLF and bare CR lines alike', () => {
    const want = [
      ['a', 'b'],
      ['c', 'd'],
    ];
    expect(fieldsOf('a,b\nc,d\n')).toEqual(want);
    expect(fieldsOf('a,b\r\nc,d\r\n')).toEqual(want);
    expect(fieldsOf('a,b\rc,d')).toEqual(want);
    expect(linesOf('a,b\rc,d')).toEqual([1, 2]);
  });

  it('ignores a BOM and keeps empty trailing fields', () => {
    expect(fieldsOf('\uFEFFa,b,\n')).toEqual([['a', 'b', '']]);
  });

  it('reads quoted fields with commas, "" escapes and line breaks, and counts physical lines', () => {
    const text = 'h1,h2\r\n"x, y","say ""hi"""\r\n"multi\r\nline\nfield",z\r\nlast,row\r\n';
    const { records, error } = parseCsv(text);
    expect(error).toBeNull();
    expect(records.map((r) => r.fields)).toEqual([
      ['h1', 'h2'],
      ['x, y', 'say "hi"'],
      ['multi\r\nline\nfield', 'z'],
      ['last', 'row'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 6]);
  });

  it('skips blank lines but keeps their line numbers counted', () => {
    const { records } = parseCsv('a,b\n\n\r\nc,d\n\n');
    expect(records.map((r) => [r.fields, r.line])).toEqual([
      [['a', 'b'], 1],
      [['c', 'd'], 4],
    ]);
  });

  it('keeps fields exactly as written, spaces and inner quotes included', () => {
    expect(fieldsOf(' a , b"c ,  ')).toEqual([[' a ', ' b"c ', '  ']]);
    expect(parseCsv(' a , b"c ').records[0].quoteIssueField).toBe(-1);
  });

  it('flags misplaced quotes instead of guessing', () => {
    const after = parseCsv('a,"pass"word,c').records[0];
    expect(after.fields).toEqual(['a', 'password', 'c']);
    expect(after.quoteIssueField).toBe(1);
    const before = parseCsv('a, "pass",c').records[0];
    expect(before.fields).toEqual(['a', ' "pass"', 'c']);
    expect(before.quoteIssueField).toBe(1);
  });

  it('reports an unterminated quote with the line it opens on', () => {
    const { records, error } = parseCsv('h1,h2\nok,row\n"open,\nmore\n');
    expect(records.map((r) => r.fields)).toEqual([
      ['h1', 'h2'],
      ['ok', 'row'],
    ]);
    expect(error).toMatchObject({ code: 'UnterminatedQuote', line: 3 });
    expect(error?.message).toContain('line 3');
  });

  it('returns nothing for empty text', () => {
    expect(parseCsv('')).toEqual({ records: [], error: null });
  });
});

describe('invalid UTF-8', () => {
  it('names the line of the first byte that is not UTF-8 (Latin-1 "é")', () => {
    const bytes = Buffer.concat([Buffer.from('a,b\r\nc,', 'ascii'), Buffer.from([0xe9]), Buffer.from('t\r\n')]);
    expect(firstInvalidUtf8Offset(bytes)).toBe(7);
    expect(lineAtByte(bytes, 7)).toBe(2);
    expect(decodeCsvBytes(bytes, 'utf-8')).toMatchObject({ ok: false, line: 2 });
  });

  it('finds overlongs, surrogates, out-of-range and truncated sequences', () => {
    expect(firstInvalidUtf8Offset(Buffer.from('ok €𝄞', 'utf8'))).toBe(-1);
    expect(firstInvalidUtf8Offset(Buffer.from([0x41, 0xc0, 0xaf]))).toBe(1); // overlong '/'
    expect(firstInvalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(firstInvalidUtf8Offset(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
    expect(firstInvalidUtf8Offset(Buffer.from([0x41, 0x42, 0xe2, 0x82]))).toBe(2); // truncated
    expect(firstInvalidUtf8Offset(Buffer.from([0x80]))).toBe(0); // lone continuation
  });
});
