// batch list | show | start | stop | sync | remove, and the progress card they share.
// An IMAP batch is never "completed": it syncs, re-syncs about every 24 h, and is
// removed after the MX switch. The card says so rather than offering a Complete button.

import { recordSample, sampled } from '../services/watcher/progressHistory';
import { tableCard } from '../cards/table';
import { batchProgressCard, finishView, countsOfSnapshot, FAILED_SHOWN, sortUsersForCard, USERS_PAGE_SIZE, type UserCounts } from '../cards/batchProgress';
import type { BatchStatus, MigrationBatch, MigrationUser, MigrationUserStatusSummary } from '../domain/exchange/types';
import { snapshotBatch } from '../domain/notifications/events';
import { toPowerShell } from '../domain/exchange/powershell';
import type { ActionResult, Actor, CommandDeps, CommandResult, Reply } from './types';
import { runConfirmed } from './confirmed';
import { removeKeepingHistory } from './batchRemoval';
import { approvalsRequired, requestApproval } from './approvals';
import { batchStatusColor, exchangeErrorReply, formatCount, formatDate, notice, type CardAction } from './views';
import { isIncompleteList } from '../ports/exchange';
import { incompleteListText, readBatchUsers } from './batchUsers';
import { errorText } from '../lib/errorText';

export { USERS_PAGE_SIZE, sortUsersForCard, type UserCounts };
export const BATCHES_PAGE_SIZE = 15;

export function countUsers(users: MigrationUser[]): UserCounts {
  const c: UserCounts = { total: users.length, synced: 0, syncing: 0, queued: 0, failed: 0, stopped: 0 };
  for (const u of users) {
    if (u.statusSummary === 'Synced' || u.statusSummary === 'Completed') c.synced++;
    else if (u.statusSummary === 'Failed') c.failed++;
    else if (u.statusSummary === 'Stopped') c.stopped++;
    else if (u.status === 'Queued') c.queued++;
    else c.syncing++;
  }
  return c;
}

/**
 * Above this many users the card does not read every migration user (50,000 users are 50
 * pages of Get-MigrationUser): counts come from the batch's own counters, and only the
 * users up to the page shown are read, status by status in card order.
 */
export const LARGE_BATCH = 1000;

function countsOfBatch(b: MigrationBatch): UserCounts {
  return countsOfSnapshot({ total: b.totalCount, synced: b.syncedCount, failed: b.failedCount, stopped: b.stoppedCount, pending: b.pendingCount });
}

const CARD_ORDER: readonly MigrationUserStatusSummary[] = ['Failed', 'Stopped', 'Active', 'None', 'Synced', 'Completed'];

/** Exchange hands over at most one page per request when it refuses next links (measured app-only). */
const SINGLE_PAGE = 1000;

/**
 * The first `wanted` users in the card's order (failed first), asking Exchange per status summary,
 * one page at most per group. `incomplete` when a group had more than could be read: the users after
 * it are then unknown, and the card says so.
 */
async function firstUsersInCardOrder(deps: CommandDeps, batchId: string, wanted: number): Promise<{ users: MigrationUser[]; incomplete: boolean }> {
  const out: MigrationUser[] = [];
  for (const statusSummary of CARD_ORDER) {
    const need = Math.max(wanted, FAILED_SHOWN) - out.length;
    if (need <= 0) break;
    const ask = Math.min(need, SINGLE_PAGE);
    let got: MigrationUser[];
    try {
      got = await deps.exchange.getMigrationUsers({ batchId, statusSummary, resultSize: ask });
    } catch (e) {
      if (!isIncompleteList(e)) throw e;
      out.push(...(e.partial as MigrationUser[]));
      return { users: out, incomplete: true };
    }
    out.push(...got);
    if (need > SINGLE_PAGE && got.length >= SINGLE_PAGE) return { users: out, incomplete: true };
  }
  return { users: out, incomplete: false };
}

/** The batch progress card: counts per status, percent, failed users first, one page of users. */
export async function batchProgress(deps: CommandDeps, name: string, page = 0): Promise<Reply | null> {
  return (await batchProgressState(deps, name, page))?.reply ?? null;
}

const MOVING: readonly BatchStatus[] = ['Starting', 'Syncing', 'IncrementalSyncing', 'Stopping', 'Removing', 'Completing', 'Waiting'];

