// The cut-over of a batch: its plan (stored, so it survives a restart), DNS checks from every
// configured resolver, the delta pass runner and the proof. Source passwords come only from the
// batch's own sealed copy of the migration CSV (AES-256-GCM, key derived for this purpose, bound
// to the batch name) that the admin attaches to `cutover plan`; they are opened per pass and
// handed to the IMAP adapter, never stored or reported in clear. The copy is wiped when the plan
// ends (batch removed).

import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { DnsResolver } from '../ports/dns';
import { isIncompleteList, type ExchangeAdmin } from '../ports/exchange';
import { DELETE_ITEM, type KeyValueStore, mutate } from '../ports/store';
import { open, seal } from '../lib/seal';
import { validateMigrationCsv } from '../domain/csv/migrationCsv';
import { Secret } from '../domain/secret';
import { assessDns, normalizeDomain, switchVisibility, type DnsReadiness } from '../domain/cutover/dnsReadiness';
import { advanceCheckpoint, appendableFlags, decideCopies, planScan, type FolderCheckpoint, type MessageMeta } from '../domain/cutover/delta';
import type { DeltaUser, MailboxAccess, SourceSession, TargetSession } from '../domain/cutover/mailboxes';
import {
  completeStep,
  DELTA_REPEAT_MS,
  newPlan,
  recordDeltaPass,
  type AdvanceResult,
  type CutoverPlan,
  type StepFacts,
  type StepId,
} from '../domain/cutover/plan';
import { proveBatch, type BatchProof, type FolderReport, type SkippedMessage, type UserReport } from '../domain/cutover/proof';
import type { MigrationEndpoint } from '../domain/exchange/types';
import { errorText } from '../lib/errorText';
import { agedPollMs, sleep as defaultSleep } from '../lib/sleep';
import { forEachLimited } from '../lib/pool';
import type { WorkContext, WorkQueue } from '../ports/workQueue';
import type { ConnectionBudget } from '../ports/connectionBudget';
import { SourceConnectionGate } from './preflight';

const PLAN = 'cutover/plan/';
const CSV = 'cutover/csv/';
const DELTA = 'cutover/delta/';
const PLANS_INDEX = 'cutover/plans';
const RUNNING = 'cutover/running/';
/** The pass in progress for a batch (what its work items need); results in shards beside it. */
const PASS = 'cutover/pass/';
const RESULT_SHARDS = 16;
/** Exchange Online publishes no IMAP connection limit: this many at once for all instances together. */
const DEFAULT_TARGET_CONNECTIONS = 20;
/** A pass's lock lapses this long after its last sign of life (an instance that died mid-pass). */
const PASS_LOCK_MS = 10 * 60_000;

/** What the pass did about the service principal's FullAccess grants. */
export type GrantOutcome =
  { kind: 'granted'; servicePrincipal: string; registered: boolean; added: string[]; kept: number; removed: string[] } | { kind: 'skipped'; note: string };

export interface DomainCheck {
  domain: string;
  perResolver: { resolver: string; readiness: DnsReadiness }[];
  visibility: ReturnType<typeof switchVisibility>;
}

interface UserState {
  checkpoints: Record<string, FolderCheckpoint>;
  report: UserReport;
  /** The pass this mailbox is in and how much it had copied before it: a re-run item counts only this pass's copies. */
  pass?: { id: string; copiedBefore: number };
  /**
   * The message whose APPEND is under way, saved before it is sent: if the instance dies after the
   * APPEND lands and before the checkpoint is saved, the re-run finds it on the target and counts it
   * as copied (it would otherwise be neither copied again nor counted).
   */
  pending?: { folder: string; uidValidity: number; uid: number };
  /** This mailbox's result in the pass it was last in (saved with its state: no blob of its own). */
  result?: UserResult & { pass: string };
}

/** One mailbox's share of a delta pass: ids only (the worker opens the sealed CSV itself). */
export type CutoverWorkItem = {
  kind: 'delta';
  batch: string;
  pass: string;
  email: string;
  /** 1-based data row of the batch's sealed CSV (0: the demo mailboxes, no CSV). */
  row: number;
};

/** What a delta pass's items need, kept in the shared store while it runs. */
interface PassRecord {
  passId: string;
  startedAt: string;
  endpoint: MigrationEndpoint;
  exclude: string[];
  total: number;
  /** Connections to the source server for all instances together (the endpoint's setting). */
  sourceCap: number;
  cancelled?: boolean;
  /** The planner has added up every result: items still about (a lost acknowledgement) have nothing to do. */
  endedAt?: string;
}

/** One mailbox's result in a pass, written by whichever instance ran its item. */
interface UserResult {
  copied: number;
  skipped: number;
  foldersRead: number;
  foldersUnchanged: number;
  source: number;
  target: number;
  bodyBytes: number;
  failure?: string;
  notes: string[];
}

/** A mailbox's mark in a result shard: messages copied, and 1 when it failed. */
type ResultMark = [number, number];

/** Result blobs read or deleted at once. */
const RESULT_READ_CHUNK = 64;
/** How long a pass seen going on is taken to be going on by its items (a Stop is seen within this). */
const PASS_CHECK_MS = 2_000;

const NO_RESULT: UserResult = { copied: 0, skipped: 0, foldersRead: 0, foldersUnchanged: 0, source: 0, target: 0, bodyBytes: 0, notes: [] };

function shardOf(email: string): number {
  let h = 0;
  for (const c of email) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % RESULT_SHARDS;
}

export interface DeltaPassOptions {
  /** Users in flight at once: bounds connections per source and per target server (one each per user). */
  maxConcurrentUsers?: number;
  /** Target APPEND retries on throttling before a message waits for the next pass. */
  throttleRetries?: number;
  signal?: AbortSignal;
  onProgress?(p: { done: number; total: number; copied: number }): void;
  /** Test hook: runs after a message is appended and before its checkpoint is saved (a crash there must not duplicate). */
  afterAppend?(info: { email: string; folder: string; uid: number }): void | Promise<void>;
  sleep?(ms: number): Promise<void>;
}

export interface DeltaPassSummary {
  batch: string;
  kind: MailboxAccess['kind'];
  description: string;
  users: number;
  failedUsers: { email: string; why: string }[];
  copied: number;
  skipped: number;
  foldersRead: number;
  foldersUnchanged: number;
  durationMs: number;
  /** Per user: source + target commands. */
  roundTrips: { email: string; source: number; target: number }[];
  bodyBytes: number;
  finishedAt: string;
  /** The service principal's grants before the pass (app-only target), or why none were needed. */
  grants?: GrantOutcome;
  /** Per user and folder notes worth showing (UIDVALIDITY changes, renamed folders, duplicates...). */
  notes: string[];
}

