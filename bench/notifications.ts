// Notifications at scale: N subscribed conversations, B batches of U users changing state
// in the Exchange emulator; the watcher (file store, single instance) polls and the capture
// connector receives. Prints: time from a change to the last notification, Exchange calls
// per poll (nothing changed / one batch changed / all changed), connector calls, peak RSS.
//   npx tsc -p . && node dist/bench/notifications.js          (CONVERSATIONS=1000 BATCHES=20 USERS=500)

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExchangeAdmin, StaticTokenSource } from '../src/adapters/exchange';
import { FileStore } from '../src/adapters/storage/fileStore';
import { startExchangeEmulator } from '../src/emulator/exchange';
import { systemClock } from '../src/ports/clock';
import { AuditLog } from '../src/services/auditLog';
import { buildNotifications } from '../src/index';
import { unauthenticatedAdapter } from '../src/teams/botCredentials';
import { startConnectorInWorker } from './connectorWorker';
import { syntheticSource } from '../test/support/syntheticSource';
import { validateMigrationCsv } from '../src/domain/csv/migrationCsv';

const N = Number(process.env.CONVERSATIONS ?? 1000);
const B = Number(process.env.BATCHES ?? 20);
const U = Number(process.env.USERS ?? 500);
const INTERVAL = Number(process.env.WATCHER_INTERVAL_MS ?? 1000);
const RATE = Number(process.env.CONNECTOR_RATE ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const HOST = 'imap.bench.example';

// Every login works except passwords starting "bad": a few failures per batch.
const directory = syntheticSource(HOST, 20);

async function main() {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-bench-notify-'));
  const emulator = await startExchangeEmulator({ timeScale: 0, noDemoSource: true, demoTenant: false, sourceDirectories: [directory] });
  // The connector is Microsoft's service in production: it runs in a worker thread, off the bot's event loop.
  const connector = await startConnectorInWorker();
  const addr = (b: number, i: number) => `u${b}x${i}@bench.example`;
  emulator.control.addMailboxes(Array.from({ length: B * U }, (_, k) => addr(Math.floor(k / U), k % U)));
  const ex = createExchangeAdmin({ baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken) });
  const store = new FileStore(path.join(dir, 'state'));
  const quiet = { info() {}, warn() {}, error() {} };
  const stack = buildNotifications({
    adapter: unauthenticatedAdapter(),
    botAppId: '',
    store,
    audit: new AuditLog(store, systemClock),
    clock: systemClock,
    exchangeClock: { now: () => emulator.control.now() },
    exchange: (onRetry) =>
      createExchangeAdmin({ baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken), onRetry }),
    intervalMs: INTERVAL,
    lease: null,
    log: quiet,
    notifier: { ratePerSecond: RATE },
    concurrency: CONCURRENCY,
  });
  for (let c = 0; c < N; c++) {
    const id = `19:bench-${c}@thread.tacv2`;
    await stack.conversations.remember({ channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id }, bot: { id: '28:bot' } }, 'bench');
    await stack.subscriptions.subscribe(id, { all: true }, { id: 'bench' });
  }
  await ex.newImapMigrationEndpoint({ name: 'bench', remoteServer: HOST, port: 993, security: 'Ssl' });
  for (let b = 0; b < B; b++) {
    const rows = Array.from({ length: U }, (_, i) => `${addr(b, i)},${addr(b, i)},${i < 2 ? 'bad' : 'ok'}-${i}`);
    await ex.newImapMigrationBatch({
      name: `wave${b}`,
      sourceEndpoint: 'bench',
      rows: validateMigrationCsv(['EmailAddress,UserName,Password', ...rows].join('\n')).rows,
      autoStart: true,
    });
  }
  const w = stack.watcher;
  // Waits until the watcher has polled at least twice after `since` with nothing left to send.
  const quiesce = async (since: number) => {
    let calm = 0;
    let gen = -1;
    while (calm < 2) {
      await new Promise((r) => setTimeout(r, 50));
      const r = w.lastReport;
      if (!r || r.generation === gen || Date.now() - since < INTERVAL) continue;
      gen = r.generation;
      calm = r.dispatch && (r.dispatch.sent || r.dispatch.updated || r.events.length) ? 0 : calm + 1;
    }
  };
  const verdicts: boolean[] = [];
  // Target: every notification within one poll interval plus what the connector's rate allows.
  const phase = async (name: string, change: () => Promise<void>) => {
    const invokes = () => Object.values(emulator.control.requestCounts()).reduce((a, b) => a + b, 0);
    const before = { ...w.totals, requests: (await connector.stats()).count, invokes: invokes() };
    const reports: number[] = [];
    const seen = new Set<number>();
    const watch = setInterval(() => {
      const r = w.lastReport;
      if (r && !seen.has(r.generation)) {
        seen.add(r.generation);
        reports.push(r.exchangeCalls);
      }
    }, 5);
    await change();
    // The change is in Exchange from here (the emulator's clock has moved and settled).
    const t0 = Date.now();
    await quiesce(t0);
    clearInterval(watch);
    const sent = w.totals.sent - before.sent;
    const updated = w.totals.updated - before.updated;
    const seenNow = await connector.stats(before.requests);
    const calls = seenNow.count - before.requests;
    const took = calls ? Math.max(0, seenNow.last - t0) : 0;
    const first = calls ? Math.max(0, seenNow.first - t0) : 0;
    const target = calls ? INTERVAL + (calls / RATE) * 1000 : 0;
    const ok = took <= target;
    verdicts.push(ok);
    console.log(
      `${name.padEnd(34)} last notification ${String(took).padStart(6)} ms after the change (target ${Math.round(target)} ms: ${ok ? 'PASS' : 'FAIL'}; first ${first} ms) · ` +
        `sent ${sent}, updated ${updated}, connector calls ${calls} · ` +
        `Exchange calls per poll ${JSON.stringify(reports.slice(0, 4))}, InvokeCommand requests (pages included) ${invokes() - before.invokes}`,
    );
  };
  console.log(`${N} conversations, ${B} batches x ${U} users, poll every ${INTERVAL} ms, connector paced at ${RATE}/s, ${CONCURRENCY} conversations at a time`);
  await phase('first sight (cards for every batch)', async () => void (await stack.start()));
  await phase('all batches sync (2 failures each)', async () => {
    await emulator.control.advance(3 * 3600);
    await emulator.control.settle();
  });
  await phase('nothing changes', async () => undefined);
  await phase('one batch: incremental sync', async () => {
    await ex.syncMigrationBatchNow('wave0');
    await emulator.control.advance(3600);
    await emulator.control.settle();
  });
  clearInterval(sampler);
  console.log(`peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB · watcher totals ${JSON.stringify(w.totals)}`);
  await stack.close();
  await connector.close();
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (verdicts.some((v) => !v)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
