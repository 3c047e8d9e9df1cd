// The guide, offered by itself: when the watcher sees a migration user's first sync land in
// a batch that a conversation is subscribed to, that person gets the end-user guide in their
// personal chat with Cutover, once. People without the app get it installed (where the
// Graph permission allows) and receive the guide when Teams tells the bot about the new
// personal chat. Work is queued in the shared store first, so a restart or another instance
// taking over loses no offer, and each person's record makes the offer at most once
// (at least once if an instance dies between the send and the record).

import { createHash } from 'node:crypto';
import type { Reply } from '../cards/reply';
import type { AuditPort } from '../ports/audit';
import type { Clock } from '../ports/clock';
import { findUserByAddress, type GraphPort, type GraphUser } from '../ports/graph';
import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';
import type { ConversationRef } from './conversations';
import { wants, type Subscription } from './subscriptions';
import { errorText } from '../lib/errorText';
import { forEachLimited } from '../lib/pool';

export type OfferState = 'offered' | 'awaiting-app' | 'unreachable';

export interface OfferRecord {
  email: string;
  batch: string;
  state: OfferState;
  at: string;
  userId?: string;
  reason?: string;
}

interface QueueEntry {
  email: string;
  batch: string;
  attempts: number;
}

export interface GuideOffersDeps {
  store: KeyValueStore;
  clock: Clock;
  subscriptions: { all(): Promise<Subscription[]> };
  directory: Pick<GraphPort, 'findUserByMail' | 'getUser' | 'isAppInstalled' | 'installApp'>;
  conversations: { findPersonal(aadObjectId: string): Promise<{ reference: ConversationRef } | null> };
  sink: { send(reference: ConversationRef, reply: Reply): Promise<string> };
  /** The card a person gets: the start of their guide. */
  offer(batch: string): Reply;
  /** Lists the person in `guide status` (as `guide send batch` does). */
  register?(user: GraphUser): Promise<void>;
  /** The person opened the guide or was sent it (guide send batch) already: no second copy. */
  hasGuide?(user: GraphUser): Promise<boolean>;
  audit: AuditPort;
  teamsAppId: string;
  canInstallApps: boolean;
  log: { info(m: string, f?: Record<string, unknown>): void; warn(m: string, f?: Record<string, unknown>): void };
  /** People served at once (Graph allows a few requests in flight). */
  concurrency?: number;
  /** Tries before a person whom Graph or Teams keep failing for is given up as unreachable. */
  maxAttempts?: number;
  /** Only the watcher's leader sends: an instance that lost the lease stops at the next person. */
  isLeader?: () => boolean;
  /** When people are left to retry (Graph or Teams failed), the queue is worked again after this long (default 1 min). */
  retryDelayMs?: number;
}

const QUEUE = 'guide-offers/queue';
const hash = (s: string) => createHash('sha256').update(s.toLowerCase()).digest('base64url').slice(0, 32);
const recordKey = (email: string) => `guide-offers/user/${hash(email)}`;
const awaitingKey = (aadObjectId: string) => `guide-offers/awaiting/${hash(aadObjectId)}`;
const CHUNK = 50;

