// The CSV validation card (adaptiveCards/csvValidation.json): a migration CSV checked row
// by row before Exchange sees it, problems by kind and one page of them, how the file was
// read (and which reading, when its bytes fit several), and the buttons that create the
// batch, run preflight or page through the problems. Every text goes through the file's masker.

import { describeReading, isAmbiguous, summarizeProblems, type CsvProblemCode, type MigrationCsvValidation } from '../domain/csv/migrationCsv';
import { encodingLabel, separatorLabel, type CsvEncoding, type CsvSeparator } from '../domain/csv/readCsv';
import { cleartextPasswordWarning } from '../domain/exchange/cleartext';
import { toPowerShell } from '../domain/exchange/powershell';
import type { ImapServer } from '../domain/exchange/types';
import type { CardAction, Fact } from './notice';
import { renderCard } from './render';
import type { Reply } from './reply';

export const PROBLEMS_PAGE_SIZE = 15;

const CODE_LABEL: Record<CsvProblemCode, string> = {
  EmptyFile: 'empty file',
  MissingHeader: 'no header row',
  FileTooLarge: 'file over 10 MB',
  TooManyRows: 'more than 50,000 rows',
  InvalidUtf8: 'not UTF-8 text',
  UnterminatedQuote: 'unterminated quote',
  MissingColumn: 'missing column',
  UnknownColumn: 'unknown column',
  DuplicateColumn: 'column twice in the header',
  NoDataRows: 'no users in the file',
  WrongColumnCount: 'wrong number of columns',
  MisplacedQuote: 'misplaced quote',
  MissingEmailAddress: 'missing EmailAddress',
  InvalidEmailAddress: 'bad email address',
  DuplicateEmailAddress: 'address twice in the file',
  MissingUserName: 'missing UserName',
  MissingPassword: 'missing Password',
  TargetMailboxNotFound: 'target mailbox not found',
  AlreadyInBatch: 'already in another batch',
};

/** The template's data. */
interface CsvValidationData {
  /** Bold warning under the title (e.g. the endpoint sends passwords in clear). */
  warning?: string;
  /** Which reading of the file's bytes is right (asked before anything is created). */
  readingQuestion?: string;
  batch: string;
  headline: string;
  headlineColor: string;
  facts: Fact[];
  byKind: { label: string; count: string }[];
  page: { from: number; to: number; total: string };
  problems: { where: string; message: string; fix: string }[];
  note: string;
  powershell: string;
  actions: CardAction[];
}

