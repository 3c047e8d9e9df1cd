// History that outlives Exchange. Remove-MigrationBatch deletes a batch with its per-user
// history, and Exchange purges Stopped and Failed batches 90 days after they ended, so Cutover
// keeps each user's final record in the state store (Azure Blob in production): before it removes
// a batch itself, when the watcher sees a batch stop or fail (and again near the purge), and when
// the watcher sees a batch vanish. Kept CUTOVER_HISTORY_DAYS (default 730) after it left Exchange.
//
// Keys: history/index (every batch kept, without users), history/batch/<guid>/<page> (users, 1000
// a page), history/users/<bucket> (which batches and pages hold each user, 256 buckets), history/creators (who
// created a batch through Cutover), history/ended (when the watcher first saw a batch Stopped/Failed).
// Never a password: nothing here reads the CSV; skipped items are counts per kind, never subjects.

import { createHash } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { isIncompleteList, type ExchangeAdmin } from '../ports/exchange';
import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';
import type { MigrationBatch, MigrationUser } from '../domain/exchange/types';
import type { BatchSnapshot, UserSnapshot } from '../domain/notifications/events';
import {
  DEFAULT_HISTORY_DAYS,
  HISTORY_PAGE_SIZE,
  nearPurge,
  skippedByKind,
  type BatchHistoryEntry,
  type HistoryHow,
  type UserFinalRecord,
} from '../domain/history/record';

const INDEX = 'history/index';
const CREATORS = 'history/creators';
const ENDED = 'history/ended';
const pageKey = (guid: string, page: number) => `history/batch/${guid}/${page}`;
/** Who is where, in 256 buckets by a hash of the address: a 50,000-user batch is 256 writes, not 50,000. */
const userKey = (email: string) => `history/users/${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 2)}`;
const DAY_MS = 86_400_000;
/** Users whose statistics are read (bytes, skipped kinds, error) when a batch is kept: bounded work. */
export const DETAILED_USERS = 100;
const ENDED_STATUS = new Set(['Stopped', 'Failed']);

interface IndexDoc {
  batches: BatchHistoryEntry[];
}
interface PageDoc {
  users: UserFinalRecord[];
}
interface UserDoc {
  /** Lower-cased address → the kept batches (and pages) holding that user. */
  users: Record<string, { guid: string; page: number }[]>;
}
interface CreatorsDoc {
  batches: Record<string, { by: string; at: string }>;
}
interface EndedDoc {
  batches: Record<string, { endedAt: string; nearPurgeKept?: boolean }>;
}

export interface BatchHistoryOptions {
  store: KeyValueStore;
  /** Exchange's time (the emulator's clock in local mode): the purge horizon and retention count on it. */
  clock: Clock;
  exchange: ExchangeAdmin;
  retentionDays?: number;
}

export class BatchHistory {
  private readonly retentionMs: number;

  constructor(private readonly o: BatchHistoryOptions) {
    this.retentionMs = (o.retentionDays ?? DEFAULT_HISTORY_DAYS) * DAY_MS;
  }

  /** Remembers who created a batch through Cutover (the audit's batch.create). */
  async noteCreated(name: string, by: string): Promise<void> {
    const at = this.o.clock.now().toISOString();
    await mutate<CreatorsDoc>(this.o.store, CREATORS, (cur) => ({ batches: { ...(cur?.batches ?? {}), [name.toLowerCase()]: { by, at } } }), { attempts: 50 });
  }

  /**
   * Before Cutover removes a batch: reads it from Exchange and keeps every user's final record as
   * removed by `by`. Null when Exchange has no such batch. Throws when it cannot be kept (the caller
   * then does not remove). `undo` takes the record back when the removal itself failed.
   */
  async keepBeforeRemoval(name: string, by: string): Promise<{ entry: BatchHistoryEntry; undo(): Promise<void> } | null> {
    const before = await this.entries();
    const entry = await this.keepFromExchange(name, 'removed', by);
    if (!entry) return null;
    const earlier = before.find((e) => e.guid === entry.guid) ?? null;
    return {
      entry,
      undo: async () => {
        if (earlier) await this.putEntry(earlier);
        else await this.forget(entry);
      },
    };
  }

