// Preflight benchmark: 50 mailboxes x 2,000 messages on a private local Dovecot.
// Prints wall time, connections, peak memory and IMAP round trips per mailbox.
// Run: npx tsc -p . && node dist/bench/preflight.js
// Target: < 10 s, round trips per mailbox <= 2 + 1 per folder.

import { scanMailbox } from '../src/adapters/imap/imapSource';
import { Secret } from '../src/domain/secret';
import { runPreflight } from '../test/support/preflight';
import { dovecotAvailable, startDovecot } from '../test/support/dovecot';
import type { FixtureUser } from '../test/support/mailFixtures';

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const LIMIT = 35 * 1024 * 1024;

// 2,000 messages over 6 folders, nested and non-ASCII names included.
const SHAPE: [string, number][] = [
  ['INBOX', 0.45],
  ['Sent', 0.25],
  ['Archive/2023', 0.15],
  ['Archive/2024', 0.1],
  ['Projects/Équipe Zürich', 0.04],
  ['Trash', 0.01],
];

function users(): FixtureUser[] {
  return Array.from({ length: MAILBOXES }, (_, i) => {
    let left = MESSAGES;
    const folders = SHAPE.map(([name, share], j) => {
      const n = j === SHAPE.length - 1 ? left : Math.round(MESSAGES * share);
      left -= n;
      return { name, messages: n, sizeRange: [800, 6000] as [number, number] };
    });
    return { login: `load${String(i + 1).padStart(2, '0')}`, password: `pw-${i + 1}`, folders, seed: 1000 + i };
  });
}

async function main() {
  if (!dovecotAvailable()) {
    console.error('dovecot is not installed: apt-get install -y dovecot-imapd');
    process.exit(2);
  }
  const t0 = Date.now();
  const dc = await startDovecot({ users: users() });
  const populateMs = Date.now() - t0;
  const rows = users().map((u) => ({ emailAddress: `${u.login}@contoso.test`, userName: u.login, password: new Secret(u.password) }));
  try {
    for (const pass of ['index-cold', 'warm'] as const) {
      let peakRss = 0;
      const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
      const started = process.hrtime.bigint();
      const report = await runPreflight({
        scanner: scanMailbox,
        rows,
        server: { remoteServer: dc.host, port: dc.imapPort, security: 'None' },
        limitFor: async () => LIMIT,
        maxConcurrent: 20,
        perConnectionTimeoutMs: 15_000,
      });
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearInterval(sample);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);

      const expectedItems = [...dc.expected.values()].reduce((a, e) => a + e.count, 0);
      const expectedBytes = [...dc.expected.values()].reduce((a, e) => a + e.bytes, 0);
      const rts = report.users.map((u) => u.roundTrips);
      const overBound = report.users.filter((u) => u.roundTrips > 2 + u.folders.length);
      console.log(`\n== preflight bench (${pass}) ==`);
      console.log(`mailboxes            ${report.users.length} x ${MESSAGES} messages, ${SHAPE.length} folders each`);
      console.log(`fixture write        ${populateMs} ms (not in wall time)`);
      console.log(`wall time            ${(wallMs / 1000).toFixed(2)} s  (target < 10 s)`);
      console.log(`connections          ${report.stats.connections} (peak ${report.stats.peakConcurrency} at once, ${report.stats.retries} retries)`);
      console.log(`peak RSS             ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
      console.log(
        `round trips/mailbox  min ${Math.min(...rts)} max ${Math.max(...rts)} (bound 2 + folders = ${2 + SHAPE.length}; over bound: ${overBound.length})`,
      );
      console.log(`sizing method        ${[...new Set(report.users.map((u) => u.method))].join(', ')}`);
      console.log(
        `items / bytes        ${report.totals.items} / ${report.totals.sizeBytes} (expected ${expectedItems} / ${expectedBytes}: ${report.totals.items === expectedItems && report.totals.sizeBytes === expectedBytes ? 'match' : 'MISMATCH'})`,
      );
      console.log(`blocked              ${report.totals.blocked}`);
    }
  } finally {
    await dc.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
