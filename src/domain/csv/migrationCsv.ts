// The IMAP migration CSV as Exchange Online takes it (New-MigrationBatch -CSVData):
// EmailAddress,UserName,Password[,UserRoot]. Validation mirrors Exchange's own checks
// (same limits, same wording where Exchange's text is known) and adds the ones that
// would otherwise surface only as failed migration users hours later.
// Passwords are wrapped in Secret at once and never appear in a problem text.

import { CSV_MAX_BYTES, CSV_MAX_ROWS } from '../exchange/types';
import { Secret } from '../secret';
import { CsvMasker } from './csvMasker';
import type { MigrationCsvRow } from './migrationRow';
import { CsvRecord, parseCsv } from './parseCsv';
import { encodingLabel, readCsvBytes, type CsvReading, type CsvReadingChoice, type CsvSeparator } from './readCsv';

export { CsvMasker, MASK } from './csvMasker';
export type { MigrationCsvRow } from './migrationRow';
export { describeReading, isAmbiguous, type CsvReading, type CsvReadingChoice } from './readCsv';

export type MigrationCsvColumn = 'EmailAddress' | 'UserName' | 'Password' | 'UserRoot';

export const REQUIRED_COLUMNS: readonly MigrationCsvColumn[] = ['EmailAddress', 'UserName', 'Password'];
export const ALL_COLUMNS: readonly MigrationCsvColumn[] = ['EmailAddress', 'UserName', 'Password', 'UserRoot'];

export type CsvProblemCode =
  // The file as a whole (rowNumber null, fatal).
  | 'EmptyFile'
  | 'MissingHeader'
  | 'FileTooLarge'
  | 'TooManyRows'
  | 'InvalidUtf8'
  | 'UnterminatedQuote'
  | 'MissingColumn'
  | 'UnknownColumn'
  | 'DuplicateColumn'
  | 'NoDataRows'
  // One row (the row can be dropped and the rest used).
  | 'WrongColumnCount'
  | 'MisplacedQuote'
  | 'MissingEmailAddress'
  | 'InvalidEmailAddress'
  | 'DuplicateEmailAddress'
  | 'MissingUserName'
  | 'MissingPassword'
  // Added by applyTargetChecks.
  | 'TargetMailboxNotFound'
  | 'AlreadyInBatch';

export interface CsvProblem {
  /** 1-based data row (the first row after the header is 1); null for the whole file. */
  rowNumber: number | null;
  /** Physical line in the file (1-based), when known. */
  line: number | null;
  column: MigrationCsvColumn | null;
  code: CsvProblemCode;
  /** What is wrong, in plain words. Never contains a password. */
  message: string;
  /** How to fix it. */
  fix: string;
}

export interface MigrationCsvHeader {
  /** Header names as written in the file, in file order. */
  names: string[];
  /** Column index of each known column, or -1 when absent. */
  indexOf: Record<MigrationCsvColumn, number>;
  /** Names that are not Exchange migration columns (ignored when allowUnknownColumns). */
  unknown: string[];
  hasUserRoot: boolean;
  /** Physical line of the header. */
  line: number;
}

export interface MigrationCsvTotals {
  /** Data rows in the file (blank lines not counted). */
  rows: number;
  validRows: number;
  problemRows: number;
}

export interface MigrationCsvValidation {
  header: MigrationCsvHeader | null;
  rows: MigrationCsvRow[];
  problems: CsvProblem[];
  totals: MigrationCsvTotals;
  /** The file as a whole cannot be used (a problem with rowNumber null). */
  fatal: boolean;
  /**
   * Hides every value of this file that could be a password (see passwordCells below).
   * Every text built from the file (cards, summaries, errors, logs) goes through it.
   */
  masker: CsvMasker;
  /** How the bytes were read (encoding, separator, and the other readings that would fit); null when they could not be. */
  reading: CsvReading | null;
}

