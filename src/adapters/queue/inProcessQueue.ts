// The work queue without a storage account: items run in this process, through the same
// interface and with the same rules as the Azure queue (at most `width` at once, retried up to
// maxAttempts, then poisoned with the error). The single-instance demo needs no queue server.

import { decodeWorkItem, encodeWorkItem, type WorkHandlers, type WorkItem, type WorkQueue } from '../../ports/workQueue';
import { errorText } from '../../lib/errorText';
import { sleep } from '../../lib/sleep';

export interface InProcessWorkQueueOptions {
  /** Items running at once. Default 4. */
  width?: number;
  /** Attempts before an item is poisoned. Default 5. */
  maxAttempts?: number;
  /** Pause before a failed item is tried again (times the attempt). Default 500 ms. */
  retryDelayMs?: number;
}

export class InProcessWorkQueue<T extends WorkItem> implements WorkQueue<T> {
  readonly description = 'in this process';
  /** Items that were poisoned (for tests and status). */
  readonly poison: T[] = [];
  private readonly waiting: { item: T; attempt: number }[] = [];
  private readonly running = new Set<Promise<void>>();
  private handlers: WorkHandlers<T> | null = null;
  private controller = new AbortController();
  private readonly width: number;
  private readonly maxAttempts: number;
  /** Failed items in their pause before the next attempt (neither waiting nor running). */
  private retrying = 0;

  constructor(private readonly o: InProcessWorkQueueOptions = {}) {
    this.width = Math.max(1, Math.floor(o.width ?? 4));
    this.maxAttempts = Math.max(1, Math.floor(o.maxAttempts ?? 5));
  }

  async enqueue(items: T[]): Promise<void> {
    // The same encoding as on the wire, so an item too big or not flat fails here too.
    for (const item of items) this.waiting.push({ item: decodeWorkItem<T>(encodeWorkItem(item)), attempt: 1 });
    this.pump();
  }

  async start(handlers: WorkHandlers<T>): Promise<void> {
    this.handlers = handlers;
    if (this.controller.signal.aborted) this.controller = new AbortController();
    this.pump();
  }

  async stop(): Promise<void> {
    this.handlers = null;
    this.controller.abort();
    await Promise.allSettled([...this.running]);
  }

  /** Items waiting or running. */
  get size(): number {
    return this.waiting.length + this.running.size;
  }

  async pending(): Promise<number> {
    return this.size + this.retrying;
  }

  private pump(): void {
    const handlers = this.handlers;
    while (handlers && this.running.size < this.width && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      const p: Promise<void> = this.runOne(handlers, next).finally(() => {
        this.running.delete(p);
        this.pump();
      });
      this.running.add(p);
    }
  }

  private async runOne(handlers: WorkHandlers<T>, next: { item: T; attempt: number }): Promise<void> {
    const signal = this.controller.signal;
    try {
      await handlers.run(next.item, { attempt: next.attempt, signal });
    } catch (err) {
      if (signal.aborted) {
        // Stopped under it: it waits for the next start, like an unacknowledged message.
        this.waiting.unshift({ item: next.item, attempt: next.attempt + 1 });
        return;
      }
      if (next.attempt >= this.maxAttempts) {
        this.poison.push(next.item);
        await handlers.poisoned(next.item, errorText(err), next.attempt).catch(() => undefined);
        return;
      }
      this.retrying++;
      try {
        await sleep((this.o.retryDelayMs ?? 500) * next.attempt, signal);
      } finally {
        this.retrying--;
        this.waiting.push({ item: next.item, attempt: next.attempt + 1 });
      }
    }
  }
}
