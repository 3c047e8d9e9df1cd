// One preflight row against the endpoint's source IMAP server: logged in and sized, with a slot
// in the server's connection budget for each connection (the endpoint's cap holds for every run
// and every instance together). A server that drops or throttles connections slows the row
// (backoff with jitter); it does not fail it. The run itself, split into work items per login,
// is services/preflightWork.ts.

import type { MailboxScan, MailboxScanner, SizingMethod } from '../ports/mailboxScanner';
import type { ImapServer } from '../domain/exchange/types';
import { sleep } from '../lib/sleep';
import { serverKey, type ConnectionBudget } from '../ports/connectionBudget';
import type { ImapEndpoint } from '../ports/mailboxScanner';

export type { PreflightReport, PreflightUser } from '../domain/preflight/report';

export interface PreflightRow {
  emailAddress: string;
  userName: string;
  password: { reveal(): string };
}

export interface PreflightServer extends ImapServer {
  acceptUntrustedCertificates?: boolean;
  /** Extra trusted CA (PEM). */
  ca?: string | string[];
}

export interface PreflightProgress {
  scanned: number;
  total: number;
  failures: number;
}

export interface RunPreflightInput {
  rows: PreflightRow[];
  server: PreflightServer;
  /** The target mailbox's receive limit in bytes (Get-Mailbox MaxReceiveSize). */
  limitFor(emailAddress: string): Promise<number>;
  /** The endpoint's MaxConcurrentMigrations: connections to the source server, for all runs and instances together. Default 20. */
  maxConcurrent?: number;
  /** Per-connection inactivity/connect timeout. Default 15 s. */
  perConnectionTimeoutMs?: number;
  onProgress?(p: PreflightProgress): void;
  signal?: AbortSignal;
  /** Attempts for a dropped/throttled connection (first try included). Default 4. */
  maxAttempts?: number;
  /** First backoff pause; doubles per retry, with jitter. Default 250 ms. */
  backoffMs?: number;
  /** For tests and the bench. */
  forceMethod?: SizingMethod;
}

/**
 * Open connections per source server (host:port), shared by every preflight run: a run asks for a
 * slot before each connection and gets one only while fewer than its cap are open to that server,
 * whoever opened them. Waiters are served in order; an aborted wait gives up its place.
 */
export class SourceConnectionGate implements ConnectionBudget {
  private readonly open = new Map<string, number>();
  private readonly queues = new Map<string, { cap: number; grant: () => void }[]>();

  static key(server: { remoteServer: string; port: number }): string {
    return serverKey(server.remoteServer, server.port);
  }

  /** Connections open to this server now. */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  /** Resolves with a release function once a slot is free, or null when the signal aborts first. */
  acquire(key: string, cap: number, signal?: AbortSignal): Promise<(() => void) | null> {
    if (signal?.aborted) return Promise.resolve(null);
    const queue = this.queues.get(key) ?? [];
    return new Promise((resolve) => {
      const waiter = {
        cap,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take(key));
        },
      };
      const onAbort = () => {
        const q = this.queues.get(key);
        const at = q?.indexOf(waiter) ?? -1;
        if (q && at >= 0) q.splice(at, 1);
        if (q?.length === 0) this.queues.delete(key);
        resolve(null);
      };
      queue.push(waiter);
      this.queues.set(key, queue);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake(key);
    });
  }

  private take(key: string): () => void {
    this.open.set(key, this.count(key) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(key) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
      this.wake(key);
    };
  }

  private wake(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    // The first waiter whose own cap leaves room (a run with a smaller cap does not hold up the others).
    for (let i = 0; i < queue.length;) {
      if (this.count(key) < queue[i].cap) {
        const [waiter] = queue.splice(i, 1);
        waiter.grant();
      } else i++;
    }
    if (queue.length === 0) this.queues.delete(key);
  }
}

export interface ScanOneInput {
  login: { userName: string; password: string };
  endpoint: ImapEndpoint;
  limitBytes: number;
  /** The budget every run and instance shares, its key for this server, and this run's cap. */
  connections: ConnectionBudget;
  budgetKey: string;
  cap: number;
  scanner: MailboxScanner;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  forceMethod?: SizingMethod;
  signal?: AbortSignal;
}

/**
 * One mailbox: a slot per connection, retried with backoff while the server drops or throttles
 * us. `scan` is null when the signal stopped it before the first connection.
 */
export async function scanOne(
  o: ScanOneInput,
): Promise<{ scan: MailboxScan | null; connections: number; retries: number; roundTrips: number; heldFrom: number; heldTo: number }> {
  let scan: MailboxScan | null = null;
  // When it first held a connection slot and when it gave the last one back (for the run's peak).
  let heldFrom = 0;
  let heldTo = 0;
  let connections = 0;
  let retries = 0;
  let roundTrips = 0;
  for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
    if (o.signal?.aborted) break;
    const release = await o.connections.acquire(o.budgetKey, o.cap, o.signal);
    if (!release) break;
    connections++;
    heldFrom ||= Date.now();
    try {
      scan = await o.scanner(o.endpoint, o.login, { largeItemLimitBytes: o.limitBytes, timeoutMs: o.timeoutMs, signal: o.signal, forceMethod: o.forceMethod });
    } finally {
      release();
      heldTo = Date.now();
    }
    roundTrips += scan.roundTrips;
    if (scan.ok || !scan.transient || attempt === o.maxAttempts) break;
    retries++;
    const pause = o.backoffMs * 2 ** (attempt - 1);
    await sleep(pause / 2 + Math.random() * pause, o.signal);
  }
  return { scan, connections, retries, roundTrips, heldFrom, heldTo };
}
