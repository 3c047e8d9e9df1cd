// Proactive messages for the watcher: send a card, or update one in place, in a
// conversation the bot was told about earlier (continueConversationAsync). Connector
// throttling (429) is retried with backoff, honouring Retry-After; 403/404 mean the bot
// was removed (or the conversation is gone) and surface as ConversationGoneError.

import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { Logger } from '../commands/router';
import type { Reply } from '../commands/types';
import type { ConversationRef } from '../services/conversations';
import { ConversationGoneError, type NotificationSink } from '../services/watcher/sink';
import { runProactive } from './proactive';
import { cardAttachment, replyActivity } from './activityMapping';
import { retryAfterMs } from '../lib/retryAfter';
import { sleep } from '../lib/sleep';

export interface TeamsNotifierOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Connector calls per second across all conversations (Bot Framework limits a bot's rate). */
  ratePerSecond?: number;
}

export class TeamsNotifier implements NotificationSink {
  /** Connector calls made, retries included (bench and tests read it). */
  calls = 0;
  retries = 0;
  private nextSlot = 0;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly botAppId: string,
    private readonly log: Logger,
    private readonly options: TeamsNotifierOptions = {},
  ) {}

  async send(reference: ConversationRef, reply: Reply): Promise<string> {
    let id = '';
    await this.withRetry('send', () =>
      this.proactive(reference, async (ctx) => {
        const res = await ctx.sendActivity(replyActivity(reply));
        id = res?.id ?? '';
      }),
    );
    return id;
  }

  async update(reference: ConversationRef, activityId: string, reply: Reply): Promise<void> {
    await this.withRetry('update', () =>
      this.proactive(reference, async (ctx) => {
        await ctx.updateActivity({ id: activityId, type: 'message', attachments: [cardAttachment(reply)], summary: reply.summary });
      }),
    );
  }

  // The adapter hands errors inside the callback to the app's onTurnError (which would
  // even try to apologise in that conversation); catch them here and throw them to the caller.
  private proactive(reference: ConversationRef, work: (ctx: TurnContext) => Promise<void>): Promise<void> {
    return runProactive(this.adapter, this.botAppId, reference as Partial<ConversationReference>, work);
  }

  private async pace(): Promise<void> {
    const rate = this.options.ratePerSecond ?? 50;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / rate;
    if (slot > now) await sleep(slot - now);
  }

  private async withRetry(what: string, call: () => Promise<void>): Promise<void> {
    const max = this.options.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      await this.pace();
      this.calls++;
      try {
        await call();
        return;
      } catch (err) {
        const status = statusOf(err);
        if (status === 403 || status === 404) throw new ConversationGoneError(status, `The connector answered ${status} to ${what}.`);
        const transient = status === 429 || status === 502 || status === 503 || status === 504 || status === undefined;
        if (!transient || attempt >= max) throw err;
        const hinted = status === 429 ? retryAfterOf(err) : null;
        const backoff = Math.min(this.options.maxDelayMs ?? 30_000, (this.options.baseDelayMs ?? 500) * 2 ** (attempt - 1));
        const delay = hinted !== null ? Math.min(hinted, this.options.maxDelayMs ?? 30_000) : backoff;
        this.retries++;
        this.log.warn('connector retry', { what, status: status ?? null, attempt, delayMs: delay });
        await sleep(delay);
      }
    }
  }
}

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; status?: number; response?: { status?: number } };
  return e?.statusCode ?? e?.status ?? e?.response?.status;
}

/** The Retry-After a throttled Bot Connector call carried, read by the one Retry-After reader. */
function retryAfterOf(err: unknown): number | null {
  const headers = (err as { response?: { headers?: { get?(n: string): string | undefined } } }).response?.headers;
  return retryAfterMs(headers?.get?.('retry-after'));
}
