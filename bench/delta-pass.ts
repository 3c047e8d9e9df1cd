// Delta pass benchmark: 50 users × 2,000 messages on a source Dovecot, the same mail on a target
// Dovecot (as Exchange's last sync left it), then 200 new messages delivered to the source.
// Pass 0 builds the checkpoints (full compare), pass 1 copies the 200, pass 2 finds nothing new.
// Run: npx tsc -p . && node dist/bench/delta-pass.js

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapMailboxAccess } from '../src/adapters/imap/mailboxCopier';
import { FileStore } from '../src/adapters/storage/fileStore';
import type { MigrationBatch, MigrationEndpoint } from '../src/domain/exchange/types';
import type { ExchangeAdmin } from '../src/ports/exchange';
import { CutoverService, type DeltaPassSummary } from '../src/services/cutover';
import { dovecotAvailable, startDovecot } from '../test/support/dovecot';
import { buildMessage, type FixtureUser } from '../test/support/mailFixtures';

const USERS = 50;
const PER_USER = 2000;
const NEW = 200;

async function main(): Promise<void> {
  if (!dovecotAvailable()) throw new Error('dovecot is not installed');
  const users: FixtureUser[] = Array.from({ length: USERS }, (_, i) => ({
    login: `u${String(i).padStart(2, '0')}@bench.test`,
    password: `pw-${i}`,
    seed: 1000 + i,
    folders: [
      { name: 'INBOX', messages: 1000, sizeRange: [1500, 6000] },
      { name: 'Sent', messages: 500, sizeRange: [1500, 6000] },
      { name: 'Archive/2024', messages: 400, sizeRange: [1500, 6000] },
      { name: 'Trash', messages: 100, sizeRange: [1500, 6000] },
    ],
  }));
  const t0 = Date.now();
  const [source, target] = await Promise.all([startDovecot({ users }), startDovecot({ users })]);
  console.log(`fixtures: ${USERS} users × ${PER_USER} messages on two Dovecots in ${Date.now() - t0} ms`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-delta-'));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const exchange = {
      getMigrationBatch: async () => ({ identity: 'bench', sourceEndpoint: 'old', excludedFolders: [] }) as unknown as MigrationBatch,
      getMigrationEndpoint: async () => ({ identity: 'old', remoteServer: '127.0.0.1', port: source.imapPort, security: 'None' }) as MigrationEndpoint,
    } as unknown as ExchangeAdmin;
    const service = new CutoverService({
      store: new FileStore(dir),
      clock: { now: () => new Date() },
      exchange,
      resolvers: [],
      key: Buffer.alloc(32, 1),
      mailboxes: (ep) =>
        new ImapMailboxAccess({
          source: { host: ep.remoteServer, port: ep.port, security: 'None' },
          target: { host: target.host, port: target.imapPort, security: 'None' },
          targetAuth: { kind: 'password', userTemplate: `{email}*${target.masterUser}`, password: target.masterPassword },
          limitFor: async () => 36 * 1024 * 1024,
        }),
    });
    const csv = ['EmailAddress,UserName,Password', ...users.map((u) => `${u.login},${u.login},${u.password}`)].join('\n');
    await service.plan('bench', { domain: 'bench.test', by: 'bench', csv: Buffer.from(csv) });
    const report = (label: string, s: DeltaPassSummary) => {
      const rts = s.roundTrips.map((r) => r.source + r.target).sort((a, b) => a - b);
      const src = s.roundTrips.map((r) => r.source).sort((a, b) => a - b);
      console.log(
        `${label}: ${s.durationMs} ms wall, copied ${s.copied}, failed users ${s.failedUsers.length}, bodies read ${s.bodyBytes.toLocaleString('en-US')} bytes, ` +
          `round trips per mailbox (source+target) median ${rts[rts.length >> 1]} max ${rts[rts.length - 1]} (source only: median ${src[src.length >> 1]}, max ${src[src.length - 1]}), ` +
          `folders read ${s.foldersRead} unchanged ${s.foldersUnchanged}, peak RSS ${(peak / 1048576).toFixed(0)} MB`,
      );
    };
    report('pass 0 (first compare, builds checkpoints)', await service.runDeltaPass('bench', { maxConcurrentUsers: 4 }));
    for (let i = 0; i < NEW; i++) {
      const u = users[i % USERS].login;
      const folder = i % 4 === 3 ? 'Sent' : 'INBOX';
      source.deliver(u, folder, buildMessage(3000, { subject: `new ${i}`, from: 'x <x@new.test>', to: u, date: new Date(), id: `new-${i}` }));
    }
    peak = process.memoryUsage().rss;
    report(`pass 1 (${NEW} new)`, await service.runDeltaPass('bench', { maxConcurrentUsers: 4 }));
    peak = process.memoryUsage().rss;
    report('pass 2 (nothing new)', await service.runDeltaPass('bench', { maxConcurrentUsers: 4 }));
    console.log('target for pass 2: round trips per mailbox ≤ 2 + 1 per folder (4 folders → 6), no bodies read');
  } finally {
    clearInterval(sampler);
    await Promise.all([source.stop(), target.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
