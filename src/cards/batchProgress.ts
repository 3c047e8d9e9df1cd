// The batch progress card (adaptiveCards/batchProgress.json): one card for a batch's progress,
// whether it answers batch show / batch new and stays live, or is a subscribed conversation's
// notification kept fresh by the watcher. Counts per status, a bar, failed users first, one
// page of users (batch show), the batch's times, what to do next, and the PowerShell line.

import type { BatchStatus, MigrationUser } from '../domain/exchange/types';
import { BATCH_LIFETIME_DAYS } from '../domain/exchange/types';
import { daysUntilStop, type BatchSnapshot } from '../domain/notifications/events';
import { toPowerShell } from '../domain/exchange/powershell';
import { batchStatusColor } from './batchStatus';
import { barFallback, countsFallback, doneVsLeftBar, throughputLine, usersByStateDonut, type CardElement, type ChartElement, type CountCell } from './charts';
import { estimateFinish, finishText, throughputSeries, type ProgressSample } from '../domain/progress/eta';
import { formatCount, formatDate } from './format';
import type { CardAction } from './notice';
import { renderCard } from './render';
import type { Reply } from './reply';

export const USERS_PAGE_SIZE = 10;
/** Failed users named with their error; the others are counted. */
export const FAILED_SHOWN = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface UserCounts {
  total: number;
  synced: number;
  syncing: number;
  queued: number;
  failed: number;
  stopped: number;
}

export interface FailedUserLine {
  email: string;
  /** The migration user's status, when known (batch show). */
  status?: string;
  error: string;
}

export interface BatchProgressInput {
  /** The batch as Exchange showed it last. */
  batch: BatchSnapshot;
  /** Users counted per status. */
  counts: UserCounts;
  /** Where the mail comes from (batch show); absent on notification cards. */
  source?: { endpoint: string | null; excludedFolders: string[] };
  /** Failed users with their error, the first FAILED_SHOWN shown. */
  failed: FailedUserLine[];
  /** batch show: users in card order (failed first) up to the page shown, and that page. */
  users?: { sorted: MigrationUser[]; page: number };
  /** Exchange's time, for the 60-day rule and the "Updated" line. */
  now: Date;
  /** The last admin action on the batch through Cutover (restarts Exchange's 60-day clock). */
  lastAdminAction: string | null;
  /** Said before the batch's own note (e.g. that the user list is incomplete). */
  notes?: string[];
  /** The batch is gone from Exchange (Remove-MigrationBatch): the card's last state. */
  removed?: boolean;
  /**
   * 'live': the answer to batch show / new / start, with its buttons (refresh, pages, start, stop, remove);
   * 'subscribed': a subscribed conversation's card, with one button that opens the batch.
   */
  kind: 'live' | 'subscribed';
  /** Items or bytes moved and still to move, when known (the watcher's samples); otherwise the bar counts users. */
  volume?: { done: number; left: number; unit: 'items' | 'bytes' };
  /** More chart elements after the progress ones (the throughput line), each with its fallback. */
  extraCharts?: ChartElement[];
  /** The finish estimate in words ("Expected Synced between … and …" or "not enough data yet"); '' for none. */
  eta?: string;
}

/** Counts from the batch's own counters (large batches, notifications). */
export function countsOfSnapshot(b: Pick<BatchSnapshot, 'total' | 'synced' | 'failed' | 'stopped' | 'pending'>): UserCounts {
  const syncing = Math.max(0, b.total - b.synced - b.failed - b.stopped - b.pending);
  return { total: b.total, synced: b.synced, failed: b.failed, stopped: b.stopped, queued: b.pending, syncing };
}

// Failed users first (they need a person), then the ones moving, then the done ones.
const ORDER: Record<string, number> = { Failed: 0, Stopped: 1, Active: 2, None: 3, Synced: 4, Completed: 5 };

export function sortUsersForCard(users: MigrationUser[]): MigrationUser[] {
  return [...users].sort((a, b) => (ORDER[a.statusSummary] ?? 9) - (ORDER[b.statusSummary] ?? 9) || a.emailAddress.localeCompare(b.emailAddress));
}

function userColor(u: MigrationUser): string {
  switch (u.statusSummary) {
    case 'Synced':
      return 'Good';
    case 'Failed':
      return 'Attention';
    case 'Stopped':
      return 'Warning';
    case 'Active':
      return u.status === 'Queued' ? 'Default' : 'Accent';
    default:
      return 'Default';
  }
}

