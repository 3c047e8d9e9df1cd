import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { DELETE_ITEM, KeyValueStore, mutate } from '../ports/store';
import { open, seal } from '../lib/seal';
import type { CsvMasker } from '../domain/csv/csvMasker';
import { isCsvEncoding, isCsvSeparator, type CsvReadingChoice } from '../domain/csv/readCsv';
import { Actor, redactObject, redactSecrets } from './auditLog';

/**
 * A migration CSV waiting for the admin's "Create" click, kept in the shared store so
 * any instance can answer the click. The CSV (passwords included) is stored only
 * sealed, bound to its pending id, and wiped as soon as the batch exists, the admin
 * cancels, or the upload expires.
 *
 * Lifecycle: pending → (take) creating → (complete) created
 *                                      → (fail) pending again, to retry
 *            pending → (cancel) cancelled;  pending/creating past the TTL → expired.
 * created/cancelled/expired keep only the summary, so a repeated click gets a clear
 * answer, and are deleted by sweepExpired() after `retentionMs`.
 */
export interface PendingBatchInput {
  /** The batch to create; empty for an upload kept for a preflight. */
  batchName: string;
  /** The migration endpoint the batch will use (its Identity); empty while the admin is still adding or picking it. */
  endpoint: string;
  /** What the upload waits for: a batch (Create), or a preflight once the endpoint is there. Default batch. */
  purpose?: PendingPurpose;
  /** How to read the file, when the admin chose on the card (otherwise detected each time). */
  reading?: CsvReadingChoice;
  excludeFolders: string[];
  /** The migration CSV exactly as Exchange will receive it. */
  csv: Buffer;
  createdBy: Actor;
  conversationId: string;
  /** What the card shows (counts, domains...). Must hold no secrets; scrubbed anyway. */
  summary: Record<string, unknown>;
  /** The CSV's masker: every string of the summary goes through it before it is stored. */
  masker?: CsvMasker;
}

export type PendingState = 'pending' | 'creating' | 'created' | 'cancelled' | 'expired';
export type PendingPurpose = 'batch' | 'preflight';

export interface PendingBatchView {
  id: string;
  state: PendingState;
  batchName: string;
  endpoint: string;
  purpose: PendingPurpose;
  reading?: CsvReadingChoice;
  excludeFolders: string[];
  summary: Record<string, unknown>;
  createdBy: Actor;
  conversationId: string;
  createdAt: string;
  expiresAt: string;
  claimedBy?: Actor;
  claimedAt?: string;
  /** Set once created: the batch's name as Exchange reported it. */
  createdBatch?: string;
  /** Why the last creation attempt failed (shown when the admin retries). */
  lastError?: string;
}

export type TakeResult =
  | { status: 'claimed'; csv: Buffer; pending: PendingBatchView }
  | { status: 'already-created'; batchName: string; message: string }
  | { status: 'in-progress'; claimedBy: Actor; message: string }
  | { status: 'expired'; message: string }
  | { status: 'cancelled'; message: string }
  | { status: 'not-found'; message: string };

export type CancelResult = { status: 'cancelled' } | Extract<TakeResult, { status: 'already-created' | 'in-progress' | 'not-found' }>;

interface PendingRecord extends PendingBatchView {
  sealedCsv?: string;
}

interface PendingIndex {
  ids: Record<string, string>; // pending id → createdAt
}

const PREFIX = 'pending-batch/';
const INDEX_KEY = `${PREFIX}index`;

export interface PendingBatchesOptions {
  store: KeyValueStore;
  /** 32-byte sealing key (from sealedBox's parseKey/loadOrCreateKeyFile). */
  key: Buffer;
  clock: Clock;
  ttlMs?: number;
  /** A 'creating' claim older than this is taken to be from a crashed instance and may be re-claimed. */
  claimTimeoutMs?: number;
  /** How long outcomes (created/cancelled/expired) are remembered. */
  retentionMs?: number;
}

export class PendingBatches {
  private readonly store: KeyValueStore;
  private readonly key: Buffer;
  private readonly clock: Clock;
  readonly ttlMs: number;
  private readonly claimTimeoutMs: number;
  private readonly retentionMs: number;

