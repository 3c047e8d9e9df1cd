// batch new: CSV intake → validation card → Create button → New-MigrationBatch.
// Between the check and the click the CSV is kept only sealed (PendingBatches),
// and the Create button is idempotent: a double click creates one batch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { csvValidationCard, PROBLEMS_PAGE_SIZE } from '../cards/csvValidation';

/** The validation card, built in cards/csvValidation.ts (here for the handlers that show it). */
export { csvValidationCard as validationCard, PROBLEMS_PAGE_SIZE };
import { dropProblemRows, validateMigrationCsv, CsvMasker, isAmbiguous } from '../domain/csv/migrationCsv';
import { keepForEndpoint } from './keepUpload';
import { imapServerOf, type MigrationEndpoint } from '../domain/exchange/types';
import { checkCsvAgainstExchange, endpointOfKept, readKeptCsv, recordCheck, worthKeeping } from './csvCheck';
import { describeWhen } from '../domain/schedule/when';
import { toPowerShell } from '../domain/exchange/powershell';
import { batchProgress } from './batch';
import type { ActionResult, Actor, CommandDeps, CommandResult, FollowUp, IncomingFile, Reply, Where } from './types';
import { actionResult, FileFetchError } from './types';
import { exchangeErrorReply, notice } from './views';
import { errorText } from '../lib/errorText';

/** The demo tenant's sample migration CSV (Microsoft's documented example rows). */
export const SAMPLE_CSV = path.resolve(
  __dirname,
  '..',
  '..',
  ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
  'samples',
  'contoso-pilot.csv',
);

export interface BatchNewInput {
  name: string;
  endpoint?: string;
  excludeFolders: string[];
  pastedCsv?: string;
  /** start <when>: created without -AutoStart, with -StartAfter (UTC); Exchange starts it by itself then. */
  startAfter?: Date;
  /** The admin's Teams time zone, to echo the start back in it. */
  timeZone?: string;
}

export async function pickEndpoint(deps: CommandDeps, wanted: string | undefined): Promise<MigrationEndpoint | Reply> {
  const endpoints = (await deps.exchange.getMigrationEndpoints()).filter((e) => e.endpointType.toUpperCase() === 'IMAP');
  if (wanted) {
    const e = endpoints.find((x) => x.identity.toLowerCase() === wanted.toLowerCase());
    if (e) return e;
    return notice({
      title: `No IMAP endpoint called ${wanted}`,
      tone: 'warn',
      text: endpoints.length ? `Endpoints: ${endpoints.map((x) => x.identity).join(', ')}.` : 'There are no IMAP endpoints yet.',
      usage: ['endpoint add <name> <host> [port] [ssl|tls|none]'],
    });
  }
  if (endpoints.length === 1) return endpoints[0];
  if (endpoints.length === 0) {
    return notice({
      title: 'Add an IMAP endpoint first',
      tone: 'warn',
      text: 'A batch needs to know which IMAP server to migrate from. For the demo source: endpoint add school imap.contoso.edu',
      usage: ['endpoint add <name> <host> [port] [ssl|tls|none]'],
    });
  }
  return notice({
    title: 'Which endpoint?',
    tone: 'warn',
    text: `There are ${endpoints.length} IMAP endpoints (${endpoints.map((x) => x.identity).join(', ')}). Say which one: batch new <name> endpoint <endpoint>`,
  });
}

/** A reply built from a CSV, through that file's masker: every card text and the summary. */
export function maskReply(reply: Reply, masker: CsvMasker): Reply {
  return { ...reply, card: masker.scrubDeep(reply.card), summary: masker.scrub(reply.summary) };
}

/** The same for a card action's answer, its extra replies and any later updates. */
export function maskAction(result: ActionResult, masker: CsvMasker): ActionResult {
  const out: ActionResult = { ...result, card: masker.scrubDeep(result.card), summary: masker.scrub(result.summary) };
  if (result.replies) out.replies = result.replies.map((r) => maskReply(r, masker));
  const followUp = result.followUp;
  if (followUp) out.followUp = maskedFollowUp(followUp, masker);
  return out;
}

