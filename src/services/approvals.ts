// Four eyes for destructive or wide steps (CUTOVER_APPROVERS): a request waits here until one
// approver who is not the requester approves or rejects it, once, before it expires (24 h).
// The card's buttons carry only the id; what is asked, by whom, and every place the card was
// posted (to update it in place everywhere) are kept in the shared store, so a decision survives a
// restart and lands once even when two instances or two approvers race (eTag-checked writes).

import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { mutate, type KeyValueStore } from '../ports/store';
import type { Reply } from '../cards/reply';
import { channelOf, type ConversationRef, type Conversations } from './conversations';
import { wants, type Subscriptions } from './subscriptions';
import type { NotificationSink } from './watcher/sink';
import type { Logger } from '../ports/logger';

export const APPROVAL_TTL_MS = 24 * 3600_000;
const PREFIX = 'approvals/';
const INDEX = 'approvals/_index';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ApprovalParty {
  id: string;
  aadObjectId?: string;
  upn?: string;
  name?: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface Approval {
  id: string;
  /** What runs on approval: 'batch.remove', 'user.remove', 'batch.stop', 'cutover.remove-batch', 'mailbox.limits'. */
  action: string;
  target: string;
  /** The step's own inputs (plain values, never a secret). */
  params: Record<string, string | number | boolean | string[]>;
  /** One sentence: what exactly is asked. */
  what: string;
  powershell: string;
  /** The batch it touches, for the channels subscribed to it. */
  batch: string | null;
  requestedBy: ApprovalParty;
  createdAt: string;
  expiresAt: string;
  status: ApprovalStatus;
  decidedBy?: ApprovalParty;
  decidedAt?: string;
  /** How the step went, after approval. */
  outcome?: { ok: boolean; text: string };
  /** Every message showing this request, to update them all in place. */
  cards: { reference: ConversationRef; activityId: string }[];
}

export type DecideResult =
  { status: 'ok'; approval: Approval } | { status: 'not-found' } | { status: 'expired' | 'decided' | 'own-request' | 'not-approver'; approval: Approval };

export class Approvals {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly ttlMs = APPROVAL_TTL_MS,
  ) {}

  async create(input: Omit<Approval, 'id' | 'createdAt' | 'expiresAt' | 'status' | 'cards'>): Promise<Approval> {
    const id = randomBytes(12).toString('base64url');
    const now = this.clock.now();
    const a: Approval = {
      ...input,
      id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
      status: 'pending',
      cards: [],
    };
    await this.store.write({ [PREFIX + id]: a });
    await mutate<{ ids: string[] }>(this.store, INDEX, (cur) => ({ ids: [...(cur?.ids ?? []), id].slice(-500) }), { attempts: 50 });
    return a;
  }

  async get(id: string): Promise<Approval | null> {
    if (!ID.test(id)) return null;
    const found = (await this.store.read([PREFIX + id]))[PREFIX + id] as (Approval & { eTag?: string }) | undefined;
    if (!found) return null;
    const { eTag: _e, ...rest } = found;
    return rest as Approval;
  }

  /** Requests still waiting (newest first), for `schedule`-like listings and tests. */
  async pending(): Promise<Approval[]> {
    const ids = ((await this.store.read([INDEX]))[INDEX] as { ids?: string[] } | undefined)?.ids ?? [];
    const found = ids.length ? await this.store.read(ids.map((i) => PREFIX + i)) : {};
    const now = this.clock.now().getTime();
    return Object.values(found as Record<string, Approval>)
      .filter((a) => a.status === 'pending' && Date.parse(a.expiresAt) > now)
      .sort((x, y) => y.createdAt.localeCompare(x.createdAt));
  }

  /**
   * Approve or reject, once: only an approver, never the requester, before expiry. The first
   * decision wins; a second press (or Teams delivering the invoke twice) gets 'decided'.
   */
  async decide(id: string, by: ApprovalParty, decision: 'approved' | 'rejected', isApprover: boolean): Promise<DecideResult> {
    if (!ID.test(id)) return { status: 'not-found' };
    let outcome: DecideResult = { status: 'not-found' };
    await mutate<Approval>(this.store, PREFIX + id, (a) => {
      if (!a) {
        outcome = { status: 'not-found' };
        return undefined;
      }
      if (a.status !== 'pending') outcome = { status: 'decided', approval: a };
      else if (Date.parse(a.expiresAt) <= this.clock.now().getTime()) outcome = { status: 'expired', approval: a };
      else if (samePerson(a.requestedBy, by)) outcome = { status: 'own-request', approval: a };
      else if (!isApprover) outcome = { status: 'not-approver', approval: a };
      else {
        const next: Approval = { ...a, status: decision, decidedBy: by, decidedAt: this.clock.now().toISOString() };
        outcome = { status: 'ok', approval: next };
        return next;
      }
      return undefined;
    });
    return outcome;
  }

  async setOutcome(id: string, result: { ok: boolean; text: string }): Promise<Approval | undefined> {
    return mutate<Approval>(this.store, PREFIX + id, (a) => (a ? { ...a, outcome: result } : undefined), { attempts: 50 });
  }

  async addCard(id: string, reference: ConversationRef, activityId: string): Promise<Approval | undefined> {
    return mutate<Approval>(
      this.store,
      PREFIX + id,
      (a) => (a && !a.cards.some((c) => c.activityId === activityId) ? { ...a, cards: [...a.cards, { reference, activityId }] } : undefined),
      { attempts: 50 },
    );
  }
}

