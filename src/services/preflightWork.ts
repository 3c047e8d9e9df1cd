// A preflight run spread over every instance. The instance that took the admin's command plans:
// it seals the rows (AES-256-GCM, bound to the run) into the shared store, looks up each
// mailbox's receive limit in Exchange and enqueues one work item per source login (ids and
// numbers only; rows that share a login ride in one item, so a login never has two connections
// at once). Every instance consumes: it opens the sealed rows, scans its item's mailboxes under
// the server's shared connection budget and writes each result, masked with the run's
// passwords, into result shards the planner made. The planner adds them up into the same
// progress card and report; when it ends (finished, cancelled or its items lost) the sealed rows
// and the results are deleted. Without a storage account the same items run in this process.

import { randomUUID } from 'node:crypto';
import { open, seal } from '../lib/seal';
import { forEachLimited } from '../lib/pool';
import { agedPollMs } from '../lib/sleep';
import { CsvMasker } from '../domain/csv/csvMasker';
import { DEFAULT_IMAP_ITEM_LIMIT_BYTES, type ImapServer } from '../domain/exchange/types';
import { classifyFailure, type PreflightFailure } from '../domain/preflight/classify';
import { buildReport, buildUser, type PreflightReport, type PreflightUser } from '../domain/preflight/report';
import { serverKey, type ConnectionBudget } from '../ports/connectionBudget';
import type { MailboxScanner, SizingMethod } from '../ports/mailboxScanner';
import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';
import type { WorkContext, WorkQueue } from '../ports/workQueue';
import { scanOne, type PreflightServer, type RunPreflightInput } from './preflight';

const RUN = 'preflight/run/';
const RUNS_INDEX = 'preflight/runs';
const SHARDS = 16;
/** How long a run seen going on is taken to be going on (a Cancel from another instance is seen within this). */
const CANCEL_CHECK_MS = 2_000;
/** Row blobs read or deleted at once. */
const READ_CHUNK = 64;
/** A run's sealed rows are wiped by the next run after this long, if its planner died before wiping them. */
const ABANDONED_MS = 24 * 60 * 60_000;

/** The mailboxes of one source login: 0-based row numbers and their receive limits (bytes), in order. */
export type PreflightWorkItem = { kind: 'preflight'; run: string; rows: string; limits: string };

interface RunRecord {
  runId: string;
  createdAt: string;
  server: PreflightServer;
  /** Connections to the source server for all runs and instances together (the endpoint's MaxConcurrentMigrations). */
  cap: number;
  total: number;
  /** [emailAddress, userName, password][] as JSON, sealed for this run. */
  sealed: string;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  forceMethod?: SizingMethod;
  cancelled?: boolean;
}

/** One row's outcome, written by whichever instance scanned it. Texts masked with the run's passwords. */
interface RowResult {
  user: PreflightUser;
  connections: number;
  retries: number;
  /** When its scan first held a connection slot and gave the last back (ms since epoch), for the run's peak concurrency. */
  from: number;
  to: number;
}

type OpenRun = { record: RunRecord; rows: { emailAddress: string; userName: string; password: string }[]; masker: CsvMasker };

export interface PreflightWorkOptions {
  store: KeyValueStore;
  /** 32-byte key for the sealed rows (derived for this purpose only). */
  key: Buffer;
  work: WorkQueue<PreflightWorkItem>;
  /** Connections per source server for every run and instance together. */
  connections: ConnectionBudget;
  /** How a server's mailboxes are read (a live IMAP scan, or local mode's demo source). */
  scannerFor(server: ImapServer): MailboxScanner;
  /** How often the planner reads the results of a run in flight. Default 500 ms. */
  resultsPollMs?: number;
  /** How often the planner asks the queue whether any item is left (to notice lost items). Default 15 s. */
  lostCheckMs?: number;
  /** A worker looks for Cancel from another instance at most this often per run. Default 2 s. */
  cancelCheckMs?: number;
}

