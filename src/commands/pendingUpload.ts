// Buttons on a kept upload: the endpoint added or picked on the card (after a CSV came
// before its endpoint, src/commands/keepUpload.ts), and the reading the admin chose when
// the file's bytes read more than one way. Both go on from the sealed upload: the CSV
// check (then Create) or the preflight, with no second attachment. Every text built
// from the file goes through its masker.

import { endpointFormCard } from '../cards/endpointForm';
import { describeReading, dropProblemRows, type MigrationCsvValidation } from '../domain/csv/migrationCsv';
import { encodingLabel, isCsvEncoding, isCsvSeparator, separatorLabel, type CsvReadingChoice } from '../domain/csv/readCsv';
import { imapServerOf, type MigrationEndpoint } from '../domain/exchange/types';
import { toPowerShell } from '../domain/exchange/powershell';
import { maskAction, validationCard } from './batchNew';
import { checkCsvAgainstExchange, readKeptCsv, recordCheck, worthKeeping } from './csvCheck';
import { addEndpoint } from './endpoint';
import { KEPT_MINUTES } from './keepUpload';
import { parseCommand } from './parse';
import { begin } from './preflight';
import { actionResult, type ActionResult, type Actor, type CommandDeps, type PendingBatchInfo, type Reply } from './types';
import { exchangeErrorReply, notice } from './views';

function gone(): ActionResult {
  return actionResult(
    notice({ title: 'This upload is gone', tone: 'warn', text: `It was created, cancelled, or expired after ${KEPT_MINUTES} minutes. Attach the CSV again.` }),
  );
}

const text = (d: Record<string, unknown>, k: string): string =>
  typeof d[k] === 'string' ? (d[k] as string).trim() : typeof d[k] === 'number' ? String(d[k]) : '';

/** The endpoint form again, with what was typed and why it did not work. */
async function formAgain(
  deps: CommandDeps,
  pendingId: string,
  entry: PendingBatchInfo,
  validation: MigrationCsvValidation,
  problem: string,
  typed: { name?: string; host?: string; port?: number; security?: 'ssl' | 'tls' | 'none' },
): Promise<Reply> {
  const endpoints = (await deps.exchange.getMigrationEndpoints()).filter((e) => e.endpointType.toUpperCase() === 'IMAP');
  return endpointFormCard({
    pendingId,
    purpose: entry.purpose ?? 'batch',
    batchName: entry.batchName,
    fileName: String(entry.summary.fileName ?? 'CSV'),
    rows: validation.totals.rows,
    readAs: validation.reading ? describeReading(validation.reading) : null,
    existing: endpoints.map((e) => ({ identity: e.identity, remoteServer: e.remoteServer, port: e.port })),
    ...typed,
    problem,
    minutesKept: KEPT_MINUTES,
  });
}

/** "Add endpoint and continue" (the inputs typed on the card) or "Use <endpoint>". */
export async function endpointForUpload(deps: CommandDeps, actor: Actor, data: Record<string, unknown>): Promise<ActionResult> {
  const pendingId = text(data, 'pending');
  const peeked = await deps.pending.peek(pendingId);
  if (!peeked) return gone();
  const entry = peeked.pending;
  const validation = readKeptCsv(peeked);
  const masker = validation.masker;
  try {
    if (entry.endpoint) {
      // Already chosen (a second click): go on with it.
      const chosen = await deps.exchange.getMigrationEndpoint(entry.endpoint);
      if (chosen) return maskAction(await goOn(deps, actor, pendingId, entry, validation, chosen), masker);
    }
    let endpoint: MigrationEndpoint | null = null;
    const extra: Reply[] = [];
    if (text(data, 'mode') === 'use') {
      const name = text(data, 'endpoint');
      endpoint = name ? await deps.exchange.getMigrationEndpoint(name) : null;
      if (!endpoint) {
        return maskAction(
          actionResult(await formAgain(deps, pendingId, entry, validation, `There is no IMAP endpoint called ${name} any more: add one here.`, {})),
          masker,
        );
      }
    } else {
      const typed = {
        name: text(data, 'endpointName'),
        host: text(data, 'endpointHost'),
        port: /^\d{1,5}$/.test(text(data, 'endpointPort')) ? Number(text(data, 'endpointPort')) : undefined,
        security: (['ssl', 'tls', 'none'] as const).find((s) => s === text(data, 'endpointSecurity').toLowerCase()),
      };
      // The same checks as the endpoint add command: the card is another way to type it.
      let problem = '';
      if (!typed.name || !typed.host) problem = 'Give the endpoint a name and the IMAP server (host name or IP address).';
      else if (/\s/.test(typed.name))
        problem = `"${typed.name.slice(0, 40)}" can't be an endpoint name here: use letters, digits, dots, dashes or underscores, without spaces.`;
      else if (/\s/.test(typed.host)) problem = `"${typed.host.slice(0, 60)}" is not a host name or IP address.`;
      else if (text(data, 'endpointPort') !== '' && typed.port === undefined) problem = 'The port must be a number from 1 to 65535.';
      let parsed = null as ReturnType<typeof parseCommand> | null;
      if (!problem) {
        parsed = parseCommand(`endpoint add ${typed.name} ${typed.host} ${typed.port ?? 993} ${typed.security ?? 'ssl'}`);
        if (!parsed.ok) problem = parsed.problem;
      }
      if (problem || !parsed || !parsed.ok || parsed.command.kind !== 'endpoint.add') {
        return maskAction(actionResult(await formAgain(deps, pendingId, entry, validation, problem, typed)), masker);
      }
      const c = parsed.command;
      const added = await addEndpoint(deps, actor, { name: c.name, host: c.host, port: c.port, security: c.security });
      endpoint = await deps.exchange.getMigrationEndpoint(c.name);
      if (!endpoint) {
        // Exchange could not reach it, or refused: the form stays, with Exchange's answer below it.
        const again = await formAgain(deps, pendingId, entry, validation, `${added.summary} Correct the server and try again; the CSV is still kept.`, typed);
        return maskAction(actionResult(again, { replies: [added] }), masker);
      }
      extra.push(added);
    }
    const result = await goOn(deps, actor, pendingId, entry, validation, endpoint);
    return maskAction({ ...result, replies: [...extra, ...(result.replies ?? [])] }, masker);
  } catch (err) {
    return maskAction(actionResult(exchangeErrorReply('Setting the endpoint', err, toPowerShell('Get-MigrationEndpoint', { Type: 'IMAP' }))), masker);
  } finally {
    peeked.csv.fill(0);
  }
}

