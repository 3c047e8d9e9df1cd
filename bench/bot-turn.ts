// Benchmark: one bot turn through HTTP, the real server in local mode with its Exchange
// emulator behind the real REST adapter: `batch show` on a 50,000-user batch and
// `batch list` with a full tenant of batches. Prints median/p95 and the card's size.
// Run: npx tsc -p . && node dist/bench/bot-turn.js

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCutover, type RunningCutover } from '../src/index';
import { MAX_BATCHES_PER_TENANT } from '../src/domain/exchange/types';
import { personalMessage, postActivity } from '../test/support/activities';

const USERS = 50_000;
const WARMUP = 3;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const TARGET_MEDIAN_MS = 100;
const TARGET_CARD_BYTES = 28 * 1024;

async function invoke(cutover: RunningCutover, cmdlet: string, parameters: Record<string, unknown>): Promise<any> {
  const emu = cutover.emulator!;
  const res = await fetch(`${emu.baseUrl}/adminapi/beta/${emu.tenantId}/InvokeCommand`, {
    method: 'POST',
    // A fresh connection each time: a long control.advance() can outlast the server's keep-alive.
    headers: { 'content-type': 'application/json', authorization: `Bearer ${emu.accessToken}`, connection: 'close' },
    body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${cmdlet} → ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const csvData = (text: string) => ({ '@odata.type': '#Exchange.ByteArrayType', Data: [...Buffer.from(text, 'utf8')] });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Figures {
  name: string;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  cardBytes: number;
  summary: string;
}

async function measure(cutover: RunningCutover, name: string, text: string): Promise<Figures> {
  const turn = async () => {
    const activity = personalMessage(text, { serviceUrl: 'http://127.0.0.1:9/unused' });
    const t0 = performance.now();
    const res = await postActivity(cutover.botUrl, activity, { expectReplies: true, timeoutMs: 120_000 });
    const ms = performance.now() - t0;
    if (res.status !== 200 || res.replies.length === 0) throw new Error(`${text}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    const reply = res.replies.find((a: any) => a.attachments?.length);
    if (!reply) throw new Error(`${text}: no card in the replies: ${JSON.stringify(res.replies).slice(0, 500)}`);
    return { ms, reply };
  };
  for (let i = 0; i < WARMUP; i++) await turn();
  const times: number[] = [];
  let last: any;
  for (let i = 0; i < RUNS; i++) {
    const r = await turn();
    times.push(r.ms);
    last = r.reply;
  }
  times.sort((a, b) => a - b);
  const card = last.attachments?.[0]?.content;
  if (!card) throw new Error(`${text}: the reply has no card`);
  return {
    name,
    medianMs: percentile(times, 50),
    p95Ms: percentile(times, 95),
    minMs: times[0],
    maxMs: times[times.length - 1],
    // What Teams counts against its message size limit: the card JSON as sent.
    cardBytes: Buffer.byteLength(JSON.stringify(card), 'utf8'),
    summary: String(last.summary ?? ''),
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-bench-'));
  const cutover = await startCutover({
    PORT: '0',
    DATA_DIR: dataDir,
    // The clock moves only when the bench says so: every run sees the same batch.
    EMULATOR_TIME_SCALE: '0',
    LIVE_CARD_MAX_MINUTES: '0',
    LOG_LEVEL: 'error',
  });
  const emu = cutover.emulator!;
  try {
    let t = performance.now();
    const addresses = Array.from({ length: USERS + MAX_BATCHES_PER_TENANT }, (_, i) => `user${String(i).padStart(5, '0')}@contoso.edu`);
    emu.control.addMailboxes(addresses);
    await invoke(cutover, 'New-MigrationEndpoint', { IMAP: true, Name: 'school', RemoteServer: 'imap.contoso.edu', Port: 993, Security: 'Ssl' });
    // The big batch: the demo source knows none of these logins, so some fail as Exchange
    // fails a wrong password; the rest sit queued or syncing after an hour.
    const csv = ['EmailAddress,UserName,Password', ...addresses.slice(0, USERS).map((a, i) => `${a},${a.split('@')[0]},Pw-${i}`)].join('\r\n');
    await invoke(cutover, 'New-MigrationBatch', { Name: 'big', SourceEndpoint: 'school', CSVData: csvData(csv), AutoStart: true });
    const createMs = performance.now() - t;
    t = performance.now();
    await emu.control.advance(3600);
    const advanceMs = performance.now() - t;
    console.log(`setup: New-MigrationBatch of ${USERS.toLocaleString('en-US')} ${createMs.toFixed(0)} ms; 1 h simulated ${advanceMs.toFixed(0)} ms`);
    // Fill the tenant: Exchange Online allows 100 batches (MaxNumberOfBatches).
    t = performance.now();
    for (let i = 1; i < MAX_BATCHES_PER_TENANT; i++) {
      const a = addresses[USERS + i];
      await invoke(cutover, 'New-MigrationBatch', {
        Name: `wave-${String(i).padStart(3, '0')}`,
        SourceEndpoint: 'school',
        CSVData: csvData(`EmailAddress,UserName,Password\r\n${a},${a.split('@')[0]},Pw-x${i}\r\n`),
      });
    }
    const fillMs = performance.now() - t;
    const batches = (await invoke(cutover, 'Get-MigrationBatch', { ResultSize: 'Unlimited' })).value.length;
    const big = (await invoke(cutover, 'Get-MigrationBatch', { Identity: 'big' })).value[0];
    console.log(`setup: ${MAX_BATCHES_PER_TENANT - 1} more batches ${fillMs.toFixed(0)} ms`);
    console.log(
      `batch big: ${big.Status}, total ${big.TotalCount}, synced ${big.SyncedCount}, failed ${big.FailedCount}, pending ${big.PendingCount}, active ${big.ActiveCount}; tenant batches: ${batches}`,
    );
    console.log(`runs: ${WARMUP} warm-up + ${RUNS} timed, one at a time, deliveryMode expectReplies\n`);

    const results = [
      await measure(cutover, `batch show (${USERS.toLocaleString('en-US')} users)`, 'batch show big'),
      await measure(cutover, `batch list (${batches} batches)`, 'batch list'),
    ];
    let failed = false;
    for (const r of results) {
      const okTime = r.medianMs < TARGET_MEDIAN_MS;
      const okSize = r.cardBytes < TARGET_CARD_BYTES;
      failed ||= !okTime || !okSize;
      console.log(
        `${r.name.padEnd(28)} median ${r.medianMs.toFixed(1).padStart(7)} ms  p95 ${r.p95Ms.toFixed(1).padStart(7)} ms  (min ${r.minMs.toFixed(1)}, max ${r.maxMs.toFixed(1)})  ` +
          `card ${r.cardBytes.toLocaleString('en-US')} B  ${okTime ? 'PASS' : 'FAIL'} time < ${TARGET_MEDIAN_MS} ms, ${okSize ? 'PASS' : 'FAIL'} card < 28 KB`,
      );
      console.log(`  ${r.summary}`);
    }
    process.exitCode = failed ? 1 : 0;
  } finally {
    await cutover.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
