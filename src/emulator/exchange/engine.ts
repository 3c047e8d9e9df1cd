// The emulated tenant's migration state and its lifecycle on a simulated clock
// (reference §2.3). Cmdlet handlers (cmdlets.ts) check Exchange's rules and then call the
// transitions here; time moves only through runFor(), in chunks that end at the next state
// change, so tests can advance by N simulated seconds and get the same result every time.

import { randomUUID } from 'node:crypto';
import type { BatchStatus, EndpointSecurity, MigrationUserStatus } from '../../domain/exchange/types';
import { BATCH_LIFETIME_DAYS } from '../../domain/exchange/types';
import type { ImapCsvRow } from './csv';
import type { SourceFailureKind, SourceLargeItem, SourceMailboxDirectory, SourceMailboxResult, SourceServer } from '../../domain/source/mailboxDirectory';
import { effectiveLimit, mailboxMatches, type TenantMailbox } from './tenant';

export interface EndpointState {
  guid: string;
  name: string;
  remoteServer: string;
  port: number;
  security: EndpointSecurity;
  authentication: string;
  acceptUntrustedCertificates: boolean;
  maxConcurrentMigrations: number;
  maxConcurrentIncrementalSyncs: number;
  createdAt: Date;
}

export interface BatchState {
  guid: string;
  name: string;
  endpointName: string;
  status: BatchStatus;
  userKeys: string[]; // lower-case email addresses, CSV order
  notificationEmails: string[];
  excludeFolders: string[];
  submittedByUser: string | null;
  createdAt: Date;
  startAt: Date | null;
  initialSyncAt: Date | null;
  initialSyncDurationSeconds: number | null;
  lastSyncedAt: Date | null;
  phaseEndsAtMs: number | null;
  lastAdminActionAtMs: number;
  /** -StartAfter: a Created batch starts by itself at this time (ms), as Exchange does. */
  startAfterMs?: number | null;
  /** When the batch last became Stopped or Failed (null otherwise): the 90-day purge counts from here. */
  endedAtMs?: number | null;
  nextIncrementalAtMs: number | null;
  message: string;
}

interface SyncPass {
  gen: number;
  incremental: boolean;
  loaded: boolean;
  target: number;
  minEndsAtMs: number;
}

export interface MigrationUserState {
  guid: string;
  requestGuid: string;
  emailAddress: string;
  batchKey: string;
  status: MigrationUserStatus;
  /** Only in memory; never logged, serialized or echoed. */
  credentials: { userName: string; password: string; userRoot?: string };
  initialDone: boolean;
  incrementalPending: boolean;
  sync: SyncPass | null;
  gen: number;
  syncedItems: number;
  totalItems: number | null;
  skippedItems: SourceLargeItem[];
  mailboxGuid: string | null;
  error: string | null;
  /** Exchange's exception type for `error`, as Get-MigrationUserStatistics' Error shows it. */
  errorType: string | null;
  createdAt: Date;
  lastSuccessfulSyncTime: Date | null;
  lastSubscriptionCheckTime: Date | null;
  initialSeedingCompletedTime: Date | null;
  lastUpdatedTime: Date;
  removeAtMs: number | null;
  queuedSeconds: number;
  inProgressSeconds: number;
  syncedSeconds: number;
}

export interface EngineOptions {
  startTime: Date;
  directories: SourceMailboxDirectory[];
  /** Items copied per simulated second by one syncing user. */
  itemsPerSecond: number;
  mailboxes: TenantMailbox[];
  /** Simulated seconds spent in transient states. */
  startingSeconds?: number;
  stoppingSeconds?: number;
  removingSeconds?: number;
  /** Even an incremental that finds nothing new shows IncrementalSyncing this long. */
  minIncrementalSeconds?: number;
  incrementalIntervalSeconds?: number;
}

const DAY_MS = 86_400_000;
/** Stopped and Failed batches are removed after 90 days (Learn, manage-migration-batches, "Retention"). */
export const ENDED_BATCH_PURGE_DAYS = 90;
const ENDED_BATCH = new Set<BatchStatus>(['Stopped', 'Failed']);
const ACTIVE_BATCH: ReadonlySet<BatchStatus> = new Set(['Syncing', 'Synced', 'SyncedWithErrors']);
const SYNCED_BATCH: ReadonlySet<BatchStatus> = new Set(['Synced', 'SyncedWithErrors']);

