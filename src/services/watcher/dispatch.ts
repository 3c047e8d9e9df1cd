// Fans a poll's changes out to the subscribed conversations: one progress card per
// batch and conversation, updated in place; a separate message only for events that
// need a person, each once per conversation (the ledger). A conversation the bot was
// removed from is unsubscribed, forgotten and audited.

import { forEachLimited } from '../../lib/pool';
import type { Logger } from '../../ports/logger';
import type { AuditPort } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import type { BatchSnapshot, NotificationEvent } from '../../domain/notifications/events';
import { progressFingerprint } from '../../domain/notifications/events';
import type { Conversations } from '../conversations';
import type { NotificationLedger, ProgressCardRecord } from '../notificationLedger';
import { wants, type Subscriptions } from '../subscriptions';
import { batchProgressCard, countsOfSnapshot, finishView, type FailedUserLine } from '../../cards/batchProgress';
import { estimateFinish, finishKey, type ProgressSample } from '../../domain/progress/eta';
import { SAMPLED_STATUSES } from './progressHistory';
import { eventsCard } from '../../cards/notificationEvent';
import { ConversationGoneError, type NotificationSink } from './sink';
import { errorText } from '../../lib/errorText';

export type FailedUser = Pick<FailedUserLine, 'email' | 'error'>;

/** Said whenever Exchange handed over only part of a batch's users: never a partial list shown as whole. */
export function incompleteUsersNote(read: number, total: number): string {
  return `Cutover could read ${read.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} users from Exchange: the user list is incomplete (the counts come from the batch itself).`;
}

/** A subscribed conversation's progress card for one batch. */
function progressCard(p: ProgressUpdate, now: Date) {
  return batchProgressCard({
    kind: 'subscribed',
    batch: p.batch,
    counts: countsOfSnapshot(p.batch),
    failed: p.failed,
    now,
    lastAdminAction: p.lastAdminAction ?? null,
    removed: p.removed,
    notes: p.usersRead !== undefined ? [incompleteUsersNote(p.usersRead, p.batch.total)] : [],
    // A finish time only while the batch moves mail: a settled batch's last estimate is history.
    ...(p.history && !p.removed && SAMPLED_STATUSES.includes(p.batch.status) ? finishView(p.history, now) : {}),
  });
}

export interface ProgressUpdate {
  batch: BatchSnapshot;
  failed: FailedUser[];
  /** Cutover's record of the last admin action on the batch (the 60-day rule). */
  lastAdminAction?: string | null;
  /** Gone from Exchange: the card's last update. */
  removed?: boolean;
  /** Exchange handed over only this many of the batch's users: the card says the user list is incomplete. */
  usersRead?: number;
  /** The batch's rolling progress history (items moved over time): throughput, finish range, line chart. */
  history?: ProgressSample[];
}

export interface DispatchResult {
  sent: number;
  updated: number;
  skippedAsDelivered: number;
  removedConversations: string[];
  /** Event keys not delivered to every subscriber (retried next poll). */
  undelivered: Set<string>;
  /** Batches whose card could not be brought up to date everywhere. */
  staleBatches: Set<string>;
}

export interface DispatcherOptions {
  subscriptions: Subscriptions;
  conversations: Conversations;
  ledger: NotificationLedger;
  sink: NotificationSink;
  audit: AuditPort;
  clock: Clock;
  log: Logger;
  /** Checked before each send: only the leader speaks. */
  isLeader: () => boolean;
  /** Conversations served at once. */
  concurrency?: number;
}

export class Dispatcher {
  constructor(private readonly o: DispatcherOptions) {}