export interface ValidateOptions {
  /** Mirrors New-MigrationBatch -AllowUnknownColumnsInCsv: unknown columns are ignored instead of rejected. */
  allowUnknownColumns?: boolean;
  /** The encoding and separator the admin chose on the card; what is not chosen is detected. */
  reading?: CsvReadingChoice;
}

const CSV_HELP = 'The first line must be the header EmailAddress,UserName,Password (UserRoot optional), then one line per migration user.';

export function validateMigrationCsv(input: Buffer | string, options: ValidateOptions = {}): MigrationCsvValidation {
  const problems: CsvProblem[] = [];
  // Whatever Excel wrote (UTF-8, UTF-16, Windows-1252; commas, semicolons, tabs) is read
  // here; Exchange later gets the comma-separated UTF-8 file (serializeMigrationCsv).
  const read = readCsvBytes(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, options.reading);
  if (!read.ok) {
    problems.push(
      fileProblem(
        'InvalidUtf8',
        read.line,
        `${read.message} Cutover could not read it as ${encodingLabel(read.encoding, true)}, so names and passwords with accents would arrive garbled.`,
        'Choose another reading on this card, or save the file as "CSV UTF-8 (Comma delimited)" in Excel and upload it again.',
      ),
    );
    return result(null, [], problems, 0, CsvMasker.none, null);
  }
  const text = read.text;
  const reading = read.reading;
  const separator = reading.separator;
  // Exchange's 10 MB limit is on the UTF-8 file it receives.
  const byteLength = reading.encoding === 'utf-8' && typeof input !== 'string' ? input.length : Buffer.byteLength(text, 'utf8');

  if (byteLength > CSV_MAX_BYTES) {
    problems.push(
      fileProblem(
        'FileTooLarge',
        null,
        `The CSV file is ${formatMegabytes(byteLength)}; Exchange accepts at most 10 MB per migration batch.`,
        'Divide the file into two or more files and submit them separately (for example by department or alphabetically).',
      ),
    );
  }

  if (isBlank(text)) {
    problems.push(fileProblem('EmptyFile', null, "Upload file can't be empty.", `Put the migration users in the file and upload it again. ${CSV_HELP}`));
    return result(null, [], problems, 0, CsvMasker.none, reading);
  }

  // One pass: the first non-blank record is the header, the rest are rows.
  // Which cells count as passwords (what the file's masker hides) is decided here:
  // - With a usable header (EmailAddress, UserName and Password named once each), a row
  //   "fits" when it has the header's number of fields and a valid address under
  //   EmailAddress. In a fitting row the Password cell and the cells of any extra
  //   (unknown) column are passwords; the address, UserName and UserRoot are not.
  // - A row that does not fit (wrong field count, empty or invalid address: shifted or
  //   shuffled columns) may hold its password in any cell, so every cell of it is one.
  // - Without a usable header (no header row at all, a required column missing, unknown
  //   or duplicate columns) and past the 50,000-row limit the rows are not read, and
  //   every cell of them is a password; so is every cell of a first line that is data
  //   rather than a header.
  // Problem texts never quote a cell that could be one of them either (row and line
  // numbers say where). A swapped UserName/Password pair still "fits": the preflight,
  // the only place that shows user names, hides the user names whose sign-in failed.
  const secrets: string[] = [];
  let header: HeaderResult | null = null;
  let reader: RowReader | null = null;
  const rows: MigrationCsvRow[] = [];
  let dataRows = 0;
  const parsed = parseCsv(
    text,
    (record) => {
      if (isBlankRecord(record)) return;
      if (header === null) {
        header = readHeader(record, options, problems);
        if (header.ok) reader = new RowReader(header.header, rows, problems, secrets, separator);
        else if (!header.isHeader) pushCells(secrets, record.fields);
        return;
      }
      dataRows++;
      // Past the limit the file is rejected anyway; stop building rows so a huge file stays cheap.
      if (reader !== null && dataRows <= CSV_MAX_ROWS) reader.read(record, dataRows);
      else pushCells(secrets, record.fields);
    },
    separator,
  );
  const masker = CsvMasker.of(secrets);
  secrets.length = 0;
  if (parsed.error) {
    problems.push(
      fileProblem(
        'UnterminatedQuote',
        parsed.error.line,
        `${parsed.error.message} Everything after it would be read as one field.`,
        `Close the quoted field that starts on line ${parsed.error.line}. If a password contains a double quote, wrap the whole password in quotes and write the quote twice ("").`,
      ),
    );
  }
  // (TS narrows the closure-assigned variable to null; re-widen it.)
  const headerResult = header as HeaderResult | null;
  if (headerResult === null) {
    if (!parsed.error) {
      problems.push(fileProblem('EmptyFile', null, "Upload file can't be empty.", `Put the migration users in the file and upload it again. ${CSV_HELP}`));
    }
    return result(null, [], sortProblems(problems), 0, masker, reading);
  }

  if (dataRows > CSV_MAX_ROWS) {
    problems.push(
      fileProblem(
        'TooManyRows',
        null,
        `The CSV file contains more than 50,000 rows (it has ${dataRows.toLocaleString('en-US')}). Please divide the file into two or more files and submit them separately.`,
        'Split the migration users into several smaller batches, for example by department or alphabetically; smaller batches are also easier to follow.',
      ),
    );
  } else if (dataRows === 0 && headerResult.ok && !parsed.error) {
    problems.push(
      fileProblem(
        'NoDataRows',
        null,
        'The CSV file has a header but no migration users.',
        'Add one line per mailbox to migrate under the header: EmailAddress,UserName,Password.',
      ),
    );
  }

  return result(headerResult.ok ? headerResult.header : null, rows, sortProblems(problems), dataRows, masker, reading);
}

