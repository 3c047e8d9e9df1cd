// Proactive messages for the watcher: send a card, or update one in place, in a
// conversation the bot was told about earlier (continueConversationAsync). Connector
// throttling (429) is retried with backoff, honouring Retry-After; 403/404 mean the bot
// was removed (or the conversation is gone) and surface as ConversationGoneError.

import { ConfigurationServiceClientCredentialFactory, type CloudAdapter, type ConversationReference, type TurnContext } from 'botbuilder';
import { TeamsAdapter } from '@microsoft/teams-ai';
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

// ---------------------------------------------------------------------------
// Composition of the notification stack for one bot instance (index.ts and the
// scale-out tests call it): references, subscriptions, ledger, watcher under the leader.

import type { Clock } from '../ports/clock';
import type { ExchangeAdmin } from '../ports/exchange';
import type { KeyValueStore } from '../ports/store';
import type { AuditPort } from '../commands/types';
import type { NotificationDeps } from '../commands/subscriptions';
import { Conversations } from '../services/conversations';
import { Subscriptions } from '../services/subscriptions';
import { NotificationLedger } from '../services/notificationLedger';
import { BlobLeaseLeader, SingleInstanceLeader, whileLeading, type Leader } from '../services/leader';
import { Dispatcher } from '../services/watcher/dispatch';
import { readWatcherStatus, Watcher, type WatcherOptions } from '../services/watcher/watcher';
import type { ConversationRegistry } from './app';

export interface NotificationStackOptions {
  adapter: CloudAdapter;
  botAppId: string;
  store: KeyValueStore;
  audit: AuditPort;
  /** Real time, for records. */
  clock: Clock;
  /** Exchange's time (the emulator's clock in local mode), for the 60-day and overdue rules. */
  exchangeClock: Clock;
  /** The watcher's own Exchange client, reporting its retries (429 waits) to the watcher. */
  exchange: (onRetry: (e: { status: number | null; delayMs: number }) => void) => ExchangeAdmin;
  intervalMs: number;
  /** Blob lease (several instances) or null for the single-instance file store. */
  lease: { connectionString: string; container: string; leaseSeconds: number } | null;
  log: Logger;
  notifier?: TeamsNotifierOptions;
  concurrency?: number;
  instanceId?: string;
  /** Users whose first sync landed (the guide offer); see WatcherOptions. */
  onUsersSynced?: (batch: string, emails: string[]) => Promise<unknown>;
  /** Cutover's record of admin actions per batch (the 60-day rule); see WatcherOptions. */
  lastAdminActions?: () => Promise<Record<string, string>>;
  /** Keeps the users' final records of batches that stop, fail or vanish; see WatcherOptions. */
  history?: WatcherOptions['history'];
}

export interface NotificationStack {
  deps: NotificationDeps;
  registry: ConversationRegistry;
  watcher: Watcher;
  leader: Leader;
  notifier: TeamsNotifier;
  conversations: Conversations;
  subscriptions: Subscriptions;
  ledger: NotificationLedger;
  start(): Promise<void>;
  /** release: give the lease up (clean shutdown); without it the lease lapses as if the instance died. */
  close(options?: { release?: boolean }): Promise<void>;
}

export function createNotificationStack(o: NotificationStackOptions): NotificationStack {
  const conversations = new Conversations(o.store, o.clock);
  const subscriptions = new Subscriptions(o.store, o.clock);
  const ledger = new NotificationLedger(o.store, o.clock);
  const notifier = new TeamsNotifier(o.adapter, o.botAppId, o.log, o.notifier);
  const leader: Leader = o.lease
    ? new BlobLeaseLeader({ ...o.lease, instanceId: o.instanceId, onError: (m) => o.log.warn('watcher leader', { error: m }) })
    : new SingleInstanceLeader();
  const dispatcher = new Dispatcher({ subscriptions, conversations, ledger, sink: notifier, audit: o.audit, clock: o.clock, log: o.log, isLeader: () => leader.isLeader(), concurrency: o.concurrency });
  // eslint-disable-next-line prefer-const
  let watcher: Watcher;
  const exchange = o.exchange((e) => watcher?.noteExchangeRetry(e));
  watcher = new Watcher({
    exchange,
    store: o.store,
    clock: o.exchangeClock,
    dispatcher,
    intervalMs: o.intervalMs,
    log: o.log,
    instanceId: leader.instanceId,
    hasSubscribers: async () => (await subscriptions.all()).length > 0,
    onUsersSynced: o.onUsersSynced,
    lastAdminActions: o.lastAdminActions,
    history: o.history,
  });
  whileLeading(leader, { start: () => watcher.start(), stop: () => watcher.stop() }, (e) => o.log.error('watcher start/stop failed', { error: String(e) }));
  return {
    deps: {
      subscriptions,
      watcherStatus: () => readWatcherStatus(o.store),
      leadership: () => ({ leading: leader.isLeader(), instanceId: leader.instanceId, kind: o.lease ? 'blob-lease' : 'single-instance' }),
    },
    registry: { remember: async (reference, event) => void (await conversations.remember(reference as never, event)) },
    watcher,
    leader,
    notifier,
    conversations,
    subscriptions,
    ledger,
    start: () => leader.start(),
    async close(options = {}) {
      await leader.stop({ release: options.release ?? true });
      await watcher.stop();
    },
  };
}

/** A CloudAdapter with no app credentials: local mode and tests (the connector is on loopback). */
export function unauthenticatedAdapter(): CloudAdapter {
  const credentials = { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' };
  return new TeamsAdapter(credentials, new ConfigurationServiceClientCredentialFactory(credentials));
}
