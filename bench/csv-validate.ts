// Benchmark: validateMigrationCsv on a 50,000-row migration CSV versus a bare csv-parse.
// Run: npx tsc -p . && node dist/bench/csv-validate.js
// Each parser is measured in its own child process (started with --expose-gc), so
// peak RSS is that parser's alone and the two don't share a warmed heap.

import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { parse } from 'csv-parse/sync';
import { validateMigrationCsv } from '../src/domain/csv/migrationCsv';

const ROWS = 50_000;
const WARMUP_RUNS = 3;
const TIMED_RUNS = 9;
const TARGET_MS = 1000;
const TARGET_MB = 150;
const TARGET_RATIO = 2;

type Which = 'validate' | 'csv-parse';

interface Figures {
  which: Which;
  bytes: number;
  records: number;
  problems: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  baselineRssMb: number;
  peakRssMb: number;
  peakRssDeltaMb: number;
  heapDeltaMb: number;
  retainedHeapMb: number;
}

/** Deterministic PRNG so every run measures the same file. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['holly', 'terry', 'ana', 'jean-luc', 'søren', 'mei', 'oluwaseun', 'priya', 'diego', 'fatima', 'liam', 'zoë', 'kenji', 'aroha'];
const LAST = ['holt', 'adams', 'garcía', 'picard', 'kierkegaard', 'chen', 'adeyemi', 'sharma', 'ramos', 'haddad', "o'brien", 'müller', 'tanaka', 'ngata'];
const DOMAINS = ['contoso.com', 'fabrikam.co.uk', 'students.contoso.edu', 'northwind-traders.com'];
const PLAIN = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#$%&*+-=?@^_~';

function ascii(s: string): string {
  return s.normalize('NFD').replace(/[^a-z0-9-]/g, '');
}

/** A realistic migration CSV: ~10% passwords with commas/quotes/spaces, ~1% bad rows. */
export function makeMigrationCsv(rows: number, seed = 42): Buffer {
  const rnd = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const out: string[] = ['EmailAddress,UserName,Password'];
  for (let i = 0; i < rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const domain = pick(DOMAINS);
    let email = `${ascii(first)}.${ascii(last)}${i}@${domain}`;
    let user = rnd() < 0.2 ? `${ascii(first)}.${ascii(last)}${i}*mailadmin` : `${ascii(first)}${i}`;
    let pw = '';
    const len = 10 + Math.floor(rnd() * 8);
    for (let k = 0; k < len; k++) pw += PLAIN[Math.floor(rnd() * PLAIN.length)];
    let pwField = pw;
    const r = rnd();
    if (r < 0.05)
      pwField = `"${pw.slice(0, 4)},${pw.slice(4)}"`; // comma inside
    else if (r < 0.08)
      pwField = `"${pw.slice(0, 3)}""${pw.slice(3)}"`; // quote inside
    else if (r < 0.1) pwField = `"${pw.slice(0, 5)} ${pw.slice(5)} "`; // spaces, one trailing

    // About 1% bad rows, of the kinds admins actually send.
    const bad = rnd();
    if (bad < 0.002)
      email = `${ascii(first)} ${ascii(last)}@${domain}`; // space in address
    else if (bad < 0.004)
      email = `${ascii(first)}.${ascii(last)}`; // no domain
    else if (bad < 0.006 && i > 0)
      email = out[1 + Math.floor(rnd() * i)].split(',')[0]; // duplicate
    else if (bad < 0.008)
      pwField = ''; // empty password
    else if (bad < 0.01)
      pwField = `${pw.slice(0, 4)},${pw.slice(4)}`; // unquoted comma: 4 columns
    else if (bad < 0.011) user = '';
    out.push(`${email},${user},${pwField}`);
  }
  return Buffer.from(out.join('\r\n') + '\r\n', 'utf8');
}

function runOnce(which: Which, csv: Buffer): { records: number; problems: number; keep: unknown } {
  if (which === 'validate') {
    const v = validateMigrationCsv(csv);
    return { records: v.totals.rows, problems: v.problems.length, keep: v };
  }
  // Bare tokenizing; relax_column_count because the file has rows with a stray comma.
  const records = parse(csv, { relax_column_count: true }) as string[][];
  return { records: records.length - 1, problems: 0, keep: records };
}

const MB = 1024 * 1024;

/**
 * Samples the process RSS every millisecond from a worker thread (RSS is process-wide,
 * so it sees the main thread's synchronous parse). maxRSS from getrusage would be the
 * lifetime peak, which building the test file itself can dominate.
 */
