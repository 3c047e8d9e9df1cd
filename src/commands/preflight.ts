// preflight [endpoint <name>] with the CSV, or the "Run preflight" button on a batch's
// validation card: every row is checked against the source IMAP server (connect, TLS,
// log in, size every folder, find items over the target's limit) before Exchange is asked,
// and the result card offers the fixes.

import { detailsCard, type DetailsSection } from '../cards/details';
import { CsvMasker, dropProblemRows, validateMigrationCsv, type MigrationCsvRow } from '../domain/csv/migrationCsv';
import { MAX_MESSAGE_SIZE_LIMIT_BYTES, type MigrationEndpoint } from '../domain/exchange/types';
import { toPowerShell } from '../domain/exchange/powershell';
import { serializePreflightCsv, type PreflightReport } from '../domain/preflight/report';
import { CSV_CONTENT_TYPE } from '../domain/export/csv';
import { handOver, handoverText } from './handover';
import { formatBytes, toExchangeSize } from '../domain/sizes';
import { createBatch, maskAction, maskReply, maskResult, pickEndpoint } from './batchNew';
import type { ActionResult, Actor, CommandDeps, CommandResult, FollowUp, IncomingFile, Reply } from './types';
import { actionResult, FileFetchError } from './types';
import { readKeptCsv } from './csvCheck';
import type { PreflightRun } from '../services/preflightRuns';
import { exchangeErrorReply, notice, type CardAction } from './views';
import { keepForEndpoint } from './keepUpload';
import { preflightCharts } from '../cards/preflightCharts';
import { approvalsRequired, requestApproval } from './approvals';
import { errorText } from '../lib/errorText';

const BLOCKED_SHOWN = 8;
const LARGE_SHOWN = 8;
/** Progress cards are updated at most this often (Teams allows ~1,800 operations per thread per hour). */
const PROGRESS_EVERY_MS = 1500;

type PreflightDeps = CommandDeps;

function progressCard(runId: string, endpoint: MigrationEndpoint, scanned: number, total: number, failures: number): Reply {
  return notice({
    title: `Preflight against ${endpoint.remoteServer}:${endpoint.port}`,
    text: `Checking ${total} ${total === 1 ? 'mailbox' : 'mailboxes'} on the source server: connect, sign in, size every folder, find items over the target's limit.`,
    facts: [
      { title: 'Scanned', value: `${scanned} of ${total}` },
      { title: 'Blocked so far', value: String(failures) },
      { title: 'Connections', value: `at most ${endpoint.maxConcurrentMigrations || 20} at once, one per user` },
    ],
    actions: [{ title: 'Cancel', verb: 'preflight.cancel', data: { run: runId } }],
  });
}

/** A second click while this admin's preflight against the endpoint runs: that run's card, and no new connections. */
function alreadyRunningCard(run: PreflightRun, endpoint: MigrationEndpoint): Reply {
  const p = run.progress;
  return notice({
    title: `A preflight against ${endpoint.remoteServer}:${endpoint.port} is already running`,
    tone: 'warn',
    text:
      `You started it at ${new Date(run.startedAt).toISOString().slice(11, 16)} UTC; its card updates in place. ` +
      'One preflight per endpoint at a time, so the source server is not asked twice. Cancel it to start another.',
    facts: [
      { title: 'Scanned', value: `${p.scanned} of ${p.total}` },
      { title: 'Blocked so far', value: String(p.failures) },
    ],
    actions: [{ title: 'Cancel', verb: 'preflight.cancel', data: { run: run.id } }],
  });
}