function pushCells(secrets: string[], fields: string[]): void {
  for (const f of fields) if (f.trim() !== '') secrets.push(f);
}

// ---------------------------------------------------------------------------
// Header

type HeaderResult = { ok: true; header: MigrationCsvHeader } | { ok: false; isHeader: boolean };

function readHeader(record: CsvRecord, options: ValidateOptions, problems: CsvProblem[]): HeaderResult {
  const indexOf: Record<MigrationCsvColumn, number> = { EmailAddress: -1, UserName: -1, Password: -1, UserRoot: -1 };
  const unknown: string[] = [];
  const names = record.fields.map((f) => f.trim());
  const before = problems.length;

  // A first line that names no migration column, or holds an email address, is data, not
  // a header (a file without a header row): say so without showing any of it, it may
  // hold a password.
  const known = names.filter((n) => ALL_COLUMNS.some((c) => c.toLowerCase() === n.toLowerCase())).length;
  if (known === 0 || names.some((n) => isEmailAddress(n))) {
    problems.push(
      fileProblem(
        'MissingHeader',
        record.line,
        `The first line of the file is not the header EmailAddress,UserName,Password: it looks like a migration user (its values are not shown here, as they may include a password).`,
        `Add the header line EmailAddress,UserName,Password as the first line, with the columns of every row in that order. ${CSV_HELP}`,
      ),
    );
    return { ok: false, isHeader: false };
  }

  names.forEach((name, index) => {
    const column = ALL_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!column) {
      unknown.push(name);
      return;
    }
    if (indexOf[column] >= 0) {
      problems.push(
        fileProblem(
          'DuplicateColumn',
          record.line,
          `Column "${column}" appears more than once in the header (line ${record.line}).`,
          `Keep one "${column}" column and delete the other.`,
        ),
      );
      return;
    }
    indexOf[column] = index;
  });

  for (const column of REQUIRED_COLUMNS) {
    if (indexOf[column] < 0) {
      problems.push({
        rowNumber: null,
        line: record.line,
        column,
        code: 'MissingColumn',
        message: `Column "${column}" is missing from the CSV file. The import process can't continue because this column is required.`,
        fix: `Make the first line of the file the header EmailAddress,UserName,Password (UserRoot optional). The header found was: ${describeHeader(names)}.`,
      });
    }
  }

  if (unknown.length > 0 && !options.allowUnknownColumns) {
    const list = unknown.map((u) => `"${truncate(u, 40)}"`).join(', ');
    problems.push(
      fileProblem(
        'UnknownColumn',
        record.line,
        `The header has ${unknown.length === 1 ? 'a column' : 'columns'} Exchange does not know: ${list}. Exchange rejects a migration CSV with unknown columns.`,
        'Delete the extra columns, or rename them to EmailAddress, UserName, Password or UserRoot (spelling as shown, no spaces inside the name).',
      ),
    );
  }

  if (problems.length > before) return { ok: false, isHeader: true };
  return {
    ok: true,
    header: {
      names: record.fields.slice(),
      indexOf,
      unknown,
      hasUserRoot: indexOf.UserRoot >= 0,
      line: record.line,
    },
  };
}