/** The card and whether the batch has stopped moving (nothing syncing or queued), for live updates. */
export async function batchProgressState(deps: CommandDeps, name: string, page = 0): Promise<{ reply: Reply; settled: boolean } | null> {
  const batch = await deps.exchange.getMigrationBatch(name);
  if (!batch) return null;
  const large = batch.totalCount > LARGE_BATCH;
  const wanted = (Math.max(0, page) + 1) * USERS_PAGE_SIZE;
  const read = large
    ? await firstUsersInCardOrder(deps, name, wanted)
    : await readBatchUsers(deps.exchange, name, batch.totalCount).then((r) => ({ users: r.users, incomplete: r.incomplete !== null }));
  const users = read.users;
  // Batch times come from Exchange; compare them with Exchange's clock (simulated in local mode).
  const now = (deps.exchangeClock ?? deps.clock).now();
  const c = large ? countsOfBatch(batch) : countUsers(users);
  const sorted = sortUsersForCard(users);
  const failedUsers = sorted.filter((u) => u.statusSummary === 'Failed');
  const failed = await Promise.all(
    failedUsers.slice(0, FAILED_SHOWN).map(async (u) => {
      let error = u.errorSummary;
      if (!error) {
        // Get-MigrationUser may not carry the error text; the statistics do.
        const stats = await deps.exchange.getMigrationUserStatistics(u.identity).catch(() => null);
        error = stats?.error ?? null;
      }
      return { email: u.emailAddress, status: u.status, error: error ?? 'Exchange gave no error text. See: user show ' + u.emailAddress };
    }),
  );
  const reply = batchProgressCard({
    kind: 'live',
    batch: snapshotBatch(batch),
    counts: c,
    source: { endpoint: batch.sourceEndpoint, excludedFolders: batch.excludedFolders },
    failed,
    users: { sorted, page },
    now,
    lastAdminAction: (await deps.adminActions?.lastFor(batch.identity).catch(() => null)) ?? null,
    notes: read.incomplete ? [incompleteListText(users.length, batch.totalCount)] : [],
    // The rolling history of this batch (the watcher's samples and this card's own): throughput, finish range, line chart.
    ...finishView(
      large || read.incomplete || !sampled({ status: batch.status, total: batch.totalCount })
        ? []
        : await recordSample(
            deps.store,
            deps.exchange,
            { name: batch.identity, guid: batch.batchGuid, status: batch.status, total: batch.totalCount },
            users,
            now,
          ),
      now,
    ),
  });
  const settled = !MOVING.includes(batch.status) && c.syncing === 0 && c.queued === 0;
  return { reply, settled };
}

function notFound(name: string): Reply {
  return notice({
    title: `No batch called ${name}`,
    tone: 'warn',
    text: 'See the batches with: batch list',
    powershell: toPowerShell('Get-MigrationBatch', { Identity: name }),
  });
}

export async function showBatch(deps: CommandDeps, name: string, page = 0): Promise<CommandResult> {
  try {
    const r = await batchProgress(deps, name, page);
    if (!r) return { replies: [notFound(name)] };
    return { replies: [r], watch: { batch: name, page } };
  } catch (err) {
    return { replies: [exchangeErrorReply(`Reading batch ${name}`, err, toPowerShell('Get-MigrationBatch', { Identity: name }))] };
  }
}

export async function listBatches(deps: CommandDeps, page = 0): Promise<Reply> {
  const ps = toPowerShell('Get-MigrationBatch', { ResultSize: 'Unlimited' });
  try {
    const batches = (await deps.exchange.getMigrationBatches()).sort((a, b) => a.identity.localeCompare(b.identity));
    const pageCount = Math.max(1, Math.ceil(batches.length / BATCHES_PAGE_SIZE));
    const p = Math.min(Math.max(0, page), pageCount - 1);
    const shown = batches.slice(p * BATCHES_PAGE_SIZE, (p + 1) * BATCHES_PAGE_SIZE);
    const widths = [3, 3, 2, 2, 3];
    const actions: CardAction[] = [];
    if (p > 0) actions.push({ title: 'Previous page', verb: 'batch.list', data: { page: p - 1 } });
    if (p + 1 < pageCount) actions.push({ title: 'Next page', verb: 'batch.list', data: { page: p + 1 } });
    const card = tableCard({
      title: 'Migration batches',
      subtitle: batches.length === 0 ? '' : `${batches.length} batches${pageCount > 1 ? `, page ${p + 1} of ${pageCount}` : ''}`,
      columns: ['Batch', 'Status', 'Synced', 'Failed', 'Last synced'].map((label, i) => ({ label, width: widths[i] })),
      rows: shown.map((b) => [
        { text: b.identity },
        { text: b.status, color: batchStatusColor(b.status) },
        { text: `${formatCount(b.syncedCount)} / ${formatCount(b.totalCount)}` },
        { text: formatCount(b.failedCount), color: b.failedCount ? 'Attention' : 'Default' },
        { text: b.lastSyncedDateTime ? formatDate(b.lastSyncedDateTime) : 'not yet' },
      ]),
      empty: 'No migration batches yet. Create one with: batch new <name> (attach the CSV).',
      footer: batches.length > 0 ? 'Details of one batch: batch show <name>' : '',
      powershell: ps,
      actions,
    });
    return { card, summary: `${batches.length} migration batches` };
  } catch (err) {
    return exchangeErrorReply('Listing batches', err, ps);
  }
}

type BatchVerb = 'start' | 'stop' | 'sync';

const VERB_TEXT: Record<BatchVerb, { cmdlet: string; params: (n: string) => Record<string, unknown>; done: string; what: string }> = {
  start: { cmdlet: 'Start-MigrationBatch', params: (n) => ({ Identity: n }), done: 'started', what: 'Starting' },
  stop: { cmdlet: 'Stop-MigrationBatch', params: (n) => ({ Identity: n }), done: 'stopping', what: 'Stopping' },
  sync: { cmdlet: 'Set-MigrationBatch', params: (n) => ({ Identity: n, SyncNow: true }), done: 'syncing now', what: 'Syncing' },
};

