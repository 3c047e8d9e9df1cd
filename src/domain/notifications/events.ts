// Pure rules for the watcher: what a batch and its migration users looked like at
// the last poll, what they look like now, and which notification events that makes.
// Event keys are derived from Exchange's own data (batch guid, timestamps) and the
// poll generation, so two instances computing the same change make the same key,
// and the ledger can deliver each event once per conversation.

import type { BatchStatus, MigrationBatch, MigrationUser, MigrationUserStatus } from '../exchange/types';
import { BATCH_LIFETIME_DAYS } from '../exchange/types';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Incrementals run about every 24 h; two hours of slack before we call one overdue. */
export const INCREMENTAL_OVERDUE_MS = 26 * HOUR_MS;
/** Days before the 60-day stop at which admins are told. */
export const EXPIRY_WARNING_DAYS = [7, 1] as const;

export interface BatchSnapshot {
  name: string;
  guid: string;
  status: BatchStatus;
  total: number;
  active: number;
  synced: number;
  failed: number;
  stopped: number;
  pending: number;
  creationDateTime: string | null;
  startDateTime: string | null;
  initialSyncDateTime: string | null;
  lastSyncedDateTime: string | null;
  message: string | null;
}

export interface UserSnapshot {
  email: string;
  status: MigrationUserStatus;
  summary: MigrationUser['statusSummary'];
  syncedItems: number;
  error: string | null;
}

export type EventKind =
  'batch.started' | 'batch.synced' | 'batch.syncedWithErrors' | 'batch.completed' | 'batch.failed' | 'batch.expiring' | 'batch.syncOverdue' | 'user.failed';