function describeHeader(names: string[]): string {
  const shown = names
    .slice(0, 6)
    .map((n) => truncate(n, 30))
    .join(',');
  return names.length > 6 ? `${shown},…` : shown || '(empty)';
}

// ---------------------------------------------------------------------------
// Rows

// Dot-atom local part and a dotted domain with a letter TLD (or an IDN xn-- TLD).
const EMAIL_RE =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

class RowReader {
  private readonly expected: number;
  private readonly iEmail: number;
  private readonly iUser: number;
  private readonly iPass: number;
  private readonly iRoot: number;
  private readonly passwordIsLast: boolean;
  /** lower-cased address -> data row where it first appeared */
  private readonly firstRowOf = new Map<string, number>();

  constructor(
    private readonly header: MigrationCsvHeader,
    private readonly rows: MigrationCsvRow[],
    private readonly problems: CsvProblem[],
    /** Cells that could be passwords (the rule is in validateMigrationCsv). */
    private readonly secrets: string[],
    private readonly separator: CsvSeparator = ',',
  ) {
    this.expected = header.names.length;
    this.iEmail = header.indexOf.EmailAddress;
    this.iUser = header.indexOf.UserName;
    this.iPass = header.indexOf.Password;
    this.iRoot = header.indexOf.UserRoot;
    this.passwordIsLast = this.iPass === this.expected - 1;
  }