export class PreflightWork {
  /** Runs planned here: their Cancel reaches the items this instance is running. */
  private readonly local = new Map<string, { controller: AbortController; wake: () => void; results: Map<number, RowResult> }>();
  /** Per run: its record and opened rows (a few runs at most; each holds its passwords in memory). */
  private readonly cache = new Map<string, { opened: Promise<OpenRun | null>; idle?: NodeJS.Timeout }>();
  /** When a run was last seen neither over nor cancelled (per run, on this instance). */
  private readonly liveSeen = new Map<string, number>();

  constructor(private readonly o: PreflightWorkOptions) {
    if (!Buffer.isBuffer(o.key) || o.key.length !== 32) throw new Error('PreflightWork needs a 32-byte key.');
  }

  /** Where the scans run, for cards and logs. */
  get description(): string {
    return this.o.work.description;
  }

  /** This instance takes preflight items (every instance does). */
  async startWorkers(): Promise<void> {
    await this.o.work.start({ run: (item, ctx) => this.runItem(item, ctx), poisoned: (item, why, attempts) => this.poisoned(item, why, attempts) });
  }

  async stopWorkers(): Promise<void> {
    await this.o.work.stop();
  }

  /** Plans a run, waits for every row's result (or Cancel), and builds the report. */
  async run(input: RunPreflightInput): Promise<PreflightReport> {
    const startedAt = new Date();
    const runId = randomUUID();
    const { signal } = input;
    const cap = Math.max(1, input.maxConcurrent ?? 20);
    const plain = Buffer.from(JSON.stringify(input.rows.map((r) => [r.emailAddress, r.userName, r.password.reveal()])), 'utf8');
    const record: RunRecord = {
      runId,
      createdAt: startedAt.toISOString(),
      server: input.server,
      cap,
      total: input.rows.length,
      sealed: seal(plain, this.o.key, `preflight:rows:${runId}`),
      timeoutMs: input.perConnectionTimeoutMs ?? 15_000,
      maxAttempts: Math.max(1, input.maxAttempts ?? 4),
      backoffMs: input.backoffMs ?? 250,
      forceMethod: input.forceMethod,
    };
    plain.fill(0);
    await this.sweepAbandoned();
    // Shards first, so every result is an eTag-checked update; then the record; then the index that lets a later run wipe them.
    await this.o.store.write(Object.fromEntries(Array.from({ length: SHARDS }, (_, i) => [this.shardKey(runId, i), { rows: {} }])));
    await this.o.store.write({ [RUN + runId]: record });
    const total = input.rows.length;
    await mutate<{ runs: Record<string, string> }>(this.o.store, RUNS_INDEX, (cur) => ({ runs: { ...(cur?.runs ?? {}), [runId]: record.createdAt } }));
    const controller = new AbortController();
    let wake: () => void = () => undefined;
    // Results recorded on this instance reach the planner at once, without reading the shards.
    const mine = new Map<number, RowResult>();
    this.local.set(runId, { controller, wake: () => wake(), results: mine });
    const onAbort = () => (controller.abort(), wake());
    signal?.addEventListener('abort', onAbort, { once: true });
    let results = new Map<number, RowResult>();
    try {
      // One item per login, in row order; the receive limits are looked up as the items go out, so scans start at once.
      const groups = new Map<string, number[]>();
      input.rows.forEach((r, i) => {
        const login = r.userName.toLowerCase();
        groups.set(login, [...(groups.get(login) ?? []), i]);
      });
      let planError: unknown = null;
      const planned = forEachLimited(
        [...groups.values()],
        8,
        async (rows) => {
          const limits = await Promise.all(rows.map((i) => input.limitFor(input.rows[i].emailAddress).catch(() => DEFAULT_IMAP_ITEM_LIMIT_BYTES)));
          await this.o.work.enqueue([{ kind: 'preflight', run: runId, rows: rows.join(','), limits: limits.join(',') }]);
        },
        { signal: controller.signal },
      ).catch((err: unknown) => void (planError = err));
      let enqueued = false;
      void planned.then(() => (enqueued = true));
      let lastCount = -1;
      let lastLostCheck = Date.now();
      let stored = new Map<number, number>();
      let readAt = 0;
      let marks = new Map<number, number>();
      for (;;) {
        if (planError) throw planError;
        const idle =
          enqueued &&
          Date.now() - lastLostCheck >= (this.o.lostCheckMs ?? 15_000) &&
          ((lastLostCheck = Date.now()), (await this.o.work.pending().catch(() => null)) === 0);
        // Each read is SHARDS blobs: less often as the run ages.
        const poll = agedPollMs(this.o.resultsPollMs ?? 500, Date.now() - startedAt.getTime());
        if (idle || Date.now() - readAt >= poll) {
          stored = await this.marks(runId);
          readAt = Date.now();
        }
        marks = new Map([...stored, ...[...mine].map(([i, r]) => [i, blockedMark(r)] as [number, number])]);
        if (marks.size !== lastCount && marks.size > 0) {
          lastCount = marks.size;
          const failures = [...marks.values()].filter((b) => b === 1).length;
          input.onProgress?.({ scanned: marks.size, total: input.rows.length, failures });
        }
        if (marks.size >= input.rows.length || controller.signal.aborted) break;
        if (idle) {
          // Nothing left in the queue and rows without a result: their items were lost.
          for (let i = 0; i < input.rows.length; i++)
            if (!marks.has(i)) mine.set(i, lostRow(input.rows[i], record, 'its work item was lost: no instance has it (was the queue cleared?)'));
          break;
        }
        // Until the next read, a result recorded on this instance, or Cancel.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, poll - (Date.now() - readAt)));
          wake = () => (clearTimeout(timer), resolve());
        });
      }
      if (controller.signal.aborted) {
        // Items still queued or running elsewhere find the run cancelled (or gone) and do nothing.
        await mutate<RunRecord>(this.o.store, RUN + runId, (cur) => (cur ? { ...cur, cancelled: true } : undefined)).catch(() => undefined);
        await planned;
        marks = new Map([...(await this.marks(runId)), ...marks]);
      }
      // The full results: this instance's from memory, the others' from their own blobs.
      results = new Map([
        ...(await this.fullResults(
          runId,
          [...marks.keys()].filter((i) => !mine.has(i)),
        )),
        ...mine,
      ]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.local.delete(runId);
      await this.wipe(runId, total, true).catch(() => undefined);
    }
    const users = input.rows.map((row, i) => {
      const done = results.get(i);
      if (done) return done.user;
      const failure = classifyFailure({ code: 'PREFLIGHT_CANCELLED', message: 'cancelled' }, { ...endpointContext(input.server) });
      return buildUser({
        emailAddress: row.emailAddress,
        userName: row.userName,
        limitBytes: DEFAULT_IMAP_ITEM_LIMIT_BYTES,
        connections: 0,
        scan: { ok: false, failure, roundTrips: 0, durationMs: 0 },
      });
    });
    const all = [...results.values()];
    return buildReport({
      server: { remoteServer: input.server.remoteServer, port: input.server.port, security: input.server.security },
      startedAt,
      finishedAt: new Date(),
      cancelled: controller.signal.aborted,
      users,
      concurrentMigrations: cap,
      stats: {
        connections: all.reduce((n, r) => n + r.connections, 0),
        peakConcurrency: peakOverlap(all),
        roundTrips: all.reduce((n, r) => n + r.user.roundTrips, 0),
        retries: all.reduce((n, r) => n + r.retries, 0),
      },
    });
  }

  /** One login's rows, on whichever instance took the item. A row with a result is not scanned again. */
  async runItem(item: PreflightWorkItem, ctx: WorkContext): Promise<void> {
    if (item.kind !== 'preflight') throw new Error(`Unknown work item kind ${String(item.kind)}.`);
    const run = await this.open(item.run);
    if (!run) return; // over, or cancelled: nothing to do
    const local = this.local.get(item.run);
    const signal = local ? AbortSignal.any([local.controller.signal, ctx.signal]) : ctx.signal;
    const rows = item.rows.split(',').map(Number);
    const limits = item.limits.split(',').map(Number);
    const scanner = this.o.scannerFor(run.record.server);
    // A re-delivered item: rows already scanned are not scanned again.
    const done = ctx.attempt > 1 ? await this.marks(item.run, rows) : new Map<number, number>();
    for (const [k, index] of rows.entries()) {
      const row = run.rows[index];
      if (!row) throw new Error(`Row ${index + 1} is not in preflight run ${item.run}.`);
      if (done.has(index)) continue;
      // Cancel may have come from another instance since this run was opened here: look before every connection.
      if (await this.cancelled(item.run)) return;
      const limitBytes = Number.isFinite(limits[k]) && limits[k] > 0 ? limits[k] : DEFAULT_IMAP_ITEM_LIMIT_BYTES;
      const { scan, connections, retries, heldFrom, heldTo } = await scanOne({
        login: { userName: row.userName, password: row.password },
        endpoint: {
          host: run.record.server.remoteServer,
          port: run.record.server.port,
          security: run.record.server.security,
          acceptUntrustedCertificates: run.record.server.acceptUntrustedCertificates,
          ca: run.record.server.ca,
        },
        limitBytes,
        connections: this.o.connections,
        budgetKey: serverKey(run.record.server.remoteServer, run.record.server.port),
        cap: run.record.cap,
        scanner,
        timeoutMs: run.record.timeoutMs,
        maxAttempts: run.record.maxAttempts,
        backoffMs: run.record.backoffMs,
        forceMethod: run.record.forceMethod,
        signal,
      });
      if (local?.controller.signal.aborted) return; // the admin cancelled: the planner fills in the rest
      if (ctx.signal.aborted) throw new Error('stopped before the mailbox was scanned'); // not ours any more: it runs again
      if (!scan || (!scan.ok && scan.failure.kind === 'Cancelled')) throw new Error('the scan was stopped before it finished');
      const user = run.masker.scrubDeep(buildUser({ emailAddress: row.emailAddress, userName: row.userName, limitBytes, connections, scan }));
      await this.record(item.run, index, { user, connections, retries, from: heldFrom, to: heldTo });
    }
  }

  /** An item that kept failing: its rows show as blocked with the reason. */
  async poisoned(item: PreflightWorkItem, why: string, attempts: number): Promise<void> {
    const run = await this.open(item.run).catch(() => null);
    if (!run) return;
    const text = run.masker.scrub(`gave up after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}: ${why.slice(0, 250)}`);
    const rows = item.rows.split(',').map(Number);
    const done = await this.marks(item.run, rows);
    for (const index of rows) {
      const row = run.rows[index];
      if (!row || done.has(index)) continue;
      await this.record(item.run, index, lostRow(row, run.record, text));
    }
  }

  private shardKey(runId: string, shard: number): string {
    return `${RUN}${runId}/${shard}`;
  }

  private rowKey(runId: string, index: number): string {
    return `${RUN}${runId}/row/${index}`;
  }

  /** Which rows have a result (1: blocked, 0: not), from every shard or only those holding these rows. */
  private async marks(runId: string, rows?: number[]): Promise<Map<number, number>> {
    const shards = rows ? [...new Set(rows.map((r) => r % SHARDS))] : Array.from({ length: SHARDS }, (_, i) => i);
    const keys = shards.map((i) => this.shardKey(runId, i));
    const found = await this.o.store.read(keys);
    const out = new Map<number, number>();
    for (const k of keys)
      for (const [index, b] of Object.entries((found[k] as { rows?: Record<string, number> } | undefined)?.rows ?? {})) out.set(Number(index), b);
    return out;
  }

  /** The whole results of these rows, a few dozen blobs at a time. */
  private async fullResults(runId: string, rows: number[]): Promise<Map<number, RowResult>> {
    const out = new Map<number, RowResult>();
    for (let at = 0; at < rows.length; at += READ_CHUNK) {
      const keys = rows.slice(at, at + READ_CHUNK).map((i) => this.rowKey(runId, i));
      const found = await this.o.store.read(keys);
      for (const [i, index] of rows.slice(at, at + READ_CHUNK).entries()) {
        const found1 = found[keys[i]] as (RowResult & { eTag?: string }) | undefined;
        if (!found1) continue;
        const { eTag: _eTag, ...r } = found1;
        out.set(index, revive(r));
      }
    }
    return out;
  }

  /**
   * A row's result: the whole of it in a blob of its own, then its mark in a shard (a shard grows by
   * a few bytes a row, so its eTag-checked updates stay cheap however large the run).
   */
  private async record(runId: string, index: number, result: RowResult): Promise<void> {
    const rowKey = this.rowKey(runId, index);
    await this.o.store.write({ [rowKey]: result });
    // The planner made the shard; a missing one means the run is over (wiped): the row blob goes too.
    const marked = await mutate<{ rows: Record<string, number> }>(
      this.o.store,
      this.shardKey(runId, index % SHARDS),
      (cur) => (cur ? { rows: { ...cur.rows, [String(index)]: blockedMark(result) } } : undefined),
      { attempts: 30 },
    );
    if (!marked) {
      await this.o.store.delete([rowKey]);
      return;
    }
    const local = this.local.get(runId);
    if (local) {
      local.results.set(index, result);
      local.wake();
    }
  }

  private async cancelled(runId: string): Promise<boolean> {
    if (this.local.get(runId)?.controller.signal.aborted) return true;
    // Looked up at most every CANCEL_CHECK_MS per run on this instance: a Cancel is seen within that.
    const seen = this.liveSeen.get(runId);
    if (seen && Date.now() - seen < (this.o.cancelCheckMs ?? CANCEL_CHECK_MS)) return false;
    const record = (await this.o.store.read([RUN + runId]))[RUN + runId] as RunRecord | undefined;
    if (record && !record.cancelled) {
      this.liveSeen.set(runId, Date.now());
      return false;
    }
    this.forget(runId); // over or cancelled: its passwords leave this instance's memory
    return true;
  }

  private forget(runId: string): void {
    clearTimeout(this.cache.get(runId)?.idle);
    this.cache.delete(runId);
    this.liveSeen.delete(runId);
  }

  /**
   * The run's record and rows, opened once per run on this instance; null when it is over or cancelled.
   * Kept while its items keep coming (forgotten 5 minutes after the last, or when the run is seen over).
   */
  private open(runId: string): Promise<OpenRun | null> {
    let entry = this.cache.get(runId);
    if (!entry) {
      const opened = (async () => {
        const record = (await this.o.store.read([RUN + runId]))[RUN + runId] as RunRecord | undefined;
        if (!record || record.cancelled) return null;
        const plain = open(record.sealed, this.o.key, `preflight:rows:${runId}`);
        try {
          const rows = (JSON.parse(plain.toString('utf8')) as [string, string, string][]).map(([emailAddress, userName, password]) => ({
            emailAddress,
            userName,
            password,
          }));
          return { record, rows, masker: CsvMasker.of(rows.map((r) => r.password)) };
        } finally {
          plain.fill(0);
        }
      })();
      entry = { opened };
      this.cache.set(runId, entry);
      while (this.cache.size > 4) this.forget(this.cache.keys().next().value!);
      // A run that is over is not kept (nor its passwords); nor is a failure to read it.
      void opened.then(
        (r) => r || this.forget(runId),
        () => this.forget(runId),
      );
    }
    clearTimeout(entry.idle);
    entry.idle = setTimeout(() => this.forget(runId), 5 * 60_000);
    entry.idle.unref();
    return entry.opened;
  }

  /**
   * Deletes a run: the sealed rows first (and the shards, so a late result deletes itself), awaited;
   * the result blobs and the index entry after, in the background when `background` is set (a
   * 50,000-row run's blobs need not hold up its report).
   */
  private async wipe(runId: string, total?: number, background = false): Promise<void> {
    this.forget(runId);
    const rows = total ?? ((await this.o.store.read([RUN + runId]))[RUN + runId] as RunRecord | undefined)?.total ?? 0;
    await this.o.store.delete([RUN + runId, ...Array.from({ length: SHARDS }, (_, i) => this.shardKey(runId, i))]);
    const rest = this.wipeRest(runId, rows);
    if (background) void rest.catch(() => undefined);
    else await rest;
  }

  private async wipeRest(runId: string, rows: number): Promise<void> {
    for (let at = 0; at < rows; at += READ_CHUNK)
      await this.o.store.delete(Array.from({ length: Math.min(READ_CHUNK, rows - at) }, (_, i) => this.rowKey(runId, at + i)));
    await mutate<{ runs: Record<string, string> }>(this.o.store, RUNS_INDEX, (cur) => {
      if (!cur?.runs[runId]) return undefined;
      const runs = { ...cur.runs };
      delete runs[runId];
      return Object.keys(runs).length ? { runs } : DELETE_ITEM;
    });
  }

  /** Runs whose planner died mid-run leave sealed rows behind: a day later the next run wipes them. */
  private async sweepAbandoned(): Promise<void> {
    const idx = (await this.o.store.read([RUNS_INDEX]))[RUNS_INDEX] as { runs?: Record<string, string> } | undefined;
    const old = Object.entries(idx?.runs ?? {}).filter(([, at]) => !(Date.now() - Date.parse(at) < ABANDONED_MS));
    for (const [runId] of old) await this.wipe(runId).catch(() => undefined);
  }
}