export interface CutoverServiceOptions {
  store: KeyValueStore;
  clock: Clock;
  exchange: ExchangeAdmin;
  resolvers: DnsResolver[];
  /** 32-byte key for the sealed CSV copies (derived for this purpose only). */
  key: Buffer;
  /** The delta pass's two ends for a batch's source endpoint; null when not configured. */
  mailboxes(endpoint: MigrationEndpoint): MailboxAccess | null;
  /**
   * The Entra app whose service principal writes over IMAP app-only (production): AppId and the
   * Enterprise application's object id (not the App registration's, reference §4.1).
   */
  servicePrincipal?: { appId: string; objectId: string; displayName?: string } | null;
  /** How often scheduled delta passes run after the switch (CUTOVER_DELTA_INTERVAL_MS; default 6 h). */
  deltaIntervalMs?: number;
  /**
   * Where a pass's per-mailbox items run: every instance consumes (`startWorkers`). Without one,
   * the planning instance runs them itself, maxConcurrentUsers at a time.
   */
  work?: WorkQueue<CutoverWorkItem>;
  /** Connections per server for every instance together (default: counted in this process only). */
  connections?: ConnectionBudget;
  /** Connections to the target IMAP server (Exchange Online) for all instances together. Default 20. */
  targetConnectionCap?: number;
  /** How often the planner reads the results of a pass in flight, at first (a long pass is read less often). Default 500 ms. */
  resultsPollMs?: number;
  /** How often the planner asks the queue whether any item is left (to notice lost items). Default 15 s. */
  lostCheckMs?: number;
}

export class CutoverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CutoverError';
  }
}

export class CutoverService {
  private readonly running = new Set<string>();
  /** Options of passes planned here (test hooks, the admin's Stop): they apply to items this instance runs. */
  private readonly localPasses = new Map<string, DeltaPassOptions>();
  /** Per pass: its record, users (from the sealed CSV, opened once per pass here) and the mailbox access. */
  private readonly passCache = new Map<string, Promise<{ record: PassRecord; users: Map<number, DeltaUser> | null; access: MailboxAccess }>>();
  private readonly connections: ConnectionBudget;
  /** When a pass was last seen going on (neither stopped nor over), per pass, on this instance. */
  private readonly passSeen = new Map<string, number>();
  private readonly passIdle = new Map<string, NodeJS.Timeout>();

  constructor(private readonly o: CutoverServiceOptions) {
    if (!Buffer.isBuffer(o.key) || o.key.length !== 32) throw new Error('CutoverService needs a 32-byte key.');
    this.connections = o.connections ?? new SourceConnectionGate();
  }

  /** Where this instance's share of the passes runs. */
  get workDescription(): string {
    return this.o.work?.description ?? 'in this process';
  }

  /** This instance takes delta pass items from the queue (every instance does, leader or not). */
  async startWorkers(): Promise<void> {
    await this.o.work?.start({
      run: (item, ctx) => this.runWorkItem(item, ctx),
      poisoned: (item, why, attempts) => this.poisonedWorkItem(item, why, attempts),
    });
  }

  async stopWorkers(): Promise<void> {
    await this.o.work?.stop();
  }

  get deltaIntervalMs(): number {
    return this.o.deltaIntervalMs ?? DELTA_REPEAT_MS;
  }

  get resolverLabels(): string[] {
    return this.o.resolvers.map((r) => r.label);
  }

  async checkDomain(domainInput: string): Promise<DomainCheck> {
    const domain = normalizeDomain(domainInput);
    const perResolver = await Promise.all(
      this.o.resolvers.map(async (r) => {
        const [mx, txt, autodiscover] = await Promise.all([r.mx(domain), r.txt(domain), r.cname(`autodiscover.${domain}`)]);
        return { resolver: r.label, readiness: assessDns(domain, { mx, txt, autodiscover }) };
      }),
    );
    return { domain, perResolver, visibility: switchVisibility(perResolver.map((p) => ({ resolver: p.resolver, mx: p.readiness.mx }))) };
  }

  async getPlan(batch: string): Promise<CutoverPlan | null> {
    const found = (await this.o.store.read([PLAN + batch]))[PLAN + batch] as (CutoverPlan & { eTag?: string }) | undefined;
    if (!found) return null;
    const { eTag: _e, ...plan } = found;
    return plan as CutoverPlan;
  }

  async hasCredentials(batch: string): Promise<boolean> {
    return !!(await this.o.store.read([CSV + batch]))[CSV + batch];
  }

  /** Makes the plan (or keeps the existing one) and, when given, seals the batch's CSV for the delta pass. */
  async plan(batch: string, input: { domain: string; by: string; csv?: Buffer; conversationId?: string }): Promise<{ plan: CutoverPlan; created: boolean }> {
    if (input.csv)
      await this.o.store.write({ [CSV + batch]: { sealed: seal(input.csv, this.o.key, `cutover:csv:${batch}`), at: this.o.clock.now().toISOString() } });
    const existing = await this.getPlan(batch);
    if (existing) {
      // A plan made before conversations were kept learns where to report now.
      if (!existing.conversationId && input.conversationId)
        return { plan: (await this.patchPlan(batch, () => ({ conversationId: input.conversationId })))!, created: false };
      return { plan: existing, created: false };
    }
    const check = await this.checkDomain(input.domain);
    const first = check.perResolver[0]?.readiness.mx;
    const plan: CutoverPlan = {
      ...newPlan({
        batch,
        domain: normalizeDomain(input.domain),
        now: this.o.clock.now(),
        by: input.by,
        mxTtl: first?.ttl ?? null,
        oldMxHosts: first?.otherHosts ?? [],
      }),
      conversationId: input.conversationId,
    };
    await this.o.store.write({ [PLAN + batch]: plan });
    await mutate<{ plans: Record<string, string> }>(this.o.store, PLANS_INDEX, (cur) => ({ plans: { ...(cur?.plans ?? {}), [batch]: plan.domain } }));
    return { plan, created: true };
  }