/** batch start | stop | sync: run the cmdlet, then show the progress card (kept live). */
export async function changeBatch(deps: CommandDeps, actor: Actor, verb: BatchVerb, name: string): Promise<CommandResult> {
  const v = VERB_TEXT[verb];
  const ps = toPowerShell(v.cmdlet, v.params(name));
  try {
    const batch = await deps.exchange.getMigrationBatch(name);
    if (!batch) return { replies: [notFound(name)] };
    if (verb === 'sync' && !['Synced', 'SyncedWithErrors'].includes(batch.status)) {
      await deps.audit.record({ actor, action: `batch.${verb}`, target: name, result: 'refused', detail: `status ${batch.status}` });
      return {
        replies: [
          notice({
            title: `Batch ${name} can't sync now`,
            tone: 'warn',
            text: `It is ${batch.status}. An incremental sync (Set-MigrationBatch -SyncNow) needs a batch that has finished its initial sync (Synced or SyncedWithErrors).`,
            powershell: ps,
          }),
        ],
      };
    }
    // Stopping a batch whose users have synced halts their incrementals: four eyes when approvers are listed.
    if (verb === 'stop' && approvalsRequired(deps) && batch.syncedCount > 0) {
      const asked = await requestApproval(deps, actor, {
        action: 'batch.stop',
        target: batch.identity,
        what: `stop batch ${batch.identity} (${batch.syncedCount} of ${batch.totalCount} users synced)`,
        powershell: ps,
        batch: batch.identity,
      });
      return { replies: [asked], approval: asked.approval };
    }
    if (verb === 'start') await deps.exchange.startMigrationBatch(name);
    else if (verb === 'stop') await deps.exchange.stopMigrationBatch(name);
    else await deps.exchange.syncMigrationBatchNow(name);
    await deps.audit.record({ actor, action: `batch.${verb}`, target: name, result: 'ok' });
    const progress = await batchProgress(deps, name);
    const done = notice({ title: `Batch ${name} ${v.done}`, tone: 'good', powershell: ps });
    return { replies: progress ? [progress] : [done], watch: { batch: name } };
  } catch (err) {
    await deps.audit.record({ actor, action: `batch.${verb}`, target: name, result: 'failed', detail: errorText(err) });
    return { replies: [exchangeErrorReply(`${v.what} batch ${name}`, err, ps)] };
  }
}

/** batch remove: first a confirmation card; removal happens on its button. */
export async function askRemoveBatch(deps: CommandDeps, actor: Actor, name: string): Promise<Reply & { approval?: string }> {
  const ps = toPowerShell('Remove-MigrationBatch', { Identity: name, Confirm: false });
  try {
    const batch = await deps.exchange.getMigrationBatch(name);
    if (!batch) return notFound(name);
    if (approvalsRequired(deps)) {
      return requestApproval(deps, actor, {
        action: 'batch.remove',
        target: batch.identity,
        what: `remove batch ${batch.identity} (${batch.status}, ${batch.totalCount} users)`,
        powershell: ps,
        batch: batch.identity,
      });
    }
    const id = await deps.confirmations.create({ action: 'batch.remove', target: name, requestedBy: actor.id });
    const lines = [
      'Mail that reaches the old server after the batch is removed is NOT copied to Exchange Online.',
      'Remove a batch only after the MX record points to Exchange Online, at least 72 hours have passed, and a sync ran after the switch.',
    ];
    if (!['Synced', 'SyncedWithErrors', 'Stopped', 'Failed', 'Created'].includes(batch.status))
      lines.push(`The batch is ${batch.status}: users still syncing lose what has not been copied.`);
    return notice({
      title: `Remove batch ${name}?`,
      tone: 'warn',
      text: `Status ${batch.status}, ${batch.totalCount} users, last synced ${batch.lastSyncedDateTime ? formatDate(batch.lastSyncedDateTime) : 'never'}.`,
      lines,
      powershell: ps,
      actions: [
        { title: `Remove ${name}`, verb: 'batch.remove.confirm', data: { confirmation: id, batch: name }, style: 'destructive' },
        { title: 'Keep it', verb: 'confirm.cancel', data: { confirmation: id, action: 'batch.remove' } },
      ],
    });
  } catch (err) {
    return exchangeErrorReply(`Reading batch ${name}`, err, toPowerShell('Get-MigrationBatch', { Identity: name }));
  }
}

export function confirmRemoveBatch(deps: CommandDeps, actor: Actor, confirmationId: string): Promise<ActionResult> {
  return runConfirmed(deps, actor, confirmationId, {
    action: 'batch.remove',
    cmdlet: 'Remove-MigrationBatch',
    what: (name) => `Removing batch ${name}`,
    run: (name) => removeKeepingHistory(deps, actor, name),
    done: (name) => ({
      title: `Batch ${name} is being removed`,
      tone: 'good',
      text: 'Exchange removes the batch and its sync requests; the mail already migrated stays in the mailboxes. Mail reaching the old server from now on is not copied.',
    }),
  });
}
