// The status card (adaptiveCards/status.json): every batch's live state and the watcher's facts.

import type { MigrationBatch } from '../domain/exchange/types';
import { batchStatusColor } from './batchStatus';
import { when } from './format';
import { renderCard } from './render';
import type { Reply } from './reply';

const BATCHES_SHOWN = 40;

export interface StatusInput {
  batches: MigrationBatch[];
  /** Why Exchange did not answer; '' when it did. */
  exchangeProblem: string;
  /** The watcher's facts (last and next poll, where it runs…). */
  watcher: { title: string; value: string }[];
  /** Exchange's throttling in words; '' when none. */
  throttling: string;
}

export function statusCard(input: StatusInput): Reply {
  const { batches, throttling } = input;
  const needs = batches.filter((b) => b.failedCount > 0 || ['Failed', 'Corrupted', 'SyncedWithErrors'].includes(b.status)).length;
  const card = renderCard('status', {
    summary: input.exchangeProblem || `${batches.length} batch${batches.length === 1 ? '' : 'es'}${needs ? `, ${needs} need${needs === 1 ? 's' : ''} attention` : ''}.`,
    watcher: input.watcher,
    throttling,
    batches: batches.slice(0, BATCHES_SHOWN).map((b) => ({
      name: b.identity,
      status: b.status,
      color: batchStatusColor(b.status),
      progress: `${b.syncedCount} of ${b.totalCount} synced${b.failedCount ? `, ${b.failedCount} failed` : ''}${b.activeCount ? `, ${b.activeCount} syncing` : ''}`,
      lastSynced: b.lastSyncedDateTime ? when(b.lastSyncedDateTime.toISOString()) : 'not yet',
    })),
    empty: 'No migration batches.',
    powershell: 'Get-MigrationBatch | Format-Table Identity,Status,TotalCount,SyncedCount,FailedCount,LastSyncedDateTime',
  });
  return { card, summary: `Cutover status: ${batches.length} batches${throttling ? '; Exchange is throttling' : ''}.` };
}