  /** Has any plan for this domain had its MX switch done? (Drives the demo DNS in local mode.) */
  async domainSwitched(domain: string): Promise<boolean> {
    const idx = (await this.o.store.read([PLANS_INDEX]))[PLANS_INDEX] as { plans: Record<string, string> } | undefined;
    const batches = Object.entries(idx?.plans ?? {})
      .filter(([, d]) => d === normalizeDomain(domain))
      .map(([b]) => b);
    for (const b of batches) if ((await this.getPlan(b))?.switchedAt) return true;
    return false;
  }

  /** Gathers the facts a step depends on, then completes it (or says why not). */
  /** Every plan's batch name (the scheduler walks them). */
  async planBatches(): Promise<string[]> {
    const idx = (await this.o.store.read([PLANS_INDEX]))[PLANS_INDEX] as { plans: Record<string, string> } | undefined;
    return Object.keys(idx?.plans ?? {});
  }

  /** Read-modify-write of a stored plan (eTag-checked); null when there is no plan. */
  async patchPlan(batch: string, patch: (plan: CutoverPlan) => Partial<CutoverPlan> | undefined): Promise<CutoverPlan | null> {
    const next = await mutate<CutoverPlan>(this.o.store, PLAN + batch, (cur) => {
      if (!cur) return undefined;
      const p = patch(cur);
      return p ? { ...cur, ...p } : undefined;
    });
    return next ?? null;
  }

  /** A pass holds this batch's lock (on any instance). */
  async passRunning(batch: string): Promise<boolean> {
    if (this.running.has(batch)) return true;
    const lock = (await this.o.store.read([RUNNING + batch]))[RUNNING + batch] as { until: string } | undefined;
    return !!lock && Date.parse(lock.until) > Date.now();
  }

  /**
   * Registers the service principal in Exchange when missing and grants it FullAccess on exactly
   * these mailboxes: grants Cutover made earlier for mailboxes no longer in the pass are removed.
   */
  async grantAccess(batch: string, emails: string[]): Promise<GrantOutcome> {
    const sp = this.o.servicePrincipal;
    if (!sp) {
      throw new CutoverError(
        "Writing into Exchange Online over IMAP needs the app's service principal registered in Exchange with FullAccess on each mailbox: set AZURE_CLIENT_SP_OBJECT_ID to the Object ID of the Enterprise application (not the App registration).",
      );
    }
    const ex = this.o.exchange;
    let registered = false;
    const found = await ex.getServicePrincipal(sp.objectId);
    if (!found) {
      await ex.newServicePrincipal({ appId: sp.appId, objectId: sp.objectId, displayName: sp.displayName });
      registered = true;
    } else if (found.appId.toLowerCase() !== sp.appId.toLowerCase()) {
      throw new CutoverError(
        `The service principal ${sp.objectId} in Exchange belongs to app ${found.appId}, not ${sp.appId}: check AZURE_CLIENT_SP_OBJECT_ID.`,
      );
    }
    const wanted = [...new Set(emails.map((e) => e.toLowerCase()))];
    const plan = await this.getPlan(batch);
    const before = plan?.grants && !plan.grants.revokedAt && plan.grants.servicePrincipal === sp.objectId ? plan.grants.mailboxes : [];
    const added: string[] = [];
    let kept = 0;
    for (const email of wanted) {
      const perms = await ex.getMailboxPermissions(email, sp.objectId);
      if (perms.some((p) => p.accessRights.includes('FullAccess') && !p.deny)) {
        kept++;
        continue;
      }
      await ex.addMailboxFullAccess(email, sp.objectId);
      added.push(email);
    }
    const removed: string[] = [];
    for (const email of before.filter((e) => !wanted.includes(e))) {
      await ex.removeMailboxFullAccess(email, sp.objectId);
      removed.push(email);
    }
    await this.patchPlan(batch, () => ({ grants: { servicePrincipal: sp.objectId, mailboxes: wanted, at: this.o.clock.now().toISOString() } }));
    return { kind: 'granted', servicePrincipal: sp.objectId, registered, added, kept, removed };
  }

  /** The plan has ended: the FullAccess grants Cutover made go (the service principal stays; other plans may use it). */
  async revokeGrants(batch: string): Promise<{ removed: string[]; failed: { email: string; why: string }[] } | null> {
    const plan = await this.getPlan(batch);
    const g = plan?.grants;
    if (!g || g.revokedAt) return null;
    const removed: string[] = [];
    const failed: { email: string; why: string }[] = [];
    for (const email of g.mailboxes) {
      try {
        await this.o.exchange.removeMailboxFullAccess(email, g.servicePrincipal);
        removed.push(email);
      } catch (err) {
        failed.push({ email, why: err instanceof Error ? err.message.slice(0, 200) : String(err) });
      }
    }
    await this.patchPlan(batch, (p) => ({
      grants: { ...p.grants!, mailboxes: failed.map((f) => f.email), revokedAt: failed.length ? undefined : this.o.clock.now().toISOString() },
    }));
    return { removed, failed };
  }

  async step(
    batch: string,
    id: StepId,
    by: string,
    force: boolean,
  ): Promise<AdvanceResult & { facts: StepFacts; revoked?: { removed: string[]; failed: { email: string; why: string }[] } | null }> {
    const plan = await this.getPlan(batch);
    if (!plan)
      return { ok: false, reason: `There is no cut-over plan for batch ${batch}. Make one with cutover plan batch ${batch}.`, canForce: false, facts: {} };
    const facts: StepFacts = {};
    if (id === 'lower-ttl' || id === 'watch-dns') {
      const check = await this.checkDomain(plan.domain);
      facts.mxTtl = check.perResolver[0]?.readiness.mx.ttl ?? null;
      facts.visibleEverywhere = check.visibility.visibleEverywhere;
      facts.notYetVisible = check.visibility.notYet;
    }
    if (id === 'wait-synced' || id === 'remove-batch') {
      const b = await this.o.exchange.getMigrationBatch(batch);
      facts.batchStatus = b?.status ?? null;
      facts.batchLastSynced = b?.lastSyncedDateTime ?? null;
    }
    const result = completeStep(plan, id, { now: this.o.clock.now(), by, force, facts });
    if (result.ok) {
      await this.o.store.write({ [PLAN + batch]: result.plan });
      // The plan has ended: the sealed passwords and the mailbox grants are no longer needed.
      if (id === 'remove-batch') {
        await this.o.store.delete([CSV + batch]);
        const revoked = await this.revokeGrants(batch);
        return { ...result, plan: (await this.getPlan(batch)) ?? result.plan, facts, revoked };
      }
    }
    return { ...result, facts };
  }