export interface CsvValidationInput {
  batch: string;
  /** The endpoint's name and server (a MigrationEndpoint is one). */
  endpoint: ImapServer & { identity: string };
  excludeFolders: string[];
  fileName: string;
  /** The sealed upload the buttons act on; null: the card only reports (no buttons). */
  pendingId: string | null;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The validation card for one page of problems (page counts from 0), masked with the file's masker. */
export function csvValidationCard(input: CsvValidationInput, validation: MigrationCsvValidation, page: number, licenceWarning = ''): Reply {
  const s = summarizeProblems(validation, { page: page + 1, pageSize: PROBLEMS_PAGE_SIZE });
  const { rows, validRows, problemRows } = validation.totals;
  const fatal = validation.fatal;
  const headline = fatal
    ? 'Exchange would reject this file. Fix it and attach it again.'
    : problemRows === 0
      ? `All ${n(rows)} rows are ready.`
      : `${n(validRows)} of ${n(rows)} rows are ready; ${n(problemRows)} ${problemRows === 1 ? 'row has' : 'rows have'} problems.`;
  const actions: CardAction[] = [];
  const pid = input.pendingId;
  // Bytes that read more than one way: ask which reading is right before anything is created.
  const ask = pid ? readingChoices(validation, pid) : null;
  if (ask) actions.push(...ask.actions);
  if (pid && !fatal && validRows > 0 && !ask) {
    if (problemRows === 0) actions.push({ title: `Create batch ${input.batch}`, verb: 'batch.create', data: { pending: pid }, style: 'positive' });
    else
      actions.push({
        title: `Drop ${n(problemRows)} problem ${problemRows === 1 ? 'row' : 'rows'} and create`,
        verb: 'batch.create',
        data: { pending: pid, dropProblems: true },
        style: 'positive',
      });
  }
  if (pid && !fatal && validRows > 0 && !ask) actions.push({ title: 'Run preflight', verb: 'preflight.run', data: { pending: pid } });
  if (s.page > 1) actions.push({ title: 'Previous problems', verb: 'batch.problems', data: { pending: pid, page: page - 1 } });
  if (s.page < s.pageCount) actions.push({ title: 'More problems', verb: 'batch.problems', data: { pending: pid, page: page + 1 } });
  if (pid) actions.push({ title: 'Cancel', verb: 'batch.cancel', data: { pending: pid } });
  const params: Record<string, unknown> = { Name: input.batch, SourceEndpoint: input.endpoint.identity, CSVData: Buffer.alloc(0), AutoStart: true };
  if (input.excludeFolders.length) params.ExcludeFolders = input.excludeFolders;
  const inClear = cleartextPasswordWarning(input.endpoint);
  const data: CsvValidationData = {
    ...(inClear ? { warning: inClear } : {}),
    ...(ask ? { readingQuestion: ask.question } : {}),
    batch: input.batch,
    headline,
    headlineColor: fatal ? 'Attention' : problemRows ? 'Warning' : 'Good',
    facts: [
      { title: 'File', value: input.fileName },
      ...(validation.reading ? [{ title: 'Read as', value: describeReading(validation.reading) }] : []),
      { title: 'Endpoint', value: `${input.endpoint.identity} (${input.endpoint.remoteServer}:${input.endpoint.port}, ${input.endpoint.security})` },
      { title: 'Rows', value: rows.toLocaleString('en-US') },
      { title: 'Ready', value: validRows.toLocaleString('en-US') },
      { title: 'Excluded folders', value: input.excludeFolders.length ? input.excludeFolders.join(', ') : 'none' },
    ],
    byKind: s.byCode.map((b) => ({ label: CODE_LABEL[b.code] ?? b.code, count: b.count.toLocaleString('en-US') })),
    page: { from: (s.page - 1) * s.pageSize + 1, to: (s.page - 1) * s.pageSize + s.problems.length, total: s.totalProblems.toLocaleString('en-US') },
    problems: s.problems.map((p) => ({
      where: p.rowNumber === null ? 'File' : `Row ${p.rowNumber}${p.column ? `, ${p.column}` : ''}`,
      message: p.message,
      fix: p.fix,
    })),
    note: [
      licenceWarning,
      pid ? 'Passwords from the file are kept encrypted until you click Create, and wiped after creation, cancellation or 30 minutes.' : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
    powershell: toPowerShell('New-MigrationBatch', params, { csvFileName: /\.csv$/i.test(input.fileName) ? input.fileName : 'migration.csv' }),
    actions,
  };
  const masker = validation.masker;
  return { card: masker.scrubDeep(renderCard('csvValidation', data)), summary: masker.scrub(`Batch ${input.batch}: ${headline}`) };
}

/** The readings to offer when the file's bytes fit more than one (at most 4 buttons), and the question. */
function readingChoices(validation: MigrationCsvValidation, pendingId: string): { question: string; actions: CardAction[] } | null {
  const r = validation.reading;
  if (!r || !isAmbiguous(r)) return null;
  const encodings: CsvEncoding[] = [r.encoding, ...r.encodingAlternatives];
  const separators: CsvSeparator[] = [r.separator, ...r.separatorAlternatives];
  const actions: CardAction[] = [];
  for (const encoding of encodings) {
    for (const separator of separators) {
      if (actions.length >= 4) break;
      const label = describeReading({ encoding, separator, bom: r.bom });
      actions.push({
        title: `Read as ${label}`,
        verb: 'batch.reading',
        data: { pending: pendingId, encoding, separator },
        ...(actions.length === 0 ? { style: 'positive' as const } : {}),
      });
    }
  }
  // A name with accents, as this reading gives it, helps the admin see which one is right.
  const sample = validation.rows.find((row) => /[^\x00-\x7f]/.test(row.userName));
  const parts: string[] = [];
  if (r.encodingAlternatives.length) {
    parts.push(
      `The file is not UTF-8, and some of its characters read differently in ${[r.encoding, ...r.encodingAlternatives].map((e) => encodingLabel(e, true)).join(' and ')}.`,
    );
  }
  if (r.separatorAlternatives.length) {
    parts.push(`Its first line could be split on ${[r.separator, ...r.separatorAlternatives].map(separatorLabel).join(' or ')}.`);
  }
  if (sample) parts.push(`Read as ${describeReading(r)}, row ${sample.rowNumber}'s UserName is "${sample.userName}".`);
  parts.push('Which reading is right? Nothing is created until you choose.');
  return { question: parts.join(' '), actions };
}
