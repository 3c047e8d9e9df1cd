// The IMAP migration CSV as New-MigrationBatch / Set-MigrationBatch -AddUsers check it
// (reference §3.1). Any failed check rejects the whole file with Exchange's text.
// Rows hold passwords: they stay in memory and never appear in an error text.

import { CSV_MAX_BYTES, CSV_MAX_ROWS } from '../../domain/exchange/types';
import { parseCsv } from '../../domain/csv/parseCsv';
import { ExceptionTypes, taskError, type CmdletError } from './errors';

export interface ImapCsvRow {
  /** 1-based line number in the file (the header is row 1). */
  row: number;
  emailAddress: string;
  userName: string;
  password: string;
  userRoot?: string;
}

const REQUIRED = ['EmailAddress', 'UserName', 'Password'] as const;
const OPTIONAL = ['UserRoot'] as const;

function csvError(text: string): CmdletError {
  return taskError(ExceptionTypes.csv, text, 'Ex8C1A3B', 'CSVData');
}

/**
 * RFC 4180 records through Cutover's one CSV tokenizer (domain/csv/parseCsv): quoted
 * fields, doubled quotes, CRLF or LF. A quote left open runs to the end of the file, as
 * it always did here; whitespace-only lines are not rows.
 */
export function splitCsv(text: string): string[][] {
  let parsed = parseCsv(text);
  // A quote never closed: its field runs to the end of the file.
  if (parsed.error) parsed = parseCsv(`${text}"`);
  const records = parsed.records.map((r) => r.fields);
  return records.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

export function parseImapCsv(data: Buffer, options: { allowUnknownColumns?: boolean } = {}): ImapCsvRow[] {
  if (data.length > CSV_MAX_BYTES) {
    throw csvError('The CSV file is larger than the maximum size of 10 MB. Split it into smaller files and create a batch for each.');
  }
  let text = data.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = splitCsv(text);
  if (records.length === 0) throw csvError("Upload file can't be empty"); // (sheet)
  const header = records[0].map((h) => h.trim());
  const rows = records.slice(1);
  if (rows.length === 0) throw csvError("Upload file can't be empty");
  if (rows.length > CSV_MAX_ROWS) {
    // (Learn, KB-T) exact text.
    throw csvError('The CSV file contains more than 50,000 rows. Please divide the file into two or more files and submit them separately.');
  }
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const known = [...REQUIRED, ...OPTIONAL].find((k) => k.toLowerCase() === h.toLowerCase());
    if (known) index.set(known, i);
    else if (!options.allowUnknownColumns) {
      throw csvError(`The column "${h}" in the CSV file isn't recognized. Remove it, or set AllowUnknownColumnsInCsv to $true to ignore unknown columns.`);
    }
  });
  for (const col of REQUIRED) {
    if (!index.has(col)) {
      // (Learn, KB-T) exact text.
      throw csvError(
        `Column "${col}" is missing from the CSV file. The import process can't continue because this column is required. Please edit the CSV file and re-submit it.`,
      );
    }
  }
  const out: ImapCsvRow[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const rowNumber = i + 2;
    if (r.length !== header.length) {
      // (Learn, KB-T) exact text.
      throw csvError(
        `Row ${rowNumber} has the wrong number of columns. Expected number: ${header.length}. Actual number: ${r.length}. Please edit this row and re-submit the file.`,
      );
    }
    const get = (col: string) => (index.has(col) ? r[index.get(col)!] : undefined);
    const emailAddress = (get('EmailAddress') ?? '').trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(emailAddress)) {
      throw csvError(`Row ${rowNumber}: The value "${emailAddress}" in column "EmailAddress" isn't a valid SMTP address.`);
    }
    const key = emailAddress.toLowerCase();
    if (seen.has(key)) throw csvError(`Row ${rowNumber}: The email address "${emailAddress}" appears more than once in the CSV file.`);
    seen.add(key);
    const userName = (get('UserName') ?? '').trim();
    if (!userName) throw csvError(`Row ${rowNumber}: The value in column "UserName" can't be empty.`);
    const userRoot = get('UserRoot')?.trim();
    out.push({ row: rowNumber, emailAddress, userName, password: get('Password') ?? '', ...(userRoot ? { userRoot } : {}) });
  });
  return out;
}