  private async users(batch: string, access: MailboxAccess): Promise<DeltaUser[]> {
    const sealed = (await this.o.store.read([CSV + batch]))[CSV + batch] as { sealed: string } | undefined;
    if (sealed) {
      const csv = open(sealed.sealed, this.o.key, `cutover:csv:${batch}`);
      try {
        const v = validateMigrationCsv(csv);
        return v.rows.map((r) => ({ email: r.emailAddress.toLowerCase(), userName: r.userName, password: r.password }));
      } finally {
        csv.fill(0);
      }
    }
    if (access.kind === 'demo') {
      // The demo mailboxes need no password: the batch's migration users are enough.
      const users = await this.o.exchange.getMigrationUsers({ batchId: batch }).catch((e: unknown) => {
        if (isIncompleteList(e))
          throw new CutoverError(
            `Exchange handed over only ${e.rowsRead} of batch ${batch}'s users: the user list is incomplete, so the delta pass cannot cover the batch.`,
          );
        throw e;
      });
      return users.map((u) => ({ email: u.emailAddress.toLowerCase(), userName: u.emailAddress.split('@')[0], password: new Secret('') }));
    }
    throw new CutoverError(
      `The delta pass needs the source logins: attach the batch's migration CSV to "cutover plan batch ${batch}" (Cutover keeps it sealed until the plan ends).`,
    );
  }

  async accessFor(batch: string): Promise<MailboxAccess> {
    const b = await this.o.exchange.getMigrationBatch(batch);
    if (!b) throw new CutoverError(`Exchange has no batch ${batch}.`);
    const endpoint = b.sourceEndpoint ? await this.o.exchange.getMigrationEndpoint(b.sourceEndpoint) : null;
    if (!endpoint) throw new CutoverError(`Batch ${batch} has no source endpoint Cutover can read.`);
    const access = this.o.mailboxes(endpoint);
    if (!access) {
      throw new CutoverError(
        `No target IMAP is configured for ${endpoint.remoteServer}: set CUTOVER_TARGET_IMAP_HOST (and its sign-in) or run in production, where Cutover writes through Exchange Online's IMAP with XOAUTH2.`,
      );
    }
    return access;
  }

  /** Takes the batch's pass lock in the shared store, so no two instances run a pass for one batch at once. */
  private async lockPass(batch: string, owner: string): Promise<boolean> {
    const until = new Date(Date.now() + PASS_LOCK_MS).toISOString();
    const held = await mutate<{ owner: string; until: string }>(this.o.store, RUNNING + batch, (cur) =>
      cur && cur.owner !== owner && Date.parse(cur.until) > Date.now() ? undefined : { owner, until },
    );
    return held?.owner === owner;
  }

  async runDeltaPass(batch: string, options: DeltaPassOptions = {}): Promise<DeltaPassSummary> {
    if (this.running.has(batch)) throw new CutoverError(`A delta pass for ${batch} is already running.`);
    this.running.add(batch);
    const owner = randomUUID();
    let locked = false;
    let passId: string | null = null;
    try {
      locked = await this.lockPass(batch, owner);
      if (!locked) throw new CutoverError(`A delta pass for ${batch} is already running.`);
      const started = Date.now();
      const b = await this.o.exchange.getMigrationBatch(batch);
      const access = await this.accessFor(batch);
      const endpoint = (await this.o.exchange.getMigrationEndpoint(b!.sourceEndpoint!))!;
      const rows = await this.users(batch, access);
      const hasCsv = await this.hasCredentials(batch);
      // App-only writes need FullAccess on exactly these mailboxes before the first APPEND.
      const grants: GrantOutcome = access.appOnly
        ? await this.grantAccess(
            batch,
            rows.map((u) => u.email),
          )
        : {
            kind: 'skipped',
            note: `no service principal grant needed: the target is ${access.kind === 'demo' ? 'the demo mailboxes' : 'a plain IMAP login'} (${access.description})`,
          };
      // The lease holder plans: one item per mailbox, ids only; whoever takes an item opens the sealed CSV itself.
      passId = randomUUID();
      const record: PassRecord = {
        passId,
        startedAt: new Date(started).toISOString(),
        endpoint,
        exclude: (b?.excludedFolders ?? []).map((f) => f.toLowerCase()),
        total: rows.length,
        sourceCap: Math.max(1, endpoint.maxConcurrentIncrementalSyncs || endpoint.maxConcurrentMigrations || 20),
      };
      // The result shards exist before any item runs, so every result is an eTag-checked update (two first writes would race).
      await this.o.store.write(Object.fromEntries(Array.from({ length: RESULT_SHARDS }, (_, i) => [this.shardKey(batch, passId!, i), { users: {} }])));
      await this.o.store.write({ [PASS + batch]: record });
      this.localPasses.set(passId, options);
      const items: CutoverWorkItem[] = rows.map((u, i) => ({ kind: 'delta', batch, pass: passId!, email: u.email, row: hasCsv ? i + 1 : 0 }));
      const id = passId;
      const ran = this.o.work
        ? this.o.work.enqueue(items)
        : forEachLimited(
            items,
            options.maxConcurrentUsers ?? 4,
            async (item) => {
              try {
                await this.runWorkItem(item, { attempt: 1, signal: options.signal ?? new AbortController().signal });
              } catch (err) {
                await this.poisonedWorkItem(item, errorText(err), 1);
              }
            },
            { signal: options.signal },
          );
      let ranError: unknown = null;
      let ranDone = false;
      void ran.then(
        () => (ranDone = true),
        (err) => ((ranError = err), (ranDone = true)),
      );
      // Results land in the shared store, whichever instance ran the item; the planner adds them up.
      let marks = new Map<string, ResultMark>();
      const lost = new Map<string, UserResult>();
      let lastCount = -1;
      let lastLock = Date.now();
      let lastLostCheck = Date.now();
      for (;;) {
        if (ranError) throw ranError;
        // Nothing left in the queue (or the in-process run over) yet results missing: their items were
        // lost (a queue cleared by hand, a pass record replaced). Read once more, then report them.
        const idle = !this.o.work
          ? ranDone
          : Date.now() - lastLostCheck >= (this.o.lostCheckMs ?? 15_000) &&
            ((lastLostCheck = Date.now()), (await this.o.work.pending().catch(() => null)) === 0);
        marks = await this.passMarks(batch, id);
        if (idle && marks.size < rows.length) {
          for (const u of rows.filter((r) => !marks.has(r.email)))
            lost.set(u.email, {
              ...NO_RESULT,
              failure: 'its work item was lost: no instance has it (was the queue cleared?); run the delta pass again',
            });
        }
        const copied = [...marks.values()].reduce((n, [c]) => n + c, 0);
        if (marks.size + lost.size !== lastCount) {
          lastCount = marks.size + lost.size;
          options.onProgress?.({ done: lastCount, total: rows.length, copied });
        }
        if (marks.size + lost.size >= rows.length) break;
        if (options.signal?.aborted) {
          await this.patchPass(batch, id, { cancelled: true });
          throw new CutoverError('The delta pass was stopped; run it again to resume where it stopped.');
        }
        if (Date.now() - lastLock > 30_000) {
          // Still alive: keep the lock from lapsing under a long pass.
          await this.lockPass(batch, owner).catch(() => undefined);
          lastLock = Date.now();
        }
        // Each read is RESULT_SHARDS blobs: a long pass is read less often.
        const poll = agedPollMs(this.o.resultsPollMs ?? 500, Date.now() - started);
        if (!ranDone) await Promise.race([defaultSleep(poll, options.signal), this.o.work ? new Promise(() => undefined) : ran.catch(() => undefined)]);
        else await defaultSleep(this.o.work ? poll : 0, options.signal);
      }
      const summary: DeltaPassSummary = {
        batch,
        kind: access.kind,
        description: access.description,
        users: rows.length,
        failedUsers: [],
        copied: 0,
        skipped: 0,
        foldersRead: 0,
        foldersUnchanged: 0,
        durationMs: 0,
        roundTrips: [],
        bodyBytes: 0,
        finishedAt: '',
        grants,
        notes: [],
      };
      // The whole results, each saved with its mailbox's state.
      const results = new Map([...(await this.passResults(batch, id, [...marks.keys()])), ...lost]);
      // Items still about (a lost acknowledgement) find the pass over; its marks go.
      await this.patchPass(batch, id, { endedAt: new Date().toISOString() });
      await this.o.store.delete(Array.from({ length: RESULT_SHARDS }, (_, i) => this.shardKey(batch, id, i))).catch(() => undefined);
      for (const u of rows) {
        const r = results.get(u.email) ?? { ...NO_RESULT, failure: 'its result could not be read back; run the delta pass again' };
        summary.copied += r.copied;
        summary.skipped += r.skipped;
        summary.foldersRead += r.foldersRead;
        summary.foldersUnchanged += r.foldersUnchanged;
        summary.bodyBytes += r.bodyBytes;
        summary.roundTrips.push({ email: u.email, source: r.source, target: r.target });
        if (r.failure) summary.failedUsers.push({ email: u.email, why: r.failure });
        summary.notes.push(...r.notes);
      }
      summary.durationMs = Date.now() - started;
      summary.finishedAt = this.o.clock.now().toISOString();
      await mutate<CutoverPlan>(this.o.store, PLAN + batch, (cur) => (cur ? recordDeltaPass(cur, new Date(summary.finishedAt)) : undefined));
      return summary;
    } finally {
      if (passId) {
        this.localPasses.delete(passId);
        this.forgetPass(passId);
      }
      if (locked)
        await mutate<{ owner: string }>(this.o.store, RUNNING + batch, (cur) => (cur?.owner === owner ? DELETE_ITEM : undefined)).catch(() => undefined);
      this.running.delete(batch);
    }
  }

