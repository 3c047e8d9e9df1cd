// What each conversation has already been told, durable in the shared store: the
// notification events delivered (by dedupe key) and the progress card kept per batch.
// One document per conversation, changed with eTag-checked writes, written right after
// each batch's sends in a conversation, so a restart or another instance taking over does not send them again.

import type { Clock } from '../ports/clock';
import { mutate, type KeyValueStore } from '../ports/store';
import { channelOf, keyOf } from './conversations';

export interface ProgressCardRecord {
  activityId: string;
  fingerprint: string;
  /** The batch this card is for; a re-created batch of the same name gets a new card. */
  guid: string;
}

export interface LedgerView {
  delivered: Set<string>;
  cards: Record<string, ProgressCardRecord>;
}

interface Doc {
  conversationId: string;
  delivered: Record<string, string>;
  cards: Record<string, ProgressCardRecord>;
}

const PREFIX = 'ledger/';
/** Delivered keys are kept this long: longer than any event can recur (the 60-day rule). */
const KEEP_MS = 120 * 24 * 3600_000;

export class NotificationLedger {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  /** One read for many conversations. */
  async views(conversationIds: string[]): Promise<Map<string, LedgerView>> {
    const ids = conversationIds.map(channelOf);
    const found = await this.store.read(ids.map((id) => keyOf(PREFIX, id)));
    const out = new Map<string, LedgerView>();
    for (const id of ids) {
      const d = found[keyOf(PREFIX, id)] as Doc | undefined;
      out.set(id, { delivered: new Set(Object.keys(d?.delivered ?? {})), cards: { ...(d?.cards ?? {}) } });
    }
    return out;
  }

  /** One write for what one batch's sends did in a conversation: its card and the events delivered. */
  async record(conversationId: string, what: { cards?: Record<string, ProgressCardRecord>; delivered?: string[] }): Promise<void> {
    const at = this.clock.now().toISOString();
    await this.change(conversationId, (d) => {
      for (const [batch, card] of Object.entries(what.cards ?? {})) d.cards[batch.toLowerCase()] = card;
      for (const key of what.delivered ?? []) d.delivered[key] = at;
    });
  }

  async forget(conversationId: string): Promise<void> {
    await this.store.delete([keyOf(PREFIX, channelOf(conversationId))]);
  }

  private async change(conversationId: string, apply: (d: Doc) => void): Promise<void> {
    const id = channelOf(conversationId);
    const cutoff = this.clock.now().getTime() - KEEP_MS;
    await mutate<Doc>(
      this.store,
      keyOf(PREFIX, id),
      (cur) => {
        const d: Doc = { conversationId: id, delivered: { ...(cur?.delivered ?? {}) }, cards: { ...(cur?.cards ?? {}) } };
        for (const [k, at] of Object.entries(d.delivered)) if (Date.parse(at) < cutoff) delete d.delivered[k];
        apply(d);
        return d;
      },
      { attempts: 50 },
    );
  }
}