  read(record: CsvRecord, rowNumber: number): void {
    const { header, rows, problems, expected, iEmail, iUser, iPass, iRoot, passwordIsLast, firstRowOf } = this;
    const fields = record.fields;
    const line = record.line;
    const where = `Row ${rowNumber} (line ${line})`;
    if (fields.length !== expected) {
      pushCells(this.secrets, fields);
      const tooMany = fields.length > expected;
      problems.push({
        rowNumber,
        line,
        column: null,
        code: 'WrongColumnCount',
        message: `Row ${rowNumber} has the wrong number of columns. Expected number: ${expected}. Actual number: ${fields.length}. (line ${line} of the file)`,
        fix: tooMany
          ? `A value in this row probably contains ${SEPARATOR_ONE[this.separator]}${passwordIsLast ? ' (often the password)' : ''}. Put double quotes around any value that contains ${SEPARATOR_ONE[this.separator]}, e.g. "pass${this.separator}word", and write a quote inside it as two quotes (""); otherwise remove the extra values.`
          : `Fill in every column of the header for this row: ${header.names.map((n) => n.trim()).join(',')}.`,
      });
      return;
    }

    const rawEmail = fields[iEmail];
    const email = rawEmail.trim();
    const userName = fields[iUser].trim();
    const passwordText = fields[iPass];
    const password = new Secret(passwordText);
    const fits = email !== '' && isEmailAddress(email);
    if (fits) {
      this.secrets.push(passwordText);
      for (let i = 0; i < fields.length; i++) if (columnAt(header, i) === null) this.secrets.push(fields[i]);
    } else {
      pushCells(this.secrets, fields);
    }

    if (record.quoteIssueField >= 0) {
      const column = columnAt(header, record.quoteIssueField);
      problems.push({
        rowNumber,
        line,
        column,
        code: 'MisplacedQuote',
        message: `${where}, column ${column ?? record.quoteIssueField + 1}: the double quotes are misplaced (text after the closing quote, or spaces before the opening one), so spreadsheets read this value differently.`,
        fix: 'Put double quotes around the whole value only, with nothing between the quotes and the commas; write a quote inside the value as two quotes ("").',
      });
    }

    if (email === '') {
      problems.push({
        rowNumber,
        line,
        column: 'EmailAddress',
        code: 'MissingEmailAddress',
        message: `${where}, column EmailAddress: the email address is empty.`,
        fix: "Enter the user's Exchange Online mailbox address (the target mailbox), e.g. holly@contoso.com.",
      });
    } else if (!fits) {
      // The value is not shown: with columns out of order it may well be the password.
      const elsewhere = fields.findIndex((f, i) => i !== iEmail && isEmailAddress(f.trim()));
      problems.push({
        rowNumber,
        line,
        column: 'EmailAddress',
        code: 'InvalidEmailAddress',
        message: `${where}, column EmailAddress: the value is not a valid email address (not shown here: if the columns are out of order it may be a password).`,
        fix:
          elsewhere >= 0
            ? `Column ${elsewhere + 1} of this row holds an email address: put the values of every row in the order of the header (${header.names.map((n) => n.trim()).join(',')}).`
            : "Enter the user's Exchange Online mailbox address in the form name@domain.com, with no spaces, brackets or display name.",
      });
    } else {
      const key = email.toLowerCase();
      const firstRow = firstRowOf.get(key);
      if (firstRow === undefined) {
        firstRowOf.set(key, rowNumber);
      } else {
        problems.push({
          rowNumber,
          line,
          column: 'EmailAddress',
          code: 'DuplicateEmailAddress',
          message: `${where}, column EmailAddress: the same address as in row ${firstRow}. Each mailbox can be migrated only once per batch.`,
          fix: `Delete this row, or row ${firstRow}, whichever is wrong; if two users share this address by mistake, correct one of them.`,
        });
      }
    }

    if (userName === '') {
      problems.push({
        rowNumber,
        line,
        column: 'UserName',
        code: 'MissingUserName',
        message: `${where}, column UserName: the IMAP user name is empty.`,
        fix: 'Enter the login name on the old mail server (e.g. hollyh, contoso\\hollyh, or an admin form such as terry.adams*mailadmin).',
      });
    }

    if (passwordText.length === 0) {
      problems.push({
        rowNumber,
        line,
        column: 'Password',
        code: 'MissingPassword',
        message: `${where}, column Password: the password is empty.`,
        fix: "Enter the user's password on the old mail server (or the admin password when UserName uses an admin login).",
      });
    }

    const row: MigrationCsvRow = { rowNumber, line, emailAddress: email, userName, password };
    if (iRoot >= 0) {
      const root = fields[iRoot].trim();
      if (root !== '') row.userRoot = root;
    }
    rows.push(row);
  }
}

function isEmailAddress(email: string): boolean {
  return email.length <= 254 && email.indexOf('@') <= 64 && EMAIL_RE.test(email);
}

function columnAt(header: MigrationCsvHeader, index: number): MigrationCsvColumn | null {
  for (const c of ALL_COLUMNS) if (header.indexOf[c] === index) return c;
  return null;
}

// ---------------------------------------------------------------------------
// Target checks (pure: the lookups are answered by the caller beforehand)

export interface TargetLookups {
  /** True when an Exchange Online mailbox exists for the (lower-cased) address. */
  mailboxExists(email: string): boolean;
  /** The migration batch already holding a migration user for the address, or null. */
  batchOf(email: string): string | null;
}