  private async patchPass(batch: string, passId: string, patch: Partial<PassRecord>): Promise<void> {
    await mutate<PassRecord>(this.o.store, PASS + batch, (cur) => (cur?.passId === passId ? { ...cur, ...patch } : undefined)).catch(() => undefined);
  }

  private shardKey(batch: string, passId: string, shard: number): string {
    return `${PASS}${batch}/${passId}/${shard}`;
  }

  /** Which mailboxes have a result, and what they copied and whether they failed (a few bytes each, in shards). */
  private async passMarks(batch: string, passId: string): Promise<Map<string, ResultMark>> {
    const keys = Array.from({ length: RESULT_SHARDS }, (_, i) => this.shardKey(batch, passId, i));
    const found = await this.o.store.read(keys);
    const out = new Map<string, ResultMark>();
    for (const k of keys)
      for (const [email, m] of Object.entries((found[k] as { users?: Record<string, ResultMark> } | undefined)?.users ?? {})) out.set(email, m);
    return out;
  }

  /** These mailboxes' whole results in this pass, from their states, a few dozen at a time. */
  private async passResults(batch: string, passId: string, emails: string[]): Promise<Map<string, UserResult>> {
    const out = new Map<string, UserResult>();
    for (let at = 0; at < emails.length; at += RESULT_READ_CHUNK) {
      const chunk = emails.slice(at, at + RESULT_READ_CHUNK);
      const found = await this.o.store.read(chunk.map((e) => `${DELTA}${batch}/${e}`));
      for (const e of chunk) {
        const r = (found[`${DELTA}${batch}/${e}`] as UserState | undefined)?.result;
        if (!r || r.pass !== passId) continue;
        const { pass: _pass, ...result } = r;
        out.set(e, result);
      }
    }
    return out;
  }

  /**
   * A mailbox's mark in its shard, once its result is saved with its state. An item run twice
   * overwrites its own result and mark, so the card counts it once; a shard grows by a few bytes a
   * mailbox, so its eTag-checked updates stay cheap in a pass of 20,000.
   */
  private async markResult(item: CutoverWorkItem, result: UserResult): Promise<void> {
    const mark: ResultMark = [result.copied, result.failure ? 1 : 0];
    await mutate<{ users: Record<string, ResultMark> }>(
      this.o.store,
      this.shardKey(item.batch, item.pass, shardOf(item.email)),
      // The planner made the shard; a missing one means the pass is over (its marks were removed).
      (cur) => (cur ? { users: { ...cur.users, [item.email]: mark } } : undefined),
      { attempts: 30 },
    );
  }

  private forgetPass(passId: string): void {
    this.passCache.delete(passId);
    this.passSeen.delete(passId);
    clearTimeout(this.passIdle.get(passId));
    this.passIdle.delete(passId);
  }