export function progressHeadline(b: Pick<BatchSnapshot, 'name' | 'status'>, c: UserCounts): string {
  if (b.status === 'Created') return `Created with ${c.total} users, not started. Start it with: batch start ${b.name}`;
  const parts = [`${c.synced} of ${c.total} users synced`];
  if (c.syncing) parts.push(`${c.syncing} syncing`);
  if (c.queued) parts.push(`${c.queued} queued`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.stopped) parts.push(`${c.stopped} stopped`);
  return parts.join(', ') + '.';
}

function lifecycleNote(b: BatchSnapshot, now: Date, lastAdminAction: string | null): string {
  if (b.status === 'Synced' || b.status === 'SyncedWithErrors') {
    // Incremental syncs do not count: only an admin action restarts Exchange's 60-day clock.
    const left = daysUntilStop(b, now, lastAdminAction) ?? BATCH_LIFETIME_DAYS;
    return (
      `New mail keeps syncing about every 24 hours until you remove the batch. After the MX switch, wait at least 72 hours and one more sync, then: batch remove ${b.name}. ` +
      (left <= 7 ? `Exchange stops a batch left untouched for ${BATCH_LIFETIME_DAYS} days: about ${Math.max(left, 0)} days left.` : '')
    ).trim();
  }
  if (b.status === 'Stopped') return `Stopped: no mail is copied until you start it again (batch start ${b.name}).`;
  return '';
}

function liveActions(b: BatchSnapshot, page: number, pageCount: number): CardAction[] {
  const name = b.name;
  const actions: CardAction[] = [{ title: 'Refresh', verb: 'batch.refresh', data: { batch: name, page } }];
  if (page > 0) actions.push({ title: 'Previous users', verb: 'batch.refresh', data: { batch: name, page: page - 1 } });
  if (page + 1 < pageCount) actions.push({ title: 'Next users', verb: 'batch.refresh', data: { batch: name, page: page + 1 } });
  if (b.status === 'Synced' || b.status === 'SyncedWithErrors') actions.push({ title: 'Sync now', verb: 'batch.sync', data: { batch: name } });
  if ((['Created', 'Stopped', 'SyncedWithErrors', 'Failed'] as BatchStatus[]).includes(b.status)) {
    actions.push({ title: b.status === 'Created' ? 'Start' : 'Start (retry failed)', verb: 'batch.start', data: { batch: name }, style: 'positive' });
  }
  if ((['Syncing', 'Synced', 'SyncedWithErrors', 'Starting', 'IncrementalSyncing'] as BatchStatus[]).includes(b.status))
    actions.push({ title: 'Stop', verb: 'batch.stop', data: { batch: name } });
  if (b.status !== 'Removing') actions.push({ title: 'Remove…', verb: 'batch.remove', data: { batch: name }, style: 'destructive' });
  return actions;
}

const date = (iso: string | null) => (iso ? new Date(iso) : null);

/** Line points shown: the last hours of samples (the history is bounded anyway). */
const LINE_POINTS = 48;

/**
 * What the rolling history adds to a batch card: items done vs left (once every user's source size
 * is known), the finish estimate in words, and throughput over the last hours as a line whose
 * fallback is the estimate's own words.
 */
export function finishView(history: readonly ProgressSample[], now: Date): Pick<BatchProgressInput, 'eta' | 'extraCharts' | 'volume'> {
  const last = history[history.length - 1];
  if (!last) return {};
  const estimate = estimateFinish(history);
  const eta = finishText(estimate);
  const points = throughputSeries(history, now.getTime()).slice(-LINE_POINTS);
  return {
    eta,
    ...(last.totalItems !== null ? { volume: { done: last.items, left: Math.max(0, last.totalItems - last.items), unit: 'items' as const } } : {}),
    ...(points.length >= 2 ? { extraCharts: [throughputLine(points, 'items', eta)] } : {}),
  };
}

/**
 * The progress elements: a stacked bar of what is done vs left (fallback: today's coloured bar and
 * its caption) and a donut of users by state (fallback: today's row of counts). A removed batch
 * keeps only its last counts.
 */