async function startRssSampler(): Promise<{ reset(): void; peak(): number; stop(): Promise<number> }> {
  const shared = new SharedArrayBuffer(16);
  const cells = new Float64Array(shared); // [0] = peak bytes, [1] = stop flag
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const cells = new Float64Array(workerData);
    const tick = new Int32Array(new SharedArrayBuffer(4));
    parentPort.postMessage('ready');
    while (cells[1] === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > cells[0]) cells[0] = rss;
      Atomics.wait(tick, 0, 0, 1);
    }`;
  const worker = new Worker(code, { eval: true, workerData: shared });
  await new Promise((resolve) => worker.once('message', resolve));
  return {
    reset: () => (cells[0] = process.memoryUsage.rss()),
    peak: () => Math.max(cells[0], process.memoryUsage.rss()),
    stop: async () => {
      cells[1] = 1;
      return worker.terminate();
    },
  };
}

async function child(which: Which): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('child needs --expose-gc');
  const csv = makeMigrationCsv(ROWS);

  // Memory first, on a cold process, so earlier runs' garbage is not counted.
  const sampler = await startRssSampler();
  gc();
  gc();
  // Let the sampler take a few readings of the idle baseline.
  await new Promise((r) => setTimeout(r, 20));
  const before = process.memoryUsage();
  sampler.reset();
  let out = runOnce(which, csv);
  const afterRun = process.memoryUsage();
  const peakRss = sampler.peak();
  await sampler.stop();
  gc();
  const retained = process.memoryUsage().heapUsed - before.heapUsed;
  const records = out.records;
  const problems = out.problems;
  out = { records: 0, problems: 0, keep: null };

  for (let k = 0; k < WARMUP_RUNS; k++) runOnce(which, csv);
  const times: number[] = [];
  for (let k = 0; k < TIMED_RUNS; k++) {
    gc();
    const t0 = process.hrtime.bigint();
    const res = runOnce(which, csv);
    const t1 = process.hrtime.bigint();
    if (res.records !== records) throw new Error('runs disagree');
    times.push(Number(t1 - t0) / 1e6);
  }
  times.sort((a, b) => a - b);

  const figures: Figures = {
    which,
    bytes: csv.length,
    records,
    problems,
    medianMs: times[Math.floor(times.length / 2)],
    minMs: times[0],
    maxMs: times[times.length - 1],
    baselineRssMb: before.rss / MB,
    peakRssMb: peakRss / MB,
    peakRssDeltaMb: (peakRss - before.rss) / MB,
    heapDeltaMb: (afterRun.heapUsed - before.heapUsed) / MB,
    retainedHeapMb: retained / MB,
  };
  process.send?.(figures);
}

function measure(which: Which): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', which], { execArgv: ['--expose-gc'] });
    let got: Figures | null = null;
    proc.on('message', (m) => (got = m as Figures));
    proc.on('error', reject);
    proc.on('exit', (code) => (got && code === 0 ? resolve(got) : reject(new Error(`${which} child exited ${code}`))));
  });
}

const f1 = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  // Sequential: the machine is small and shared, parallel runs would skew both.
  const mine = await measure('validate');
  const bare = await measure('csv-parse');
  const ratio = mine.medianMs / bare.medianMs;

  console.log(
    `Migration CSV: ${ROWS.toLocaleString('en-US')} rows, ${f1(mine.bytes / MB)} MB; ${WARMUP_RUNS} warm-up + ${TIMED_RUNS} timed runs each (median)`,
  );
  console.log('');
  console.log('                       median ms   min..max ms    peak RSS (Δ) MB     heap Δ MB  retained MB');
  for (const f of [mine, bare]) {
    const name = f.which === 'validate' ? 'validateMigrationCsv' : 'csv-parse/sync (bare)';
    console.log(
      `${name.padEnd(22)} ${f1(f.medianMs).padStart(9)}   ${`${f1(f.minMs)}..${f1(f.maxMs)}`.padStart(12)}   ${`${f1(f.peakRssMb)} (${f1(f.peakRssDeltaMb)})`.padStart(16)}   ${f1(f.heapDeltaMb).padStart(9)}  ${f1(f.retainedHeapMb).padStart(11)}`,
    );
  }
  console.log('');
  console.log(`validate found ${mine.problems} problems in ${mine.records} rows; ratio validate/csv-parse = ${ratio.toFixed(2)}×`);
  const checks = [
    [`wall time ${f1(mine.medianMs)} ms < ${TARGET_MS} ms`, mine.medianMs < TARGET_MS],
    [`peak RSS ${f1(mine.peakRssMb)} MB < ${TARGET_MB} MB`, mine.peakRssMb < TARGET_MB],
    [`ratio ${ratio.toFixed(2)}× <= ${TARGET_RATIO}×`, ratio <= TARGET_RATIO],
  ] as const;
  for (const [label, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as Which).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
