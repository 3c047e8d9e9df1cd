// Fan-out benchmark: a delta pass over N mailboxes (FANOUT_MAILBOXES, default 2,000) with 1, 2 and
// 4 bot processes consuming its items from an Azure Storage queue (Azurite), the source and target
// Dovecots each behind a loopback latency proxy that holds every client→server chunk 20 ms
// (FANOUT_LATENCY_MS), so each IMAP round trip costs 20 ms as over a WAN. Each run is a fresh batch
// (the same mailboxes, no checkpoints yet: a full compare, nothing to copy), so every run does the
// same work. The per-server cap (the endpoint's MaxConcurrentIncrementalSyncs, FANOUT_CAP, default
// 20) is the same in every run; each process takes FANOUT_WIDTH (4) items at once. The proxies
// count open connections per server, so the printed peak shows whether the cap held. Each run also
// preflights the same mailboxes the same way (one item per login; FANOUT_KIND=delta or =preflight
// runs one of them). Each line ends with how busy the machine's cores were: all processes, Azurite
// and both Dovecots share them here, so near 100% the ratios measure the CPU, not Cutover.
// Run: npx tsc -p . && FANOUT_MAILBOXES=100 node dist/bench/fanout.js

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MigrationBatch, MigrationEndpoint } from '../src/domain/exchange/types';
import type { ExchangeAdmin } from '../src/ports/exchange';
import { Secret } from '../src/domain/secret';
import { startAzurite } from '../test/support/azurite';
import { latencyProxy } from '../test/support/latencyProxy';
import { cutoverInstance } from '../test/support/cutoverWorker';
import { dovecotAvailable, startDovecot, type FixtureUser } from '../test/support/dovecot';

