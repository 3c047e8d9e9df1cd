// Runs the preflight for a migration CSV against the endpoint's source IMAP server:
// every row is logged in and sized, with bounded, polite concurrency (at most
// maxConcurrent connections, never two at once for the same login). A server that drops
// or throttles connections slows the scan (backoff, fewer parallel connections); it
// does not fail it. Cancel with an AbortSignal: unscanned rows come back as Cancelled.

import type { MailboxScan, MailboxScanner, SizingMethod } from '../ports/mailboxScanner';
import type { ImapServer } from '../domain/exchange/types';
import { DEFAULT_IMAP_ITEM_LIMIT_BYTES } from '../domain/exchange/types';
import { classifyFailure } from '../domain/preflight/classify';
import { buildReport, buildUser, PreflightReport, PreflightUser } from '../domain/preflight/report';
import { sleep } from '../lib/sleep';
import type { ConnectionBudget } from '../ports/connectionBudget';

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
  /** The endpoint's MaxConcurrentMigrations. Default 20. */
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
  /**
   * Connections per source server across every preflight (index.ts passes one for all: this process's gate, or with a
   * storage account the blob-lease budget every instance shares). Each run waits for a slot under its own
   * maxConcurrent, so runs against one server share that cap.
   * Default: a gate of this run's own.
   */
  connections?: ConnectionBudget;
  /** How one mailbox is read: a live IMAP scan (adapters/imap), or local mode's demo source. */
  scanner: MailboxScanner;
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
    return `${server.remoteServer.toLowerCase().replace(/\.$/, '')}:${server.port}`;
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

export async function runPreflight(input: RunPreflightInput): Promise<PreflightReport> {
  const startedAt = new Date();
  const maxConcurrent = Math.max(1, input.maxConcurrent ?? 20);
  const timeoutMs = input.perConnectionTimeoutMs ?? 15_000;
  const maxAttempts = Math.max(1, input.maxAttempts ?? 4);
  const backoffMs = input.backoffMs ?? 250;
  const { server, signal } = input;
  const endpoint = {
    host: server.remoteServer,
    port: server.port,
    security: server.security,
    acceptUntrustedCertificates: server.acceptUntrustedCertificates,
    ca: server.ca,
  };

  const gate = input.connections ?? new SourceConnectionGate();
  const gateKey = SourceConnectionGate.key(server);
  const results: (PreflightUser | undefined)[] = new Array(input.rows.length);
  const stats = { connections: 0, peakConcurrency: 0, roundTrips: 0, retries: 0 };
  let active = 0;
  // Adaptive cap: halves when the server drops/throttles us, creeps back up on success.
  let allowed = maxConcurrent;
  let scanned = 0;
  let failures = 0;
  const busyLogins = new Set<string>();
  const pending = input.rows.map((_, i) => i);

  const report = (user: PreflightUser, index: number) => {
    results[index] = user;
    scanned++;
    if (user.status === 'Blocked') failures++;
    input.onProgress?.({ scanned, total: input.rows.length, failures });
  };

  const scanRow = async (index: number): Promise<void> => {
    const row = input.rows[index];
    let limitBytes = DEFAULT_IMAP_ITEM_LIMIT_BYTES;
    try {
      limitBytes = await input.limitFor(row.emailAddress);
    } catch {
      // No limit from Exchange (mailbox missing?): size against the IMAP default; the
      // batch validation reports the missing mailbox itself.
    }
    let scan: MailboxScan | null = null;
    let connections = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (signal?.aborted) break;
      // A slot on the source server, shared with every other preflight against it.
      const release = await gate.acquire(gateKey, maxConcurrent, signal);
      if (!release) break;
      connections++;
      stats.connections++;
      try {
        scan = await input.scanner(
          endpoint,
          { userName: row.userName, password: row.password.reveal() },
          {
            largeItemLimitBytes: limitBytes,
            timeoutMs,
            signal,
            forceMethod: input.forceMethod,
          },
        );
      } finally {
        release();
      }
      stats.roundTrips += scan.roundTrips;
      if (scan.ok) {
        allowed = Math.min(maxConcurrent, allowed + 1);
        break;
      }
      if (!scan.transient || attempt === maxAttempts) break;
      stats.retries++;
      allowed = Math.max(1, Math.floor(allowed / 2));
      const pause = backoffMs * 2 ** (attempt - 1);
      await sleep(pause / 2 + Math.random() * pause, signal);
    }
    if (!scan || (!scan.ok && scan.failure.kind === 'Cancelled') || (signal?.aborted && !scan.ok)) {
      return; // left for the cancelled pass below
    }
    report(buildUser({ emailAddress: row.emailAddress, userName: row.userName, limitBytes, connections, scan }), index);
  };

  await new Promise<void>((resolveAll) => {
    const pump = () => {
      if (signal?.aborted) pending.length = 0;
      while (active < allowed && pending.length > 0) {
        // The first row whose login has no open connection.
        const at = pending.findIndex((i) => !busyLogins.has(input.rows[i].userName.toLowerCase()));
        if (at < 0) break;
        const index = pending.splice(at, 1)[0];
        const login = input.rows[index].userName.toLowerCase();
        busyLogins.add(login);
        active++;
        stats.peakConcurrency = Math.max(stats.peakConcurrency, active);
        scanRow(index)
          .catch(() => undefined) // a scanner never throws; limitFor errors are handled
          .finally(() => {
            busyLogins.delete(login);
            active--;
            pump();
          });
      }
      if (active === 0 && (pending.length === 0 || signal?.aborted)) resolveAll();
    };
    signal?.addEventListener('abort', pump, { once: true });
    pump();
  });

  const cancelled = signal?.aborted ?? false;
  const users = input.rows.map((row, i) => {
    const done = results[i];
    if (done) return done;
    const failure = classifyFailure(
      { code: 'PREFLIGHT_CANCELLED', message: 'cancelled' },
      { host: server.remoteServer, port: server.port, security: server.security },
    );
    return buildUser({
      emailAddress: row.emailAddress,
      userName: row.userName,
      limitBytes: DEFAULT_IMAP_ITEM_LIMIT_BYTES,
      connections: 0,
      scan: { ok: false, failure, roundTrips: 0, durationMs: 0 },
    });
  });
  return buildReport({
    server: { remoteServer: server.remoteServer, port: server.port, security: server.security },
    startedAt,
    finishedAt: new Date(),
    cancelled,
    users,
    concurrentMigrations: maxConcurrent,
    stats,
  });
}