  /**
   * The watcher's view of the batches after a poll: a batch newly Stopped or Failed is kept at
   * once, and kept again when it nears Exchange's 90-day purge. Batches syncing again are no longer tracked.
   */
  async watcherSaw(batches: readonly BatchSnapshot[]): Promise<void> {
    const now = this.o.clock.now();
    const ended = (((await this.o.store.read([ENDED]))[ENDED] as EndedDoc | undefined)?.batches ?? {}) as EndedDoc['batches'];
    const toKeep: { b: BatchSnapshot; near: boolean }[] = [];
    const next: EndedDoc['batches'] = {};
    const resumed: string[] = [];
    for (const b of batches) {
      if (!ENDED_STATUS.has(b.status)) {
        if (ended[b.guid]) resumed.push(b.guid);
        continue;
      }
      const seen = ended[b.guid];
      if (!seen) {
        next[b.guid] = { endedAt: now.toISOString() };
        toKeep.push({ b, near: false });
      } else if (!seen.nearPurgeKept && nearPurge(seen.endedAt, now)) {
        next[b.guid] = { ...seen, nearPurgeKept: true };
        toKeep.push({ b, near: true });
      } else next[b.guid] = seen;
    }
    for (const { b } of toKeep) await this.keepFromExchange(b.name, 'ended', null);
    // Started again: the record kept when it stopped no longer tells its end (kept again when it ends).
    if (resumed.length) {
      for (const e of (await this.entries()).filter((x) => resumed.includes(x.guid) && x.how === 'ended')) await this.forget(e);
    }
    // A tracked batch no longer in Exchange was purged (or removed elsewhere): its kept record says so.
    const present = new Set(batches.map((b) => b.guid));
    const vanished = Object.keys(ended).filter((guid) => !present.has(guid));
    if (vanished.length) {
      const entries = await this.entries();
      for (const guid of vanished) {
        const e = entries.find((x) => x.guid === guid);
        if (e && e.how === 'ended') await this.putEntry({ ...e, how: 'purged', removedAt: now.toISOString(), keptAt: now.toISOString() });
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(ended)) await this.o.store.write({ [ENDED]: { batches: next } });
    await this.sweep();
  }

  /** Batches gone from Exchange since the last poll, with the users the watcher last saw. */
  async watcherLost(gone: readonly { batch: BatchSnapshot; users: UserSnapshot[] }[]): Promise<void> {
    if (gone.length === 0) return;
    const now = this.o.clock.now().toISOString();
    const entries = await this.entries();
    const endedDoc = ((await this.o.store.read([ENDED]))[ENDED] as EndedDoc | undefined)?.batches ?? {};
    for (const { batch: b, users } of gone) {
      const existing = entries.find((e) => e.guid === b.guid);
      if (existing?.how === 'removed' || existing?.how === 'purged' || existing?.how === 'vanished') continue;
      // Purged: it was Stopped or Failed when last seen (Exchange's 90-day rule); otherwise removed elsewhere.
      const how: HistoryHow = ENDED_STATUS.has(b.status) ? 'purged' : 'vanished';
      if (existing) {
        await this.putEntry({ ...existing, how, removedAt: now, keptAt: now });
      } else {
        const creator = await this.creatorOf(b.name);
        const records = users.map(fromSnapshot).sort((x, y) => x.email.localeCompare(y.email));
        await this.write(
          {
            guid: b.guid,
            name: b.name,
            endpoint: null,
            status: b.status,
            createdAt: b.creationDateTime,
            createdBy: creator,
            removedAt: now,
            removedBy: null,
            how,
            keptAt: now,
            lastSyncedAt: b.lastSyncedDateTime,
            totalUsers: records.length,
            pages: 0,
            detailedUsers: 0,
          },
          records,
        );
      }
    }
    const rest = { ...endedDoc };
    for (const { batch } of gone) delete rest[batch.guid];
    await this.o.store.write({ [ENDED]: { batches: rest } });
  }

  /** Every batch kept, newest first. */
  async list(): Promise<BatchHistoryEntry[]> {
    await this.sweep();
    return (await this.entries()).sort((a, b) => (b.removedAt ?? b.keptAt).localeCompare(a.removedAt ?? a.keptAt));
  }

  /** The kept batches of that name (a name can be used again), newest first. */
  async byName(name: string): Promise<BatchHistoryEntry[]> {
    return (await this.list()).filter((e) => e.name.toLowerCase() === name.toLowerCase());
  }

  async users(entry: BatchHistoryEntry): Promise<UserFinalRecord[]> {
    const keys = Array.from({ length: entry.pages }, (_, i) => pageKey(entry.guid, i));
    if (keys.length === 0) return [];
    const found = await this.o.store.read(keys);
    return keys.flatMap((k) => (found[k] as PageDoc | undefined)?.users ?? []);
  }

  /** Every batch the user was ever in that Cutover kept, newest first. */
  async forUser(email: string): Promise<{ entry: BatchHistoryEntry; user: UserFinalRecord }[]> {
    const doc = (await this.o.store.read([userKey(email)]))[userKey(email)] as UserDoc | undefined;
    const refs = doc?.users?.[email.toLowerCase()] ?? [];
    if (refs.length === 0) return [];
    const entries = await this.list();
    const out: { entry: BatchHistoryEntry; user: UserFinalRecord }[] = [];
    for (const ref of refs) {
      const entry = entries.find((e) => e.guid === ref.guid);
      if (!entry) continue;
      const page = (await this.o.store.read([pageKey(ref.guid, ref.page)]))[pageKey(ref.guid, ref.page)] as PageDoc | undefined;
      const user = page?.users.find((u) => u.email === email.toLowerCase());
      if (user) out.push({ entry, user });
    }
    return out.sort((a, b) => (b.entry.removedAt ?? b.entry.keptAt).localeCompare(a.entry.removedAt ?? a.entry.keptAt));
  }

  /** Drops what is older than the retention (counted from when the batch left Exchange). */
  async sweep(): Promise<number> {
    const cutoff = this.o.clock.now().getTime() - this.retentionMs;
    const old = (await this.entries()).filter((e) => Date.parse(e.removedAt ?? e.keptAt) < cutoff && e.how !== 'ended');
    for (const e of old) await this.forget(e);
    return old.length;
  }

  /** Reads the batch and its users from Exchange and writes the record. Null when Exchange has no such batch. */
  private async keepFromExchange(name: string, how: HistoryHow, removedBy: string | null): Promise<BatchHistoryEntry | null> {
    const ex = this.o.exchange;
    const b: MigrationBatch | null = await ex.getMigrationBatch(name);
    if (!b) return null;
    let users: MigrationUser[];
    try {
      users = await ex.getMigrationUsers({ batchId: b.identity });
    } catch (e) {
      if (!isIncompleteList(e)) throw e;
      users = e.partial as MigrationUser[];
    }
    // The statistics (skipped kinds, error text, bytes) for the users that need them most, bounded.
    const detail = [...users].sort((x, y) => rank(y) - rank(x) || x.emailAddress.localeCompare(y.emailAddress)).slice(0, DETAILED_USERS);
    const detailed = new Map<string, Partial<UserFinalRecord>>();
    for (const u of detail) {
      const stats = await ex.getMigrationUserStatistics(u.emailAddress, { includeSkippedItems: true }).catch(() => null);
      const bytes = await syncedBytes(ex, u.emailAddress);
      detailed.set(u.emailAddress.toLowerCase(), {
        ...(stats ? { skippedByKind: skippedByKind(stats.skippedItems), error: stats.error ?? u.errorSummary ?? null } : {}),
        bytesTransferred: bytes,
      });
    }
    const records = users
      .map((u): UserFinalRecord => ({
        email: u.emailAddress.toLowerCase(),
        status: u.status,
        statusSummary: u.statusSummary,
        syncedItems: u.syncedItemCount,
        bytesTransferred: null,
        skippedItems: u.skippedItemCount,
        skippedByKind: {},
        lastSuccessfulSync: u.lastSuccessfulSyncTime ? u.lastSuccessfulSyncTime.toISOString() : null,
        error: u.errorSummary ?? null,
        ...detailed.get(u.emailAddress.toLowerCase()),
      }))
      .sort((x, y) => x.email.localeCompare(y.email));
    const now = this.o.clock.now().toISOString();
    const entry: BatchHistoryEntry = {
      guid: b.batchGuid,
      name: b.identity,
      endpoint: b.sourceEndpoint ?? null,
      status: b.status,
      createdAt: b.creationDateTime ? b.creationDateTime.toISOString() : null,
      createdBy: (await this.creatorOf(b.identity)) ?? b.submittedByUser ?? null,
      removedAt: how === 'removed' ? now : null,
      removedBy,
      how,
      keptAt: now,
      lastSyncedAt: b.lastSyncedDateTime ? b.lastSyncedDateTime.toISOString() : null,
      totalUsers: records.length,
      pages: 0,
      detailedUsers: detailed.size,
    };
    return this.write(entry, records);
  }

  private async write(entry: BatchHistoryEntry, records: UserFinalRecord[]): Promise<BatchHistoryEntry> {
    const pages: Record<string, PageDoc> = {};
    for (let i = 0; i * HISTORY_PAGE_SIZE < records.length; i++)
      pages[pageKey(entry.guid, i)] = { users: records.slice(i * HISTORY_PAGE_SIZE, (i + 1) * HISTORY_PAGE_SIZE) };
    const full = { ...entry, pages: Object.keys(pages).length };
    // Pages first, then who is where, then the index: a crash in between leaves nothing listed half-written.
    const previous = (await this.entries()).find((e) => e.guid === entry.guid);
    if (Object.keys(pages).length) await this.o.store.write(pages);
    if (previous && previous.pages > full.pages)
      await this.o.store.delete(Array.from({ length: previous.pages - full.pages }, (_, i) => pageKey(entry.guid, full.pages + i)));
    const byBucket = new Map<string, { email: string; page: number }[]>();
    records.forEach((r, i) =>
      byBucket.set(userKey(r.email), [...(byBucket.get(userKey(r.email)) ?? []), { email: r.email, page: Math.floor(i / HISTORY_PAGE_SIZE) }]),
    );
    for (const [key, members] of byBucket) {
      await mutate<UserDoc>(
        this.o.store,
        key,
        (cur) => {
          const users = { ...(cur?.users ?? {}) };
          for (const m of members) users[m.email] = [...(users[m.email] ?? []).filter((x) => x.guid !== entry.guid), { guid: entry.guid, page: m.page }];
          return { users };
        },
        { attempts: 50 },
      );
    }
    await this.putEntry(full);
    return full;
  }

  private async putEntry(entry: BatchHistoryEntry): Promise<void> {
    await mutate<IndexDoc>(this.o.store, INDEX, (cur) => ({ batches: [...(cur?.batches ?? []).filter((e) => e.guid !== entry.guid), entry] }), {
      attempts: 50,
    });
  }

  private async forget(entry: BatchHistoryEntry): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const u of await this.users(entry)) byBucket.set(userKey(u.email), [...(byBucket.get(userKey(u.email)) ?? []), u.email]);
    for (const [key, emails] of byBucket) {
      await mutate<UserDoc>(
        this.o.store,
        key,
        (cur) => {
          if (!cur?.users) return undefined;
          const users = { ...cur.users };
          for (const e of emails) {
            const left = (users[e] ?? []).filter((x) => x.guid !== entry.guid);
            if (left.length) users[e] = left;
            else delete users[e];
          }
          return Object.keys(users).length ? { users } : DELETE_ITEM;
        },
        { attempts: 50 },
      );
    }
    if (entry.pages) await this.o.store.delete(Array.from({ length: entry.pages }, (_, i) => pageKey(entry.guid, i)));
    await mutate<IndexDoc>(this.o.store, INDEX, (cur) => (cur ? { batches: cur.batches.filter((e) => e.guid !== entry.guid) } : undefined), { attempts: 50 });
  }

  private async entries(): Promise<BatchHistoryEntry[]> {
    const doc = (await this.o.store.read([INDEX]))[INDEX] as IndexDoc | undefined;
    return doc?.batches ? [...doc.batches] : [];
  }

  private async creatorOf(name: string): Promise<string | null> {
    const doc = (await this.o.store.read([CREATORS]))[CREATORS] as CreatorsDoc | undefined;
    return doc?.batches?.[name.toLowerCase()]?.by ?? null;
  }
}

function rank(u: MigrationUser): number {
  return (u.statusSummary === 'Failed' ? 2 : 0) + (u.skippedItemCount > 0 ? 1 : 0);
}

/** BytesTransferred of the user's sync request (Exchange may leave it empty for IMAP). */
async function syncedBytes(ex: ExchangeAdmin, email: string): Promise<number | null> {
  try {
    const [req] = await ex.getSyncRequests(email);
    if (!req) return null;
    return (await ex.getSyncRequestStatistics(req.identity))?.bytesTransferred ?? null;
  } catch {
    return null;
  }
}

function fromSnapshot(u: UserSnapshot): UserFinalRecord {
  return {
    email: u.email.toLowerCase(),
    status: u.status,
    statusSummary: u.summary,
    syncedItems: u.syncedItems,
    bytesTransferred: null,
    skippedItems: 0,
    skippedByKind: {},
    lastSuccessfulSync: null,
    error: u.error,
  };
}
