// Polls Exchange on an interval and turns changes into notifications.
// Calls per poll follow what changed: one Get-MigrationBatch for all batches;
// Get-MigrationUser -BatchId only for a batch whose status, counts or last sync moved (and
// then, for a large batch whose users are known, only the groups not Synced);
// Get-MigrationUserStatistics only for a user that just failed without error text.
// Throttling (429 with Retry-After, seen through the adapter's retries) pushes the next
// poll back; other failures back off exponentially up to a ceiling.

import type { Logger } from '../../ports/logger';
import type { Clock } from '../../ports/clock';
import { ExchangeError, IncompleteListError, type ExchangeAdmin } from '../../ports/exchange';
import type { KeyValueStore } from '../../ports/store';
import type { MigrationUser } from '../../domain/exchange/types';
import {
  batchChanged,
  changedUsers,
  diffBatch,
  firstSyncedUsers,
  mergeGroupRead,
  snapshotBatch,
  snapshotUser,
  userReadPlan,
  type BatchSnapshot,
  type NotificationEvent,
  type UserSnapshot,
} from '../../domain/notifications/events';
import type { DispatchResult, Dispatcher, ProgressUpdate } from './dispatch';
import { estimateFinish, finishKey } from '../../domain/progress/eta';
import { progressKey, readProgress, sampleBatch, sampled, type StoredProgress } from './progressHistory';

export const STATE_KEY = 'watcher/state';
export const STATUS_KEY = 'watcher/status';
const usersKey = (guid: string) => `watcher/users/${guid}`;
const RECENT_KEYS = 5000;

interface State {
  generation: number;
  batches: Record<string, BatchSnapshot>;
  pendingEvents: NotificationEvent[];
  staleBatches: string[];
  /** Keys delivered to every subscriber already: not offered again while they recur. */
  recentKeys: string[];
  /** The batches above are a full picture from an earlier poll: a batch missing from it is new. */
  baseline?: boolean;
  /** Exchange's time of the last poll with nobody subscribed: a batch created since is new to the subscriber. */
  idleAt?: string;
  /** With nobody subscribed and a history kept: the batches Exchange showed at the last idle poll, to see one vanish. */
  historySeen?: BatchSnapshot[];
}

/** What `status` shows; written by the leader after every poll. */
export interface WatcherStatus {
  instanceId: string;
  lastPollAt: string | null;
  lastPollMs: number | null;
  lastPollExchangeCalls: number | null;
  nextPollAt: string | null;
  intervalMs: number;
  consecutiveFailures: number;
  lastError: string | null;
  /** Exchange asked us to wait (429) until then. */
  throttledUntil: string | null;
  lastRetryAfterMs: number | null;
}

export interface PollReport {
  generation: number;
  exchangeCalls: number;
  calls: Record<string, number>;
  batches: number;
  changedBatches: number;
  usersFetched: number;
  statisticsFetched: number;
  events: NotificationEvent[];
  dispatch: DispatchResult | null;
  ms: number;
}

export interface WatcherOptions {
  exchange: ExchangeAdmin;
  store: KeyValueStore;
  /** Exchange's time (the emulator's simulated clock in local mode): for the 60-day and overdue rules. */
  clock: Clock;
  dispatcher: Dispatcher;
  intervalMs: number;
  log: Logger;
  instanceId: string;
  maxBackoffMs?: number;
  /** When nobody is subscribed the poll asks Exchange nothing (default: always poll). */
  hasSubscribers?: () => Promise<boolean>;
  /** Users whose first sync landed this poll (the end-user guide is offered to them). Must be quick and durable: a failure fails the poll, which is then redone. */
  onUsersSynced?: (batch: string, emails: string[]) => Promise<unknown>;
  /** Lower-cased batch name → last admin action through Cutover (one read per poll), for the 60-day rule. */
  lastAdminActions?: () => Promise<Record<string, string>>;
  /** History that outlives Exchange (src/services/batchHistory.ts): told what the poll saw and which batches vanished, before their users are forgotten. A failure fails the poll, which is then redone. */
  history?: {
    watcherSaw(batches: readonly BatchSnapshot[]): Promise<void>;
    watcherLost(gone: readonly { batch: BatchSnapshot; users: UserSnapshot[] }[]): Promise<void>;
  };
}