/** Exchange's texts for a source that could not be read (reference §3.5). */
export function sourceFailureText(failure: SourceFailureKind, server: SourceServer): string {
  switch (failure) {
    case 'AuthenticationFailed':
      return "We had trouble signing in to this account. Confirm that you're using the correct user name and password.";
    case 'Timeout':
      return `The connection to the server '${server.remoteServer}' timed out after 00:00:15.`;
    case 'TlsFailed':
      return `The connection to the server '${server.remoteServer}' could not be completed. TLS negotiation failed.`;
    default:
      return `The connection to the server '${server.remoteServer}' could not be completed.`;
  }
}

export function sourceFailureType(failure: SourceFailureKind): string {
  if (failure === 'AuthenticationFailed') return 'Microsoft.Exchange.Migration.MigrationPermanentException';
  if (failure === 'Timeout') return 'Microsoft.Exchange.Migration.MigrationTransientException';
  if (failure === 'TlsFailed') return 'Microsoft.Exchange.Migration.SslStreamFailureException';
  return 'Microsoft.Exchange.Migration.MigrationServerConnectionFailedException';
}

export function recipientNotFoundText(email: string): string {
  // (Learn, KB-T) exact text.
  return `A recipient wasn't found for ${email} on the target. Create a recipient of the appropriate type for this migration on the target and try again.`;
}

export class MigrationEngine {
  nowMs: number;
  readonly endpoints = new Map<string, EndpointState>();
  readonly batches = new Map<string, BatchState>();
  readonly users = new Map<string, MigrationUserState>();
  mailboxes: TenantMailbox[];
  itemsPerSecond: number;
  private readonly pendingOpens = new Set<Promise<void>>();
  private mailboxIndex: { list: TenantMailbox[]; length: number; byKey: Map<string, TenantMailbox> } | null = null;
  private readonly durations: Required<
    Pick<EngineOptions, 'startingSeconds' | 'stoppingSeconds' | 'removingSeconds' | 'minIncrementalSeconds' | 'incrementalIntervalSeconds'>
  >;

