// The one CSV writer for files Cutover hands to people (reports, proof, preflight, skipped items).
// Not for the migration CSV sent to Exchange (domain/csv/migrationCsv.ts): that one must stay exact.
//
// - csv-stringify does the quoting (a pure library: strings in, string out).
// - A text cell that starts with = + - @ tab or CR would be read as a formula by Excel, LibreOffice or
//   Google Sheets; OWASP's advice is a leading single quote, so it stays text. Subjects and senders
//   come from outside senders, so this is not hypothetical.
// - UTF-8 with a byte order mark, CRLF line ends: Excel opens it with accented names intact.

import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | boolean | Date | null | undefined;

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as text, with a formula-looking start neutralised. Numbers stay numbers. */
export function csvCellText(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  const s = v instanceof Date ? (Number.isNaN(v.getTime()) ? '' : v.toISOString()) : String(v);
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** A header row and data rows as the bytes of an Excel-friendly CSV file. */
export function exportCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): Buffer {
  const records = [header.map(csvCellText), ...rows.map((r) => r.map(csvCellText))];
  // quoted_match: csv-stringify quotes a field with a CRLF record delimiter in it, but not a lone CR or LF.
  const text = stringify(records, { bom: true, record_delimiter: '\r\n', quoted_match: /[\r\n]/ });
  return Buffer.from(text, 'utf8');
}
