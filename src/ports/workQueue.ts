// Work items spread over every instance: the lease holder plans and enqueues, every instance
// consumes. Two adapters: in this process (no storage account: the local demo needs no queue
// server) and Azure Storage Queues (visibility timeout renewed while an item runs, a poison
// queue after N attempts). An item is delivered at least once, so handlers must be idempotent.
// Items carry ids only (batch, pass, mailbox, row number), never a password or a report: the
// worker reads what it needs from the shared store.

/** A work item: a flat record of ids and numbers, JSON-encoded on the wire. */
export type WorkItem = Record<string, string | number | boolean>;

/** Longest encoded item the queue takes: ids only (Azure allows 64 KB; we want far less). */
export const MAX_WORK_ITEM_BYTES = 1024;

export interface WorkContext {
  /** 1 on the first delivery; counts deliveries, including ones whose worker died. */
  attempt: number;
  /** Aborts when the instance stops consuming or loses the item (its visibility lapsed). */
  signal: AbortSignal;
}

export interface WorkHandlers<T extends WorkItem> {
  run(item: T, ctx: WorkContext): Promise<void>;
  /** The item failed `maxAttempts` times (or its workers kept dying): it goes to the poison queue. */
  poisoned(item: T, why: string, attempts: number): Promise<void>;
}

export interface WorkQueue<T extends WorkItem> {
  /** Where the work runs, for cards and logs ("in this process", "Azure queue cutover-delta"). */
  readonly description: string;
  enqueue(items: T[]): Promise<void>;
  /** Starts consuming on this instance (at most `width` items at once). */
  start(handlers: WorkHandlers<T>): Promise<void>;
  /** Stops taking items; the ones running are aborted and settle before this resolves. */
  stop(): Promise<void>;
  /**
   * Items not yet acknowledged anywhere (waiting, running, or waiting to be retried), or null when
   * the queue cannot tell. Never lower than the truth: 0 means every item enqueued so far is done.
   */
  pending(): Promise<number | null>;
}

/** Encodes an item, refusing anything that is not a small flat record of ids. */
export function encodeWorkItem(item: WorkItem): string {
  for (const [k, v] of Object.entries(item)) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) throw new TypeError(`Work item field ${k} must be a string, number or boolean.`);
  }
  const text = JSON.stringify(item);
  if (Buffer.byteLength(text) > MAX_WORK_ITEM_BYTES)
    throw new RangeError(`A work item carries ids only: ${Buffer.byteLength(text)} bytes is over ${MAX_WORK_ITEM_BYTES}.`);
  return text;
}

export function decodeWorkItem<T extends WorkItem>(text: string): T {
  const v = JSON.parse(text) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TypeError('A work item is a JSON object.');
  return v as T;
}