function resultCard(
  report: PreflightReport,
  rowNumbers: number[],
  runId: string,
  pendingId: string | null,
  batchName: string | null,
  filesNote: string,
  excludeFolders: string[],
): Reply {
  const t = report.totals;
  const rowOf = new Map(report.users.map((u, i) => [u, rowNumbers[i]]));
  const blocked = report.users.filter((u) => u.status === 'Blocked');
  const withLarge = report.users.filter((u) => u.largeItems.length > 0);
  const sections: DetailsSection[] = [
    {
      heading: 'Summary',
      text: filesNote,
      facts: [
        { title: 'Ready', value: String(t.ready) },
        { title: 'Needs attention', value: String(t.needsAttention) },
        { title: 'Blocked', value: String(t.blocked) },
        { title: 'Items', value: t.items.toLocaleString('en-US') },
        { title: 'Size', value: formatBytes(t.sizeBytes) },
        { title: 'Estimated migration', value: report.estimate.hours < 1 ? 'under an hour' : `about ${Math.ceil(report.estimate.hours)} h` },
      ],
      powershell: report.estimate.assumption,
    },
  ];
  if (blocked.length) {
    sections.push({
      heading: `Blocked users (${blocked.length})`,
      text: blocked.length > BLOCKED_SHOWN ? `The first ${BLOCKED_SHOWN}; the report lists all.` : '',
      facts: blocked
        .slice(0, BLOCKED_SHOWN)
        .map((u) => ({ title: `Row ${rowOf.get(u) ?? '?'} · ${u.emailAddress}`, value: `${u.failure?.cause ?? 'Not checked.'} Fix: ${u.failure?.fix ?? ''}` })),
      powershell: '',
    });
  }
  if (withLarge.length) {
    const items = withLarge.flatMap((u) => u.largeItems.map((i) => ({ u, i })));
    sections.push({
      heading: `Items over the target's limit (${items.length})`,
      text: 'Exchange skips these unless the mailbox limit is raised first (up to 150 MB).',
      facts: items.slice(0, LARGE_SHOWN).map(({ u, i }) => ({
        title: `${u.emailAddress} · ${i.folderName}`,
        value: `${i.subject || '(no subject)'} · ${formatBytes(i.size)} · ${i.dateSent ? i.dateSent.toISOString().slice(0, 10) : 'no date'}`,
      })),
      powershell: '',
    });
  }
  const f = report.fixes;
  const fixLines: string[] = [];
  if (f.unfixableLargeItems.length)
    fixLines.push(`${f.unfixableLargeItems.length} items are over 150 MB: no limit change helps; remove or split them at the source.`);
  if (f.excludeFolders.length) fixLines.push(`Folders Exchange would reject: ${f.excludeFolders.map((x) => `${x.folderName} (${x.reason})`).join('; ')}.`);
  if (fixLines.length) sections.push({ heading: 'Also', text: fixLines.join('\n\n'), facts: [], powershell: '' });

  const actions: CardAction[] = [];
  if (f.raiseLimits.length) {
    const top = Math.max(...f.raiseLimits.map((r) => r.newLimitBytes));
    actions.push({
      title: `Raise limits for ${f.raiseLimits.length} ${f.raiseLimits.length === 1 ? 'user' : 'users'} (up to ${formatBytes(top)})`,
      verb: 'preflight.raiseLimits',
      data: { run: runId },
    });
  }
  if (pendingId && batchName) {
    const folders = [...new Set([...excludeFolders, ...f.excludeFolders.map((x) => x.folderName)])];
    const drop = f.dropRows.length;
    const title =
      drop || folders.length > excludeFolders.length
        ? `Create ${batchName}${drop ? ` without ${drop} blocked` : ''}${folders.length > excludeFolders.length ? ', excluding flagged folders' : ''}`
        : `Create batch ${batchName}`;
    actions.push({ title, verb: 'preflight.create', data: { run: runId }, style: 'positive' });
  }
  const card = detailsCard({
    title: report.cancelled ? 'Preflight cancelled' : 'Preflight result',
    subtitle: `${report.server.remoteServer}:${report.server.port} (${report.server.security}) · ${t.users} users, ${t.ready} ready, ${t.blocked} blocked`,
    subtitleColor: t.blocked ? 'Attention' : t.needsAttention ? 'Warning' : 'Good',
    sections,
    actions,
    charts: preflightCharts(report),
  });
  return { card, summary: `Preflight: ${t.ready} ready, ${t.needsAttention} need attention, ${t.blocked} blocked` };
}

/**
 * The file's masker for one preflight result: it also hides what the run could not
 * confirm. A user name whose sign-in failed may be a password (UserName and Password
 * swapped), and an address Exchange has no mailbox for may be one too (columns out of
 * order, passwords that look like addresses); the row number still says which user.
 */
export function preflightMasker(masker: CsvMasker, report: PreflightReport, knownMailboxes: ReadonlySet<string>): CsvMasker {
  const doubtful: string[] = [];
  for (const u of report.users) {
    if (u.status !== 'Blocked') continue;
    doubtful.push(u.userName);
    if (!knownMailboxes.has(u.emailAddress.toLowerCase())) doubtful.push(u.emailAddress);
  }
  return doubtful.length ? masker.with(doubtful) : masker;
}