/** Its updates through the masker, and its failure too (the log line says err.message). */
function maskedFollowUp(followUp: FollowUp, masker: CsvMasker): FollowUp {
  return (sink) =>
    followUp({ update: (r) => sink.update(maskReply(r, masker)) }).catch((err: unknown) => {
      throw new Error(maskedError(err, masker));
    });
}

/** A command's answer through the file's masker (replies and the follow-up's updates). */
export function maskResult(result: CommandResult, masker: CsvMasker): CommandResult {
  const out: CommandResult = { ...result, replies: result.replies.map((r) => maskReply(r, masker)) };
  const followUp = result.followUp;
  if (followUp) out.followUp = maskedFollowUp(followUp, masker);
  return out;
}

/** An error's text for a log, audit entry or stored record, through the file's masker. */
export function maskedError(err: unknown, masker: CsvMasker): string {
  return masker.scrub(errorText(err));
}

/**
 * A migration CSV pasted as message text in a channel or group chat: not read at all
 * (its passwords are already in the conversation's history for everyone in it).
 */
export function pastedCsvOutsidePersonalChat(where: Where): Reply {
  const place = where.kind === 'channel' ? 'this channel' : 'this group chat';
  return notice({
    title: 'Delete that message: it holds passwords',
    tone: 'bad',
    text: `The CSV you pasted holds every user's IMAP password, and everyone in ${place} can read it. I did not read or keep it. Delete the message now (… › Delete), then attach the CSV file to the same command in your personal chat with Cutover, where only you and Cutover see it.`,
    lines: ['If people may have seen the passwords, have them changed on the old server before the migration.'],
  });
}

function csvFiles(files: IncomingFile[]): IncomingFile[] {
  return files.filter((f) => /\.csv$/i.test(f.name) || (f.fileType ?? '').toLowerCase() === 'csv');
}

export async function newBatch(deps: CommandDeps, actor: Actor, conversationId: string, input: BatchNewInput, files: IncomingFile[]): Promise<CommandResult> {
  // Where the CSV comes from: an attached file (personal chat) or pasted under the command.
  let csv: Buffer;
  let fileName: string;
  const attached = csvFiles(files);
  if (attached.length > 1)
    return { replies: [notice({ title: 'One CSV at a time', tone: 'warn', text: `You attached ${attached.length} CSV files. Attach one per batch.` })] };
  if (attached.length === 1) {
    fileName = attached[0].name;
    try {
      csv = await deps.files.fetch(attached[0]);
    } catch (err) {
      const msg = err instanceof FileFetchError ? err.message : 'The file could not be downloaded.';
      return { replies: [notice({ title: `Could not read ${fileName}`, tone: 'bad', text: msg })] };
    }
  } else if (input.pastedCsv !== undefined) {
    fileName = 'pasted text';
    csv = Buffer.from(input.pastedCsv, 'utf8');
  } else if (files.length > 0) {
    return {
      replies: [
        notice({
          title: 'That is not a CSV file',
          tone: 'warn',
          text: `Attach the migration CSV (a .csv file with EmailAddress,UserName,Password). You attached: ${files.map((f) => f.name).join(', ')}.`,
        }),
      ],
    };
  } else {
    // Local mode: the demo tenant's sample file is one click away (the Agents Playground can't attach files).
    const sample = deps.access.mode === 'local' && fs.existsSync(SAMPLE_CSV);
    return {
      replies: [
        notice({
          title: 'Attach the migration CSV',
          tone: 'warn',
          text: `Send "batch new ${input.name}" again with the CSV file attached, or paste the CSV under the command line (first line EmailAddress,UserName,Password).`,
          usage: ['batch new <name> [endpoint <endpoint>] [exclude <folder>,<folder>…]'],
          lines: sample ? ["Local mode: you can also check the demo tenant's sample file, samples/contoso-pilot.csv."] : [],
          actions: sample
            ? [
                {
                  title: 'Use the sample CSV',
                  verb: 'batch.sample',
                  data: { name: input.name, endpoint: input.endpoint ?? '', exclude: input.excludeFolders },
                  style: 'positive',
                },
              ]
            : [],
        }),
      ],
    };
  }

  // Read once: its masker is the way out for every text of this turn.
  let validation = validateMigrationCsv(csv);
  const masker = validation.masker;
  try {
    if (await deps.exchange.getMigrationBatch(input.name)) {
      return {
        replies: [
          notice({
            title: `Batch ${input.name} already exists`,
            tone: 'warn',
            text: 'Batch names are unique in Exchange Online. Pick another name, or see it with: batch show ' + input.name,
          }),
        ],
      };
    }
    const endpoint = await pickEndpoint(deps, input.endpoint);
    // No endpoint yet (or not the one named): the file is kept sealed and a card asks for it.
    if (!('identity' in endpoint)) {
      const kept = await keepForEndpoint(deps, actor, conversationId, {
        purpose: 'batch',
        batchName: input.name,
        wanted: input.endpoint,
        excludeFolders: input.excludeFolders,
        csv,
        fileName,
        validation,
      });
      return { replies: [kept] };
    }

    validation = await checkCsvAgainstExchange(deps, validation);

    let pendingId: string | null = null;
    // Kept when it can be created, or when the card must ask how to read it.
    if (worthKeeping(validation)) {
      pendingId = await deps.pending.put({
        batchName: input.name,
        endpoint: endpoint.identity,
        excludeFolders: input.excludeFolders,
        csv,
        createdBy: { id: actor.id, name: actor.name },
        conversationId,
        summary: {
          fileName,
          server: imapServerOf(endpoint),
          rows: validation.totals.rows,
          ...(input.startAfter ? { startAfter: input.startAfter.toISOString(), timeZone: input.timeZone ?? 'UTC' } : {}),
        },
        masker,
      });
    }
    const licence = await recordCheck(deps, actor, input.name, validation);
    const card = csvValidationCard({ batch: input.name, endpoint, excludeFolders: input.excludeFolders, fileName, pendingId }, validation, 0, licence);
    return { replies: input.startAfter ? [card, scheduledNotice(input.name, input.startAfter, input.timeZone ?? 'UTC', false)] : [card] };
  } catch (err) {
    return {
      replies: [
        maskReply(exchangeErrorReply('Checking the CSV against Exchange', err, toPowerShell('Get-MigrationUser', { ResultSize: 'Unlimited' })), masker),
      ],
    };
  } finally {
    csv.fill(0);
  }
}