function countCalls(exchange: ExchangeAdmin, calls: Record<string, number>): ExchangeAdmin {
  return new Proxy(exchange, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export class Watcher {
  private state: State | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private polling: Promise<PollReport | null> | null = null;
  private failures = 0;
  private retryAfterSeenMs = 0;
  private status: WatcherStatus;
  lastReport: PollReport | null = null;
  /** Since this instance started: for status, tests and the bench. */
  readonly totals = { polls: 0, exchangeCalls: 0, sent: 0, updated: 0, skippedAsDelivered: 0 };

  constructor(private readonly o: WatcherOptions) {
    this.status = {
      instanceId: o.instanceId,
      lastPollAt: null,
      lastPollMs: null,
      lastPollExchangeCalls: null,
      nextPollAt: null,
      intervalMs: o.intervalMs,
      consecutiveFailures: 0,
      lastError: null,
      throttledUntil: null,
      lastRetryAfterMs: null,
    };
  }

  /** Hook for the watcher's Exchange adapter (onRetry): a 429's wait is remembered. */
  noteExchangeRetry(e: { status: number | null; delayMs: number }): void {
    if (e.status === 429) this.retryAfterSeenMs = Math.max(this.retryAfterSeenMs, e.delayMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Leadership may have moved: the last leader's state is the truth.
    this.state = null;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling?.catch(() => undefined);
  }

  get isRunning(): boolean {
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.status.nextPollAt = new Date(Date.now() + delayMs).toISOString();
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const report = await this.pollOnce().catch(() => null);
    if (!this.running) return;
    let delay = this.o.intervalMs;
    if (!report) {
      const backoff = Math.min(this.o.maxBackoffMs ?? 10 * 60_000, this.o.intervalMs * 2 ** Math.min(this.failures - 1, 10));
      delay = Math.max(backoff, this.retryAfterSeenMs);
    } else if (this.retryAfterSeenMs > 0) {
      delay = Math.max(delay, this.retryAfterSeenMs);
    }
    this.schedule(delay);
    await this.saveStatus();
  }

  /** One poll: Exchange, diff, dispatch, save. Resolves null when it failed (logged). */
  pollOnce(): Promise<PollReport | null> {
    if (this.polling) return this.polling;
    this.polling = this.poll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async poll(): Promise<PollReport | null> {
    const started = Date.now();
    const calls: Record<string, number> = {};
    this.retryAfterSeenMs = 0;
    const ex = countCalls(this.o.exchange, calls);
    try {
      if (this.o.hasSubscribers && !(await this.o.hasSubscribers())) {
        // Nobody to tell: ask Exchange nothing, and forget the past so a new subscriber
        // is not told of changes that happened while nobody listened.
        const idle: State = {
          generation: (this.state?.generation ?? 0) + 1,
          batches: {},
          pendingEvents: [],
          staleBatches: [],
          recentKeys: this.state?.recentKeys ?? [],
          idleAt: this.o.clock.now().toISOString(),
        };
        if (this.o.history) {
          // The history outlives Exchange whether anyone listens or not: one Get-MigrationBatch, and the
          // batches that vanished since the last poll are kept as they were last seen.
          const before = this.state ?? (await this.loadState());
          const prevSeen = before.historySeen ?? Object.values(before.batches);
          const seen = (await ex.getMigrationBatches()).map(snapshotBatch);
          const present = new Set(seen.map((b) => b.guid));
          const gone = prevSeen.filter((b) => !present.has(b.guid));
          const lost = gone.length ? await this.o.store.read(gone.map((b) => usersKey(b.guid))) : {};
          await this.o.history.watcherLost(
            gone.map((b) => ({
              batch: b,
              users: Object.values((lost[usersKey(b.guid)] as { users?: Record<string, UserSnapshot> } | undefined)?.users ?? {}),
            })),
          );
          await this.o.history.watcherSaw(seen);
          if (gone.length) await this.o.store.delete(gone.map((b) => usersKey(b.guid)));
          idle.historySeen = seen;
        }
        this.state = idle;
        await this.o.store.write({ [STATE_KEY]: idle });
        const idleCalls = Object.values(calls).reduce((x, y) => x + y, 0);
        const report: PollReport = {
          generation: idle.generation,
          exchangeCalls: idleCalls,
          calls,
          batches: idle.historySeen?.length ?? 0,
          changedBatches: 0,
          usersFetched: 0,
          statisticsFetched: 0,
          events: [],
          dispatch: null,
          ms: Date.now() - started,
        };
        this.lastReport = report;
        this.failures = 0;
        this.status = {
          ...this.status,
          lastPollAt: new Date().toISOString(),
          lastPollMs: report.ms,
          lastPollExchangeCalls: idleCalls,
          consecutiveFailures: 0,
          lastError: null,
        };
        return report;
      }
      const state = this.state ?? (await this.loadState());
      const now = this.o.clock.now();
      const batches = (await ex.getMigrationBatches()).map(snapshotBatch);
      const adminActions = (await this.o.lastAdminActions?.().catch(() => ({}) as Record<string, string>)) ?? {};
      const events: NotificationEvent[] = [];
      const progress: ProgressUpdate[] = [];
      const nextBatches: Record<string, BatchSnapshot> = {};
      let usersFetched = 0;
      let statisticsFetched = 0;
      const stale = new Set(state.staleBatches.map((b) => b.toLowerCase()));
      const writes: Record<string, unknown> = {};
      const firstSynced: { batch: string; emails: string[] }[] = [];
      const incompleteReads: Record<string, number> = {};
      for (const b of batches) {
        const key = b.name.toLowerCase();
        // A batch that appeared since a full poll, or was created since the last poll with nobody
        // subscribed, is new: everything it did since is news. Other first-seen batches say nothing of their past.
        const createdSinceIdle = !!state.idleAt && !!b.creationDateTime && Date.parse(b.creationDateTime) >= Date.parse(state.idleAt);
        const isNew = !state.batches[key] && (!!state.baseline || createdSinceIdle);
        const prev = state.batches[key] ?? (isNew ? createdLike(b) : undefined);
        nextBatches[key] = b;
        const changed = batchChanged(prev, b);
        let prevUsers: Record<string, UserSnapshot> | undefined;
        let nextUsers: UserSnapshot[] | undefined;
        let users: Record<string, UserSnapshot> | undefined;
        if (changed) {
          const stored = (await this.o.store.read([usersKey(b.guid)]))[usersKey(b.guid)] as { users: Record<string, UserSnapshot> } | undefined;
          prevUsers = stored?.users ?? (isNew ? {} : undefined);
          const read = await readUsers(ex, prev, b, prevUsers);
          nextUsers = read.users;
          usersFetched += read.fetched;
          if (read.incomplete) {
            incompleteReads[key] = read.incomplete.read;
            this.o.log.warn('watcher: Exchange handed over part of a batch', { batch: b.name, usersRead: read.incomplete.read, total: b.total });
          }
          for (const u of changedUsers(prevUsers, nextUsers)) {
            if (u.summary === 'Failed' && !u.error) {
              // Get-MigrationUser may not carry the error text; only the statistics do.
              const stats = await ex.getMigrationUserStatistics(u.email).catch((e) => {
                if (e instanceof ExchangeError && e.isThrottled) throw e;
                return null;
              });
              statisticsFetched++;
              u.error = stats?.error ?? null;
            } else if (u.summary === 'Failed' && prevUsers?.[u.email]?.error && !u.error) {
              u.error = prevUsers[u.email].error;
            }
          }
          // Keep errors already known for users that did not change.
          for (const u of nextUsers) if (!u.error && prevUsers?.[u.email]?.error && u.summary === 'Failed') u.error = prevUsers[u.email].error;
          users = Object.fromEntries(nextUsers.map((u) => [u.email, u]));
          writes[usersKey(b.guid)] = { users };
          // Known batch (or new since a full poll) only: a batch first seen settled says nothing of its past.
          const synced = prev ? firstSyncedUsers(prevUsers, nextUsers) : [];
          if (synced.length) firstSynced.push({ batch: b.name, emails: synced });
        }
        events.push(...diffBatch({ prev, next: b, prevUsers, nextUsers, now, lastAdminAction: adminActions[key] ?? null }));
        // The rolling history of what a syncing batch moved: throughput and finish range on its card.
        let history: StoredProgress | null = null;
        let finishChanged = false;
        if (sampled(b)) {
          const before = await readProgress(this.o.store, b.guid);
          try {
            const sampled = await sampleBatch(ex, b, before, now);
            statisticsFetched += sampled.statisticsRead;
            usersFetched++;
            history = sampled.progress;
            writes[progressKey(b.guid)] = history;
            finishChanged = finishKey(estimateFinish(before?.samples ?? [])) !== finishKey(estimateFinish(history.samples));
          } catch (e) {
            if (e instanceof ExchangeError && e.isThrottled) throw e;
            this.o.log.warn('watcher: progress sample failed', { batch: b.name, error: String(e) });
            history = before;
          }
        } else if (changed || stale.has(key)) {
          history = await readProgress(this.o.store, b.guid);
        }
        if (changed || stale.has(key) || finishChanged) {
          if (!users) {
            const stored = (await this.o.store.read([usersKey(b.guid)]))[usersKey(b.guid)] as { users: Record<string, UserSnapshot> } | undefined;
            users = stored?.users ?? {};
          }
          const failed = Object.values(users)
            .filter((u) => u.summary === 'Failed')
            .sort((x, y) => x.email.localeCompare(y.email))
            .map((u) => ({ email: u.email, error: u.error ?? `Exchange gave no error text. See: user show ${u.email}` }));
          progress.push({
            batch: b,
            failed,
            lastAdminAction: adminActions[key] ?? null,
            ...(incompleteReads[key] !== undefined ? { usersRead: incompleteReads[key] } : {}),
            ...(history ? { history: history.samples } : {}),
          });
        }
      }
      // Batches gone from Exchange (removed): their cards say so, once; their users are forgotten.
      const gone = Object.values(state.batches).filter((b) => !nextBatches[b.name.toLowerCase()]);
      for (const b of gone) progress.push({ batch: b, failed: [], removed: true });
      if (this.o.history) {
        // Exchange forgot these batches (removed, or purged 90 days after they stopped): keep the users' last record first.
        const lost = gone.length ? await this.o.store.read(gone.map((b) => usersKey(b.guid))) : {};
        await this.o.history.watcherLost(
          gone.map((b) => ({ batch: b, users: Object.values((lost[usersKey(b.guid)] as { users?: Record<string, UserSnapshot> } | undefined)?.users ?? {}) })),
        );
        await this.o.history.watcherSaw(batches);
      }
      if (gone.length) await this.o.store.delete(gone.flatMap((b) => [usersKey(b.guid), progressKey(b.guid)]));

      const recent = new Set(state.recentKeys);
      const offered = new Map<string, NotificationEvent>();
      for (const e of [...state.pendingEvents, ...events]) if (!recent.has(e.key)) offered.set(e.key, e);
      const toSend = [...offered.values()];
      // Queued before the user snapshot is saved, so a failure here means the next poll finds the same users again.
      if (this.o.onUsersSynced) for (const f of firstSynced) await this.o.onUsersSynced(f.batch, f.emails);
      // Users first so a crash between the two writes re-reads, not re-notifies.
      if (Object.keys(writes).length) await this.o.store.write(writes);
      const dispatch = await this.o.dispatcher.dispatch(progress, toSend);
      if (toSend.length || progress.length) {
        this.o.log.info('watcher poll', {
          changedBatches: progress.length,
          events: toSend.map((e) => e.kind),
          sent: dispatch.sent,
          updated: dispatch.updated,
          exchangeCalls: Object.values(calls).reduce((x, y) => x + y, 0),
        });
      }

      const delivered = toSend.filter((e) => !dispatch.undelivered.has(e.key)).map((e) => e.key);
      // Keys that recur every poll (expiry, overdue) stay recent while they recur.
      const stillRecurring = state.recentKeys.filter((k) => events.some((e) => e.key === k));
      const next: State = {
        generation: state.generation + 1,
        // A removed batch whose last card update did not land everywhere stays, to be retried.
        batches: { ...nextBatches, ...Object.fromEntries(gone.filter((b) => dispatch.staleBatches.has(b.name)).map((b) => [b.name.toLowerCase(), b])) },
        pendingEvents: toSend.filter((e) => dispatch.undelivered.has(e.key)),
        staleBatches: [...dispatch.staleBatches],
        recentKeys: [...new Set([...stillRecurring, ...delivered, ...state.recentKeys])].slice(0, RECENT_KEYS),
        baseline: true,
      };
      await this.o.store.write({ [STATE_KEY]: next });
      this.state = next;
      const exchangeCalls = Object.values(calls).reduce((a, b) => a + b, 0);
      const report: PollReport = {
        generation: next.generation,
        exchangeCalls,
        calls,
        batches: batches.length,
        changedBatches: progress.length,
        usersFetched,
        statisticsFetched,
        events,
        dispatch,
        ms: Date.now() - started,
      };
      this.totals.polls++;
      this.totals.exchangeCalls += exchangeCalls;
      this.totals.sent += dispatch.sent;
      this.totals.updated += dispatch.updated;
      this.totals.skippedAsDelivered += dispatch.skippedAsDelivered;
      this.lastReport = report;
      this.failures = 0;
      this.status = {
        ...this.status,
        lastPollAt: new Date().toISOString(),
        lastPollMs: report.ms,
        lastPollExchangeCalls: exchangeCalls,
        consecutiveFailures: 0,
        lastError: null,
        throttledUntil: this.retryAfterSeenMs > 0 ? new Date(Date.now() + this.retryAfterSeenMs).toISOString() : null,
        lastRetryAfterMs: this.retryAfterSeenMs || null,
      };
      if (!this.running) await this.saveStatus();
      return report;
    } catch (err) {
      this.failures++;
      const throttled = err instanceof ExchangeError && err.isThrottled;
      if (throttled) this.retryAfterSeenMs = Math.max(this.retryAfterSeenMs, this.o.intervalMs);
      this.status = {
        ...this.status,
        consecutiveFailures: this.failures,
        lastError: err instanceof Error ? err.message.slice(0, 300) : String(err),
        throttledUntil: this.retryAfterSeenMs > 0 ? new Date(Date.now() + this.retryAfterSeenMs).toISOString() : this.status.throttledUntil,
        lastRetryAfterMs: this.retryAfterSeenMs || this.status.lastRetryAfterMs,
      };
      this.o.log.warn('watcher poll failed', { throttled, failures: this.failures, error: this.status.lastError });
      return null;
    }
  }

  private async loadState(): Promise<State> {
    const found = (await this.o.store.read([STATE_KEY]))[STATE_KEY] as (State & { eTag?: string }) | undefined;
    if (!found) return { generation: 0, batches: {}, pendingEvents: [], staleBatches: [], recentKeys: [] };
    const { eTag: _e, ...rest } = found;
    return rest;
  }

  private async saveStatus(): Promise<void> {
    await this.o.store.write({ [STATUS_KEY]: this.status }).catch((err) => this.o.log.warn('watcher status not saved', { error: String(err) }));
  }
}

export async function readWatcherStatus(store: KeyValueStore): Promise<WatcherStatus | null> {
  const found = (await store.read([STATUS_KEY]))[STATUS_KEY] as (WatcherStatus & { eTag?: string }) | undefined;
  if (!found) return null;
  const { eTag: _e, ...rest } = found;
  return rest;
}

/**
 * A batch's users now: only the groups not Synced when that is cheaper (userReadPlan), else all.
 * Exchange may hand over only part of a large batch (it can refuse every next link): `incomplete`
 * then says how many users were read, and users not read keep what was known of them (a known user
 * missing from complete non-Synced groups is Synced), so nothing unread is reported as changed.
 */
async function readUsers(
  ex: ExchangeAdmin,
  prev: BatchSnapshot | undefined,
  b: BatchSnapshot,
  prevUsers: Record<string, UserSnapshot> | undefined,
): Promise<{ users: UserSnapshot[]; fetched: number; incomplete: { read: number } | null }> {
  const plan = userReadPlan(prev, b, prevUsers);
  if (plan !== 'all') {
    try {
      const fetched: UserSnapshot[] = [];
      for (const statusSummary of plan) fetched.push(...(await ex.getMigrationUsers({ batchId: b.name, statusSummary })).map(snapshotUser));
      const merged = mergeGroupRead(prevUsers!, fetched, b);
      if (merged) return { users: merged, fetched: fetched.length, incomplete: null };
    } catch (e) {
      if (!(e instanceof IncompleteListError)) throw e;
    }
  }
  try {
    const all = (await ex.getMigrationUsers({ batchId: b.name })).map(snapshotUser);
    return { users: all, fetched: all.length, incomplete: null };
  } catch (e) {
    if (!(e instanceof IncompleteListError)) throw e;
    const read = (e.partial as MigrationUser[]).map(snapshotUser);
    return { users: mergePartialRead(prevUsers, read, b), fetched: read.length, incomplete: { read: read.length } };
  }
}

function mergePartialRead(prevUsers: Record<string, UserSnapshot> | undefined, read: UserSnapshot[], b: BatchSnapshot): UserSnapshot[] {
  const seen = new Set(read.map((u) => u.email));
  const count = (s: UserSnapshot['summary']) => read.filter((u) => u.summary === s).length;
  const othersComplete = count('Active') === b.active && count('Failed') === b.failed && count('Stopped') === b.stopped;
  const kept = Object.values(prevUsers ?? {})
    .filter((p) => !seen.has(p.email))
    .map((p) => (othersComplete && p.summary !== 'Synced' ? { ...p, status: 'Synced' as const, summary: 'Synced' as const, error: null } : p));
  return [...read, ...kept];
}

function createdLike(b: BatchSnapshot): BatchSnapshot {
  return { ...b, status: 'Created', active: 0, synced: 0, failed: 0, stopped: 0, pending: 0, initialSyncDateTime: null, lastSyncedDateTime: null };
}
