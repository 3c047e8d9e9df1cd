// Two bot instances on one Azure Storage account (Azurite): only the lease holder
// polls Exchange; when it dies (stops renewing) the other takes over within a lease
// period, and no notification is delivered twice across the hand-over.

import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createExchangeAdmin, StaticTokenSource } from '../../src/adapters/exchange';
import { BlobStore } from '../../src/adapters/storage/blobStore';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { systemClock } from '../../src/ports/clock';
import { AuditLog } from '../../src/services/auditLog';
import { Subscriptions } from '../../src/services/subscriptions';
import { buildNotifications, type Notifications } from '../../src/index';
import { unauthenticatedAdapter } from '../../src/teams/botCredentials';
import { startCaptureConnector, type CaptureConnector } from '../support/captureConnector';
import { cardText } from '../support/cutover';
import { freePort, waitFor } from '../support/ports';
import { validateMigrationCsv } from '../../src/domain/csv/migrationCsv';

const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONV = '19:ops-channel@thread.tacv2';
const silent = { info() {}, warn() {}, error() {} };

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('scale-out on Azure Blob Storage (Azurite)', () => {
  let azurite: ChildProcess;
  let exited = false;
  let conn: string;
  let emulator: RunningExchangeEmulator;
  let connector: CaptureConnector;
  const stacks: Notifications[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const main = path.join(__dirname, '../../node_modules/azurite/dist/src/blob/main.js');
    azurite = spawn(
      process.execPath,
      [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
      { detached: true, stdio: 'ignore' },
    );
    azurite.once('exit', () => (exited = true));
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(port))) {
      if (exited || Date.now() > deadline) throw new Error('Azurite did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    conn = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    emulator = await startExchangeEmulator({ timeScale: 0 });
    connector = await startCaptureConnector();
  }, 20_000);

  afterAll(async () => {
    for (const s of stacks) await s.close({ release: true }).catch(() => undefined);
    await connector?.close();
    await emulator?.close();
    if (azurite?.pid && !exited) {
      const gone = new Promise((r) => azurite.once('exit', r));
      process.kill(-azurite.pid, 'SIGTERM');
      await gone;
    }
  });

  const exchangeFor = (onRetry?: (e: { status: number | null; delayMs: number }) => void) =>
    createExchangeAdmin({
      baseUrl: emulator.baseUrl,
      tenantId: emulator.tenantId,
      tokenSource: new StaticTokenSource(emulator.accessToken),
      maxRetries: 3,
      onRetry,
    });

  function instance(name: string): Notifications {
    const store = new BlobStore(conn, 'state');
    const s = buildNotifications({
      adapter: unauthenticatedAdapter(),
      botAppId: '',
      store,
      audit: new AuditLog(store, systemClock),
      clock: systemClock,
      exchangeClock: { now: () => emulator.control.now() },
      exchange: (onRetry) => exchangeFor(onRetry),
      intervalMs: 200,
      lease: { connectionString: conn, container: 'state', leaseSeconds: 15 },
      log: silent,
      instanceId: name,
    });
    stacks.push(s);
    return s;
  }

  it('keeps every subscription when instances write the same document at once (eTag-checked)', async () => {
    const a = new Subscriptions(new BlobStore(conn, 'state'), systemClock);
    const b = new Subscriptions(new BlobStore(conn, 'state'), systemClock);
    await a.subscribe('seed', { all: true }, { id: 'x' });
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).subscribe(`19:c${i}@thread.v2`, { batch: 'pilot' }, { id: 'x' })));
    expect((await a.all()).map((s) => s.conversationId).sort()).toEqual([
      '19:c0@thread.v2',
      '19:c1@thread.v2',
      '19:c2@thread.v2',
      '19:c3@thread.v2',
      '19:c4@thread.v2',
      '19:c5@thread.v2',
      'seed',
    ]);
    for (let i = 0; i < 6; i++) await a.unsubscribe(`19:c${i}@thread.v2`, { all: true });
    await a.unsubscribe('seed', { all: true });
    expect(await b.all()).toEqual([]);
  });

  it('runs one watcher, hands over when its instance dies, and never delivers an event twice', async () => {
    const A = instance('instance-a');
    const B = instance('instance-b');
    await A.start();
    await B.start();
    expect(A.leader.isLeader()).toBe(true);
    expect(B.leader.isLeader()).toBe(false);
    await A.conversations.remember(
      { channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id: CONV, conversationType: 'channel' }, bot: { id: '28:bot' } },
      'installationUpdate',
    );
    await A.subscriptions.subscribe(CONV, { all: true }, { id: '29:admin' });

    const ex = exchangeFor();
    await ex.newImapMigrationEndpoint({ name: 'school', remoteServer: 'imap.contoso.edu', port: 993, security: 'Ssl' });
    const csv = (rows: string[]) => Buffer.from(['EmailAddress,UserName,Password', ...rows].join('\n'));
    await ex.newImapMigrationBatch({
      name: 'pilot',
      sourceEndpoint: 'school',
      rows: validateMigrationCsv(csv(['terrya@contoso.edu,terry.adams,1091990', 'paulc@contoso.edu,paul.cannon,wrong-pw'])).rows,
      autoStart: true,
    });
    const [card] = await connector.waitForActivities(1, { conversationId: CONV, timeoutMs: 5000 });
    await emulator.control.advance(2 * 3600);
    await emulator.control.settle();
    await waitFor(
      () => (connector.activities(CONV).some((a) => /Batch pilot synced with errors/.test(cardText(a.activity.attachments[0].content))) ? true : undefined),
      { timeoutMs: 5000 },
    );
    expect(A.watcher.lastReport).not.toBeNull();
    expect(B.watcher.lastReport).toBeNull();

    // A "dies" between sending and saving what it saw: its state goes back to before the failure.
    const store = new BlobStore(conn, 'state');
    const before = await store.read(['watcher/state']);
    const saved = before['watcher/state'] as { batches: Record<string, { guid: string }> };
    const guid = Object.values(saved.batches)[0].guid;
    const stale = {
      'watcher/state': {
        ...before['watcher/state'],
        recentKeys: [],
        pendingEvents: [],
        batches: { pilot: { ...saved.batches.pilot, status: 'Syncing', failed: 0, synced: 0, active: 2, lastSyncedDateTime: null } },
      },
    };
    const users = (await store.read([`watcher/users/${guid}`]))[`watcher/users/${guid}`] as { users: Record<string, Record<string, unknown>> };
    const staleUsers = {
      users: Object.fromEntries(Object.entries(users.users).map(([k, u]) => [k, { ...u, status: 'Syncing', summary: 'Active', error: null }])),
    };
    await A.close({ release: false });
    delete stale['watcher/state'].eTag;
    await store.write({ ...stale, [`watcher/users/${guid}`]: staleUsers });
    const killedAt = Date.now();

    // B takes over within one lease period (15 s) plus its campaign beat (5 s).
    await waitFor(() => (B.leader.isLeader() && B.watcher.lastReport ? true : undefined), { timeoutMs: 25_000, intervalMs: 100 });
    expect(Date.now() - killedAt).toBeLessThan(21_000);
    // B recomputes the same events from the stale state; the ledger stops them going out again.
    await waitFor(() => (B.watcher.totals.skippedAsDelivered >= 2 ? true : undefined), { timeoutMs: 5000 });

    // New changes after the hand-over reach the channel, once, from B, on the same card.
    await ex.newImapMigrationBatch({
      name: 'wave2',
      sourceEndpoint: 'school',
      rows: validateMigrationCsv(csv(['annb@contoso.edu,ann.beebe,wrong-too'])).rows,
      autoStart: true,
    });
    await emulator.control.advance(2 * 3600);
    await emulator.control.settle();
    await waitFor(
      () => (connector.activities(CONV).some((a) => /annb@contoso.edu failed/.test(cardText(a.activity.attachments[0].content))) ? true : undefined),
      { timeoutMs: 5000 },
    );
    await new Promise((r) => setTimeout(r, 800));

    const texts = connector.activities(CONV).map((a) => cardText(a.activity.attachments[0].content));
    const count = (re: RegExp) => texts.filter((t) => re.test(t)).length;
    expect(count(/^Batch pilot\n/)).toBe(1);
    expect(count(/paulc@contoso.edu failed/)).toBe(1);
    expect(count(/Batch pilot synced with errors/)).toBe(1);
    expect(count(/^Batch wave2\n/)).toBe(1);
    expect(count(/annb@contoso.edu failed/)).toBe(1);
    // The pilot card was only ever updated in place after it was posted.
    expect(connector.updates(CONV).every((u) => u.activityId === card.activityId || !/^Batch pilot\n/.test(cardText(u.activity.attachments[0].content)))).toBe(
      true,
    );
  }, 60_000);
});
