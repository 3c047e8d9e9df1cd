// The migration CSV, read once per use and checked against Exchange: the one way the
// handlers that take a CSV (batch new, Create, the kept upload, csv build) do
// "validate, then look up in Exchange". Reading is validateMigrationCsv (bytes in,
// rows with Secret passwords and the file's masker out); this adds what only Exchange
// can answer (the target mailbox exists, the user is in no other batch).

import { applyTargetChecks, isAmbiguous, validateMigrationCsv, type MigrationCsvValidation, type TargetLookups } from '../domain/csv/migrationCsv';
import type { CsvReadingChoice } from '../domain/csv/readCsv';
import { asImapServer, type ImapServer, type Mailbox, type MigrationUser } from '../domain/exchange/types';
import { isIncompleteList } from '../ports/exchange';
import { forEachLimited } from '../lib/pool';
import { licenceWarningLine } from './guide';
import type { Actor, CommandDeps } from './types';

const LOOKUP_CONCURRENCY = 8;
/** Above this many addresses, list all mailboxes once instead of asking one by one. */
const BULK_LOOKUP_FROM = 200;

/** A kept (sealed) upload, read as the admin chose on the card (what was not chosen is detected). */
export function readKeptCsv(kept: { csv: Buffer; pending: { reading?: CsvReadingChoice } }): MigrationCsvValidation {
  return validateMigrationCsv(kept.csv, { reading: kept.pending.reading });
}

/**
 * The validation with Exchange's answers added (a file that cannot be used is returned as
 * it is: nothing to look up). Mailboxes or other batches may change: call it at each use.
 */
export async function checkCsvAgainstExchange(deps: Pick<CommandDeps, 'exchange'>, validation: MigrationCsvValidation): Promise<MigrationCsvValidation> {
  if (validation.fatal) return validation;
  return applyTargetChecks(validation, await targetLookups(deps, validation));
}

/** Exchange answers "does the mailbox exist" and "which batch holds this user". */
export async function targetLookups(deps: Pick<CommandDeps, 'exchange'>, validation: MigrationCsvValidation): Promise<TargetLookups> {
  const emails = [...new Set(validation.rows.map((r) => r.emailAddress.toLowerCase()))];
  // Exchange may hand over only part of a list (it can refuse next links): what was read still counts,
  // and Exchange itself refuses a user already in another batch when the batch is created.
  const users = await deps.exchange.getMigrationUsers().catch((e: unknown) => {
    if (isIncompleteList(e)) return e.partial as MigrationUser[];
    throw e;
  });
  const batchOf = new Map(users.map((u) => [u.emailAddress.toLowerCase(), u.batchId]));
  const exists = new Set<string>();
  const askEach = (list: string[]) =>
    forEachLimited(list, LOOKUP_CONCURRENCY, async (email) => {
      if (await deps.exchange.getMailbox(email)) exists.add(email);
    });
  if (emails.length > BULK_LOOKUP_FROM) {
    // One paged Get-Mailbox beats thousands of single lookups; proxy addresses count too.
    let mailboxes: Mailbox[];
    let partial = false;
    try {
      mailboxes = await deps.exchange.getMailboxes();
    } catch (e) {
      if (!isIncompleteList(e)) throw e;
      mailboxes = e.partial as Mailbox[];
      partial = true;
    }
    for (const m of mailboxes) {
      exists.add(m.primarySmtpAddress.toLowerCase());
      for (const a of m.emailAddresses) exists.add(a.replace(/^smtp:/i, '').toLowerCase());
    }
    // Never "no mailbox" for an address the partial list just did not reach: ask for each one.
    if (partial) await askEach(emails.filter((e) => !exists.has(e)));
  } else {
    await askEach(emails);
  }
  return { mailboxExists: (e: string) => exists.has(e), batchOf: (e: string) => batchOf.get(e) ?? null };
}

/**
 * The endpoint a kept upload names, as Exchange has it now; when it was removed since the
 * upload, as it was then (its server is kept with the upload), so the card can still say where.
 */
export async function endpointOfKept(
  deps: Pick<CommandDeps, 'exchange'>,
  entry: { endpoint: string; summary: Record<string, unknown> },
): Promise<ImapServer & { identity: string }> {
  const now = await deps.exchange.getMigrationEndpoint(entry.endpoint);
  if (now) return now;
  return { identity: entry.endpoint, ...(asImapServer(entry.summary.server) ?? { remoteServer: '(removed)', port: 0, security: 'Ssl' }) };
}

/** Kept (sealed) for the Create button: some users can be created, or the card must ask how to read the file. */
export function worthKeeping(validation: MigrationCsvValidation): boolean {
  return (!validation.fatal && validation.totals.validRows > 0) || (validation.reading !== null && isAmbiguous(validation.reading));
}

/** A batch's CSV check done: its audit line, and the licence line for the card (empty when the file cannot be used). */
export async function recordCheck(deps: CommandDeps, actor: Actor, batchName: string, validation: MigrationCsvValidation): Promise<string> {
  await deps.audit.record({
    actor,
    action: 'batch.validate',
    target: batchName,
    result: validation.fatal ? 'refused' : 'ok',
    detail: `${validation.totals.rows} rows, ${validation.totals.problemRows} with problems`,
  });
  return validation.fatal
    ? ''
    : licenceWarningLine(
        deps,
        validation.rows.map((r) => r.emailAddress),
      );
}