function progressCharts(input: BatchProgressInput, removed: boolean): (ChartElement | CardElement)[] {
  const c = input.counts;
  const cells: CountCell[] = [
    { label: 'Total', value: c.total, color: 'Default' },
    { label: 'Synced', value: c.synced, color: 'Good' },
    ...(removed ? [] : [{ label: 'Syncing', value: c.syncing, color: 'Accent' }]),
    ...(removed ? [] : [{ label: 'Queued', value: c.queued, color: 'Default' }]),
    { label: 'Failed', value: c.failed, color: c.failed ? 'Attention' : 'Default' },
    ...(c.stopped && !removed ? [{ label: 'Stopped', value: c.stopped, color: 'Warning' }] : []),
  ];
  if (removed) return [countsFallback(cells)];
  const percent = c.total === 0 ? 0 : Math.floor((c.synced * 100) / c.total);
  const v = input.volume;
  const bar = v
    ? doneVsLeftBar(
        { title: v.unit === 'bytes' ? 'Data moved' : 'Items moved', done: v.done, left: v.left, unit: v.unit },
        barFallback(percent, `${percent}% of users synced`),
      )
    : doneVsLeftBar({ title: 'Users synced', done: c.synced, left: c.total - c.synced, unit: 'users' }, barFallback(percent, `${percent}% of users synced`));
  return [bar, usersByStateDonut(c, countsFallback(cells)), ...(input.extraCharts ?? [])];
}

/** The batch progress card, live (batch show) or subscribed (notifications). */
export function batchProgressCard(input: BatchProgressInput): Reply {
  const { batch: b, counts: c, now, kind } = input;
  const removed = input.removed === true;
  const pageCount = Math.max(1, Math.ceil(c.total / USERS_PAGE_SIZE));
  const p = input.users ? Math.min(Math.max(0, input.users.page), pageCount - 1) : 0;
  const pageUsers = input.users ? input.users.sorted.slice(p * USERS_PAGE_SIZE, (p + 1) * USERS_PAGE_SIZE) : [];
  const failed = removed ? [] : input.failed.slice(0, FAILED_SHOWN);
  const lastSynced = date(b.lastSyncedDateTime);
  const nextIncremental = lastSynced && !removed ? new Date(lastSynced.getTime() + DAY_MS) : null;
  const headline = removed ? 'Removed from Exchange. Mail that reaches the old server from now on is not copied.' : progressHeadline(b, c);
  const note = removed
    ? "The migrated mail stays in the Exchange mailboxes. Exchange keeps no history of a removed batch; Cutover's audit log says who removed it (audit)."
    : [...(input.notes ?? []), lifecycleNote(b, now, input.lastAdminAction)].filter(Boolean).join(' ');
  const getBatch = toPowerShell('Get-MigrationBatch', { Identity: b.name });
  const source = input.source;
  const card = renderCard('batchProgress', {
    batch: b.name,
    source: source
      ? `IMAP migration${source.endpoint ? ` from endpoint ${source.endpoint}` : ''}${source.excludedFolders.length ? `, excluding ${source.excludedFolders.join(', ')}` : ''}`
      : '',
    status: removed ? 'Removed' : b.status,
    statusColor: removed ? 'Default' : batchStatusColor(b.status),
    headline,
    charts: progressCharts(input, removed),
    eta: removed ? '' : (input.eta ?? ''),
    failed: failed.map((f) => ({ heading: f.status ? `**${f.email}** · ${f.status}` : `**${f.email}**`, error: f.error })),
    failedMore: removed ? 0 : Math.max(0, c.failed - failed.length),
    page: { from: pageUsers.length ? p * USERS_PAGE_SIZE + 1 : 0, to: p * USERS_PAGE_SIZE + pageUsers.length, total: input.users ? c.total : 0 },
    users: pageUsers.map((u) => ({ email: u.emailAddress, status: u.status, color: userColor(u), items: formatCount(u.syncedItemCount) })),
    facts: [
      { title: 'Created', value: formatDate(date(b.creationDateTime)) },
      { title: 'Started', value: formatDate(date(b.startDateTime)) },
      { title: 'Initial sync done', value: b.initialSyncDateTime ? formatDate(date(b.initialSyncDateTime)) : 'not yet' },
      { title: 'Last synced', value: lastSynced ? formatDate(lastSynced) : 'not yet' },
      ...(nextIncremental ? [{ title: 'Next incremental sync', value: `about ${formatDate(nextIncremental)} (or now: batch sync ${b.name})` }] : []),
    ],
    note,
    updated:
      now
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC') + (kind === 'subscribed' ? ` · you get this card because this conversation subscribed (unsubscribe batch ${b.name})` : ''),
    powershell: removed
      ? `${getBatch}   # not found: removed`
      : kind === 'live'
        ? `${getBatch}\n${toPowerShell('Get-MigrationUser', { BatchId: b.name, ResultSize: 'Unlimited' })}`
        : getBatch,
    actions: removed ? [] : kind === 'live' ? liveActions(b, p, pageCount) : [{ title: 'Open batch', verb: 'batch.refresh', data: { batch: b.name, page: 0 } }],
  });
  return { card, summary: removed ? `Batch ${b.name}: removed from Exchange.` : `Batch ${b.name}: ${b.status}, ${headline}` };
}