export interface NotificationEvent {
  kind: EventKind;
  /** Stable across instances for the same change: the ledger's dedupe key. */
  key: string;
  batch: string;
  /** A separate message (not only the progress card) because a person should act. */
  needsPerson: boolean;
  user?: string;
  error?: string;
  daysLeft?: number;
  status?: BatchStatus;
  lastSyncedDateTime?: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function snapshotBatch(b: MigrationBatch): BatchSnapshot {
  return {
    name: b.identity,
    guid: b.batchGuid,
    status: b.status,
    total: b.totalCount,
    active: b.activeCount,
    synced: b.syncedCount,
    failed: b.failedCount,
    stopped: b.stoppedCount,
    pending: b.pendingCount,
    creationDateTime: iso(b.creationDateTime),
    startDateTime: iso(b.startDateTime),
    initialSyncDateTime: iso(b.initialSyncDateTime),
    lastSyncedDateTime: iso(b.lastSyncedDateTime),
    message: b.message,
  };
}

export function snapshotUser(u: MigrationUser): UserSnapshot {
  return { email: u.emailAddress.toLowerCase(), status: u.status, summary: u.statusSummary, syncedItems: u.syncedItemCount, error: u.errorSummary };
}

/**
 * Whether Get-MigrationUser must be asked again for this batch: its status, counts or
 * last sync moved. Unchanged batches reuse the last user snapshot, so Exchange calls per
 * poll follow what changed, not how many users there are.
 */
export function batchChanged(prev: BatchSnapshot | undefined, next: BatchSnapshot): boolean {
  if (!prev) return true;
  return (
    prev.guid !== next.guid ||
    prev.status !== next.status ||
    prev.total !== next.total ||
    prev.active !== next.active ||
    prev.synced !== next.synced ||
    prev.failed !== next.failed ||
    prev.stopped !== next.stopped ||
    prev.pending !== next.pending ||
    prev.lastSyncedDateTime !== next.lastSyncedDateTime
  );
}

/** Users copying now (Exchange's ActiveCount includes the queued ones): the one count `batch show` and the watcher's card both show. */
export function syncingCount(b: Pick<BatchSnapshot, 'total' | 'synced' | 'failed' | 'stopped' | 'pending'>): number {
  return Math.max(0, b.total - b.synced - b.failed - b.stopped - b.pending);
}

/** Users whose status or item count moved since the last poll (new users count as changed). */
export function changedUsers(prev: Record<string, UserSnapshot> | undefined, next: UserSnapshot[]): UserSnapshot[] {
  return next.filter((u) => {
    const p = prev?.[u.email];
    return !p || p.status !== u.status || p.syncedItems !== u.syncedItems;
  });
}

const RUNNING: readonly BatchStatus[] = ['Starting', 'Syncing', 'IncrementalSyncing'];
const isFailedUser = (u: UserSnapshot) => u.summary === 'Failed';

/**
 * The 60-day rule: Exchange stops a Synced batch after 60 days with no admin action.
 * The clock starts at the last admin action: what Exchange shows (creation, start) or
 * Cutover's own record (`lastAdminAction`: sync now, add users, stop, start). Incremental
 * syncs and the initial sync finishing are not admin actions, so they do not count.
 */
export function expiryAnchor(b: BatchSnapshot, lastAdminAction?: string | null): Date | null {
  const times = [b.startDateTime, lastAdminAction ?? null, b.creationDateTime]
    .filter((t): t is string => !!t)
    .map((t) => Date.parse(t))
    .filter((t) => Number.isFinite(t));
  if (times.length === 0) return null;
  return new Date(Math.max(...times));
}

/** Whole days until Exchange stops the batch, or null when the rule does not apply. */
export function daysUntilStop(b: BatchSnapshot, now: Date, lastAdminAction?: string | null): number | null {
  if (b.status !== 'Synced' && b.status !== 'SyncedWithErrors') return null;
  const anchor = expiryAnchor(b, lastAdminAction);
  if (!anchor) return null;
  return Math.ceil((anchor.getTime() + BATCH_LIFETIME_DAYS * DAY_MS - now.getTime()) / DAY_MS);
}

/** A Synced batch whose last incremental is older than ~26 h. */
export function syncOverdue(b: BatchSnapshot, now: Date): boolean {
  if (b.status !== 'Synced' && b.status !== 'SyncedWithErrors') return false;
  if (!b.lastSyncedDateTime) return false;
  return now.getTime() - Date.parse(b.lastSyncedDateTime) > INCREMENTAL_OVERDUE_MS;
}

export interface DiffInput {
  prev: BatchSnapshot | undefined;
  next: BatchSnapshot;
  prevUsers: Record<string, UserSnapshot> | undefined;
  /** Undefined when Get-MigrationUser was not asked this poll (nothing changed). */
  nextUsers: UserSnapshot[] | undefined;
  now: Date;
  lastAdminAction?: string | null;
}

/** The events one batch's change makes. Pure. */
export function diffBatch(input: DiffInput): NotificationEvent[] {
  const { prev, next, now } = input;
  const out: NotificationEvent[] = [];
  const g = next.guid;
  const ev = (kind: EventKind, key: string, needsPerson: boolean, extra: Partial<NotificationEvent> = {}): NotificationEvent => ({
    kind,
    key: `${kind}/${g}/${key}`,
    batch: next.name,
    needsPerson,
    status: next.status,
    lastSyncedDateTime: next.lastSyncedDateTime,
    ...extra,
  });
  const was = prev?.status;
  const moved = was !== next.status;
  if (moved && RUNNING.includes(next.status) && (!was || !RUNNING.includes(was)) && next.status !== 'IncrementalSyncing') {
    out.push(ev('batch.started', next.startDateTime ?? next.creationDateTime ?? 'start', false));
  }
  // Seen for the first time already settled: the bot just started watching; say nothing of the past.
  if (prev && moved) {
    const when = next.lastSyncedDateTime ?? next.initialSyncDateTime ?? 'sync';
    if (next.status === 'Synced' && was !== 'Synced') out.push(ev('batch.synced', when, false));
    if (next.status === 'SyncedWithErrors') out.push(ev('batch.syncedWithErrors', when, true));
    if (next.status === 'Completed' || next.status === 'CompletedWithErrors') out.push(ev('batch.completed', next.status, true));
    if (next.status === 'Failed' || next.status === 'Corrupted')
      out.push(ev('batch.failed', `${next.status}/${next.lastSyncedDateTime ?? next.startDateTime ?? ''}`, true, { error: next.message ?? undefined }));
  }
  if (input.nextUsers && prev) {
    for (const u of input.nextUsers) {
      const p = input.prevUsers?.[u.email];
      if (isFailedUser(u) && (!p || !isFailedUser(p))) {
        // A retried user that fails again is a new failure: key on the last good sync and items.
        out.push(ev('user.failed', `${u.email}/${u.status}/${u.syncedItems}`, true, { user: u.email, error: u.error ?? undefined }));
      }
    }
  }
  const left = daysUntilStop(next, now, input.lastAdminAction);
  if (left !== null) {
    // Smallest first: one day left is the 1-day warning, not the 7-day one again.
    for (const d of [...EXPIRY_WARNING_DAYS].sort((a, b) => a - b)) {
      if (left <= d && left > 0) {
        const anchor = expiryAnchor(next, input.lastAdminAction)!.toISOString();
        out.push(ev('batch.expiring', `${d}d/${anchor}`, true, { daysLeft: left }));
        break;
      }
    }
  }
  if (syncOverdue(next, now)) out.push(ev('batch.syncOverdue', next.lastSyncedDateTime ?? '', true));
  return out;
}

/** Cheap fingerprint of what a progress card shows, to update it only when it changed. */
export function progressFingerprint(b: BatchSnapshot, failedUsers: string[]): string {
  return [b.status, b.total, b.synced, b.active, b.failed, b.stopped, b.pending, b.lastSyncedDateTime ?? '', failedUsers.join(',')].join('|');
}

/**
 * Users whose first sync has just landed (now Synced, not Synced at the last poll): the
 * moment to offer them the end-user guide. For IMAP a user never "completes"; the first
 * Synced is when their mail is in Exchange. A batch seen for the first time with no user
 * picture from before (prevUsers undefined) says nothing of the past, as diffBatch does.
 */
export function firstSyncedUsers(prevUsers: Record<string, UserSnapshot> | undefined, nextUsers: UserSnapshot[]): string[] {
  if (!prevUsers) return [];
  return nextUsers.filter((u) => u.summary === 'Synced' && prevUsers[u.email]?.summary !== 'Synced').map((u) => u.email);
}

/** Get-MigrationUser returns up to this many rows a page (the adapter follows nextLink). */
const USERS_PER_PAGE = 1000;
const pages = (n: number) => Math.max(1, Math.ceil(n / USERS_PER_PAGE));

/**
 * How to learn a changed batch's users: all of them, or only the StatusSummary groups that
 * are not Synced (Active, Failed, Stopped), when the batch's users are known from the last
 * poll and no user was added or removed. Users missing from those groups are Synced. The
 * groups are read only when that takes fewer calls, so a 50,000-user batch whose initial
 * sync is done costs a call or two per change, not 50 pages.
 */
export function userReadPlan(
  prev: BatchSnapshot | undefined,
  next: BatchSnapshot,
  prevUsers: Record<string, UserSnapshot> | undefined,
): 'all' | MigrationUser['statusSummary'][] {
  if (!prev || !prevUsers || prev.guid !== next.guid || prev.total !== next.total || Object.keys(prevUsers).length !== next.total) return 'all';
  const groups: [MigrationUser['statusSummary'], number][] = [
    ['Active', next.active],
    ['Failed', next.failed],
    ['Stopped', next.stopped],
  ];
  const wanted = groups.filter(([, n]) => n > 0);
  const cost = wanted.reduce((sum, [, n]) => sum + pages(n), 0);
  return cost < pages(next.total) ? wanted.map(([g]) => g) : 'all';
}

/**
 * The batch's users from a group read: the users fetched as they are now, everyone else as
 * Synced (kept as they were when they were Synced already). Null when the read does not add
 * up to the batch's counters (a user in another group, or the batch moved between the two
 * calls): then the whole batch must be read.
 */
export function mergeGroupRead(prevUsers: Record<string, UserSnapshot>, fetched: UserSnapshot[], next: BatchSnapshot): UserSnapshot[] | null {
  const by = new Map(fetched.map((u) => [u.email, u]));
  const count = (s: MigrationUser['statusSummary']) => fetched.filter((u) => u.summary === s).length;
  if (count('Active') !== next.active || count('Failed') !== next.failed || count('Stopped') !== next.stopped) return null;
  if (fetched.some((u) => !prevUsers[u.email])) return null;
  if (Object.keys(prevUsers).length - by.size !== next.synced) return null;
  return Object.values(prevUsers).map((p) => by.get(p.email) ?? (p.summary === 'Synced' ? p : { ...p, status: 'Synced', summary: 'Synced', error: null }));
}