  async dispatch(progress: ProgressUpdate[], events: NotificationEvent[]): Promise<DispatchResult> {
    const result: DispatchResult = { sent: 0, updated: 0, skippedAsDelivered: 0, removedConversations: [], undelivered: new Set(), staleBatches: new Set() };
    if (progress.length === 0 && events.length === 0) return result;
    const subs = (await this.o.subscriptions.all()).filter((s) => progress.some((p) => wants(s, p.batch.name)) || events.some((e) => wants(s, e.batch)));
    if (subs.length === 0) return result;
    const ids = subs.map((s) => s.conversationId);
    const [refs, views] = await Promise.all([this.o.conversations.getMany(ids), this.o.ledger.views(ids)]);
    const now = this.o.clock.now();
    const cards = new Map(
      progress.map((p) => [
        p.batch.name.toLowerCase(),
        {
          p,
          reply: progressCard(p, now),
          fp: p.removed
            ? `removed|${p.batch.guid}`
            : progressFingerprint(
                p.batch,
                p.failed.map((f) => f.email),
              ) + (p.history && SAMPLED_STATUSES.includes(p.batch.status) ? `|${finishKey(estimateFinish(p.history))}` : ''),
        },
      ]),
    );
    const personEvents = events.filter((e) => e.needsPerson);
    // Most conversations are due the same events: render each set's card once.
    const eventCards = new Map<string, ReturnType<typeof eventsCard>>();
    const eventsReply = (due: NotificationEvent[]) => {
      const id = due.map((e) => e.key).join('\n');
      let reply = eventCards.get(id);
      if (!reply) eventCards.set(id, (reply = eventsCard(due)));
      return reply;
    };

    await forEachLimited(subs, this.o.concurrency ?? 8, async (sub) => {
      const ref = refs.get(sub.conversationId);
      const view = views.get(sub.conversationId)!;
      const mine = progress.filter((p) => wants(sub, p.batch.name));
      const mineEvents = personEvents.filter((e) => wants(sub, e.batch));
      if (!ref) {
        // Subscribed but no reference (should not happen): nothing can be sent.
        mineEvents.forEach((e) => result.undelivered.add(e.key));
        return;
      }
      // Per batch: the progress card, then one message for the events that need a person,
      // then one ledger write for both. A crash between a send and that write can repeat
      // that batch's message once (at least once, never lost).
      const batchKeys = [...new Set([...mine.map((p) => p.batch.name.toLowerCase()), ...mineEvents.map((e) => e.batch.toLowerCase())])];
      try {
        for (const key of batchKeys) {
          const cardsDone: Record<string, ProgressCardRecord> = {};
          const p = mine.find((x) => x.batch.name.toLowerCase() === key);
          if (p) {
            const c = cards.get(key)!;
            const rec = view.cards[key];
            if (!this.o.isLeader()) throw new LostLeadership();
            if (rec && rec.guid === p.batch.guid) {
              if (rec.fingerprint !== c.fp) {
                await this.o.sink.update(ref.reference, rec.activityId, c.reply);
                result.updated++;
                cardsDone[key] = { ...rec, fingerprint: c.fp };
              }
            } else {
              const activityId = await this.o.sink.send(ref.reference, c.reply);
              result.sent++;
              cardsDone[key] = { activityId, fingerprint: c.fp, guid: p.batch.guid };
            }
          }
          const due = mineEvents.filter((e) => e.batch.toLowerCase() === key && !view.delivered.has(e.key));
          result.skippedAsDelivered += mineEvents.filter((e) => e.batch.toLowerCase() === key).length - due.length;
          if (due.length) {
            if (!this.o.isLeader()) throw new LostLeadership();
            await this.o.sink.send(ref.reference, eventsReply(due));
            result.sent++;
          }
          if (due.length || Object.keys(cardsDone).length) {
            await this.o.ledger.record(sub.conversationId, { cards: cardsDone, delivered: due.map((e) => e.key) });
            for (const e of due) view.delivered.add(e.key);
            Object.assign(view.cards, cardsDone);
          }
        }
      } catch (err) {
        if (err instanceof ConversationGoneError) {
          await this.removeConversation(sub.conversationId, err);
          result.removedConversations.push(sub.conversationId);
          return;
        }
        // Leave it for the next poll: the ledger knows what did go out.
        mineEvents.forEach((e) => result.undelivered.add(e.key));
        mine.forEach((p) => result.staleBatches.add(p.batch.name));
        if (err instanceof LostLeadership) return;
        this.o.log.warn('notification delivery failed', { conversation: sub.conversationId.slice(0, 40), error: errorText(err) });
      }
    });
    return result;
  }

  private async removeConversation(conversationId: string, err: ConversationGoneError): Promise<void> {
    await this.o.subscriptions.unsubscribe(conversationId, { all: true });
    await this.o.conversations.forget(conversationId);
    await this.o.ledger.forget(conversationId);
    await this.o.audit.record({
      actor: { id: 'cutover', name: 'Cutover' },
      action: 'unsubscribe',
      target: conversationId,
      result: 'ok',
      detail: `The bot was removed from this conversation (HTTP ${err.status}); its subscription was dropped.`,
    });
    this.o.log.info('conversation gone; unsubscribed', { status: err.status });
  }
}

class LostLeadership extends Error {
  constructor() {
    super('no longer the leader');
  }
}
