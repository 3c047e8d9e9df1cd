// Work items on Azure Storage Queues (Azurite locally), consumed by every instance. A received
// item stays invisible to the others while it runs: its visibility timeout is renewed at a third
// of its length, and when a renewal fails the item is no longer ours (another instance may have
// it), so its handler is aborted. A failed item becomes visible again after a back-off; after
// maxAttempts deliveries (failures, or workers that died holding it) it moves to the poison queue
// `<name>-poison` and the handler's `poisoned` hears why. Messages are base64 JSON of ids only.

import { QueueClient, QueueServiceClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { decodeWorkItem, encodeWorkItem, type WorkHandlers, type WorkItem, type WorkQueue } from '../../ports/workQueue';
import { errorText } from '../../lib/errorText';
import { sleep } from '../../lib/sleep';
import { forEachLimited } from '../../lib/pool';

export interface AzureWorkQueueOptions {
  connectionString: string;
  /** Lower-case letters, digits and dashes (Azure's rule); the poison queue is `<name>-poison`. */
  queueName: string;
  /** Items running at once on this instance. Default 4. */
  width?: number;
  /** Deliveries before an item is poisoned. Default 5. */
  maxAttempts?: number;
  /** How long a received item stays invisible without renewal. Default 30 s (renewed every 10 s). */
  visibilityTimeoutSeconds?: number;
  /** Pause between receives while the queue is empty. Default 1000 ms. */
  idlePollMs?: number;
  /** A failed item is visible again after this many seconds times its attempt. Default 2. */
  retryDelaySeconds?: number;
  onError?(message: string): void;
}

/**
 * The queue service a storage connection string names: its QueueEndpoint, the development
 * storage's, or the account's own; null when it lists other services' endpoints but not the queue's
 * (a string made for blobs only, as Azurite started for blobs alone).
 */
export function queueEndpointOf(connectionString: string): string | null {
  const parts = new Map(
    connectionString
      .split(';')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf('=')).toLowerCase(), p.slice(p.indexOf('=') + 1)] as [string, string]),
  );
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return 'http://127.0.0.1:10001/devstoreaccount1';
  if (parts.get('queueendpoint')) return parts.get('queueendpoint')!;
  if ([...parts.keys()].some((k) => k.endsWith('endpoint'))) return null;
  const account = parts.get('accountname');
  return account ? `${parts.get('defaultendpointsprotocol') ?? 'https'}://${account}.queue.${parts.get('endpointsuffix') ?? 'core.windows.net'}` : null;
}

const toWire = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const fromWire = (text: string) => Buffer.from(text, 'base64').toString('utf8');

export class AzureWorkQueue<T extends WorkItem> implements WorkQueue<T> {
  readonly description: string;
  private readonly queue: QueueClient;
  private readonly poisonQueue: QueueClient;
  private ready: Promise<unknown> | undefined;
  private controller = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly running = new Set<Promise<void>>();
  private readonly width: number;
  private readonly maxAttempts: number;
  private readonly visibility: number;