const TARGET_CODES: ReadonlySet<CsvProblemCode> = new Set<CsvProblemCode>(['TargetMailboxNotFound', 'AlreadyInBatch']);
const UNCHECKABLE_EMAIL: ReadonlySet<CsvProblemCode> = new Set<CsvProblemCode>(['MissingEmailAddress', 'InvalidEmailAddress', 'DuplicateEmailAddress']);

/**
 * Adds the checks only Exchange can answer: the target mailbox must exist, and a
 * migration user can be in one batch only. Returns a new validation; applying it
 * again replaces the previous target problems.
 */
export function applyTargetChecks(validation: MigrationCsvValidation, lookups: TargetLookups): MigrationCsvValidation {
  const problems = validation.problems.filter((p) => !TARGET_CODES.has(p.code));
  if (validation.fatal) return { ...validation, problems };

  const skip = new Set<number>();
  for (const p of problems) if (p.rowNumber !== null && UNCHECKABLE_EMAIL.has(p.code)) skip.add(p.rowNumber);

  const added: CsvProblem[] = [];
  for (const row of validation.rows) {
    if (skip.has(row.rowNumber)) continue;
    const email = row.emailAddress.toLowerCase();
    const where = `Row ${row.rowNumber} (line ${row.line})`;
    if (!lookups.mailboxExists(email)) {
      // Not shown: an address nobody has may be a password in the wrong column.
      added.push({
        rowNumber: row.rowNumber,
        line: row.line,
        column: 'EmailAddress',
        code: 'TargetMailboxNotFound',
        message: `${where}, column EmailAddress: no Exchange Online mailbox was found for the address in this row.`,
        fix: 'Create the mailbox and assign it a licence in Microsoft 365 before the batch starts, or correct the address to the one of an existing mailbox.',
      });
    }
    const batch = lookups.batchOf(email);
    if (batch !== null) {
      // Exchange knows it as a migration user's address: shown, unless it equals a password.
      const shown = validation.masker.show(row.emailAddress, 'the address in this row');
      added.push({
        rowNumber: row.rowNumber,
        line: row.line,
        column: 'EmailAddress',
        code: 'AlreadyInBatch',
        message: `${where}, column EmailAddress: ${shown} is already a migration user in batch "${batch}". A user can be in only one migration batch at a time.`,
        fix: `Remove the migration user from batch "${batch}" first (user remove ${validation.masker.isSecret(row.emailAddress) ? '<address>' : row.emailAddress}), or delete this row.`,
      });
    }
  }
  const all = sortProblems(problems.concat(added));
  return { ...validation, problems: all, totals: countTotals(validation.totals.rows, all), fatal: isFatal(all) };
}

// ---------------------------------------------------------------------------
// Output

/** Rows with no problem at all: what can go to Exchange when the admin chooses to skip the rest. */
export function dropProblemRows(validation: MigrationCsvValidation): MigrationCsvRow[] {
  const bad = problemRowNumbers(validation.problems);
  return validation.rows.filter((r) => !bad.has(r.rowNumber));
}

/**
 * The CSV handed to Exchange (-CSVData): canonical header, RFC 4180 quoting, CRLF,
 * UTF-8 without BOM. Passwords are written exactly as given. The Buffer holds clear
 * passwords: pass it to Exchange only, never store or log it.
 */
export function serializeMigrationCsv(rows: readonly MigrationCsvRow[]): Buffer {
  const withRoot = rows.some((r) => r.userRoot !== undefined && r.userRoot !== '');
  const parts: string[] = [withRoot ? 'EmailAddress,UserName,Password,UserRoot' : 'EmailAddress,UserName,Password'];
  for (const r of rows) {
    let line = `${csvField(r.emailAddress)},${csvField(r.userName)},${csvField(r.password.reveal())}`;
    if (withRoot) line += `,${csvField(r.userRoot ?? '')}`;
    parts.push(line);
  }
  return Buffer.from(parts.join('\r\n') + '\r\n', 'utf8');
}