  constructor(options: PendingBatchesOptions) {
    this.store = options.store;
    this.key = options.key;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs ?? 30 * 60_000;
    this.claimTimeoutMs = options.claimTimeoutMs ?? 10 * 60_000;
    this.retentionMs = options.retentionMs ?? 24 * 60 * 60_000;
    if (!Buffer.isBuffer(this.key) || this.key.length !== 32) throw new Error('PendingBatches needs a 32-byte key.');
  }

  async put(input: PendingBatchInput): Promise<string> {
    const purpose: PendingPurpose = input.purpose ?? 'batch';
    if (!input.batchName && purpose === 'batch') throw new Error('A pending batch needs a batch name.');
    if (!Buffer.isBuffer(input.csv) || input.csv.length === 0) throw new Error('A pending batch needs the migration CSV.');
    const id = randomBytes(16).toString('base64url');
    const now = this.clock.now();
    const record: PendingRecord = {
      id,
      state: 'pending',
      batchName: input.batchName ?? '',
      endpoint: input.endpoint ?? '',
      purpose,
      ...(input.reading ? { reading: cleanReading(input.reading) } : {}),
      excludeFolders: [...(input.excludeFolders ?? [])],
      summary: redactObject(input.masker ? input.masker.scrubDeep(input.summary ?? {}) : (input.summary ?? {})),
      createdBy: { ...input.createdBy },
      conversationId: input.conversationId,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
      sealedCsv: seal(input.csv, this.key, aadFor(id)),
    };
    // A fresh random id: nobody else writes this key, so an unconditional write is safe.
    await this.store.write({ [PREFIX + id]: record });
    await mutate<PendingIndex>(this.store, INDEX_KEY, (cur) => ({ ids: { ...(cur?.ids ?? {}), [id]: record.createdAt } }));
    return id;
  }

  /** The pending batch without its CSV, or null. A lapsed upload reads as 'expired'. */
  async get(pendingId: string): Promise<PendingBatchView | null> {
    const record = await this.load(pendingId);
    if (!record) return null;
    const view = toView(record);
    if (this.isLapsed(record)) view.state = 'expired';
    return view;
  }

  /**
   * Claim the CSV to create the batch. Exactly one caller gets `claimed` (the write is
   * eTag-checked, so double clicks and other instances see `in-progress`); it must then
   * call complete() or fail().
   */
  async take(pendingId: string, by: Actor): Promise<TakeResult> {
    // Assigned inside the updater, which may run again after a conflict.
    let result = this.notFound() as TakeResult;
    let csvSealed: string | undefined;
    await mutate<PendingRecord>(this.store, this.keyFor(pendingId), (cur) => {
      csvSealed = undefined;
      if (!cur) {
        result = this.notFound();
        return undefined;
      }
      const now = this.clock.now();
      if (cur.state === 'created') {
        result = alreadyCreated(cur);
        return undefined;
      }
      if (cur.state === 'cancelled') {
        result = { status: 'cancelled', message: 'This upload was cancelled; attach the CSV again.' };
        return undefined;
      }
      if (cur.state === 'expired' || this.isLapsed(cur) || !cur.sealedCsv) {
        result = this.expired();
        return cur.state === 'expired' ? undefined : wiped(cur, 'expired');
      }
      if (!cur.endpoint || (cur.purpose ?? 'batch') !== 'batch') {
        // Nothing to create yet: the endpoint is still to be chosen, or the upload is a preflight's.
        result = { status: 'not-found', message: 'Choose the IMAP endpoint on the card first; the CSV is still kept.' };
        return undefined;
      }
      if (cur.state === 'creating' && cur.claimedAt && now.getTime() - Date.parse(cur.claimedAt) < this.claimTimeoutMs) {
        const who = cur.claimedBy?.name ?? cur.claimedBy?.id ?? 'someone';
        result = {
          status: 'in-progress',
          claimedBy: cur.claimedBy ?? { id: 'unknown' },
          message: `Batch ${cur.batchName} is already being created (by ${who}); wait for the result.`,
        };
        return undefined;
      }
      const next: PendingRecord = { ...cur, state: 'creating', claimedBy: { ...by }, claimedAt: now.toISOString() };
      csvSealed = cur.sealedCsv;
      result = { status: 'claimed', csv: Buffer.alloc(0), pending: toView(next) };
      return next;
    });
    if (result.status === 'claimed') {
      if (!csvSealed) throw new Error('internal: claimed without a CSV');
      // Opened only after the claim is stored, so a lost race never decrypts.
      result.csv = open(csvSealed, this.key, aadFor(pendingId));
    }
    return result;
  }

