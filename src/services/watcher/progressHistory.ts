// The watcher's rolling history of what each syncing batch has moved, kept in the state store
// (one bounded key per batch), so any instance's cards and `status` can show throughput and a
// finish range (src/domain/progress/eta.ts). Sampled at the watcher's own cadence: one
// Get-MigrationUser per syncing batch per poll, and Get-MigrationUserStatistics only for users whose
// source size is not known yet (a few per poll), so the history never costs more than the poll.

import type { ExchangeAdmin } from '../../ports/exchange';
import type { KeyValueStore } from '../../ports/store';
import type { BatchSnapshot } from '../../domain/notifications/events';
import type { MigrationUser } from '../../domain/exchange/types';
import { appendSample, type ProgressSample } from '../../domain/progress/eta';

export const progressKey = (batchGuid: string) => `watcher/progress/${batchGuid}`;

/**
 * Batches up to this many users are sampled; larger ones are not (a sample reads every user each
 * poll, which the watcher avoids for large batches), so their cards give no finish time yet.
 */
export const MAX_SIZED_USERS = 1000;
/** Statistics read per batch and poll to learn source sizes. */
export const STATISTICS_PER_POLL = 25;

export interface StoredProgress {
  samples: ProgressSample[];
  /** Items to copy per user (source count less skipped items), once Exchange has counted them. */
  totals: Record<string, number>;
}

/** The statuses in which a batch moves mail: only these are sampled. */
export const SAMPLED_STATUSES: readonly string[] = ['Starting', 'Syncing', 'IncrementalSyncing', 'Completing'];

/** Whether the watcher samples this batch this poll. */
export function sampled(b: Pick<BatchSnapshot, 'status' | 'total'>): boolean {
  return SAMPLED_STATUSES.includes(b.status) && b.total <= MAX_SIZED_USERS;
}

export async function readProgress(store: KeyValueStore, batchGuid: string): Promise<StoredProgress | null> {
  const v = (await store.read([progressKey(batchGuid)]))[progressKey(batchGuid)] as StoredProgress | undefined;
  return v && Array.isArray(v.samples) ? v : null;
}

/** Takes one sample of a syncing batch and returns the history to store (the caller writes it). */
export async function sampleBatch(
  ex: ExchangeAdmin,
  batch: Pick<BatchSnapshot, 'name'>,
  stored: StoredProgress | null,
  now: Date,
  /** The batch's users when the caller has just read them (the live card), so they are not read twice. */
  readUsers?: readonly MigrationUser[],
): Promise<{ progress: StoredProgress; statisticsRead: number }> {
  const users = readUsers ?? (await ex.getMigrationUsers({ batchId: batch.name }));
  const totals: Record<string, number> = {};
  let statisticsRead = 0;
  const sized = users.length <= MAX_SIZED_USERS;
  for (const u of users) {
    const key = u.emailAddress.toLowerCase();
    const known = stored?.totals[key];
    if (known !== undefined) totals[key] = known;
    else if (sized && statisticsRead < STATISTICS_PER_POLL && u.statusSummary !== 'Failed') {
      statisticsRead++;
      const stats = await ex.getMigrationUserStatistics(u.emailAddress).catch(() => null);
      if (stats?.totalItemsInSourceMailboxCount !== null && stats?.totalItemsInSourceMailboxCount !== undefined) {
        totals[key] = Math.max(0, stats.totalItemsInSourceMailboxCount - (stats.skippedItemCount ?? 0));
      }
    }
  }
  // Failed users copy nothing more: they count as what they have.
  const counted = users.filter((u) => u.statusSummary !== 'Failed');
  const items = counted.reduce((n, u) => n + u.syncedItemCount, 0);
  const allSized = sized && counted.every((u) => totals[u.emailAddress.toLowerCase()] !== undefined);
  const totalItems = allSized ? counted.reduce((n, u) => n + totals[u.emailAddress.toLowerCase()], 0) : null;
  const samples = appendSample(stored?.samples ?? [], { at: now.getTime(), items, totalItems });
  return { progress: { samples, totals }, statisticsRead };
}

/**
 * A sample from a live card's own refresh (batch show), so its finish time does not wait for a
 * subscription to start the watcher: same history, same rules (a moment already sampled adds nothing).
 * Returns the history to show; never fails the card.
 */
export async function recordSample(
  store: KeyValueStore,
  ex: ExchangeAdmin,
  batch: Pick<BatchSnapshot, 'name' | 'guid' | 'status' | 'total'>,
  users: readonly MigrationUser[],
  now: Date,
): Promise<ProgressSample[]> {
  // A batch that is not moving mail has no finish time to show.
  if (!sampled(batch)) return [];
  const before = await readProgress(store, batch.guid).catch(() => null);
  try {
    const { progress } = await sampleBatch(ex, batch, before, now, users);
    if (progress.samples !== before?.samples) await store.write({ [progressKey(batch.guid)]: progress });
    return progress.samples;
  } catch {
    return before?.samples ?? [];
  }
}