const N = Number(process.env.FANOUT_MAILBOXES ?? 2000);
const LATENCY = Number(process.env.FANOUT_LATENCY_MS ?? 20);
const CAP = Number(process.env.FANOUT_CAP ?? 20);
const WIDTH = Number(process.env.FANOUT_WIDTH ?? 4);
const PROCESSES = (process.env.FANOUT_PROCESSES ?? '1,2,4').split(',').map(Number);
/** What each run measures: the delta pass, the preflight, or both (default). */
const KINDS = (process.env.FANOUT_KIND ?? 'preflight,delta').split(',');
const ROOT = path.resolve(__dirname, __dirname.split(path.sep).includes('dist') ? '../..' : '..');

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  // FANOUT_WORKER_NODE_ARGS: extra node flags for the workers (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof to see where their time goes).
  const extra = (process.env.FANOUT_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '-r', path.join(ROOT, 'test/support/tsRegister.cjs'), path.join(ROOT, 'test/support/cutoverWorker.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
}

/** Busy and total CPU time of the whole machine so far (jiffies, from /proc/stat); null off Linux. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function cpuBusy(a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>): string {
  // How busy the machine's cores were during a run: near 100%, it was bound by CPU, not by round trips.
  return a && b ? `${(((b.busy - a.busy) / (b.total - a.total)) * 100).toFixed(0)}%` : 'n/a';
}

async function main(): Promise<void> {
  if (!dovecotAvailable()) throw new Error('dovecot is not installed');
  const users: FixtureUser[] = Array.from({ length: N }, (_, i) => ({
    login: `u${String(i).padStart(4, '0')}@fanout.test`,
    password: `pw-${i}`,
    seed: 500 + i,
    folders: [
      { name: 'INBOX', messages: 6, sizeRange: [800, 2000] },
      { name: 'Sent', messages: 3, sizeRange: [800, 2000] },
    ],
  }));
  const t0 = Date.now();
  const [source, target] = await Promise.all([startDovecot({ users }), startDovecot({ users })]);
  const [srcProxy, tgtProxy] = await Promise.all([latencyProxy(source.imapPort, LATENCY), latencyProxy(target.imapPort, LATENCY)]);
  console.log(
    `fixtures: ${N} mailboxes on two Dovecots behind ${LATENCY} ms proxies (Azurite blob+queue started afresh per run), in ${Date.now() - t0} ms; cap ${CAP} per server, ${WIDTH} items per process; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  const exchange = {
    getMigrationBatch: async (id: string) => ({ identity: id, sourceEndpoint: 'old', excludedFolders: [] }) as unknown as MigrationBatch,
    getMigrationEndpoint: async () =>
      ({
        identity: 'old',
        remoteServer: '127.0.0.1',
        port: srcProxy.port,
        security: 'None',
        maxConcurrentIncrementalSyncs: CAP,
        maxConcurrentMigrations: 100,
      }) as MigrationEndpoint,
  } as unknown as ExchangeAdmin;
  const csv = Buffer.from(['EmailAddress,UserName,Password', ...users.map((u) => `${u.login},${u.login},${u.password}`)].join('\n'));
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined;
  const throughput = new Map<number, number>();
  const preflightThroughput = new Map<number, number>();
  let failed = false;
  try {
    for (const p of PROCESSES) {
      // A fresh Azurite for each process count: its blob service slows as distinct blobs pile up (each
      // run leaves a state blob per mailbox), which real Azure Storage does not; runs compare alike.
      await azurite?.close();
      const az = await startAzurite({ queue: true });
      azurite = az;
      const queueName = `fanout-${p}-${Date.now()}`;
      // The planner: plans and adds up, runs no items itself (its queue is never started).
      const { service, preflight } = cutoverInstance({
        storage: az.connectionString,
        queue: queueName,
        target: { host: '127.0.0.1', port: tgtProxy.port, user: `{email}*${target.masterUser}`, password: target.masterPassword },
        width: WIDTH,
        visibilitySeconds: 30,
        exchange,
      });
      const batch = `run-${p}`;
      if (process.env.FANOUT_DEBUG) console.error('plan', p);
      await service.plan(batch, { domain: 'fanout.test', by: 'bench', csv });
      const workers = await Promise.all(
        Array.from({ length: p }, () =>
          startWorker({
            CUTOVER_WORKER_STORAGE: az.connectionString,
            CUTOVER_WORKER_QUEUE: queueName,
            CUTOVER_WORKER_TARGET: `127.0.0.1:${tgtProxy.port}`,
            CUTOVER_WORKER_TARGET_USER: `{email}*${target.masterUser}`,
            CUTOVER_WORKER_TARGET_PASSWORD: target.masterPassword,
            CUTOVER_WORKER_WIDTH: String(WIDTH),
            CUTOVER_WORKER_TARGET_CAP: String(CAP),
            // The production default: an idle instance asks the queue once a second (the tests' 100 ms costs more the more instances there are).
            CUTOVER_WORKER_IDLE_POLL_MS: '1000',
          }),
        ),
      );
      if (process.env.FANOUT_DEBUG) console.error('workers ready', p);
      if (KINDS.includes('delta')) {
        srcProxy.resetPeak();
        tgtProxy.resetPeak();
        const load = os.loadavg()[0];
        const cpu0 = machineCpu();
        const s = await service.runDeltaPass(batch, { onProgress: (x) => void (process.env.FANOUT_DEBUG && console.error('progress', x)) });
        const busy = cpuBusy(cpu0, machineCpu());
        const rate = N / (s.durationMs / 1000);
        throughput.set(p, rate);
        const capHeld = srcProxy.peak() <= CAP && tgtProxy.peak() <= CAP;
        if (!capHeld || s.failedUsers.length > 0) failed = true;
        const rts = s.roundTrips.map((r) => r.source + r.target).sort((a, b) => a - b);
        console.log(
          `processes=${p}: ${N} mailboxes in ${(s.durationMs / 1000).toFixed(1)} s = ${rate.toFixed(1)} mailboxes/s, ` +
            `peak connections source ${srcProxy.peak()} target ${tgtProxy.peak()} (cap ${CAP}: ${capHeld ? 'held' : 'EXCEEDED'}), ` +
            `round trips per mailbox median ${rts[rts.length >> 1]}, failed ${s.failedUsers.length}, copied ${s.copied}, load before ${load.toFixed(2)}, CPU busy ${busy} of ${os.cpus().length} cores`,
        );
      }
      if (KINDS.includes('preflight')) {
        // The same mailboxes checked by a preflight: the planner only plans and adds up, the workers scan.
        srcProxy.resetPeak();
        const cpu0 = machineCpu();
        const t0 = Date.now();
        const report = await preflight.run({
          rows: users.map((u) => ({ emailAddress: u.login, userName: u.login, password: new Secret(u.password) })),
          server: { remoteServer: '127.0.0.1', port: srcProxy.port, security: 'None' },
          limitFor: async () => 36 * 1024 * 1024,
          maxConcurrent: CAP,
        });
        const ms = Date.now() - t0;
        const busy = cpuBusy(cpu0, machineCpu());
        const rate = N / (ms / 1000);
        preflightThroughput.set(p, rate);
        const capHeld = srcProxy.peak() <= CAP;
        if (!capHeld || report.totals.ready !== N) failed = true;
        console.log(
          `preflight processes=${p}: ${N} mailboxes in ${(ms / 1000).toFixed(1)} s = ${rate.toFixed(1)} mailboxes/s, ` +
            `peak connections ${srcProxy.peak()} (cap ${CAP}: ${capHeld ? 'held' : 'EXCEEDED'}), ready ${report.totals.ready}, CPU busy ${busy} of ${os.cpus().length} cores`,
        );
      }
      await Promise.all(
        workers.map(
          (w) =>
            new Promise((r) => {
              w.once('exit', r);
              w.kill('SIGTERM');
              setTimeout(() => w.kill('SIGKILL'), 5_000).unref();
            }),
        ),
      );
    }
    const ratios = (t: Map<number, number>) => {
      const base = t.get(1);
      return base ? `ratio2=${((t.get(2) ?? 0) / base).toFixed(2)} ratio4=${((t.get(4) ?? 0) / base).toFixed(2)}` : null;
    };
    if (ratios(preflightThroughput)) console.log(`preflight fanout: ${ratios(preflightThroughput)}`);
    if (ratios(throughput)) console.log(`fanout: ${ratios(throughput)}`);
  } finally {
    srcProxy.close();
    tgtProxy.close();
    await Promise.all([azurite?.close(), source.stop(), target.stop()]);
  }
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