  /** The pass an item belongs to, its users and access; null when the pass is over or was replaced. */
  private passFor(item: CutoverWorkItem): Promise<{ record: PassRecord; users: Map<number, DeltaUser> | null; access: MailboxAccess } | null> {
    let cached = this.passCache.get(item.pass);
    if (!cached) {
      cached = (async () => {
        const record = (await this.o.store.read([PASS + item.batch]))[PASS + item.batch] as PassRecord | undefined;
        if (!record || record.passId !== item.pass) throw new StalePass();
        const access = this.o.mailboxes(record.endpoint);
        if (!access) throw new CutoverError(`No target IMAP is configured on this instance for ${record.endpoint.remoteServer}.`);
        let users: Map<number, DeltaUser> | null = null;
        if (item.row > 0) {
          const sealed = (await this.o.store.read([CSV + item.batch]))[CSV + item.batch] as { sealed: string } | undefined;
          if (!sealed) throw new CutoverError(`Batch ${item.batch}'s sealed CSV is gone (the plan ended?): its delta pass items cannot sign in.`);
          const csv = open(sealed.sealed, this.o.key, `cutover:csv:${item.batch}`);
          try {
            users = new Map(
              validateMigrationCsv(csv).rows.map((r, i) => [i + 1, { email: r.emailAddress.toLowerCase(), userName: r.userName, password: r.password }]),
            );
          } finally {
            csv.fill(0);
          }
        }
        return { record, users, access };
      })();
      this.passCache.set(item.pass, cached);
      // A few passes at most (each holds its batch's logins in memory, as Secrets).
      while (this.passCache.size > 4) this.forgetPass(this.passCache.keys().next().value!);
      cached.catch(() => this.forgetPass(item.pass));
    }
    // Forgotten 5 minutes after its last item (a pass that ended elsewhere sends no more).
    clearTimeout(this.passIdle.get(item.pass));
    this.passIdle.set(item.pass, setTimeout(() => this.forgetPass(item.pass), 5 * 60_000).unref());
    return cached.catch((err) => {
      if (err instanceof StalePass) return null;
      throw err;
    });
  }

  /** One mailbox's share of a pass, on whichever instance took the item. Idempotent: see passUser. */
  async runWorkItem(item: CutoverWorkItem, ctx: WorkContext): Promise<void> {
    if (item.kind !== 'delta') throw new CutoverError(`Unknown work item kind ${String(item.kind)}.`);
    const pass = await this.passFor(item);
    if (!pass) return; // a newer pass: nothing to do
    // Stopped or over since this instance opened the pass (the record is cached): look again before
    // connecting, at most every 2 s per pass (a Stop is seen within that).
    if (!(Date.now() - (this.passSeen.get(item.pass) ?? 0) < PASS_CHECK_MS)) {
      const current = (await this.o.store.read([PASS + item.batch]))[PASS + item.batch] as PassRecord | undefined;
      if (current?.passId !== item.pass || current.cancelled || current.endedAt) {
        this.forgetPass(item.pass); // its logins leave this instance's memory
        return;
      }
      this.passSeen.set(item.pass, Date.now());
    }
    const user: DeltaUser | undefined = pass.users
      ? pass.users.get(item.row)
      : { email: item.email, userName: item.email.split('@')[0], password: new Secret('') };
    if (!user || user.email !== item.email) {
      throw new CutoverError(
        `Row ${item.row} of batch ${item.batch}'s sealed CSV is not ${item.email}: the CSV changed after the pass was planned; run the pass again.`,
      );
    }
    const local = this.localPasses.get(item.pass) ?? {};
    const signal = local.signal ? AbortSignal.any([local.signal, ctx.signal]) : ctx.signal;
    const part: DeltaPassSummary = {
      batch: item.batch,
      kind: pass.access.kind,
      description: pass.access.description,
      users: 1,
      failedUsers: [],
      copied: 0,
      skipped: 0,
      foldersRead: 0,
      foldersUnchanged: 0,
      durationMs: 0,
      roundTrips: [],
      bodyBytes: 0,
      finishedAt: '',
      notes: [],
    };
    let result: UserResult | null = null;
    await this.passUser(item.batch, item.pass, pass.access, user, pass.record, part, { ...local, signal }, (state, copied) => {
      result = {
        copied,
        skipped: part.skipped,
        foldersRead: part.foldersRead,
        foldersUnchanged: part.foldersUnchanged,
        source: part.roundTrips[0]?.source ?? 0,
        target: part.roundTrips[0]?.target ?? 0,
        bodyBytes: part.bodyBytes,
        failure: part.failedUsers[0]?.why,
        notes: part.notes.slice(0, 5),
      };
      state.result = { ...result, pass: item.pass };
    });
    if (ctx.signal.aborted) throw new CutoverError('stopped before the mailbox was done'); // not ours any more, or stopping: it runs again
    if (local.signal?.aborted || !result) return; // the admin stopped the pass
    await this.markResult(item, result);
  }

  /** An item that kept failing: its mailbox shows on the pass's card with the error. */
  async poisonedWorkItem(item: CutoverWorkItem, why: string, attempts: number): Promise<void> {
    const pass = (await this.o.store.read([PASS + item.batch]))[PASS + item.batch] as PassRecord | undefined;
    if (pass?.passId !== item.pass) return;
    const result: UserResult = { ...NO_RESULT, failure: `gave up after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}: ${why.slice(0, 250)}` };
    await mutate<UserState>(this.o.store, `${DELTA}${item.batch}/${item.email}`, (cur) => ({
      ...(cur ?? { checkpoints: {}, report: { email: item.email, lastPassAt: null, failure: null, folders: [] } }),
      result: { ...result, pass: item.pass },
    }));
    await this.markResult(item, result);
  }

  private async loadUser(batch: string, email: string): Promise<UserState> {
    const key = `${DELTA}${batch}/${email}`;
    const found = (await this.o.store.read([key]))[key] as (UserState & { eTag?: string }) | undefined;
    if (found) return { checkpoints: found.checkpoints, report: found.report, pass: found.pass, pending: found.pending, result: found.result };
    return { checkpoints: {}, report: { email, lastPassAt: null, failure: null, folders: [] } };
  }

  private async saveUser(batch: string, state: UserState): Promise<void> {
    await this.o.store.write({
      [`${DELTA}${batch}/${state.report.email}`]: {
        checkpoints: state.checkpoints,
        report: state.report,
        pass: state.pass,
        pending: state.pending,
        result: state.result,
      },
    });
  }

