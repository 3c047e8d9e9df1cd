// The status card (adaptiveCards/status.json): every batch's live state and the watcher's facts.

import type { MigrationBatch } from '../domain/exchange/types';
import { batchStatusColor } from './batchStatus';
import { batchesStackedBars, concurrencyGauge, throughputLines, type ChartElement } from './charts';
import { estimateFinish, throughputSeries, type ProgressSample } from '../domain/progress/eta';
import { when } from './format';
import { cardBytes, renderCard, TEAMS_CARD_BYTE_LIMIT } from './render';
import type { Reply } from './reply';

const BATCHES_SHOWN = 40;
/** The per-batch bars stop here (the table lists the rest); fewer when the card would grow past Teams' limit. */
const BATCHES_CHARTED = 20;

export interface StatusInput {
  batches: MigrationBatch[];
  /** Why Exchange did not answer; '' when it did. */
  exchangeProblem: string;
  /** The watcher's facts (last and next poll, where it runs…). */
  watcher: { title: string; value: string }[];
  /** Exchange's throttling in words; '' when none. */
  throttling: string;
  /** Migrations running now against the endpoints' MaxConcurrentMigrations (null: unknown); the tenant's 300 is fixed. */
  concurrency?: { used: number; endpointLimit: number | null };
  /** More charts (the throughput line across batches), each with its fallback. */
  extraCharts?: ChartElement[];
  /** Throughput and finish estimate across batches in words; '' for none. */
  eta?: string;
}

/** One stacked bar per batch shown (the table below is its readable form), the concurrency gauge, then the extra charts. */
/** Lines drawn on the status card's throughput chart. */
const LINES_SHOWN = 5;

/**
 * What the watcher's histories add to `status`: throughput across the syncing batches, when the
 * last of them is expected Synced (or that there is not enough data yet), and a line per batch.
 */
export function statusFinishView(histories: { batch: string; samples: readonly ProgressSample[] }[], now: Date): Pick<StatusInput, 'eta' | 'extraCharts'> {
  const live = histories.filter((h) => h.samples.length > 0);
  if (!live.length) return {};
  const estimates = live.map((h) => ({ batch: h.batch, e: estimateFinish(h.samples) }));
  const ranged = estimates.flatMap((x) => (x.e.kind === 'range' ? [x.e] : []));
  const waiting = estimates.filter((x) => x.e.kind === 'not-enough-data').map((x) => x.batch);
  const perHour = ranged.reduce((n, e) => n + e.perHour, 0);
  const fmt = (d: Date) =>
    d
      .toISOString()
      .replace('T', ' ')
      .replace(/:\d\d\.\d+Z$/, ' UTC');
  const parts: string[] = [];
  if (ranged.length) {
    const earliest = new Date(Math.max(...ranged.map((e) => e.earliest.getTime())));
    const latest = new Date(Math.max(...ranged.map((e) => e.latest.getTime())));
    parts.push(
      `Across ${ranged.length} syncing batch${ranged.length === 1 ? '' : 'es'}: ${Math.round(perHour).toLocaleString('en-US')} items per hour; the last expected Synced between ${fmt(earliest)} and ${fmt(latest)}.`,
    );
  }
  if (waiting.length)
    parts.push(`Finish time not enough data yet for ${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ` and ${waiting.length - 5} more` : ''}.`);
  const series = live
    .map((h) => ({ legend: h.batch, points: throughputSeries(h.samples, now.getTime()).slice(-24) }))
    .filter((s) => s.points.length >= 2)
    .slice(0, LINES_SHOWN);
  const eta = parts.join(' ');
  return { eta, ...(series.length ? { extraCharts: [throughputLines(series, 'items', eta)] } : {}) };
}

function statusCharts(input: StatusInput, barsFor: number): ChartElement[] {
  const shown = input.batches.slice(0, barsFor);
  const charts: ChartElement[] = [];
  if (shown.length) {
    charts.push(
      batchesStackedBars(
        shown.map((b) => ({
          name: b.identity,
          synced: b.syncedCount,
          syncing: b.activeCount,
          queued: b.pendingCount,
          failed: b.failedCount,
          stopped: b.stoppedCount,
        })),
      ),
    );
  }
  const used = input.concurrency?.used ?? input.batches.reduce((n, b) => n + b.activeCount, 0);
  charts.push(concurrencyGauge({ used, endpointLimit: input.concurrency?.endpointLimit ?? null }));
  return [...charts, ...(input.extraCharts ?? [])];
}

export function statusCard(input: StatusInput): Reply {
  const { batches, throttling } = input;
  const needs = batches.filter((b) => b.failedCount > 0 || ['Failed', 'Corrupted', 'SyncedWithErrors'].includes(b.status)).length;
  const render = (barsFor: number) =>
    renderCard('status', {
      summary:
        input.exchangeProblem ||
        `${batches.length} batch${batches.length === 1 ? '' : 'es'}${needs ? `, ${needs} need${needs === 1 ? 's' : ''} attention` : ''}.`,
      watcher: input.watcher,
      throttling,
      charts: statusCharts(input, barsFor),
      eta: input.eta ?? '',
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
  // Charts are the first thing to give up when the card would pass Teams' size limit: the table says the same.
  let card = render(BATCHES_CHARTED);
  for (let n = BATCHES_CHARTED / 2; cardBytes(card) > TEAMS_CARD_BYTE_LIMIT * 0.9 && n >= 1; n = Math.floor(n / 2)) card = render(n);
  if (cardBytes(card) > TEAMS_CARD_BYTE_LIMIT * 0.9) card = render(0);
  return { card, summary: `Cutover status: ${batches.length} batches${throttling ? '; Exchange is throttling' : ''}.` };
}
