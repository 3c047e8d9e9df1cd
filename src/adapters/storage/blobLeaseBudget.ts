// A connection budget shared by every instance on one storage account: `cap` slot blobs per
// server (budget/<host:port>/<n>), and holding a connection means holding a lease on one of them.
// Azure settles the races (one lease per blob); a held lease is renewed while the connection is
// open, and an instance that dies simply stops renewing: its slots come back within one lease
// period (15 s). So the cap holds for all instances together, whatever their number, and an
// instance that is alone may use the whole of it.

import { randomUUID } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import type { ConnectionBudget } from '../../ports/connectionBudget';
import { errorText } from '../../lib/errorText';
import { sleep } from '../../lib/sleep';

export interface BlobLeaseBudgetOptions {
  connectionString: string;
  container: string;
  /** 15–60 s (Azure's range). Default 15. */
  leaseSeconds?: number;
  /** First pause when every slot is taken; grows to 8× with jitter. Default 50 ms. */
  waitMs?: number;
  onError?(message: string): void;
}

export class BlobLeaseBudget implements ConnectionBudget {
  private readonly container: ContainerClient;
  private ready: Promise<unknown> | undefined;
  private readonly leaseSeconds: number;
  /** Slots known to exist (their blobs were made). */
  private readonly made = new Set<string>();
  /** Slots this instance holds now (tried last: they are surely busy). */
  private readonly mine = new Set<string>();

  constructor(private readonly o: BlobLeaseBudgetOptions) {
    this.container = new ContainerClient(o.connectionString, o.container);
    this.leaseSeconds = o.leaseSeconds ?? 15;
    if (this.leaseSeconds < 15 || this.leaseSeconds > 60) throw new Error('A blob lease lasts 15 to 60 seconds.');
  }

  toJSON(): object {
    return { name: 'BlobLeaseBudget' };
  }

  async acquire(key: string, cap: number, signal?: AbortSignal): Promise<(() => void) | null> {
    const slots = Math.max(1, Math.floor(cap));
    await this.initialize();
    const prefix = `budget/${encodeURIComponent(key)}/`;
    for (let round = 0; !signal?.aborted; round++) {
      const start = Math.floor(Math.random() * slots);
      for (let i = 0; i < slots && !signal?.aborted; i++) {
        const name = `${prefix}${(start + i) % slots}`;
        if (this.mine.has(name)) continue;
        const held = await this.tryLease(name);
        if (held) return held;
      }
      const base = (this.o.waitMs ?? 50) * Math.min(8, 2 ** Math.min(round, 3));
      await sleep(base / 2 + Math.random() * base, signal);
    }
    return null;
  }

  private async tryLease(name: string): Promise<(() => void) | null> {
    const blob = this.container.getBlockBlobClient(name);
    if (!this.made.has(name)) {
      await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } }).catch((err: { statusCode?: number }) => {
        // 409/412: it is there already (and may be leased).
        if (![409, 412].includes(err.statusCode ?? 0)) throw err;
      });
      this.made.add(name);
    }
    const lease = blob.getBlobLeaseClient(randomUUID());
    try {
      await lease.acquireLease(this.leaseSeconds);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) return null;
      if ((err as { statusCode?: number }).statusCode === 404) this.made.delete(name);
      throw err;
    }
    this.mine.add(name);
    const renew = setInterval(
      () => {
        lease.renewLease().catch((err) => this.o.onError?.(`connection budget: renewing ${name} failed: ${errorText(err).slice(0, 200)}`));
      },
      (this.leaseSeconds * 1000) / 3,
    );
    renew.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      this.mine.delete(name);
      // A release that fails lapses by itself within one lease period.
      lease.releaseLease().catch(() => undefined);
    };
  }

  private initialize(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}