  /**
   * One mailbox's delta: resumes from its UIDVALIDITY/UIDNEXT checkpoints and compares with the
   * target's Message-IDs, so running it again (an instance died after copying, before its item was
   * acknowledged) copies nothing twice. Connections wait for a slot in the shared budget: one to the
   * source server under the endpoint's cap, one to the target under Exchange's. Returns what this
   * pass has copied into the mailbox so far (across re-runs of its item).
   */
  private async passUser(
    batch: string,
    passId: string,
    access: MailboxAccess,
    user: DeltaUser,
    record: PassRecord,
    summary: DeltaPassSummary,
    options: DeltaPassOptions,
    /** Sets the mailbox's result on its state, saved with it at the end. */
    onDone?: (state: UserState, copied: number) => void,
  ): Promise<number> {
    const exclude = record.exclude;
    const state = await this.loadUser(batch, user.email);
    const totalCopied = () => state.report.folders.reduce((n, f) => n + f.copied, 0);
    if (state.pass?.id !== passId) state.pass = { id: passId, copiedBefore: totalCopied() };
    const sleep = options.sleep ?? defaultSleep;
    let src: SourceSession | null = null;
    let tgt: TargetSession | null = null;
    const releases: (() => void)[] = [];
    const slot = async (key: string | undefined, cap: number) => {
      if (!key) return;
      const release = await this.connections.acquire(key, cap, options.signal);
      if (!release) throw new CutoverError('stopped while waiting for a connection slot');
      releases.push(release);
    };
    const openTarget = async () => {
      if (!tgt) {
        await slot(access.servers?.target, this.o.targetConnectionCap ?? DEFAULT_TARGET_CONNECTIONS);
        tgt = await access.target(user);
      }
      return tgt;
    };
    try {
      await slot(access.servers?.source, record.sourceCap);
      src = await access.source(user);
      const folders = (await src.folders()).filter((f) => !exclude.includes(f.name.toLowerCase()));
      const seen = new Set<string>();
      for (const folder of folders) {
        if (options.signal?.aborted) break;
        seen.add(folder.name);
        let rep = state.report.folders.find((f) => f.folder === folder.name);
        if (!rep) {
          rep = { folder: folder.name, sourceCount: 0, targetCount: null, copied: 0, missing: 0, skipped: [], notes: [] };
          state.report.folders.push(rep);
        }
        rep.sourceCount = folder.messages;
        const cp0 = state.checkpoints[folder.name];
        const scan = planScan(cp0, folder);
        if (scan.kind === 'unchanged') {
          summary.foldersUnchanged++;
          continue;
        }
        summary.foldersRead++;
        rep.notes = rep.notes.filter((n) => !/^(UIDVALIDITY|created on|duplicate|without Message-ID)/.test(n));
        if (scan.kind === 'full' && scan.reason === 'uidvalidity-changed') {
          rep.notes.push(`UIDVALIDITY changed (${cp0?.uidValidity} → ${folder.uidValidity}): the folder was compared again in full`);
        }
        const fromUid = scan.kind === 'incremental' ? scan.fromUid : 1;
        const retryOld = scan.kind === 'incremental' ? scan.retry : [];
        const candidates = await src.list(folder.name, fromUid, retryOld);
        let cp: FolderCheckpoint = scan.kind === 'incremental' ? cp0! : { uidValidity: folder.uidValidity, uidNext: 1, retry: [] };
        if (candidates.length === 0) {
          state.checkpoints[folder.name] = advanceCheckpoint(cp, folder.uidNext - 1, []);
          rep.missing = 0;
          rep.skipped = [];
          continue; // saved with the mailbox at the end (a re-run only compares it again)
        }
        let target = await openTarget();
        if (await target.ensureFolder(folder.name)) rep.notes.push('created on Exchange (it was missing there: renamed or new?)');
        const allHaveIds = candidates.every((m) => m.messageId);
        const fullList = !(scan.kind === 'incremental' && allHaveIds && candidates.length <= 25);
        const targetCounts = fullList
          ? await target.keyCounts(folder.name)
          : await target.keyCounts(folder.name, [...new Set(candidates.map((m) => m.messageId!))]);
        const older = new Map<string, number>();
        if (scan.kind === 'incremental') {
          for (const m of candidates) {
            const k = `mid:${m.messageId}`;
            if (m.messageId && m.uid >= fromUid && (targetCounts.get(k) ?? 0) > 0 && !older.has(k))
              older.set(k, await src.countMessageId(folder.name, m.messageId, fromUid));
          }
        }
        const decision = decideCopies(candidates, targetCounts, older);
        const pending = state.pending;
        if (pending && pending.folder === folder.name) {
          // An APPEND of an earlier run of this item that was never recorded: on the target now, it was copied.
          const landed =
            pending.uidValidity === folder.uidValidity && candidates.some((m) => m.uid === pending.uid) && !decision.toCopy.some((m) => m.uid === pending.uid);
          if (landed) {
            rep.copied++;
            summary.copied++;
          }
          state.pending = undefined;
        }
        if (decision.duplicateIds.length > 0)
          rep.notes.push(
            `duplicate Message-ID on the source: ${decision.duplicateIds.slice(0, 3).join(', ')}${decision.duplicateIds.length > 3 ? '…' : ''} (each copy kept)`,
          );
        if (decision.withoutMessageId > 0) rep.notes.push(`without Message-ID: ${decision.withoutMessageId} (compared by date, sender, subject and size)`);
        const retrySet = new Set(retryOld);
        const skipped: SkippedMessage[] = [];
        const newRetry: number[] = [];
        const toCopy = new Set(decision.toCopy.map((m) => m.uid));
        // Retried UIDs that are now on the target are done.
        for (const u of retryOld) if (!toCopy.has(u)) retrySet.delete(u);
        const reopen = async () => {
          // A throttled session is closed before the next one opens: the slot in the budget is one connection.
          const old = tgt as TargetSession | null;
          tgt = null;
          await old?.close().catch(() => undefined);
          tgt = await access.target(user);
          return tgt;
        };
        for (const [i, m] of decision.toCopy.entries()) {
          if (options.signal?.aborted) break;
          if (state.pending?.uid !== m.uid) {
            state.pending = { folder: folder.name, uidValidity: folder.uidValidity, uid: m.uid };
            await this.saveUser(batch, state);
          }
          const outcome = await this.copyOne(src, target, folder.name, m, options, sleep, reopen);
          target = (tgt as TargetSession | null) ?? target; // reopened while throttled
          // The next message's marker rides on this message's checkpoint save (one write per message).
          const next = decision.toCopy[i + 1];
          state.pending = next ? { folder: folder.name, uidValidity: folder.uidValidity, uid: next.uid } : undefined;
          if (outcome === 'ok') {
            rep.copied++;
            summary.copied++;
            await options.afterAppend?.({ email: user.email, folder: folder.name, uid: m.uid });
          } else {
            skipped.push(outcome);
            newRetry.push(m.uid);
            summary.skipped++;
          }
          retrySet.delete(m.uid);
          cp = advanceCheckpoint(cp, m.uid >= fromUid ? m.uid : cp.uidNext - 1, [...retrySet, ...newRetry]);
          state.checkpoints[folder.name] = cp;
          await this.saveUser(batch, state);
        }
        if (options.signal?.aborted) break;
        const maxUid = Math.max(folder.uidNext - 1, ...candidates.map((m) => m.uid));
        state.checkpoints[folder.name] = advanceCheckpoint(cp, maxUid, newRetry);
        rep.missing = newRetry.length;
        rep.skipped = skipped;
        // Nothing copied after a full listing: the listing is the count (one round trip less per folder).
        rep.targetCount = fullList && decision.toCopy.length === 0 ? [...targetCounts.values()].reduce((a, b) => a + b, 0) : await target.count(folder.name);
        // After copies the checkpoint is saved now; a folder only compared is saved with the mailbox at the end.
        if (decision.toCopy.length > 0) await this.saveUser(batch, state);
      }
      if (!options.signal?.aborted) {
        for (const f of state.report.folders) {
          if (!seen.has(f.folder) && !exclude.includes(f.folder.toLowerCase()) && !f.notes.includes('no longer on the source (renamed or deleted?)')) {
            f.notes.push('no longer on the source (renamed or deleted?)');
          }
        }
        state.report.folders = state.report.folders.filter((f) => seen.has(f.folder) || f.missing > 0 || f.copied > 0);
        state.report.lastPassAt = this.o.clock.now().toISOString();
        state.report.failure = null;
      }
      for (const f of state.report.folders)
        for (const n of f.notes) if (/UIDVALIDITY|renamed|duplicate/.test(n)) summary.notes.push(`${user.email} ${f.folder}: ${n}`);
    } catch (err) {
      const why = errorText(err);
      state.report.failure = why.slice(0, 300);
      summary.failedUsers.push({ email: user.email, why: state.report.failure });
    } finally {
      const s = src?.stats();
      const t = (tgt as TargetSession | null)?.stats();
      summary.roundTrips.push({ email: user.email, source: s?.roundTrips ?? 0, target: t?.roundTrips ?? 0 });
      summary.bodyBytes += s?.bodyBytes ?? 0;
      await src?.close().catch(() => undefined);
      await (tgt as TargetSession | null)?.close().catch(() => undefined);
      releases.forEach((r) => r());
      onDone?.(state, totalCopied() - (state.pass?.copiedBefore ?? 0));
      await this.saveUser(batch, state).catch(() => undefined);
    }
    return totalCopied() - (state.pass?.copiedBefore ?? 0);
  }

