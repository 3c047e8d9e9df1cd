// Exactly one watcher across all bot instances. With Azure Blob Storage the leader
// holds a lease on one blob, renews it while it works, and another instance takes the
// lease within one lease period when the holder dies (its renewals stop). With the
// file store there is one instance by definition, so it is always the leader.

import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type BlobLeaseClient } from '@azure/storage-blob';

export interface Leader {
  /** Starts campaigning; listeners hear every change of leadership. */
  start(): Promise<void>;
  /** Stops campaigning; with release the lease is given up at once (a clean shutdown). */
  stop(options?: { release?: boolean }): Promise<void>;
  /**
   * True only while the lease is surely ours: it is checked before every send, so a
   * leader that stalled past its lease stops before the next one can start.
   */
  isLeader(): boolean;
  onChange(listener: (leading: boolean) => void): void;
  readonly instanceId: string;
}

/** The file store: one instance, always the leader. */
export class SingleInstanceLeader implements Leader {
  readonly instanceId = `single-${process.pid}`;
  private leading = false;
  private readonly listeners: ((l: boolean) => void)[] = [];
  async start(): Promise<void> {
    this.leading = true;
    this.listeners.forEach((l) => l(true));
  }
  async stop(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.listeners.forEach((l) => l(false));
  }
  isLeader(): boolean {
    return this.leading;
  }
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }
}

export interface BlobLeaseLeaderOptions {
  connectionString: string;
  container: string;
  /** The blob whose lease is leadership. */
  blobName?: string;
  /** Azure allows 15–60 s. */
  leaseSeconds?: number;
  instanceId?: string;
  onError?: (message: string) => void;
}

export class BlobLeaseLeader implements Leader {
  readonly instanceId: string;
  private readonly leaseMs: number;
  private readonly lease: BlobLeaseClient;
  private readonly ensure: () => Promise<void>;
  private timer: NodeJS.Timeout | null = null;
  private heldUntil = 0;
  private leading = false;
  private stopped = true;
  private readonly listeners: ((l: boolean) => void)[] = [];

  constructor(private readonly options: BlobLeaseLeaderOptions) {
    const seconds = options.leaseSeconds ?? 15;
    if (seconds < 15 || seconds > 60) throw new Error('A blob lease lasts 15 to 60 seconds.');
    this.leaseMs = seconds * 1000;
    this.instanceId = options.instanceId ?? randomUUID();
    const container = BlobServiceClient.fromConnectionString(options.connectionString).getContainerClient(options.container);
    const blob = container.getBlockBlobClient(options.blobName ?? 'watcher-leader.lock');
    // The lease id is ours for life, so a renewal after a hiccup still matches.
    this.lease = blob.getBlobLeaseClient(this.instanceId);
    this.ensure = async () => {
      await container.createIfNotExists();
      if (!(await blob.exists())) {
        await blob.upload('', 0).catch((err) => {
          // Someone else made it (and may hold a lease on it): fine.
          if (![409, 412].includes((err as { statusCode?: number }).statusCode ?? 0)) throw err;
        });
      }
    };
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.ensure();
    await this.beat();
  }

  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const was = this.leading;
    if (options.release && was) await this.lease.releaseLease().catch(() => undefined);
    this.heldUntil = 0;
    this.set(false);
  }

  isLeader(): boolean {
    // A margin for clock drift and the send in flight.
    return this.leading && Date.now() < this.heldUntil - Math.min(5000, this.leaseMs / 3);
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  private set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.listeners.forEach((l) => l(leading));
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const asked = Date.now();
    try {
      if (this.leading) await this.lease.renewLease();
      else await this.lease.acquireLease(this.leaseMs / 1000);
      this.heldUntil = asked + this.leaseMs;
      this.set(true);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      // 409: someone else holds it (or ours lapsed and was taken). Anything else: we cannot prove we hold it.
      if (status !== 409) this.options.onError?.(`lease ${this.leading ? 'renewal' : 'acquire'} failed: ${status ?? (err as Error).message}`);
      if (status === 404) await this.ensure().catch(() => undefined);
      if (this.leading && Date.now() >= this.heldUntil - 1000) this.set(false);
      if (status === 409) this.set(false);
    }
    if (this.stopped) return;
    // Renew at a third of the lease; campaign at the same pace, so a dead holder is replaced within one period.
    this.timer = setTimeout(() => void this.beat(), this.leaseMs / 3);
    this.timer.unref();
  }
}

/** Runs `work` only while this instance leads; starts and stops it as leadership moves. */
export function whileLeading(leader: Leader, work: { start(): void | Promise<void>; stop(): void | Promise<void> }, onError: (e: unknown) => void): void {
  leader.onChange((leading) => {
    void Promise.resolve(leading ? work.start() : work.stop()).catch(onError);
  });
}
