// Keeps a batch progress card up to date in place while the batch moves:
// one card per batch and conversation, updated (never re-posted) until the batch
// settles or a time limit passes. Cards are only updated when what they show changed,
// and through the one in-place update every card uses (the notifier's: paced, 429s
// retried honouring Retry-After).

import { TurnContext, type ConversationReference } from 'botbuilder';
import type { Logger } from '../commands/router';
import type { Reply } from '../commands/types';
import type { ConversationRef } from '../services/conversations';
import { ConversationGoneError, type NotificationSink } from '../services/watcher/sink';
import { errorText } from '../lib/errorText';

export interface LiveRender {
  /** The card now, and whether the batch has stopped moving. Null when the batch is gone. */
  (batch: string, page: number): Promise<{ reply: Reply; settled: boolean } | null>;
}

interface Watch {
  key: string;
  reference: Partial<ConversationReference>;
  activityId: string;
  batch: string;
  page: number;
  startedAt: number;
  lastJson: string;
  settledPolls: number;
}

export class LiveCards {
  private readonly watches = new Map<string, Watch>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly cards: Pick<NotificationSink, 'update'>,
    private readonly render: LiveRender,
    private readonly options: { intervalMs: number; maxMinutes: number },
    private readonly log: Logger,
  ) {}

  watch(context: TurnContext, activityId: string | undefined, batch: string, page = 0): void {
    if (!activityId || this.options.maxMinutes === 0) return;
    const reference = TurnContext.getConversationReference(context.activity);
    // One live card per batch and conversation: a newer card takes over from an older one.
    const key = `${reference.conversation?.id}|${batch.toLowerCase()}`;
    this.watches.set(key, { key, reference, activityId, batch, page, startedAt: Date.now(), lastJson: '', settledPolls: 0 });
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
      this.timer.unref();
    }
  }

  get active(): number {
    return this.watches.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watches.clear();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const w of [...this.watches.values()]) await this.refresh(w);
    } finally {
      this.ticking = false;
      if (this.watches.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }
  }

  private async refresh(w: Watch): Promise<void> {
    if (Date.now() - w.startedAt > this.options.maxMinutes * 60_000) {
      this.watches.delete(w.key);
      return;
    }
    try {
      const now = await this.render(w.batch, w.page);
      if (!now) {
        this.watches.delete(w.key);
        return;
      }
      // The "Updated …" line changes every time; compare the rest.
      const json = JSON.stringify(now.reply.card).replace(/Updated [^"]*/g, '');
      if (json !== w.lastJson) {
        await this.cards.update(w.reference as ConversationRef, w.activityId, now.reply);
        // Only once it landed: an update that failed is tried again on the next poll.
        w.lastJson = json;
      }
      // Two settled polls in a row: a batch between phases can look settled for a moment.
      w.settledPolls = now.settled ? w.settledPolls + 1 : 0;
      if (w.settledPolls >= 2) this.watches.delete(w.key);
    } catch (err) {
      const status = err instanceof ConversationGoneError ? err.status : (err as { statusCode?: number }).statusCode;
      if (status === 403 || status === 404) {
        // The bot was removed from the conversation, or the card deleted.
        this.watches.delete(w.key);
      }
      this.log.warn('live card refresh failed', { batch: w.batch, status, error: errorText(err) });
    }
  }
}