/** The Create button (also "Drop problem rows and create"). */
export async function createBatch(
  deps: CommandDeps,
  actor: Actor,
  pendingId: string,
  dropProblems: boolean,
  /** From a preflight: also leave out these users (blocked at the source) and exclude these folders. */
  adjust: { dropEmails?: Set<string>; excludeFolders?: string[] } = {},
): Promise<ActionResult> {
  const taken = await deps.pending.take(pendingId, { id: actor.id, name: actor.name });
  switch (taken.status) {
    case 'claimed':
      break;
    case 'already-created': {
      const progress = await batchProgress(deps, taken.batchName).catch(() => null);
      return actionResult(progress ?? notice({ title: `Batch ${taken.batchName} was already created`, tone: 'good' }), { watch: { batch: taken.batchName } });
    }
    case 'in-progress':
      // Another click (or Teams delivering the same activity twice) is creating it: leave that card alone.
      return actionResult(notice({ title: 'Already creating this batch', tone: 'warn', text: taken.message }), { keepOriginal: true });
    default:
      return actionResult(notice({ title: 'Nothing to create', tone: 'warn', text: taken.message }));
  }
  const entry = { ...taken.pending, excludeFolders: adjust.excludeFolders ?? taken.pending.excludeFolders };
  const csv = taken.csv;
  // start <when>: no -AutoStart; Exchange's own -StartAfter (UTC) starts it, even while Cutover is down.
  const startAfter =
    typeof entry.summary.startAfter === 'string' && !Number.isNaN(Date.parse(entry.summary.startAfter)) ? new Date(entry.summary.startAfter) : undefined;
  const params: Record<string, unknown> = {
    Name: entry.batchName,
    SourceEndpoint: entry.endpoint,
    CSVData: Buffer.alloc(0),
    ...(startAfter ? { StartAfter: startAfter.toISOString() } : { AutoStart: true }),
  };
  if (entry.excludeFolders.length) params.ExcludeFolders = entry.excludeFolders;
  const ps = toPowerShell('New-MigrationBatch', params);
  // Validate again at the click (as the admin chose to read it): mailboxes or other batches may have changed since.
  let validation = readKeptCsv(taken);
  const masker = validation.masker;
  try {
    validation = await checkCsvAgainstExchange(deps, validation);
    const unsure = validation.reading !== null && isAmbiguous(validation.reading);
    if (unsure || validation.fatal || validation.totals.validRows === 0 || (validation.totals.problemRows > 0 && !dropProblems)) {
      await deps.pending.fail(pendingId, 'problems changed', masker);
      const endpoint = await endpointOfKept(deps, entry);
      const card = csvValidationCard(
        { batch: entry.batchName, endpoint, excludeFolders: entry.excludeFolders, fileName: String(entry.summary.fileName ?? 'CSV'), pendingId },
        validation,
        0,
      );
      return maskAction(
        actionResult(card, {
          replies: [notice({ title: 'Nothing created yet', tone: 'warn', text: 'Exchange now reports new problems with some rows; check the card again.' })],
        }),
        masker,
      );
    }
    const rows = (dropProblems ? dropProblemRows(validation) : validation.rows).filter((r) => !adjust.dropEmails?.has(r.emailAddress.toLowerCase()));
    if (rows.length === 0) {
      await deps.pending.fail(pendingId, 'no rows left', masker);
      return actionResult(
        notice({ title: 'No users left to migrate', tone: 'warn', text: 'Every row was dropped. Fix the source accounts and run the preflight again.' }),
        { keepOriginal: true },
      );
    }
    await deps.exchange.newImapMigrationBatch({
      name: entry.batchName,
      sourceEndpoint: entry.endpoint,
      rows,
      excludeFolders: entry.excludeFolders.length ? entry.excludeFolders : undefined,
      autoStart: !startAfter,
      ...(startAfter ? { startAfter } : {}),
    });
    await deps.pending.complete(pendingId, { batchName: entry.batchName });
    await deps.audit.record({
      actor,
      action: 'batch.create',
      target: entry.batchName,
      result: 'ok',
      detail: `${rows.length} users, endpoint ${entry.endpoint}`,
    });
    const progress = await batchProgress(deps, entry.batchName);
    const scheduled = startAfter ? [scheduledNotice(entry.batchName, startAfter, String(entry.summary.timeZone ?? 'UTC'), true, ps)] : [];
    return actionResult(progress ?? notice({ title: `Batch ${entry.batchName} created`, tone: 'good', powershell: ps }), {
      watch: { batch: entry.batchName },
      replies: scheduled,
    });
  } catch (err) {
    // Exchange's answer may quote the CSV it was given: through the file's masker, everywhere.
    await deps.pending.fail(pendingId, maskedError(err, masker), masker);
    await deps.audit.record({ actor, action: 'batch.create', target: entry.batchName, result: 'failed', detail: maskedError(err, masker) });
    return maskAction(
      actionResult(
        exchangeErrorReply(
          `Creating batch ${entry.batchName}`,
          err,
          ps,
          'The CSV is still kept (encrypted) for 30 minutes: fix the cause and click Create again.',
        ),
      ),
      masker,
    );
  } finally {
    csv.fill(0);
  }
}

/** The start time echoed back in the admin's zone and in UTC. */
function scheduledNotice(batch: string, at: Date, timeZone: string, created: boolean, powershell?: string): Reply {
  return notice({
    title: created ? `Batch ${batch} starts by itself ${describeWhen(at, timeZone)}` : `Batch ${batch} will start ${describeWhen(at, timeZone)}`,
    tone: created ? 'good' : '',
    text: created
      ? "Created without -AutoStart and with Exchange's own -StartAfter: it waits in Created and Exchange starts it then, even if Cutover is down. See or cancel what is planned: schedule."
      : 'Click Create on the card above: the batch is created now and waits; Exchange starts it at this time (-StartAfter, in UTC).',
    ...(powershell ? { powershell } : {}),
  });
}

export async function cancelBatch(deps: CommandDeps, actor: Actor, pendingId: string): Promise<ActionResult> {
  await deps.pending.cancel(pendingId);
  await deps.audit.record({ actor, action: 'batch.cancel', target: pendingId, result: 'ok' });
  return actionResult(notice({ title: 'Cancelled', tone: '', text: 'The uploaded CSV was wiped. Nothing was sent to Exchange.' }));
}
