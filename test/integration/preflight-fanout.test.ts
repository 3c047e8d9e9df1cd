// The preflight split per source login over Azure Storage queues (Azurite) between two instances
// sharing blob state and the blob-lease connection budget, against a real Dovecot behind a
// counting proxy: both instances scan, every row has exactly one result, the endpoint's cap holds
// for both together, no password is in the storage account while the run is in flight, and the
// sealed rows are gone when it ends. Cancel from the planner stops the other instance's work; an
// item that always fails shows its mailboxes as blocked with the error.

import { BlobServiceClient } from '@azure/storage-blob';
import { scanMailbox } from '../../src/adapters/imap/imapSource';
import { AzureWorkQueue } from '../../src/adapters/queue/azureQueue';
import { BlobLeaseBudget } from '../../src/adapters/storage/blobLeaseBudget';
import { BlobStore } from '../../src/adapters/storage/blobStore';
import { Secret } from '../../src/domain/secret';
import type { MailboxScanner } from '../../src/ports/mailboxScanner';
import { PreflightWork, type PreflightWorkItem } from '../../src/services/preflightWork';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { describeWithDovecot, startDovecot, type DovecotInstance, type FixtureUser } from '../support/dovecot';
import { latencyProxy, type LatencyProxy } from '../support/latencyProxy';

const USERS: FixtureUser[] = Array.from({ length: 12 }, (_, i) => ({
  login: `f${i}@example.test`,
  password: `f${i}-Secret-pw!`,
  folders: [{ name: 'INBOX', messages: 3 }],
  seed: 90 + i,
}));
const rows = USERS.map((u) => ({ emailAddress: u.login, userName: u.login, password: new Secret(u.password) }));
const KEY = Buffer.alloc(32, 9);