const NEEDS_QUOTES = /[",\r\n]|^[ \t]|[ \t]$/;

function csvField(value: string): string {
  if (!NEEDS_QUOTES.test(value)) return value;
  return `"${value.replace(/"/g, '""')}"`;
}

export interface ProblemCodeCount {
  code: CsvProblemCode;
  count: number;
}

export interface ProblemSummary {
  totals: MigrationCsvTotals;
  fatal: boolean;
  /** Every code with its count, most frequent first. */
  byCode: ProblemCodeCount[];
  /** 1-based page actually shown (clamped to the available pages). */
  page: number;
  pageSize: number;
  pageCount: number;
  totalProblems: number;
  problems: CsvProblem[];
}

/** Counts by code plus one page of problems (file-level first, then by row), for one readable card. */
export function summarizeProblems(validation: MigrationCsvValidation, paging: { page: number; pageSize: number }): ProblemSummary {
  const pageSize = Math.max(1, Math.floor(paging.pageSize) || 1);
  const total = validation.problems.length;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(pageCount, Math.max(1, Math.floor(paging.page) || 1));
  const counts = new Map<CsvProblemCode, number>();
  for (const p of validation.problems) counts.set(p.code, (counts.get(p.code) ?? 0) + 1);
  const byCode = [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  return {
    totals: validation.totals,
    fatal: validation.fatal,
    byCode,
    page,
    pageSize,
    pageCount,
    totalProblems: total,
    problems: validation.problems.slice((page - 1) * pageSize, page * pageSize),
  };
}

// ---------------------------------------------------------------------------
// Helpers

const SEPARATOR_ONE: Record<CsvSeparator, string> = { ',': 'a comma', ';': 'a semicolon', '\t': 'a tab' };

function result(
  header: MigrationCsvHeader | null,
  rows: MigrationCsvRow[],
  problems: CsvProblem[],
  dataRows: number,
  masker: CsvMasker,
  reading: CsvReading | null,
): MigrationCsvValidation {
  return { header, rows, problems, totals: countTotals(dataRows, problems), fatal: isFatal(problems), masker, reading };
}

function countTotals(rows: number, problems: CsvProblem[]): MigrationCsvTotals {
  if (isFatal(problems)) {
    // A rejected file has no valid rows; still count the ones with their own problems.
    const problemRows = problemRowNumbers(problems).size;
    return { rows, validRows: 0, problemRows };
  }
  const problemRows = problemRowNumbers(problems).size;
  return { rows, validRows: rows - problemRows, problemRows };
}

function problemRowNumbers(problems: CsvProblem[]): Set<number> {
  const set = new Set<number>();
  for (const p of problems) if (p.rowNumber !== null) set.add(p.rowNumber);
  return set;
}

function isFatal(problems: CsvProblem[]): boolean {
  return problems.some((p) => p.rowNumber === null);
}

/** File-level problems first, then by row; stable within a row. */
function sortProblems(problems: CsvProblem[]): CsvProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.rowNumber ?? 0) - (b.p.rowNumber ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

function fileProblem(code: CsvProblemCode, line: number | null, message: string, fix: string): CsvProblem {
  return { rowNumber: null, line, column: null, code, message, fix };
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) return false;
  }
  return true;
}

/** Blank, whitespace-only, or only commas (what spreadsheets leave below the data). */
function isBlankRecord(record: CsvRecord): boolean {
  const f = record.fields;
  const c = f[0].charCodeAt(0);
  // Fast path: a row starting with a visible character is not blank.
  if (c > 0x20 && c !== 0xa0 && c !== 0xfeff) return false;
  for (let i = 0; i < f.length; i++) {
    const v = f[i];
    if (v.length !== 0 && v.trim().length !== 0) return false;
  }
  return true;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
