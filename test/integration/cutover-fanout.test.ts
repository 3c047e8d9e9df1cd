// The delta pass fanned out over Azure Storage queues (Azurite) between two bot instances and a
// real Dovecot pair: this process plans and consumes, a second process consumes and is killed
// with SIGKILL right after an APPEND reached the target (before its item was acknowledged). This
// instance takes the item over once its visibility lapses and finishes the pass: every message is
// on the target exactly once and the summary (the card) has one result per mailbox. Then an item
// that always fails ends in the poison queue and its mailbox shows the error.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { MigrationBatch, MigrationEndpoint } from '../../src/domain/exchange/types';
import type { ExchangeAdmin } from '../../src/ports/exchange';
import { describeWithDovecot, mailboxView, startDovecot, type DovecotInstance, type FixtureUser } from '../support/dovecot';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { buildMessage } from '../support/mailFixtures';
import { cutoverInstance } from '../support/cutoverWorker';
import { latencyProxy } from '../support/latencyProxy';
import { InProcessWorkQueue } from '../../src/adapters/queue/inProcessQueue';
import { CutoverService, type CutoverWorkItem } from '../../src/services/cutover';
import { ImapMailboxAccess } from '../../src/adapters/imap/mailboxCopier';
import { BlobStore } from '../../src/adapters/storage/blobStore';

const ROOT = path.join(__dirname, '../..');
const USERS: FixtureUser[] = Array.from({ length: 6 }, (_, i) => ({
  login: `u${i}@example.test`,
  password: `u${i}-Src-pw!`,
  folders: [{ name: 'INBOX', messages: 5 }],
  seed: 40 + i,
}));
const CSV = ['EmailAddress,UserName,Password', ...USERS.map((u) => `${u.login},${u.login},${u.password}`)].join('\n');
const NEW_PER_USER = 3;

async function subjects(dc: DovecotInstance, email: string): Promise<string[]> {
  return (await mailboxView(dc, email, 'INBOX')).map((m) => m.subject);
}

