// RFC 4180 tokenizer for the migration CSV (comma by default; semicolon or tab as Excel writes in some locales). Pure: text in, records out.
// Tolerant where spreadsheets differ (CR, LF or CRLF; BOM; blank lines) and strict
// where a guess could silently change a password (unterminated quotes). Bytes become text
// in readCsv.ts (encodings Excel writes, strict: no byte is ever replaced).

export interface CsvRecord {
  fields: string[];
  /** Physical line (1-based) on which the record starts. */
  line: number;
  /**
   * Index of the first field with misplaced quotes, or -1: text after the closing
   * quote (`"abc"def`), or spaces before the opening one (` "abc"`). Such a field is
   * kept as written, but the row should be fixed: spreadsheets disagree on what it
   * means, and for a password a wrong guess is a failed sign-in.
   */
  quoteIssueField: number;
}

export type CsvSyntaxError = { code: 'UnterminatedQuote'; line: number; message: string };

export interface CsvParseResult {
  records: CsvRecord[];
  /** Set when the text cannot be read past some point; records holds what came before it. */
  error: CsvSyntaxError | null;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;

/**
 * Splits CSV text into records. A leading BOM is ignored; blank lines are skipped;
 * quoted fields may hold commas, `""` and line breaks. Fields are returned exactly
 * as written (no trimming): callers decide which columns tolerate whitespace.
 * With onRecord, each record is handed over as it is read and none are kept
 * (records is then empty), which keeps a 50,000-row file's memory flat.
 */
export function parseCsv(text: string, onRecord?: (record: CsvRecord) => void, separator: ',' | ';' | '\t' = ','): CsvParseResult {
  const COMMA = separator.charCodeAt(0);
  const n = text.length;
  const records: CsvRecord[] = [];
  let i = n > 0 && text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let quoteIssueField = -1;
    let sawQuote = false;

    for (;;) {
      let value: string;
      let c = i < n ? text.charCodeAt(i) : -1;
      if (c === QUOTE) {
        sawQuote = true;
        const openLine = line;
        i++;
        let segStart = i;
        value = '';
        for (;;) {
          if (i >= n) {
            return {
              records,
              error: {
                code: 'UnterminatedQuote',
                line: openLine,
                message: `A quoted field that starts on line ${openLine} is never closed: a double quote (") is missing.`,
              },
            };
          }
          c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (i + 1 < n && text.charCodeAt(i + 1) === QUOTE) {
              // "" inside quotes is one literal quote.
              value += text.slice(segStart, i + 1);
              i += 2;
              segStart = i;
              continue;
            }
            value += text.slice(segStart, i);
            i++;
            break;
          }
          if (c === LF) line++;
          else if (c === CR) {
            if (i + 1 >= n || text.charCodeAt(i + 1) !== LF) line++;
          }
          i++;
        }
        c = i < n ? text.charCodeAt(i) : -1;
        if (c !== COMMA && c !== CR && c !== LF && c !== -1) {
          // Text after the closing quote: keep it literally, flag the record.
          if (quoteIssueField < 0) quoteIssueField = fields.length;
          const restStart = i;
          while (i < n) {
            c = text.charCodeAt(i);
            if (c === COMMA || c === CR || c === LF) break;
            i++;
          }
          value += text.slice(restStart, i);
          c = i < n ? c : -1;
        }
      } else {
        const start = i;
        while (c !== COMMA && c !== CR && c !== LF && c !== -1) {
          i++;
          c = i < n ? text.charCodeAt(i) : -1;
        }
        // A quote inside an unquoted field (ab"c) is kept as written.
        value = text.slice(start, i);
        const first = value.charCodeAt(0);
        if ((first === 0x20 || first === 0x09) && quoteIssueField < 0 && value.trimStart().charCodeAt(0) === QUOTE) {
          quoteIssueField = fields.length;
        }
      }
      fields.push(value);

      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === CR) {
        i++;
        if (i < n && text.charCodeAt(i) === LF) i++;
        line++;
      } else if (c === LF) {
        i++;
        line++;
      }
      break;
    }

    // An empty physical line is not a record.
    if (fields.length === 1 && !sawQuote && fields[0] === '') continue;
    const record: CsvRecord = { fields, line: startLine, quoteIssueField };
    if (onRecord) onRecord(record);
    else records.push(record);
  }

  return { records, error: null };
}

/** Offset of the first byte that breaks UTF-8 (overlongs, surrogates and > U+10FFFF included). */
export function firstInvalidUtf8Offset(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if (c === 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (c >= 0xe1 && c <= 0xef) need = 2;
    else if (c === 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (c === 0xf4) {
      need = 3;
      hi = 0x8f;
    } else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else return i;
    // The first continuation byte carries the overlong/surrogate/range limits.
    if (i + 1 >= n || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) {
      if (i + k >= n || (b[i + k] & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** The line (1-based) on which byte `offset` stands (CR, LF and CRLF each end a line). */
export function lineAtByte(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < b.length; i++) {
    const c = b[i];
    if (c === LF) line++;
    else if (c === CR && b[i + 1] !== LF) line++;
  }
  return line;
}