/** The same person: the Entra object id when both have one, else the channel's id. */
export function samePerson(a: ApprovalParty, b: ApprovalParty): boolean {
  if (a.aadObjectId && b.aadObjectId) return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
  return a.id === b.id;
}

export interface ApprovalCardsOptions {
  approvals: Approvals;
  subscriptions: Subscriptions;
  conversations: Conversations;
  sink: NotificationSink;
  /** The card for the request as it stands (pending, approved, rejected, expired). */
  card(approval: Approval): Reply;
  log: Logger;
}

/** Posts the approval card in the channels subscribed to its batch, and updates every copy in place. */
export class ApprovalCards {
  constructor(private readonly o: ApprovalCardsOptions) {}

  /** The card was posted where it was asked: remember it, then post it in the subscribed channels. */
  async posted(id: string, reference: ConversationRef, activityId: string | undefined): Promise<void> {
    // Only what an update needs; never the activity itself.
    const ref: ConversationRef = {
      channelId: reference.channelId,
      serviceUrl: reference.serviceUrl,
      bot: reference.bot ? { id: reference.bot.id, name: reference.bot.name } : undefined,
      conversation: reference.conversation,
    };
    const a = activityId ? await this.o.approvals.addCard(id, ref, activityId) : await this.o.approvals.get(id);
    if (!a || !a.batch) return;
    const here = reference.conversation?.id ? channelOf(reference.conversation.id) : '';
    const subs = (await this.o.subscriptions.all()).filter((s) => wants(s, a.batch!) && s.conversationId !== here);
    const refs = await this.o.conversations.getMany(subs.map((s) => s.conversationId));
    for (const s of subs) {
      const c = refs.get(s.conversationId);
      if (!c) continue;
      try {
        const sent = await this.o.sink.send(c.reference, this.o.card(a));
        await this.o.approvals.addCard(id, c.reference, sent);
      } catch (err) {
        this.o.log.warn('approval card not posted', { conversation: s.conversationId, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /** Every copy of the card shows the request as it stands now (except the one the invoke answer replaces). */
  async updateAll(id: string, exceptActivityId?: string): Promise<void> {
    const a = await this.o.approvals.get(id);
    if (!a) return;
    const reply = this.o.card(a);
    for (const c of a.cards) {
      if (c.activityId === exceptActivityId) continue;
      await this.o.sink
        .update(c.reference, c.activityId, reply)
        .catch((err) => this.o.log.warn('approval card not updated', { error: err instanceof Error ? err.message : String(err) }));
    }
  }
}