function blockedMark(r: RowResult): number {
  return r.user.status === 'Blocked' ? 1 : 0;
}

/** Each row's result holds Dates (large items' sent dates): JSON brings them back as strings. */
function revive(r: RowResult): RowResult {
  return {
    ...r,
    user: { ...r.user, largeItems: r.user.largeItems.map((l) => ({ ...l, dateSent: l.dateSent ? new Date(l.dateSent) : null })) },
  };
}

function endpointContext(server: PreflightServer): { host: string; port: number; security: PreflightServer['security'] } {
  return { host: server.remoteServer, port: server.port, security: server.security };
}

/** A row no instance could finish: blocked, with why. */
function lostRow(row: { emailAddress: string; userName: string }, record: Pick<RunRecord, 'server'>, why: string): RowResult {
  const failure: PreflightFailure = {
    kind: 'ProtocolError',
    cause: `Cutover could not finish this mailbox's check: ${why}.`,
    fix: 'Run the preflight again; if it keeps happening, look at the instances’ logs.',
    detail: `${endpointContext(record.server).host}:${record.server.port}`,
  };
  const user = buildUser({
    emailAddress: row.emailAddress,
    userName: row.userName,
    limitBytes: DEFAULT_IMAP_ITEM_LIMIT_BYTES,
    connections: 0,
    scan: { ok: false, failure, roundTrips: 0, durationMs: 0 },
  });
  return { user, connections: 0, retries: 0, from: 0, to: 0 };
}

/** The most scans that ran at once (their intervals, from every instance). */
function peakOverlap(results: RowResult[]): number {
  const edges = results
    .filter((r) => r.to > 0)
    .flatMap((r) => [
      [r.from, 1],
      [r.to, -1],
    ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  return peak;
}