  constructor(private readonly options: EngineOptions) {
    this.nowMs = options.startTime.getTime();
    this.mailboxes = options.mailboxes;
    this.itemsPerSecond = options.itemsPerSecond;
    this.durations = {
      startingSeconds: options.startingSeconds ?? 30,
      stoppingSeconds: options.stoppingSeconds ?? 15,
      removingSeconds: options.removingSeconds ?? 15,
      minIncrementalSeconds: options.minIncrementalSeconds ?? 60,
      incrementalIntervalSeconds: options.incrementalIntervalSeconds ?? 86_400,
    };
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  get directories(): SourceMailboxDirectory[] {
    return this.options.directories;
  }

  findMailbox(identity: string): TenantMailbox | undefined {
    // An index instead of a scan: a 50,000-row New-MigrationBatch looks every row up.
    // Mailbox identities never change; the list is only ever replaced, so its identity keys the index.
    if (this.mailboxIndex?.list !== this.mailboxes || this.mailboxIndex.length !== this.mailboxes.length) {
      const byKey = new Map<string, TenantMailbox>();
      for (const m of this.mailboxes) {
        for (const k of [
          m.alias,
          m.displayName,
          m.userPrincipalName,
          m.guid,
          m.exchangeGuid,
          m.externalDirectoryObjectId,
          ...m.emailAddresses.map((a) => a.slice(a.indexOf(':') + 1)),
        ]) {
          const key = k.trim().toLowerCase();
          if (!byKey.has(key)) byKey.set(key, m);
        }
      }
      this.mailboxIndex = { list: this.mailboxes, length: this.mailboxes.length, byKey };
    }
    const m = this.mailboxIndex.byKey.get(identity.trim().toLowerCase());
    return m && mailboxMatches(m, identity) ? m : undefined;
  }

  batchUsers(b: BatchState): MigrationUserState[] {
    return b.userKeys.map((k) => this.users.get(k)).filter((u): u is MigrationUserState => !!u);
  }

  server(e: EndpointState): SourceServer {
    return { remoteServer: e.remoteServer, port: e.port, security: e.security, acceptUntrustedCertificates: e.acceptUntrustedCertificates };
  }

  directoryFor(server: SourceServer): SourceMailboxDirectory | undefined {
    return this.options.directories.find((d) => d.handles(server));
  }

  // ---- transitions called by cmdlets -------------------------------------------------

  newBatch(input: {
    name: string;
    endpointName: string;
    rows: ImapCsvRow[];
    notificationEmails: string[];
    excludeFolders: string[];
    submittedByUser: string | null;
  }): BatchState {
    const now = this.now();
    const b: BatchState = {
      guid: randomUUID(),
      name: input.name,
      endpointName: input.endpointName,
      status: 'Created',
      userKeys: [],
      notificationEmails: input.notificationEmails,
      excludeFolders: input.excludeFolders,
      submittedByUser: input.submittedByUser,
      createdAt: now,
      startAt: null,
      initialSyncAt: null,
      initialSyncDurationSeconds: null,
      lastSyncedAt: null,
      phaseEndsAtMs: null,
      lastAdminActionAtMs: this.nowMs,
      nextIncrementalAtMs: null,
      message: '',
    };
    this.batches.set(b.name.toLowerCase(), b);
    this.addUsers(b, input.rows);
    return b;
  }

  addUsers(b: BatchState, rows: ImapCsvRow[]): void {
    const queued = b.status === 'Starting' || ACTIVE_BATCH.has(b.status);
    for (const r of rows) {
      const key = r.emailAddress.toLowerCase();
      const u: MigrationUserState = {
        guid: randomUUID(),
        requestGuid: randomUUID(),
        emailAddress: r.emailAddress,
        batchKey: b.name.toLowerCase(),
        status: queued ? 'Queued' : 'Stopped',
        credentials: { userName: r.userName, password: r.password, ...(r.userRoot ? { userRoot: r.userRoot } : {}) },
        initialDone: false,
        incrementalPending: false,
        sync: null,
        gen: 0,
        syncedItems: 0,
        totalItems: null,
        skippedItems: [],
        mailboxGuid: this.findMailbox(r.emailAddress)?.exchangeGuid ?? null,
        error: null,
        errorType: null,
        createdAt: this.now(),
        lastSuccessfulSyncTime: null,
        lastSubscriptionCheckTime: null,
        initialSeedingCompletedTime: null,
        lastUpdatedTime: this.now(),
        removeAtMs: null,
        queuedSeconds: 0,
        inProgressSeconds: 0,
        syncedSeconds: 0,
      };
      this.users.set(key, u);
      b.userKeys.push(key);
    }
    b.lastAdminActionAtMs = this.nowMs;
    this.process();
  }

  startBatch(b: BatchState): void {
    b.lastAdminActionAtMs = this.nowMs;
    b.message = '';
    const retry = (u: MigrationUserState) => {
      if (['Stopped', 'IncrementalStopped', 'Failed', 'IncrementalFailed'].includes(u.status)) {
        this.setUser(u, 'Queued');
        u.error = null;
        u.errorType = null;
      }
    };
    if (ACTIVE_BATCH.has(b.status)) {
      // Start on a running batch retries its failed users (cloud: any time).
      this.batchUsers(b).forEach((u) => {
        if (u.status === 'Failed' || u.status === 'IncrementalFailed') retry(u);
      });
    } else {
      b.status = 'Starting';
      b.startAt ??= this.now();
      b.phaseEndsAtMs = this.nowMs + this.durations.startingSeconds * 1000;
      this.batchUsers(b).forEach(retry);
    }
    this.process();
  }

  stopBatch(b: BatchState): void {
    b.lastAdminActionAtMs = this.nowMs;
    b.status = 'Stopping';
    b.phaseEndsAtMs = this.nowMs + this.durations.stoppingSeconds * 1000;
    for (const u of this.batchUsers(b)) {
      if (['Queued', 'Syncing', 'IncrementalSyncing', 'Synced', 'Starting', 'Validating'].includes(u.status)) {
        this.cancelSync(u);
        this.setUser(u, 'Stopping');
      }
    }
    this.process();
  }

  syncNow(b: BatchState): void {
    b.lastAdminActionAtMs = this.nowMs;
    for (const u of this.batchUsers(b)) if (u.status === 'Synced') u.incrementalPending = true;
    this.process();
  }

  removeBatch(b: BatchState): void {
    b.status = 'Removing';
    b.phaseEndsAtMs = this.nowMs + this.durations.removingSeconds * 1000;
    for (const u of this.batchUsers(b)) {
      this.cancelSync(u);
      this.setUser(u, 'Removing');
    }
    this.process();
  }

  removeUser(u: MigrationUserState): void {
    this.cancelSync(u);
    this.setUser(u, 'Removing');
    u.removeAtMs = this.nowMs + this.durations.removingSeconds * 1000;
    this.process();
  }

  touchBatch(b: BatchState): void {
    b.lastAdminActionAtMs = this.nowMs;
  }

  // ---- the clock ---------------------------------------------------------------------

  /**
   * Move simulated time forward. With awaitSources, a sync that is reading its source
   * mailbox holds the clock until the read is done (deterministic for tests); the real-time
   * ticker passes false so a slow IMAP server never stalls the emulator.
   */
  async runFor(seconds: number, awaitSources: boolean): Promise<void> {
    let remaining = Math.max(0, seconds);
    await this.flush(awaitSources);
    while (remaining > 1e-9) {
      const next = this.nextEventIn();
      const chunk = Math.min(remaining, Math.max(next, 0.001));
      this.progress(chunk);
      this.nowMs += chunk * 1000;
      remaining -= chunk;
      await this.flush(awaitSources);
    }
  }

  /** Run until nothing is in flight (scheduled incrementals and the lifetime rule are not "in flight"). */
  async settle(maxSeconds = 30 * 86_400): Promise<void> {
    let spent = 0;
    await this.flush(true);
    while (this.isBusy() && spent < maxSeconds) {
      const step = Math.min(Math.max(this.nextEventIn(), 0.001), maxSeconds - spent);
      await this.runFor(step, true);
      spent += step;
    }
  }

  isBusy(): boolean {
    if (this.pendingOpens.size) return true;
    for (const b of this.batches.values()) if (['Starting', 'Stopping', 'Removing', 'Syncing'].includes(b.status)) return true;
    for (const u of this.users.values()) if (u.removeAtMs !== null) return true;
    return false;
  }

  private async flush(awaitSources: boolean): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      this.process();
      if (!awaitSources || this.pendingOpens.size === 0) return;
      await Promise.all([...this.pendingOpens]);
    }
  }

  /** Seconds until the next state change that time alone causes. */
  nextEventIn(): number {
    let next = Infinity;
    const at = (ms: number | null) => {
      if (ms !== null) next = Math.min(next, Math.max(0, (ms - this.nowMs) / 1000));
    };
    for (const b of this.batches.values()) {
      at(b.phaseEndsAtMs);
      if (SYNCED_BATCH.has(b.status)) {
        at(b.nextIncrementalAtMs);
        at(b.lastAdminActionAtMs + BATCH_LIFETIME_DAYS * DAY_MS);
      }
      if (ENDED_BATCH.has(b.status) && b.endedAtMs != null) at(b.endedAtMs + ENDED_BATCH_PURGE_DAYS * DAY_MS);
      if (b.status === 'Created' && b.startAfterMs != null) at(b.startAfterMs);
    }
    for (const u of this.users.values()) {
      at(u.removeAtMs);
      if (u.sync?.loaded) {
        const copy = Math.max(0, u.sync.target - u.syncedItems) / this.itemsPerSecond;
        next = Math.min(next, Math.max(copy, (u.sync.minEndsAtMs - this.nowMs) / 1000, 0));
      }
    }
    return next;
  }

  private progress(seconds: number): void {
    for (const u of this.users.values()) {
      if (u.status === 'Queued') u.queuedSeconds += seconds;
      else if (u.status === 'Syncing' || u.status === 'IncrementalSyncing') u.inProgressSeconds += seconds;
      else if (u.status === 'Synced') u.syncedSeconds += seconds;
      if (u.sync?.loaded && u.syncedItems < u.sync.target) {
        u.syncedItems = Math.min(u.sync.target, u.syncedItems + this.itemsPerSecond * seconds);
        u.lastUpdatedTime = new Date(this.nowMs + seconds * 1000);
      }
    }
  }

  /** Apply every state change due now. Idempotent; called after each chunk and each cmdlet. */
  process(): void {
    const now = this.nowMs;
    // -StartAfter: a batch waiting in Created starts by itself when its time comes (startBatch processes the rest).
    for (const b of this.batches.values()) {
      if (b.status === 'Created' && b.startAfterMs != null && b.startAfterMs <= now) {
        b.startAfterMs = null;
        this.startBatch(b);
        return;
      }
    }
    for (const [key, b] of [...this.batches]) {
      if (ENDED_BATCH.has(b.status)) {
        b.endedAtMs ??= now;
        if (now >= b.endedAtMs + ENDED_BATCH_PURGE_DAYS * DAY_MS) {
          // Purged with its users, as Remove-MigrationBatch would (Get then answers "can't be found").
          b.userKeys.forEach((k) => this.users.get(k)?.batchKey === key && this.users.delete(k));
          this.batches.delete(key);
          continue;
        }
      } else b.endedAtMs = null;
      if (b.phaseEndsAtMs !== null && b.phaseEndsAtMs <= now) {
        b.phaseEndsAtMs = null;
        if (b.status === 'Starting') b.status = 'Syncing';
        else if (b.status === 'Stopping') {
          b.status = 'Stopped';
          this.batchUsers(b).forEach((u) => u.status === 'Stopping' && this.setUser(u, 'Stopped'));
        } else if (b.status === 'Removing') {
          b.userKeys.forEach((k) => this.users.get(k)?.batchKey === key && this.users.delete(k));
          this.batches.delete(key);
          continue;
        }
      }
      if (SYNCED_BATCH.has(b.status)) {
        if (now >= b.lastAdminActionAtMs + BATCH_LIFETIME_DAYS * DAY_MS) {
          // A Synced batch left alone for 60 days is stopped (reference §2.3 Retention).
          b.status = 'Stopped';
          b.nextIncrementalAtMs = null;
          b.message = `The batch was stopped because it had no administrator action for ${BATCH_LIFETIME_DAYS} days.`;
          this.batchUsers(b).forEach((u) => u.status === 'Synced' && this.setUser(u, 'Stopped'));
          continue;
        }
        if (b.nextIncrementalAtMs !== null && now >= b.nextIncrementalAtMs) {
          b.nextIncrementalAtMs = null;
          this.batchUsers(b).forEach((u) => {
            if (u.status === 'Synced') u.incrementalPending = true;
          });
        }
      }
    }
    for (const [key, u] of [...this.users]) {
      if (u.removeAtMs !== null && u.removeAtMs <= now) {
        this.users.delete(key);
        const b = this.batches.get(u.batchKey);
        if (b) b.userKeys = b.userKeys.filter((k) => k !== key);
        continue;
      }
      if (u.sync?.loaded && u.syncedItems >= u.sync.target - 1e-6 && now >= u.sync.minEndsAtMs) {
        u.syncedItems = u.sync.target;
        this.finishSync(u);
      }
    }
    this.schedule();
    for (const b of this.batches.values()) this.recompute(b);
  }

  /** Hand free endpoint slots to waiting users, batch by batch in creation order. */
  private schedule(): void {
    const slots = new Map<string, { initial: number; incremental: number }>();
    for (const u of this.users.values()) {
      const b = this.batches.get(u.batchKey);
      if (!b) continue;
      const s = slots.get(b.endpointName.toLowerCase()) ?? { initial: 0, incremental: 0 };
      if (u.status === 'Syncing') s.initial++;
      if (u.status === 'IncrementalSyncing') s.incremental++;
      slots.set(b.endpointName.toLowerCase(), s);
    }
    for (const b of this.batches.values()) {
      if (!ACTIVE_BATCH.has(b.status)) continue;
      const e = this.endpoints.get(b.endpointName.toLowerCase());
      if (!e) continue;
      const s = slots.get(e.name.toLowerCase()) ?? { initial: 0, incremental: 0 };
      slots.set(e.name.toLowerCase(), s);
      for (const u of this.batchUsers(b)) {
        const wantsInitial = u.status === 'Queued' && !u.initialDone;
        const wantsIncremental = (u.status === 'Queued' && u.initialDone) || (u.status === 'Synced' && u.incrementalPending);
        if (wantsInitial && s.initial < e.maxConcurrentMigrations) {
          s.initial++;
          this.beginSync(u, b, e, false);
        } else if (wantsIncremental && s.incremental < e.maxConcurrentIncrementalSyncs) {
          s.incremental++;
          this.beginSync(u, b, e, true);
        }
      }
    }
  }

  private recompute(b: BatchState): void {
    if (!ACTIVE_BATCH.has(b.status)) return;
    const users = this.batchUsers(b);
    const busy = users.some((u) => u.incrementalPending || u.status === 'Queued' || u.status === 'Syncing' || u.status === 'IncrementalSyncing');
    const failed = users.some((u) => u.status === 'Failed' || u.status === 'IncrementalFailed');
    const status: BatchStatus = busy ? 'Syncing' : failed ? 'SyncedWithErrors' : 'Synced';
    if (b.status === 'Syncing' && status !== 'Syncing') {
      b.lastSyncedAt = this.now();
      if (!b.initialSyncAt) {
        b.initialSyncAt = this.now();
        b.initialSyncDurationSeconds = b.startAt ? (this.nowMs - b.startAt.getTime()) / 1000 : null;
      }
      b.nextIncrementalAtMs = this.nowMs + this.durations.incrementalIntervalSeconds * 1000;
    }
    b.status = status;
  }

  private setUser(u: MigrationUserState, status: MigrationUserStatus): void {
    u.status = status;
    u.lastUpdatedTime = this.now();
  }

  private cancelSync(u: MigrationUserState): void {
    u.sync = null;
    u.gen++;
    u.incrementalPending = false;
  }

  private beginSync(u: MigrationUserState, b: BatchState, e: EndpointState, incremental: boolean): void {
    u.gen++;
    u.incrementalPending = false;
    const gen = u.gen;
    u.sync = {
      gen,
      incremental,
      loaded: false,
      target: 0,
      minEndsAtMs: this.nowMs + (incremental ? this.durations.minIncrementalSeconds * 1000 : 0),
    };
    this.setUser(u, incremental ? 'IncrementalSyncing' : 'Syncing');
    u.lastSubscriptionCheckTime = this.now();
    const mailbox = this.findMailbox(u.emailAddress);
    if (!mailbox) {
      this.failSync(u, recipientNotFoundText(u.emailAddress), 'Microsoft.Exchange.Migration.MigrationRecipientNotFoundException');
      return;
    }
    u.mailboxGuid = mailbox.exchangeGuid;
    const server = this.server(e);
    const directory = this.directoryFor(server);
    if (!directory) {
      this.failSync(u, sourceFailureText('NameNotFound', server), sourceFailureType('NameNotFound'));
      return;
    }
    const opened: Promise<void> = directory
      .open(server, { ...u.credentials }, { largeItemLimitBytes: effectiveLimit(mailbox.maxReceiveSize), excludeFolders: b.excludeFolders })
      .catch((): SourceMailboxResult => ({ ok: false, failure: 'ProtocolError', detail: 'source read failed' }))
      .then((result) => this.onSourceOpened(u, gen, server, result))
      .finally(() => this.pendingOpens.delete(opened));
    this.pendingOpens.add(opened);
  }

  private onSourceOpened(u: MigrationUserState, gen: number, server: SourceServer, result: SourceMailboxResult): void {
    if (!u.sync || u.sync.gen !== gen || this.users.get(u.emailAddress.toLowerCase()) !== u) return;
    if (!result.ok) {
      this.failSync(u, sourceFailureText(result.failure, server), sourceFailureType(result.failure));
      return;
    }
    const total = result.folders.reduce((n, f) => n + f.itemCount, 0);
    u.totalItems = total;
    u.skippedItems = result.largeItems;
    const target = Math.max(0, total - result.largeItems.length);
    u.syncedItems = Math.min(u.syncedItems, target);
    u.sync.loaded = true;
    u.sync.target = target;
  }

  private failSync(u: MigrationUserState, text: string, exceptionType: string): void {
    const incremental = u.sync?.incremental ?? u.initialDone;
    u.sync = null;
    u.error = text;
    u.errorType = exceptionType;
    this.setUser(u, incremental ? 'IncrementalFailed' : 'Failed');
  }

  private finishSync(u: MigrationUserState): void {
    u.sync = null;
    u.initialDone = true;
    u.error = null;
    u.errorType = null;
    u.initialSeedingCompletedTime ??= this.now();
    u.lastSuccessfulSyncTime = this.now();
    this.setUser(u, 'Synced');
  }
}