export interface Start {
  /** The file's masker: every text this preflight shows goes through it. */
  masker: CsvMasker;
  rows: MigrationCsvRow[];
  endpoint: MigrationEndpoint;
  pendingId: string | null;
  batchName: string | null;
  excludeFolders: string[];
}

/** Starts a preflight over rows already read (also from an upload kept until its endpoint was added). */
export function begin(deps: PreflightDeps, actor: Actor, s: Start): { first: Reply; followUp?: FollowUp } {
  const started = deps.preflightRuns.begin({
    startedBy: actor.id,
    endpoint: s.endpoint.identity,
    pendingId: s.pendingId,
    excludeFolders: s.excludeFolders,
    total: s.rows.length,
  });
  if (started.alreadyRunning) return { first: alreadyRunningCard(started.run, s.endpoint) };
  const run = started.run;
  const total = s.rows.length;
  const limits = new Map<string, number>();
  const knownMailboxes = new Set<string>();
  const followUp: FollowUp = async (sink) => {
    let last = 0;
    let pendingUpdate: Promise<void> = Promise.resolve();
    const report = await deps.preflight
      .run({
        rows: s.rows.map((r) => ({ emailAddress: r.emailAddress, userName: r.userName, password: r.password })),
        server: { remoteServer: s.endpoint.remoteServer, port: s.endpoint.port, security: s.endpoint.security },
        async limitFor(email) {
          const m = await deps.exchange.getMailbox(email);
          if (m) knownMailboxes.add(email.toLowerCase());
          const limit = m ? Math.min(m.maxReceiveSize, MAX_MESSAGE_SIZE_LIMIT_BYTES) : 35 * 1024 * 1024;
          limits.set(email.toLowerCase(), limit);
          return limit;
        },
        maxConcurrent: s.endpoint.maxConcurrentMigrations || 20,
        signal: run.controller.signal,
        onProgress(p) {
          deps.preflightRuns.progress(run.id, p);
          if (Date.now() - last < PROGRESS_EVERY_MS || p.scanned === p.total) return;
          last = Date.now();
          pendingUpdate = pendingUpdate.then(() => sink.update(progressCard(run.id, s.endpoint, p.scanned, p.total, p.failures))).catch(() => undefined);
        },
      })
      .catch((err: unknown) => {
        deps.preflightRuns.end(run.id); // a failed run does not block the next one
        throw err;
      });
    await pendingUpdate;
    deps.preflightRuns.finish(run.id, report);
    const masker = preflightMasker(s.masker, report, knownMailboxes);
    // What leaves the bot (the report file, the card) is the masked copy; the run keeps the real one for the fixes.
    const shown = masker.scrubDeep(report);
    const handover = await handOver(deps, actor, [
      {
        fileName: `preflight-${s.endpoint.identity.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
        contentType: CSV_CONTENT_TYPE,
        body: serializePreflightCsv(shown),
        description: `Preflight report, endpoint ${s.endpoint.identity}`,
      },
    ]);
    await deps.audit.record({
      actor,
      action: 'preflight',
      target: s.batchName ?? s.endpoint.identity,
      result: report.cancelled ? 'refused' : 'ok',
      detail: `${report.totals.users} users: ${report.totals.ready} ready, ${report.totals.needsAttention} attention, ${report.totals.blocked} blocked`,
    });
    await sink.update(
      maskReply(
        resultCard(
          shown,
          s.rows.map((r) => r.rowNumber),
          run.id,
          s.pendingId,
          s.batchName,
          handoverText(handover),
          s.excludeFolders,
        ),
        masker,
      ),
    );
  };
  return { first: progressCard(run.id, s.endpoint, 0, total, 0), followUp };
}

/** `preflight [endpoint <name>]` with the CSV attached or pasted. */
export async function preflightCommand(
  deps: PreflightDeps,
  actor: Actor,
  input: { endpoint?: string; excludeFolders: string[]; pastedCsv?: string },
  files: IncomingFile[],
): Promise<CommandResult> {
  const attached = files.filter((f) => /\.csv$/i.test(f.name) || (f.fileType ?? '').toLowerCase() === 'csv');
  let csv: Buffer;
  const fileName = attached.length === 1 ? attached[0].name : 'pasted text';
  if (attached.length === 1) {
    try {
      csv = await deps.files.fetch(attached[0]);
    } catch (err) {
      return {
        replies: [
          notice({
            title: `Could not read ${attached[0].name}`,
            tone: 'bad',
            text: err instanceof FileFetchError ? err.message : 'The file could not be downloaded.',
          }),
        ],
      };
    }
  } else if (input.pastedCsv) {
    csv = Buffer.from(input.pastedCsv, 'utf8');
  } else {
    return {
      replies: [
        notice({
          title: 'Attach the migration CSV',
          tone: 'warn',
          text: 'Send "preflight" with the CSV attached, or paste the CSV under the command line.',
          usage: ['preflight [endpoint <endpoint>]'],
        }),
      ],
    };
  }
  // Read once: its masker is the way out for every text of this preflight.
  const validation = validateMigrationCsv(csv);
  const masker = validation.masker;
  try {
    const endpoint = await pickEndpoint(deps, input.endpoint);
    // No endpoint yet (or not the one named): keep the file sealed, ask for it, then run.
    if (!('identity' in endpoint)) {
      const kept = await keepForEndpoint(deps, actor, '', {
        purpose: 'preflight',
        batchName: '',
        wanted: input.endpoint,
        excludeFolders: input.excludeFolders,
        csv,
        fileName,
        validation,
      });
      return { replies: [kept] };
    }
    if (validation.fatal) {
      const first = validation.problems[0];
      return maskResult(
        {
          replies: [
            notice({
              title: 'The CSV needs fixing first',
              tone: 'bad',
              text: first ? `${first.message} ${first.fix}` : 'The file cannot be read as a migration CSV.',
            }),
          ],
        },
        masker,
      );
    }
    const rows = dropProblemRows(validation);
    if (rows.length === 0)
      return { replies: [notice({ title: 'No usable rows', tone: 'warn', text: 'Every row has a problem; check the file with batch new <name>.' })] };
    const { first, followUp } = begin(deps, actor, { masker, rows, endpoint, pendingId: null, batchName: null, excludeFolders: input.excludeFolders });
    return maskResult({ replies: [first], followUp }, masker);
  } catch (err) {
    return maskResult({ replies: [exchangeErrorReply('Starting the preflight', err, toPowerShell('Get-MigrationEndpoint', { Type: 'IMAP' }))] }, masker);
  } finally {
    csv.fill(0);
  }
}

/** The "Run preflight" button on a batch's validation card: uses the sealed upload, leaves the card. */
export async function preflightPending(deps: PreflightDeps, actor: Actor, pendingId: string): Promise<ActionResult> {
  const peeked = await deps.pending.peek(pendingId);
  if (!peeked) {
    const r = notice({ title: 'This upload is gone', tone: 'warn', text: 'It was created, cancelled, or expired after 30 minutes. Attach the CSV again.' });
    return actionResult(r, { keepOriginal: true });
  }
  try {
    const entry = peeked.pending;
    const endpoint = await deps.exchange.getMigrationEndpoint(entry.endpoint);
    if (!endpoint) {
      const r = notice({ title: `Endpoint ${entry.endpoint} is gone`, tone: 'warn' });
      return actionResult(r, { keepOriginal: true });
    }
    const validation = readKeptCsv(peeked);
    const rows = dropProblemRows(validation);
    const { first, followUp } = begin(deps, actor, {
      masker: validation.masker,
      rows,
      endpoint,
      pendingId,
      batchName: entry.batchName,
      excludeFolders: entry.excludeFolders,
    });
    return maskAction(actionResult(first, { keepOriginal: true, followUp }), validation.masker);
  } finally {
    peeked.csv.fill(0);
  }
}

export async function cancelPreflight(deps: PreflightDeps, actor: Actor, runId: string): Promise<ActionResult> {
  const run = deps.preflightRuns.get(runId);
  if (run && run.startedBy !== actor.id) {
    const r = notice({ title: 'Only the person who started it can cancel it', tone: 'warn' });
    return actionResult(r, { keepOriginal: true });
  }
  const stopped = deps.preflightRuns.cancel(runId);
  const r = notice({
    title: stopped ? 'Stopping the preflight…' : 'Nothing to cancel',
    tone: stopped ? '' : 'warn',
    text: stopped ? 'Mailboxes being scanned finish; the rest are left out of the report.' : 'This preflight already finished.',
  });
  return actionResult(r);
}

/** One click: Set-Mailbox for exactly the users whose large items would be skipped. */
export async function raiseLimitsFromPreflight(deps: PreflightDeps, actor: Actor, runId: string): Promise<ActionResult> {
  const run = deps.preflightRuns.get(runId);
  if (!run?.report) {
    const r = notice({ title: 'This preflight result is no longer here', tone: 'warn', text: 'Run the preflight again.' });
    return actionResult(r, { keepOriginal: true });
  }
  // Four eyes: raising the limits of more than one user is asked for when approvers are listed.
  const fixes = run.report.fixes.raiseLimits;
  if (fixes.length > 1 && approvalsRequired(deps)) {
    const ps = toPowerShell('Set-Mailbox', {
      Identity: fixes[0].emailAddress,
      MaxReceiveSize: toExchangeSize(fixes[0].newLimitBytes),
      MaxSendSize: toExchangeSize(fixes[0].newLimitBytes),
    });
    const asked = await requestApproval(deps, actor, {
      action: 'mailbox.limits',
      target: `${fixes.length} mailboxes`,
      params: { limits: fixes.map((f) => `${f.emailAddress}=${f.newLimitBytes}`) },
      what: `raise MaxReceiveSize and MaxSendSize for ${fixes.length} users (${fixes
        .slice(0, 3)
        .map((f) => `${f.emailAddress} to ${formatBytes(f.newLimitBytes)}`)
        .join(', ')}${fixes.length > 3 ? '…' : ''})`,
      powershell: `${ps}  # and ${fixes.length - 1} more`,
      batch: null,
    });
    return actionResult(asked, { keepOriginal: true, approval: asked.approval });
  }
  const done: string[] = [];
  const failed: string[] = [];
  for (const fix of run.report.fixes.raiseLimits) {
    try {
      await deps.exchange.setMailboxSizeLimits(fix.emailAddress, { maxReceiveSize: fix.newLimitBytes, maxSendSize: fix.newLimitBytes });
      done.push(`${fix.emailAddress}: ${formatBytes(fix.currentLimitBytes)} → ${formatBytes(fix.newLimitBytes)}`);
      await deps.audit.record({
        actor,
        action: 'mailbox.limit',
        target: fix.emailAddress,
        result: 'ok',
        detail: `preflight fix to ${formatBytes(fix.newLimitBytes)}`,
      });
    } catch (err) {
      failed.push(`${fix.emailAddress}: ${errorText(err)}`);
      await deps.audit.record({ actor, action: 'mailbox.limit', target: fix.emailAddress, result: 'failed', detail: errorText(err) });
    }
  }
  const first = run.report.fixes.raiseLimits[0];
  const r = notice({
    title: failed.length
      ? `Raised limits for ${done.length}; ${failed.length} failed`
      : `Raised limits for ${done.length} ${done.length === 1 ? 'user' : 'users'}`,
    tone: failed.length ? 'warn' : 'good',
    lines: [...done, ...failed.map((x) => `Failed: ${x}`)],
    powershell: first
      ? toPowerShell('Set-Mailbox', {
          Identity: first.emailAddress,
          MaxReceiveSize: toExchangeSize(first.newLimitBytes),
          MaxSendSize: toExchangeSize(first.newLimitBytes),
        })
      : '',
  });
  return actionResult(r, { keepOriginal: true });
}

/** One click: create the batch from the sealed upload without the blocked users, excluding flagged folders. */
export async function createFromPreflight(deps: PreflightDeps, actor: Actor, runId: string): Promise<ActionResult> {
  const run = deps.preflightRuns.get(runId);
  if (!run?.report || !run.pendingId) {
    const r = notice({
      title: 'This preflight result is no longer here',
      tone: 'warn',
      text: 'Use Create on the validation card, or run the preflight again.',
    });
    return actionResult(r, { keepOriginal: true });
  }
  const drop = new Set(run.report.fixes.dropRows.map((e) => e.toLowerCase()));
  const exclude = [...new Set([...run.excludeFolders, ...run.report.fixes.excludeFolders.map((x) => x.folderName)])];
  return createBatch(deps, actor, run.pendingId, true, { dropEmails: drop, excludeFolders: exclude });
}