  /**
   * The CSV of a pending (not yet claimed) upload without claiming it, to page through
   * its problems. Null once it is created, cancelled, claimed or lapsed.
   */
  async peek(pendingId: string): Promise<{ csv: Buffer; pending: PendingBatchView } | null> {
    const record = await this.load(pendingId);
    if (!record || record.state !== 'pending' || !record.sealedCsv || this.isLapsed(record)) return null;
    return { csv: open(record.sealedCsv, this.key, aadFor(pendingId)), pending: toView(record) };
  }

  /**
   * Sets the endpoint (added or picked on the card) or the reading the admin chose, on an
   * upload still waiting. False when it is no longer pending (created, cancelled, claimed, lapsed).
   */
  async amend(
    pendingId: string,
    patch: { endpoint?: string; reading?: CsvReadingChoice; summary?: Record<string, unknown> },
    masker?: CsvMasker,
  ): Promise<boolean> {
    let done = false;
    await mutate<PendingRecord>(this.store, this.keyFor(pendingId), (cur) => {
      done = false;
      if (!cur || cur.state !== 'pending' || !cur.sealedCsv || this.isLapsed(cur)) return undefined;
      const next: PendingRecord = { ...cur };
      if (patch.endpoint !== undefined) next.endpoint = patch.endpoint;
      if (patch.reading !== undefined) next.reading = cleanReading(patch.reading);
      if (patch.summary !== undefined) {
        next.summary = redactObject({ ...cur.summary, ...(masker ? masker.scrubDeep(patch.summary) : patch.summary) });
      }
      done = true;
      return next;
    });
    return done;
  }

  /** The batch exists: wipe the CSV and remember the outcome for repeated clicks. */
  async complete(pendingId: string, result: { batchName: string }): Promise<void> {
    await mutate<PendingRecord>(this.store, this.keyFor(pendingId), (cur) => {
      if (!cur) return undefined;
      const done = wiped(cur, 'created');
      done.createdBatch = result.batchName || cur.batchName;
      return done;
    });
  }

  /**
   * Creation failed: back to pending (CSV kept) so the admin can fix and retry, unless it
   * lapsed meanwhile. The message is stored, so it goes through the CSV's masker first.
   */
  async fail(pendingId: string, message: string, masker?: CsvMasker): Promise<void> {
    const text = String(message ?? '');
    const lastError = redactSecrets(masker ? masker.scrub(text) : text).slice(0, 1000);
    await mutate<PendingRecord>(this.store, this.keyFor(pendingId), (cur) => {
      if (!cur || cur.state !== 'creating') return undefined;
      if (this.isLapsed(cur) || !cur.sealedCsv) return { ...wiped(cur, 'expired'), lastError };
      const back: PendingRecord = { ...cur, state: 'pending', lastError };
      delete back.claimedBy;
      delete back.claimedAt;
      return back;
    });
  }

  /** The admin dropped the upload: wipe the CSV. Refused while a creation is under way. */
  async cancel(pendingId: string): Promise<CancelResult> {
    let result = this.notFound() as CancelResult;
    await mutate<PendingRecord>(this.store, this.keyFor(pendingId), (cur) => {
      if (!cur) {
        result = this.notFound();
        return undefined;
      }
      if (cur.state === 'created') {
        result = alreadyCreated(cur);
        return undefined;
      }
      const now = this.clock.now().getTime();
      if (cur.state === 'creating' && cur.claimedAt && now - Date.parse(cur.claimedAt) < this.claimTimeoutMs) {
        result = {
          status: 'in-progress',
          claimedBy: cur.claimedBy ?? { id: 'unknown' },
          message: `Batch ${cur.batchName} is already being created; it can no longer be cancelled here.`,
        };
        return undefined;
      }
      result = { status: 'cancelled' };
      return cur.state === 'cancelled' ? undefined : wiped(cur, 'cancelled');
    });
    return result;
  }

