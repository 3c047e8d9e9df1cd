// A connection budget shared by every instance on one storage account: `cap` slot blobs per
// server (budget/<host:port>/<n>), and holding a connection means holding a lease on one of them.
// Azure settles the races (one lease per blob); a held lease is renewed while the connection is
// open, and an instance that dies simply stops renewing: its slots come back within one lease
// period (15 s). So the cap holds for all instances together, whatever their number, and an
// instance that is alone may use the whole of it.
//
// A slot given back is kept (its lease still renewed) for a moment before its lease is released:
// the next connection this instance opens to that server takes it with no request at all, and a
// waiter here gets it at once. Leasing a slot costs a request per busy slot tried; without this,
// every connection paid that, and more so the more instances share the cap.

import { randomUUID } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import type { ConnectionBudget } from '../../ports/connectionBudget';
import { errorText } from '../../lib/errorText';

export interface BlobLeaseBudgetOptions {
  connectionString: string;
  container: string;
  /** 15–60 s (Azure's range). Default 15. */
  leaseSeconds?: number;
  /** First pause when every slot is taken; grows to 8× with jitter. Default 50 ms. */
  waitMs?: number;
  /** How long a slot given back stays leased for this instance's next connection. Default 1000 ms. */
  keepMs?: number;
  /** How long after a connection is given back its slot can be used again (the server sees the close late). Default 20 ms. */
  settleMs?: number;
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
  /** Per server: slots this instance still leases but no connection uses. */
  private readonly idle = new Map<string, Slot[]>();
  /** Per server: acquirers here waiting for a slot (a slot given back goes to them first). */
  private readonly waiters = new Map<string, { cap: number; take(slot: Slot): void }[]>();

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
    const kept = this.takeIdle(key, slots);
    if (kept) return this.lend(key, kept);
    await this.initialize();
    const prefix = `budget/${encodeURIComponent(key)}/`;
    for (let round = 0; !signal?.aborted; round++) {
      const start = Math.floor(Math.random() * slots);
      for (let i = 0; i < slots && !signal?.aborted; i++) {
        const index = (start + i) % slots;
        const name = `${prefix}${index}`;
        if (this.mine.has(name)) continue;
        const held = await this.tryLease(name, index);
        if (held) return this.lend(key, held);
      }
      // Every slot is busy: wait for one of ours to come back, or retry the others after a pause.
      const base = (this.o.waitMs ?? 50) * Math.min(8, 2 ** Math.min(round, 3));
      const handed = await this.waitHere(key, slots, base / 2 + Math.random() * base, signal);
      if (handed) return this.lend(key, handed);
    }
    return null;
  }

  /** Gives up the slots kept for reuse (at shutdown: other instances need not wait for their leases to lapse). */
  close(): void {
    for (const pool of this.idle.values())
      for (const slot of pool.splice(0)) {
        clearTimeout(slot.expire);
        slot.free();
      }
    this.idle.clear();
  }

  /** A kept slot this caller may use (its number below the caller's cap). */
  private takeIdle(key: string, cap: number): Slot | null {
    const pool = this.idle.get(key);
    const at = pool?.findIndex((s) => s.index < cap) ?? -1;
    if (!pool || at < 0) return null;
    const [slot] = pool.splice(at, 1);
    if (pool.length === 0) this.idle.delete(key);
    clearTimeout(slot.expire);
    return slot;
  }

  /** Waits up to `ms` for a slot this instance gives back; null when none came (or the signal aborted). */
  private waitHere(key: string, cap: number, ms: number, signal?: AbortSignal): Promise<Slot | null> {
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      const done = (slot: Slot | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = list.indexOf(waiter);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0 && this.waiters.get(key) === list) this.waiters.delete(key);
        resolve(slot);
      };
      const waiter = { cap, take: (slot: Slot) => done(slot) };
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      list.push(waiter);
      this.waiters.set(key, list);
    });
  }

  /** The release function for a connection on this slot: the slot goes to a waiter here, or is kept a moment, then freed. */
  private lend(key: string, slot: Slot): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The client has closed its socket; the server sees it a moment later. Until then the slot stays taken.
      setTimeout(() => this.settled(key, slot), this.o.settleMs ?? 20).unref();
    };
  }

  /** A slot whose connection is surely closed: to a waiter here, or kept a moment, then its lease released. */
  private settled(key: string, slot: Slot): void {
    const waiter = this.waiters.get(key)?.find((w) => slot.index < w.cap);
    if (waiter) return waiter.take(slot);
    const pool = this.idle.get(key) ?? [];
    pool.push(slot);
    this.idle.set(key, pool);
    slot.expire = setTimeout(() => {
      const at = pool.indexOf(slot);
      if (at < 0) return;
      pool.splice(at, 1);
      if (pool.length === 0 && this.idle.get(key) === pool) this.idle.delete(key);
      slot.free();
    }, this.o.keepMs ?? 1000);
    slot.expire.unref();
  }

  private async tryLease(name: string, index: number): Promise<Slot | null> {
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
    return {
      index,
      free: () => {
        clearInterval(renew);
        this.mine.delete(name);
        // A release that fails lapses by itself within one lease period.
        lease.releaseLease().catch(() => undefined);
      },
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

/** A leased slot: its number under the server's cap, and how to give its lease up. */
interface Slot {
  index: number;
  free(): void;
  expire?: NodeJS.Timeout;
}