describeWithDovecot()('preflight fanned out over Azure Storage queues', () => {
  let azurite: RunningAzurite;
  let dc: DovecotInstance;
  let proxy: LatencyProxy;
  const started: PreflightWork[] = [];

  /** One bot instance's preflight: its own clients to the same storage account. */
  const instance = (queueName: string, scanner: MailboxScanner = scanMailbox, width = 2) => {
    const work = new PreflightWork({
      store: new BlobStore(azurite.connectionString, 'state'),
      key: KEY,
      work: new AzureWorkQueue<PreflightWorkItem>({
        connectionString: azurite.connectionString,
        queueName,
        width,
        visibilityTimeoutSeconds: 5,
        idlePollMs: 50,
        retryDelaySeconds: 0,
        maxAttempts: 2,
      }),
      connections: new BlobLeaseBudget({ connectionString: azurite.connectionString, container: 'state', waitMs: 20 }),
      scannerFor: () => scanner,
      resultsPollMs: 50,
      lostCheckMs: 1_000,
      cancelCheckMs: 100,
    });
    started.push(work);
    return work;
  };

  /** Every blob in the state container, as text. */
  const stateBlobs = async (): Promise<string[]> => {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('state');
    const out: string[] = [];
    for await (const b of container.listBlobsFlat()) {
      // A blob listed may be deleted before it is read (a run's results go in the background).
      const body = await container
        .getBlobClient(b.name)
        .downloadToBuffer()
        .catch((err: { statusCode?: number }) => (err.statusCode === 404 ? null : Promise.reject(err)));
      if (body) out.push(`${b.name}\n${body.toString('utf8')}`);
    }
    return out;
  };

  beforeAll(async () => {
    [azurite, dc] = await Promise.all([startAzurite({ queue: true }), startDovecot({ users: USERS })]);
    proxy = await latencyProxy(dc.imapPort, 40);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(started.map((w) => w.stopWorkers()));
    proxy?.close();
    await Promise.all([azurite?.close(), dc?.stop()]);
  });

  it('two instances share the rows; one result each; the cap holds for both; nothing in clear in storage; wiped at the end', async () => {
    let midRun: string[] = [];
    // While the last mailbox is being scanned (whichever instance has it), the run is in flight: look at storage then.
    const looking: MailboxScanner = async (endpoint, login, options) => {
      if (login.userName === USERS.at(-1)!.login) midRun = await stateBlobs();
      return scanMailbox(endpoint, login, options);
    };
    const planner = instance('pf-share', looking);
    const other = instance('pf-share', looking);
    const scannedBy = { planner: 0, other: 0 };
    // Count whose worker scanned what, through the handler each instance runs.
    for (const [who, w] of [
      ['planner', planner],
      ['other', other],
    ] as const) {
      const run = w.runItem.bind(w);
      w.runItem = async (item, ctx) => {
        scannedBy[who] += item.rows.split(',').length;
        return run(item, ctx);
      };
    }
    await Promise.all([planner.startWorkers(), other.startWorkers()]);
    proxy.resetPeak();
    const progress: number[] = [];
    const report = await planner.run({
      rows,
      server: { remoteServer: '127.0.0.1', port: proxy.port, security: 'None' },
      limitFor: async () => 36 * 1024 * 1024,
      maxConcurrent: 3,
      onProgress: (p) => void progress.push(p.scanned),
    });
    expect(report.users.map((u) => [u.emailAddress, u.status])).toEqual(USERS.map((u) => [u.login, 'Ready']));
    expect(report.users.every((u) => u.itemCount === 3)).toBe(true);
    expect(scannedBy.planner).toBeGreaterThan(0);
    expect(scannedBy.other).toBeGreaterThan(0);
    expect(scannedBy.planner + scannedBy.other).toBe(USERS.length);
    expect(proxy.peak()).toBeLessThanOrEqual(3);
    expect(report.stats.peakConcurrency).toBeLessThanOrEqual(3);
    expect(progress.at(-1)).toBe(USERS.length);
    // In flight, the run's rows were in storage, sealed: no password in any blob.
    expect(midRun.some((b) => b.includes('preflight/run/') || b.includes('preflight%2Frun'))).toBe(true);
    for (const b of midRun) for (const u of USERS) expect(b).not.toContain(u.password);
    // Over: the sealed rows are gone at once; the result blobs follow in the background.
    const runBlobs = async () => (await stateBlobs()).filter((b) => /preflight(\/|%2F)run(\/|%2F)/i.test(b.split('\n')[0]));
    expect((await runBlobs()).filter((b) => /"sealed"/.test(b))).toEqual([]);
    const until = Date.now() + 10_000;
    while ((await runBlobs()).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(await runBlobs()).toEqual([]);
  }, 60_000);

  it('Cancel on the planner: the other instance stops taking rows; the rest come back Cancelled', async () => {
    const starts: number[] = [];
    const timed: MailboxScanner = async (endpoint, login, options) => {
      starts.push(Date.now());
      return scanMailbox(endpoint, login, options);
    };
    const planner = instance('pf-cancel', timed, 1);
    const other = instance('pf-cancel', timed, 1);
    await Promise.all([planner.startWorkers(), other.startWorkers()]);
    const ac = new AbortController();
    let cancelledAt = 0;
    ac.signal.addEventListener('abort', () => (cancelledAt = Date.now()));
    const report = await planner.run({
      rows,
      server: { remoteServer: '127.0.0.1', port: proxy.port, security: 'None' },
      limitFor: async () => 36 * 1024 * 1024,
      maxConcurrent: 2,
      signal: ac.signal,
      onProgress: (p) => p.scanned >= 2 && ac.abort(),
    });
    expect(report.cancelled).toBe(true);
    const cancelled = report.users.filter((u) => u.failure?.kind === 'Cancelled').length;
    expect(cancelled).toBeGreaterThanOrEqual(USERS.length - 4);
    expect(report.users.filter((u) => u.status === 'Ready').length + cancelled).toBe(USERS.length);
    // Neither instance opens a connection for this run once the cancel is written (a moment after the click) and seen (cancelCheckMs).
    const since = cancelledAt + 300;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(starts.filter((t) => t > since)).toEqual([]);
  }, 60_000);

  it('an item that always fails: its mailbox is blocked with the error, the others are scanned', async () => {
    const failing: MailboxScanner = async (endpoint, login, options) => {
      if (login.userName === USERS[1].login) throw new Error(`scanner crashed for ${login.userName} (password ${login.password})`);
      return scanMailbox(endpoint, login, options);
    };
    const planner = instance('pf-poison', failing);
    await planner.startWorkers();
    const report = await planner.run({
      rows: rows.slice(0, 3),
      server: { remoteServer: '127.0.0.1', port: proxy.port, security: 'None' },
      limitFor: async () => 36 * 1024 * 1024,
      maxConcurrent: 3,
    });
    expect(report.users.map((u) => u.status)).toEqual(['Ready', 'Blocked', 'Ready']);
    const cause = report.users[1].failure!.cause;
    expect(cause).toMatch(/gave up after 2 attempts: scanner crashed for f1@example.test/);
    // The error held the password: the stored (and shown) text does not.
    expect(cause).not.toContain(USERS[1].password);
    expect(cause).toContain('••••');
  }, 60_000);
});