  private async copyOne(
    src: SourceSession,
    target: TargetSession,
    folder: string,
    m: MessageMeta,
    options: DeltaPassOptions,
    sleep: (ms: number) => Promise<void>,
    reopen: () => Promise<TargetSession>,
  ): Promise<'ok' | SkippedMessage> {
    const limit = target.maxMessageBytes;
    const tooLarge = (size: number): SkippedMessage => ({
      uid: m.uid,
      reason: 'over-size-limit',
      size,
      subject: m.subject.slice(0, 120),
      fix: `raise the mailbox's limit (mailbox limit <email> ${Math.min(150, Math.ceil((size * 1.4) / 1048576))}MB), then run the delta pass again`,
    });
    // Checked on RFC822.SIZE first, so an oversize body is never downloaded.
    if (m.size > limit) return tooLarge(m.size);
    let body: Buffer;
    try {
      body = await src.body(folder, m.uid);
    } catch (err) {
      return {
        uid: m.uid,
        reason: 'read-failed',
        subject: m.subject.slice(0, 120),
        fix: `the source would not give the message (${err instanceof Error ? err.message.slice(0, 120) : 'error'}); run the pass again`,
      };
    }
    let t = target;
    for (let attempt = 0; ; attempt++) {
      const r = await t.append(folder, body, appendableFlags(m.flags), m.internalDate);
      if (r.ok) return 'ok';
      if (r.kind === 'too-large') return tooLarge(body.length);
      if (r.kind === 'refused')
        return {
          uid: m.uid,
          reason: 'refused-by-target',
          subject: m.subject.slice(0, 120),
          fix: `Exchange refused it: ${r.text}; fix that, then run the pass again`,
        };
      // Throttled: wait as told and go on; after too many, it waits for the next pass.
      if (attempt >= (options.throttleRetries ?? 8)) {
        return { uid: m.uid, reason: 'refused-by-target', subject: m.subject.slice(0, 120), fix: 'Exchange kept throttling; the next pass copies it' };
      }
      await sleep('backoffMs' in r ? r.backoffMs : 2000);
      try {
        t = await reopen();
        await t.ensureFolder(folder);
      } catch {
        /* the next attempt reports it */
      }
    }
  }

  async proof(batch: string): Promise<{ proof: BatchProof; reports: UserReport[] }> {
    const access = await this.accessFor(batch).catch(() => null);
    let emails: string[];
    try {
      emails = access ? (await this.users(batch, access)).map((u) => u.email) : [];
    } catch {
      try {
        emails = (await this.o.exchange.getMigrationUsers({ batchId: batch })).map((u) => u.emailAddress.toLowerCase());
      } catch (e) {
        // Never a proof over part of the batch shown as the whole.
        if (isIncompleteList(e)) {
          throw new CutoverError(
            `Exchange handed over only ${e.rowsRead} of batch ${batch}'s users, so the user list is incomplete and a proof over it would be too. ` +
              `Attach the batch's migration CSV to "cutover plan batch ${batch}" and ask again.`,
          );
        }
        throw e;
      }
    }
    const reports: UserReport[] = [];
    for (const email of emails) reports.push((await this.loadUser(batch, email)).report);
    return { proof: proveBatch(batch, reports), reports };
  }

  /** Forgets a plan (tests, or an admin starting over). */
  async forget(batch: string): Promise<void> {
    await this.o.store.delete([PLAN + batch, CSV + batch]);
    await mutate<{ plans: Record<string, string> }>(this.o.store, PLANS_INDEX, (cur) => {
      if (!cur) return undefined;
      const plans = { ...cur.plans };
      delete plans[batch];
      return Object.keys(plans).length ? { plans } : DELETE_ITEM;
    });
  }
}

/** An item of a pass that is over or was replaced by a newer one. */
class StalePass extends Error {}

export type { FolderReport };
