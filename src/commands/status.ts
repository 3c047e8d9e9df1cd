// status: every batch's live state, the watcher's last and next poll, and any throttling.

import { when } from '../cards/format';
import { statusCard, statusFinishView } from '../cards/status';
import { readProgress, sampled } from '../services/watcher/progressHistory';
import type { CommandDeps, Reply } from './types';
import { errorText } from '../lib/errorText';

export async function statusReply(deps: CommandDeps): Promise<Reply> {
  let batches: Awaited<ReturnType<typeof deps.exchange.getMigrationBatches>> = [];
  let exchangeProblem = '';
  try {
    batches = await deps.exchange.getMigrationBatches();
  } catch (err) {
    // The watcher's side is still worth showing when Exchange does not answer.
    exchangeProblem = `Exchange did not answer Get-MigrationBatch: ${errorText(err)}`;
  }
  const n = deps.notifications;
  const st = n ? await n.watcherStatus() : null;
  const lead = n?.leadership();
  const subs = n ? await n.subscriptions.all() : [];
  const watcher: { title: string; value: string }[] = [];
  if (!n) watcher.push({ title: 'Watcher', value: 'not running on this instance' });
  else {
    watcher.push({
      title: 'Last poll',
      value: st?.lastPollAt
        ? `${when(st.lastPollAt)} (${st.lastPollExchangeCalls ?? 0} Exchange calls, ${((st.lastPollMs ?? 0) / 1000).toFixed(1)} s)`
        : 'not yet',
    });
    watcher.push({ title: 'Next poll', value: st?.nextPollAt ? when(st.nextPollAt) : 'not scheduled' });
    watcher.push({ title: 'Poll interval', value: st ? (st.intervalMs < 1000 ? `${st.intervalMs} ms` : `${Math.round(st.intervalMs / 1000)} s`) : '—' });
    if (st?.lastError) watcher.push({ title: 'Last error', value: `${st.lastError} (${st.consecutiveFailures} in a row)` });
    watcher.push({
      title: 'Runs on',
      value: st
        ? `instance ${st.instanceId.slice(0, 8)}${lead && lead.instanceId === st.instanceId ? ' (this one)' : ''} · ${lead?.kind === 'blob-lease' ? 'blob lease' : 'single instance'}`
        : '—',
    });
    watcher.push({ title: 'Subscribed conversations', value: String(subs.length) });
  }
  const throttledUntil = st?.throttledUntil ? Date.parse(st.throttledUntil) : 0;
  const throttling =
    st?.lastRetryAfterMs && (throttledUntil > Date.now() || st.consecutiveFailures > 0)
      ? `Exchange is throttling: it asked the watcher to wait ${(st.lastRetryAfterMs / 1000).toFixed(1)} s (Retry-After); the next poll is not before ${when(st.throttledUntil)}.`
      : '';
  // The gauge: migrations running against the endpoints' MaxConcurrentMigrations (summed) and the tenant's 300.
  const endpoints = exchangeProblem ? [] : await deps.exchange.getMigrationEndpoints().catch(() => []);
  const concurrency = endpoints.length
    ? { used: endpoints.reduce((n, e) => n + e.activeMigrationCount, 0), endpointLimit: endpoints.reduce((n, e) => n + e.maxConcurrentMigrations, 0) }
    : { used: batches.reduce((n, b) => n + b.activeCount, 0), endpointLimit: null };
  // The watcher's rolling histories: throughput and finish range across the syncing batches.
  const histories = await Promise.all(
    batches
      .filter((b) => sampled({ status: b.status, total: b.totalCount }))
      .map(async (b) => ({ batch: b.identity, samples: (await readProgress(deps.store, b.batchGuid).catch(() => null))?.samples ?? [] })),
  );
  const finish = statusFinishView(histories, (deps.exchangeClock ?? deps.clock).now());
  return statusCard({ batches, exchangeProblem, watcher, throttling, concurrency, ...finish });
}