describeWithDovecot()('delta pass fanned out over Azure Storage queues', () => {
  let azurite: RunningAzurite;
  let source: DovecotInstance;
  let target: DovecotInstance;
  let child: ChildProcess | null = null;
  const exchange = () =>
    ({
      getMigrationBatch: async (id: string) =>
        id === 'pilot' ? ({ identity: 'pilot', status: 'Synced', sourceEndpoint: 'old', excludedFolders: [] } as unknown as MigrationBatch) : null,
      getMigrationEndpoint: async () =>
        ({ identity: 'old', remoteServer: '127.0.0.1', port: source.imapPort, security: 'None', maxConcurrentIncrementalSyncs: 4 }) as MigrationEndpoint,
    }) as unknown as ExchangeAdmin;

  beforeAll(async () => {
    [azurite, source, target] = await Promise.all([startAzurite({ queue: true }), startDovecot({ users: USERS }), startDovecot({ users: USERS })]);
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([azurite?.close(), source?.stop(), target?.stop()]);
  });

  it('one instance killed after copying, before acknowledging: the other finishes, nothing is copied twice, one result per mailbox', async () => {
    const { service, queue } = cutoverInstance({
      storage: azurite.connectionString,
      queue: 'cutover-delta',
      target: { host: target.host, port: target.imapPort, user: `{email}*${target.masterUser}`, password: target.masterPassword },
      width: 2,
      visibilitySeconds: 3,
      exchange: exchange(),
    });
    await service.plan('pilot', { domain: 'example.test', by: 'test', csv: Buffer.from(CSV) });
    // First pass: checkpoints (nothing new yet), run here alone.
    await service.startWorkers();
    const first = await service.runDeltaPass('pilot');
    expect(first).toMatchObject({ users: 6, copied: 0, failedUsers: [] });
    await service.stopWorkers();

    for (const u of USERS)
      for (let i = 1; i <= NEW_PER_USER; i++)
        source.deliver(
          u.login,
          'INBOX',
          buildMessage(1500, {
            subject: `${u.login} late ${i}`,
            id: `${u.login}-late-${i}`,
            from: 'a <a@old.test>',
            to: 'b <b@example.test>',
            date: new Date('2025-06-01T10:00:00Z'),
          }),
        );

    // The second instance: its own process, dies (SIGKILL) right after its first APPEND reached the target.
    child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/tsRegister.cjs'), path.join(ROOT, 'test/support/cutoverWorker.ts')], {
      env: {
        ...process.env,
        CUTOVER_WORKER_STORAGE: azurite.connectionString,
        CUTOVER_WORKER_QUEUE: 'cutover-delta',
        CUTOVER_WORKER_TARGET: `${target.host}:${target.imapPort}`,
        CUTOVER_WORKER_TARGET_USER: `{email}*${target.masterUser}`,
        CUTOVER_WORKER_TARGET_PASSWORD: target.masterPassword,
        // Two lanes: the other lane's APPEND may land in the instant before the kill too; each
        // mailbox's pending marker still gets every landed copy counted exactly once.
        CUTOVER_WORKER_WIDTH: '2',
        CUTOVER_WORKER_VISIBILITY: '3',
        CUTOVER_WORKER_KILL_AFTER_APPENDS: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const killed = new Promise<NodeJS.Signals | null>((r) => child!.once('exit', (_code, signal) => r(signal)));
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child!.once('exit', () => reject(new Error('worker exited before it was ready')));
    });
    // The pass is planned here; the other instance (already polling) takes the first items.
    const progress: number[] = [];
    const pass = service.runDeltaPass('pilot', { onProgress: (p) => progress.push(p.done) });
    expect(await killed).toBe('SIGKILL');
    await service.startWorkers();
    const s = await pass;
    await service.stopWorkers();

    expect(s.users).toBe(6);
    expect(s.roundTrips.map((r) => r.email).sort()).toEqual(USERS.map((u) => u.login).sort());
    expect(s.failedUsers).toEqual([]);
    // The APPEND the dead instance made before dying is found on the target, not made again, and
    // counted (its pending marker was saved before it was sent): the card's count is exact.
    expect(s.copied).toBe(6 * NEW_PER_USER);
    for (const u of USERS) {
      const got = await subjects(target, u.login);
      expect(got).toHaveLength(5 + NEW_PER_USER);
      for (let i = 1; i <= NEW_PER_USER; i++) expect(got.filter((x) => x === `${u.login} late ${i}`)).toHaveLength(1);
    }
    expect(progress.at(-1)).toBe(6);

    // Run every item of that pass again (as after a lost acknowledgement): nothing is copied.
    await service.startWorkers();
    const again = await service.runDeltaPass('pilot');
    expect(again.copied).toBe(0);
    for (const u of USERS) expect(await subjects(target, u.login)).toHaveLength(5 + NEW_PER_USER);
    await queue.stop();
    expect(await queue.poisoned()).toEqual([]);
    // Each pass's per-mailbox results and marks leave the store once it ended (in the background); only the pass record stays.
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('state');
    const passBlobs = async () => {
      const left: string[] = [];
      for await (const b of container.listBlobsFlat()) if (/^cutover(\/|%2F)pass(\/|%2F)/i.test(b.name)) left.push(decodeURIComponent(b.name));
      return left;
    };
    const until = Date.now() + 10_000;
    while ((await passBlobs()).length > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(await passBlobs()).toEqual(['cutover/pass/pilot']);
  }, 90_000);

  it("the source server's connection cap holds for both instances together", async () => {
    // The source behind a proxy that counts open connections; the endpoint allows 2 at once.
    const proxy = await latencyProxy(source.imapPort, 30);
    const cappedExchange = {
      getMigrationBatch: async (id: string) => ({ identity: id, status: 'Synced', sourceEndpoint: 'old', excludedFolders: [] }) as unknown as MigrationBatch,
      getMigrationEndpoint: async () =>
        ({ identity: 'old', remoteServer: '127.0.0.1', port: proxy.port, security: 'None', maxConcurrentIncrementalSyncs: 2 }) as MigrationEndpoint,
    } as unknown as ExchangeAdmin;
    const setup = {
      storage: azurite.connectionString,
      queue: 'capped',
      target: { host: target.host, port: target.imapPort, user: `{email}*${target.masterUser}`, password: target.masterPassword },
      width: 3,
      visibilitySeconds: 30,
    };
    const a = cutoverInstance({ ...setup, exchange: cappedExchange });
    const b = cutoverInstance(setup);
    const ran = { a: 0, b: 0 };
    const count = (who: 'a' | 'b', q: typeof a.queue) => {
      const start = q.start.bind(q);
      q.start = (h) => start({ run: async (item, ctx) => (await h.run(item, ctx), void ran[who]++), poisoned: h.poisoned });
    };
    count('a', a.queue);
    count('b', b.queue);
    try {
      await a.service.plan('capped', { domain: 'example.test', by: 'test', csv: Buffer.from(CSV) });
      await Promise.all([a.service.startWorkers(), b.service.startWorkers()]);
      const s = await a.service.runDeltaPass('capped');
      expect(s.failedUsers).toEqual([]);
      expect(s.users).toBe(6);
      expect(ran.a + ran.b).toBe(6);
      expect(ran.a).toBeGreaterThan(0);
      expect(ran.b).toBeGreaterThan(0);
      // 6 slots of demand (3 per instance), 2 allowed: never more than 2 open, and the cap was used.
      expect(proxy.peak()).toBe(2);
    } finally {
      await Promise.all([a.service.stopWorkers(), b.service.stopWorkers()]);
      proxy.close();
    }
  }, 60_000);

  it('an item that always fails goes to the poison queue and its mailbox shows the error on the card', async () => {
    let calls = 0;
    const queue = new InProcessWorkQueue<CutoverWorkItem>({ maxAttempts: 2, retryDelayMs: 1 });
    const service = new CutoverService({
      store: new BlobStore(azurite.connectionString, 'poison-state'),
      clock: { now: () => new Date() },
      exchange: exchange(),
      resolvers: [],
      key: Buffer.alloc(32, 3),
      work: queue,
      resultsPollMs: 20,
      // The planner finds the target; the instance that runs the items has none configured.
      mailboxes: (ep) =>
        ++calls === 1
          ? new ImapMailboxAccess({
              source: { host: ep.remoteServer, port: ep.port, security: ep.security },
              target: { host: target.host, port: target.imapPort, security: 'None' },
              targetAuth: { kind: 'password', userTemplate: `{email}*${target.masterUser}`, password: target.masterPassword },
              limitFor: async () => 1e6,
            })
          : null,
    });
    await service.plan('pilot', { domain: 'example.test', by: 'test', csv: Buffer.from(CSV) });
    await service.startWorkers();
    const s = await service.runDeltaPass('pilot');
    await service.stopWorkers();
    expect(s.users).toBe(6);
    expect(s.failedUsers).toHaveLength(6);
    expect(s.failedUsers[0].why).toBe('gave up after 2 attempts: No target IMAP is configured on this instance for 127.0.0.1.');
    expect(queue.poison).toHaveLength(6);
    // Ids only on the queue: no password in any item.
    expect(JSON.stringify(queue.poison)).not.toMatch(/Src-pw/);
    expect(Object.keys(queue.poison[0]).sort()).toEqual(['batch', 'email', 'kind', 'pass', 'row']);
  }, 60_000);
});