/** The endpoint is there: store it with the upload and go straight on (CSV check or preflight). */
async function goOn(
  deps: CommandDeps,
  actor: Actor,
  pendingId: string,
  entry: PendingBatchInfo,
  /** The kept upload as read for this click. */
  validation: MigrationCsvValidation,
  endpoint: MigrationEndpoint,
): Promise<ActionResult> {
  if ((entry.purpose ?? 'batch') === 'preflight') {
    const rows = dropProblemRows(validation);
    // A standalone preflight keeps nothing: the rows are in memory for the run, the upload is wiped.
    await deps.pending.cancel(pendingId);
    if (validation.fatal || rows.length === 0) {
      const first = validation.problems[0];
      return actionResult(
        notice({
          title: 'The CSV needs fixing first',
          tone: 'bad',
          text: first ? `${first.message} ${first.fix}` : 'Every row has a problem; check the file with batch new <name>.',
        }),
      );
    }
    const { first, followUp } = begin(deps, actor, {
      masker: validation.masker,
      rows,
      endpoint,
      pendingId: null,
      batchName: null,
      excludeFolders: entry.excludeFolders,
    });
    return maskAction(actionResult(first, { followUp }), validation.masker);
  }
  const ok = await deps.pending.amend(pendingId, { endpoint: endpoint.identity, summary: { server: imapServerOf(endpoint) } }, validation.masker);
  if (!ok) return gone();
  return validationAction(deps, actor, pendingId, { ...entry, endpoint: endpoint.identity }, validation, endpoint);
}

/** The CSV check of a kept upload, as newBatch shows it. */
async function validationAction(
  deps: CommandDeps,
  actor: Actor,
  pendingId: string,
  entry: PendingBatchInfo,
  read: MigrationCsvValidation,
  endpoint: MigrationEndpoint,
): Promise<ActionResult> {
  const masker = read.masker;
  const validation = await checkCsvAgainstExchange(deps, read);
  const keep = worthKeeping(validation);
  if (!keep) await deps.pending.cancel(pendingId);
  const licence = await recordCheck(deps, actor, entry.batchName, validation);
  const card = validationCard(
    {
      batch: entry.batchName,
      endpoint,
      excludeFolders: entry.excludeFolders,
      fileName: String(entry.summary.fileName ?? 'CSV'),
      pendingId: keep ? pendingId : null,
    },
    validation,
    0,
    licence,
  );
  return maskAction(actionResult(card), masker);
}

/** "Read as …" on a validation card: keep the admin's reading with the upload and check the file again with it. */
export async function chooseReading(deps: CommandDeps, actor: Actor, data: Record<string, unknown>): Promise<ActionResult> {
  const pendingId = text(data, 'pending');
  const choice: CsvReadingChoice = {};
  if (isCsvEncoding(data.encoding)) choice.encoding = data.encoding;
  if (isCsvSeparator(data.separator)) choice.separator = data.separator;
  const peeked = await deps.pending.peek(pendingId);
  if (!peeked) return gone();
  try {
    const entry = { ...peeked.pending, reading: { ...peeked.pending.reading, ...choice } };
    if (!(await deps.pending.amend(pendingId, { reading: entry.reading }))) return gone();
    const endpoint = entry.endpoint ? await deps.exchange.getMigrationEndpoint(entry.endpoint) : null;
    const validation = readKeptCsv({ csv: peeked.csv, pending: entry });
    if (!endpoint) {
      return maskAction(actionResult(await formAgain(deps, pendingId, entry, validation, '', {})), validation.masker);
    }
    const chosen = [choice.separator && separatorLabel(choice.separator), choice.encoding && encodingLabel(choice.encoding)].filter(Boolean).join(', ');
    await deps.audit.record({ actor, action: 'batch.reading', target: entry.batchName, result: 'ok', detail: `read as ${chosen || 'detected'}` });
    return await validationAction(deps, actor, pendingId, entry, validation, endpoint);
  } finally {
    peeked.csv.fill(0);
  }
}