  /**
   * Wipes the CSV of every upload past its TTL and forgets outcomes past the retention.
   * Call it on a timer (e.g. every minute). Returns how many CSVs it wiped.
   */
  async sweepExpired(): Promise<number> {
    const index = (await this.store.read([INDEX_KEY]))[INDEX_KEY] as PendingIndex | undefined;
    if (!index) return 0;
    const now = this.clock.now().getTime();
    const forget: string[] = [];
    let wipedCount = 0;
    for (const id of Object.keys(index.ids)) {
      let gone = false;
      let wipedNow = false;
      await mutate<PendingRecord>(this.store, this.keyFor(id), (cur) => {
        gone = false;
        wipedNow = false;
        if (!cur) {
          gone = true;
          return undefined;
        }
        if (now - Date.parse(cur.createdAt) >= this.retentionMs) {
          gone = true;
          return DELETE_ITEM;
        }
        if (cur.sealedCsv && this.isLapsed(cur)) {
          wipedNow = true;
          return wiped(cur, 'expired');
        }
        return undefined;
      }).then(
        () => {
          if (wipedNow) wipedCount++;
          if (gone) forget.push(id);
        },
        () => undefined, // a busy record is retried on the next sweep
      );
    }
    if (forget.length > 0) {
      await mutate<PendingIndex>(this.store, INDEX_KEY, (cur) => {
        if (!cur) return undefined;
        const ids = { ...cur.ids };
        for (const id of forget) delete ids[id];
        return { ids };
      });
    }
    return wipedCount;
  }

  private async load(pendingId: string): Promise<PendingRecord | undefined> {
    const key = this.keyFor(pendingId);
    const found = (await this.store.read([key]))[key] as (PendingRecord & { eTag?: string }) | undefined;
    if (!found) return undefined;
    const { eTag: _eTag, ...record } = found;
    return record;
  }

  private keyFor(pendingId: string): string {
    // Ids come back from card data; refuse anything we could not have issued.
    if (typeof pendingId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(pendingId)) return `${PREFIX}invalid`;
    return PREFIX + pendingId;
  }

  /** Past its TTL while the CSV is still held (pending, or a claim that never finished). */
  private isLapsed(record: PendingRecord): boolean {
    return (
      (record.state === 'pending' || record.state === 'creating' || record.state === 'expired') && this.clock.now().getTime() >= Date.parse(record.expiresAt)
    );
  }

  private expired(): TakeResult {
    const minutes = Math.round(this.ttlMs / 60_000);
    return { status: 'expired', message: `This upload expired after ${minutes} minutes; attach the CSV again.` };
  }

  private notFound(): Extract<TakeResult, { status: 'not-found' }> {
    return { status: 'not-found', message: 'This upload is no longer known (it may have expired); attach the CSV again.' };
  }
}

/** Only the known encodings and separators are stored (the choice comes back from card data). */
function cleanReading(r: CsvReadingChoice): CsvReadingChoice {
  const out: CsvReadingChoice = {};
  if (isCsvEncoding(r.encoding)) out.encoding = r.encoding;
  if (isCsvSeparator(r.separator)) out.separator = r.separator;
  return out;
}

function aadFor(id: string): string {
  return `cutover:pending-batch:${id}`;
}

function toView(record: PendingRecord): PendingBatchView {
  const { sealedCsv: _csv, ...view } = record;
  return { ...view, purpose: view.purpose ?? 'batch', excludeFolders: [...view.excludeFolders], createdBy: { ...view.createdBy } };
}

function wiped(record: PendingRecord, state: PendingState): PendingRecord {
  const next: PendingRecord = { ...record, state };
  delete next.sealedCsv;
  return next;
}

function alreadyCreated(record: PendingRecord): Extract<TakeResult, { status: 'already-created' }> {
  const batchName = record.createdBatch ?? record.batchName;
  return { status: 'already-created', batchName, message: `Already created: ${batchName}` };
}