  constructor(private readonly o: AzureWorkQueueOptions) {
    if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,55}$/.test(o.queueName)) throw new Error(`Queue name ${o.queueName} is not a valid Azure queue name.`);
    const service = QueueServiceClient.fromConnectionString(o.connectionString);
    this.queue = service.getQueueClient(o.queueName);
    this.poisonQueue = service.getQueueClient(`${o.queueName}-poison`);
    this.description = `Azure queue ${o.queueName}`;
    this.width = Math.max(1, Math.floor(o.width ?? 4));
    this.maxAttempts = Math.max(1, Math.floor(o.maxAttempts ?? 5));
    this.visibility = Math.max(3, Math.floor(o.visibilityTimeoutSeconds ?? 30));
  }

  // Keeps the client (and its account key) out of any JSON.
  toJSON(): object {
    return { name: 'AzureWorkQueue', queue: this.o.queueName };
  }

  async enqueue(items: T[]): Promise<void> {
    const texts = items.map((i) => toWire(encodeWorkItem(i)));
    await this.ensure();
    await forEachLimited(texts, 16, async (t) => {
      await this.queue.sendMessage(t);
    });
  }

  /** Starts consuming; an unreachable queue is reported through onError and tried again, it does not stop start-up. */
  async start(handlers: WorkHandlers<T>): Promise<void> {
    if (this.loop) return;
    if (this.controller.signal.aborted) this.controller = new AbortController();
    this.loop = this.consume(handlers, this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
    this.loop = null;
    await Promise.allSettled([...this.running]);
  }

  /** Azure's approximate count: never lower than the messages in the queue, invisible ones included. */
  async pending(): Promise<number | null> {
    await this.ensure();
    const props = await this.queue.getProperties();
    return props.approximateMessagesCount ?? null;
  }

  /** Messages in the poison queue (status and tests). */
  async poisoned(): Promise<T[]> {
    await this.ensure();
    const peek = await this.poisonQueue.peekMessages({ numberOfMessages: 32 });
    return peek.peekedMessageItems.map((m) => decodeWorkItem<T>(fromWire(m.messageText)));
  }

  private ensure(): Promise<unknown> {
    this.ready ??= Promise.all([this.queue.createIfNotExists(), this.poisonQueue.createIfNotExists()]).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async consume(handlers: WorkHandlers<T>, signal: AbortSignal): Promise<void> {
    let slotFreed: () => void = () => undefined;
    while (!signal.aborted) {
      const room = this.width - this.running.size;
      if (room <= 0) {
        await new Promise<void>((r) => (slotFreed = r));
        continue;
      }
      let got: DequeuedMessageItem[] = [];
      try {
        await this.ensure();
        const res = await this.queue.receiveMessages({ numberOfMessages: Math.min(32, room), visibilityTimeout: this.visibility, abortSignal: signal });
        got = res.receivedMessageItems;
      } catch (err) {
        if (signal.aborted) break;
        this.o.onError?.(`queue ${this.o.queueName}: receive failed: ${errorText(err).slice(0, 200)}`);
        await sleep(this.o.idlePollMs ?? 1000, signal);
        continue;
      }
      if (got.length === 0) {
        await sleep(this.o.idlePollMs ?? 1000, signal);
        continue;
      }
      for (const m of got) {
        const p: Promise<void> = this.handle(handlers, m, signal)
          .catch((err) => this.o.onError?.(`queue ${this.o.queueName}: ${errorText(err).slice(0, 200)}`))
          .finally(() => {
            this.running.delete(p);
            slotFreed();
          });
        this.running.add(p);
      }
    }
    slotFreed();
  }

  private async handle(handlers: WorkHandlers<T>, m: DequeuedMessageItem, stopping: AbortSignal): Promise<void> {
    let popReceipt = m.popReceipt;
    // Renewals, the delete and the release go one after another (each needs the latest pop receipt).
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <R>(f: () => Promise<R>): Promise<R> => {
      const next = chain.then(f);
      chain = next.catch(() => undefined);
      return next;
    };
    let item: T;
    try {
      item = decodeWorkItem<T>(fromWire(m.messageText));
    } catch {
      // Not ours to read: set aside, never retried.
      await this.poisonQueue.sendMessage(m.messageText);
      await this.queue.deleteMessage(m.messageId, popReceipt);
      this.o.onError?.(`queue ${this.o.queueName}: an unreadable message went to the poison queue`);
      return;
    }
    const toPoison = async (why: string) => {
      await handlers
        .poisoned(item, why, m.dequeueCount)
        .catch((err) => this.o.onError?.(`queue ${this.o.queueName}: recording a poisoned item failed: ${errorText(err).slice(0, 200)}`));
      await this.poisonQueue.sendMessage(m.messageText);
      await serial(() => this.queue.deleteMessage(m.messageId, popReceipt));
    };
    if (m.dequeueCount > this.maxAttempts) {
      // Its workers died (or lost it) every time: no error of its own to show.
      const n = m.dequeueCount - 1;
      await toPoison(`its worker stopped before finishing ${n === 1 ? 'once' : `${n} times`}`);
      return;
    }
    const lost = new AbortController();
    const onStop = () => lost.abort();
    stopping.addEventListener('abort', onStop, { once: true });
    let gone = false;
    const renew = setInterval(
      () => {
        void serial(async () => {
          if (gone) return;
          const r = await this.queue.updateMessage(m.messageId, popReceipt, undefined, this.visibility);
          popReceipt = r.popReceipt!;
        }).catch((err) => {
          // Not ours any more (its visibility lapsed and someone else took it): stop working on it.
          gone = true;
          this.o.onError?.(`queue ${this.o.queueName}: lost an item while working on it: ${errorText(err).slice(0, 200)}`);
          lost.abort();
        });
      },
      (this.visibility * 1000) / 3,
    );
    renew.unref();
    try {
      await handlers.run(item, { attempt: m.dequeueCount, signal: lost.signal });
      clearInterval(renew);
      if (!gone) await serial(() => this.queue.deleteMessage(m.messageId, popReceipt));
    } catch (err) {
      clearInterval(renew);
      if (gone) return;
      if (stopping.aborted) {
        // Stopping: let another instance take it now.
        await serial(() => this.queue.updateMessage(m.messageId, popReceipt, undefined, 0)).catch(() => undefined);
        return;
      }
      if (m.dequeueCount >= this.maxAttempts) {
        await toPoison(errorText(err));
        return;
      }
      const delay = (this.o.retryDelaySeconds ?? 2) * m.dequeueCount;
      await serial(() => this.queue.updateMessage(m.messageId, popReceipt, undefined, delay)).catch(() => undefined);
    } finally {
      clearInterval(renew);
      stopping.removeEventListener('abort', onStop);
    }
  }
}