export class GuideOffers {
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly d: GuideOffersDeps) {}

  /**
   * From the watcher: these users' first sync landed. Only batches a conversation is
   * subscribed to count (notifications on); the work itself runs after this resolves.
   */
  async usersSynced(batch: string, emails: string[]): Promise<number> {
    if (emails.length === 0) return 0;
    const subs = await this.d.subscriptions.all();
    if (!subs.some((s) => wants(s, batch))) return 0;
    const found = await this.d.store.read(emails.map(recordKey));
    const fresh = emails.filter((e) => !found[recordKey(e)]);
    if (fresh.length === 0) return 0;
    await mutate<{ entries: QueueEntry[] }>(
      this.d.store,
      QUEUE,
      (cur) => {
        const entries = [...(cur?.entries ?? [])];
        const queued = new Set(entries.map((e) => e.email));
        for (const email of fresh) if (!queued.has(email)) entries.push({ email, batch, attempts: 0 });
        return { entries };
      },
      { attempts: 50 },
    );
    this.kick();
    return fresh.length;
  }

  /** Works through the queue in the background; one run at a time per instance. */
  kick(): void {
    this.stopped = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.drain().catch((err) => this.d.log.warn('guide offers not processed', { error: errorText(err) }));
      } while (this.again);
    })().finally(async () => {
      this.running = null;
      // People left to retry: try again later (each at most maxAttempts times).
      const left =
        ((await this.d.store.read([QUEUE]).catch(() => ({}) as Record<string, unknown>))[QUEUE] as { entries?: QueueEntry[] } | undefined)?.entries?.length ??
        0;
      if (left && !this.stopped && !this.running && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (!this.stopped) this.kick();
        }, this.d.retryDelayMs ?? 60_000);
        this.retryTimer.unref();
      }
    });
  }

  /** Resolves when the queue has been worked through (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No more runs here (leadership lost, shutdown); the queue stays in the store for the next leader. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.idle();
  }

  /**
   * Teams told the bot about a personal chat (the app was installed for this person, by
   * Cutover or by themselves): deliver the guide that was waiting for it.
   */
  async personalChatOpened(aadObjectId: string): Promise<boolean> {
    const key = awaitingKey(aadObjectId);
    const waiting = (await this.d.store.read([key]))[key] as { email: string } | undefined;
    if (!waiting) return false;
    const rec = (await this.d.store.read([recordKey(waiting.email)]))[recordKey(waiting.email)] as OfferRecord | undefined;
    if (!rec || rec.state === 'offered') {
      await this.d.store.delete([key]);
      return false;
    }
    const chat = await this.d.conversations.findPersonal(aadObjectId);
    if (!chat) return false;
    await this.d.sink.send(chat.reference, this.d.offer(rec.batch));
    await this.d.store.write({
      [recordKey(rec.email)]: { ...rec, state: 'offered', at: this.d.clock.now().toISOString(), reason: undefined } satisfies OfferRecord,
    });
    await this.d.store.delete([key]);
    this.d.log.info('guide offered on install', { batch: rec.batch });
    return true;
  }

  async recordOf(email: string): Promise<OfferRecord | null> {
    const found = (await this.d.store.read([recordKey(email)]))[recordKey(email)] as (OfferRecord & { eTag?: string }) | undefined;
    if (!found) return null;
    const { eTag: _e, ...rest } = found;
    return rest;
  }

  private async drain(): Promise<void> {
    // Each person at most once per run: what failed now waits for the next run.
    const tried = new Set<string>();
    for (;;) {
      const queue = ((await this.d.store.read([QUEUE]))[QUEUE] as { entries: QueueEntry[] } | undefined)?.entries ?? [];
      const chunk = queue.filter((e) => !tried.has(e.email)).slice(0, CHUNK);
      if (chunk.length === 0 || (this.d.isLeader && !this.d.isLeader())) return;
      chunk.forEach((e) => tried.add(e.email));
      const outcome = new Map<string, OfferState | 'retry'>();
      await forEachLimited(chunk, this.d.concurrency ?? 4, async (entry) => void outcome.set(entry.email, await this.offerOne(entry)), {
        stop: () => Boolean(this.d.isLeader && !this.d.isLeader()),
      });
      const max = this.d.maxAttempts ?? 5;
      await mutate<{ entries: QueueEntry[] }>(
        this.d.store,
        QUEUE,
        (cur) => {
          const entries: QueueEntry[] = [];
          for (const e of cur?.entries ?? []) {
            const o = outcome.get(e.email);
            if (o === undefined) entries.push(e);
            // Kept for the next run, behind the rest.
            else if (o === 'retry' && e.attempts + 1 < max) entries.push({ ...e, attempts: e.attempts + 1 });
          }
          const retried = entries.filter((e) => outcome.get(e.email) === 'retry');
          const ordered = [...entries.filter((e) => outcome.get(e.email) !== 'retry'), ...retried];
          return ordered.length ? { entries: ordered } : DELETE_ITEM;
        },
        { attempts: 50 },
      );
      const given = chunk.filter((e) => outcome.get(e.email) === 'retry' && e.attempts + 1 >= max);
      for (const e of given) await this.write(e, 'unreachable', { reason: 'Microsoft Graph or Teams kept failing; send it with guide send batch' });
      await this.auditChunk(chunk, outcome);
    }
  }

  private async offerOne(entry: QueueEntry): Promise<OfferState | 'retry'> {
    const done = await this.recordOf(entry.email);
    if (done) return done.state;
    try {
      const user = await findUserByAddress(this.d.directory, entry.email);
      if (!user) return this.write(entry, 'unreachable', { reason: 'not in the directory' });
      if (await this.d.hasGuide?.(user)) return this.write(entry, 'offered', { userId: user.id, reason: 'had the guide already' });
      await this.d.register?.(user).catch(() => undefined);
      const chat = await this.d.conversations.findPersonal(user.id);
      if (chat) {
        await this.d.sink.send(chat.reference, this.d.offer(entry.batch));
        return this.write(entry, 'offered', { userId: user.id });
      }
      if (!(await this.d.directory.isAppInstalled(user.id, this.d.teamsAppId))) {
        if (!this.d.canInstallApps) {
          // Should they add Cutover themselves later, the guide is still waiting for them.
          await this.d.store.write({ [awaitingKey(user.id)]: { email: entry.email } });
          return this.write(entry, 'unreachable', {
            userId: user.id,
            reason: 'does not have Cutover in Teams, and Cutover may not install it (needs TeamsAppInstallation.ReadWriteSelfForUser.All)',
          });
        }
        await this.d.directory.installApp(user.id, this.d.teamsAppId);
      }
      // Installed (now or before) but no personal chat known yet: Teams sends it on install.
      await this.d.store.write({ [awaitingKey(user.id)]: { email: entry.email } });
      return this.write(entry, 'awaiting-app', { userId: user.id, reason: 'gets the guide when Teams opens the personal chat with Cutover' });
    } catch (err) {
      this.d.log.warn('guide offer failed; will retry', { attempts: entry.attempts + 1, error: errorText(err) });
      return 'retry';
    }
  }

  private async write(entry: QueueEntry, state: OfferState, extra: { userId?: string; reason?: string } = {}): Promise<OfferState> {
    const rec: OfferRecord = { email: entry.email, batch: entry.batch, state, at: this.d.clock.now().toISOString(), ...extra };
    await this.d.store.write({ [recordKey(entry.email)]: rec });
    return state;
  }

  private async auditChunk(chunk: QueueEntry[], outcome: Map<string, OfferState | 'retry'>): Promise<void> {
    const byBatch = new Map<string, QueueEntry[]>();
    for (const e of chunk) byBatch.set(e.batch, [...(byBatch.get(e.batch) ?? []), e]);
    for (const [batch, entries] of byBatch) {
      const n = (s: OfferState | 'retry') => entries.filter((e) => outcome.get(e.email) === s).length;
      if (n('offered') + n('awaiting-app') + n('unreachable') === 0) continue;
      await this.d.audit
        .record({
          actor: { id: 'cutover', name: 'Cutover' },
          action: 'guide.offer',
          target: batch,
          result: n('unreachable') ? 'failed' : 'ok',
          detail: `First sync done: guide offered to ${n('offered')}, ${n('awaiting-app')} get it when Cutover opens in their Teams, ${n('unreachable')} could not be reached, ${n('retry')} to retry`,
        })
        .catch(() => undefined);
    }
  }
}
