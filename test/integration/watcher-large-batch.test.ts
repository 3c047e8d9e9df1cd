// The watcher on a large batch: once the batch's users are known, a change costs the groups
// that are not Synced (Get-MigrationUser -BatchId -StatusSummary Failed), not every page of
// the batch. Counted as InvokeCommand requests the emulator received, pages included.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExchangeAdmin, StaticTokenSource } from '../../src/adapters/exchange';
import { FileStore } from '../../src/adapters/storage/fileStore';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { systemClock } from '../../src/ports/clock';
import { AuditLog } from '../../src/services/auditLog';
import { buildNotifications, type Notifications } from '../../src/index';
import { unauthenticatedAdapter } from '../../src/teams/botCredentials';
import { startCaptureConnector, type CaptureConnector } from '../support/captureConnector';
import { cardText } from '../support/cutover';
import { syntheticSource } from '../support/syntheticSource';
import { waitFor } from '../support/ports';
import { validateMigrationCsv } from '../../src/domain/csv/migrationCsv';

const HOST = 'imap.large.example';
const USERS = 2500;
const CONV = '19:large@thread.tacv2';
const silent = { info() {}, warn() {}, error() {} };
const addr = (i: number) => `u${i}@large.example`;

// Every login works except passwords starting "bad": a few failures per batch.
const directory = syntheticSource(HOST, 5);

describe.each([
  ['next links followed (lenient paging)', false],
  ['every next link refused (strict paging, as measured app-only)', true],
])('watcher on a 2,500-user batch, %s', (_label, strict) => {
  let emulator: RunningExchangeEmulator;
  let connector: CaptureConnector;
  let stack: Notifications;
  let dir: string;
  const synced: string[] = [];
  synced.length = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-large-'));
    emulator = await startExchangeEmulator({ timeScale: 0, noDemoSource: true, demoTenant: false, sourceDirectories: [directory], strictPaging: strict });
    emulator.control.addMailboxes(Array.from({ length: USERS }, (_, i) => addr(i)));
    connector = await startCaptureConnector();
    const store = new FileStore(path.join(dir, 'state'));
    const exchange = (onRetry?: (e: { status: number | null; delayMs: number }) => void) =>
      createExchangeAdmin({ baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken), onRetry });
    stack = buildNotifications({
      adapter: unauthenticatedAdapter(),
      botAppId: '',
      store,
      audit: new AuditLog(store, systemClock),
      clock: systemClock,
      exchangeClock: { now: () => emulator.control.now() },
      exchange,
      intervalMs: 3_600_000,
      lease: null,
      log: silent,
      onUsersSynced: async (_batch, emails) => void synced.push(...emails),
    });
    await stack.conversations.remember({ channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id: CONV }, bot: { id: '28:bot' } }, 'test');
    await stack.subscriptions.subscribe(CONV, { all: true }, { id: 'admin' });
    const ex = exchange();
    await ex.newImapMigrationEndpoint({ name: 'large', remoteServer: HOST, port: 993, security: 'Ssl' });
    const rows = Array.from({ length: USERS }, (_, i) => `${addr(i)},${addr(i)},${i < 3 ? 'bad' : 'ok'}-${i}`);
    await ex.newImapMigrationBatch({
      name: 'big',
      sourceEndpoint: 'large',
      rows: validateMigrationCsv(Buffer.from(['EmailAddress,UserName,Password', ...rows].join('\n'))).rows,
      autoStart: true,
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.close();
    await connector?.close();
    await emulator?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  if (!strict)
    it('asks only for the users that are not Synced once it knows the batch, and still sees every change', async () => {
      // The first poll runs at start; the test runs the others itself (the interval is an hour).
      await stack.start();
      const [card] = await connector.waitForActivities(1, { conversationId: CONV, timeoutMs: 10_000 });
      await waitFor(() => stack.watcher.lastReport ?? undefined, { timeoutMs: 5000 });
      // First sight: the whole batch is read (3 pages of 1,000).
      const users = () => emulator.control.requestCounts()['Get-MigrationUser'] ?? 0;
      expect(users()).toBe(3);

      await emulator.control.advance(3 * 3600);
      await emulator.control.settle();
      const report = (await stack.watcher.pollOnce())!;
      const settled = cardText(
        connector
          .updates(CONV)
          .filter((x) => x.activityId === card.activityId)
          .pop()!.activity.attachments[0].content,
      );
      expect(settled).toMatch(/SyncedWithErrors/);
      expect(settled).toMatch(/2497 of 2500 users synced, 3 failed/);
      // The change: one request for the three failed users, not 3 pages of everyone.
      expect(users()).toBe(4);
      expect(report.usersFetched).toBe(3);
      // A poll with nothing new asks for no users at all.
      expect((await stack.watcher.pollOnce())!.usersFetched).toBe(0);
      expect(users()).toBe(4);
      // Every user whose first sync landed is known (the guide offer's input), and the failures are named.
      expect(new Set(synced).size).toBe(USERS - 3);
      const message = await waitFor(
        () =>
          connector
            .activities(CONV)
            .map((a) => cardText(a.activity.attachments[0].content))
            .find((x) => /3 users failed/.test(x)),
        { timeoutMs: 5000 },
      );
      for (let i = 0; i < 3; i++) expect(message).toContain(addr(i));
    }, 60_000);

  if (strict)
    it('keeps working when Exchange hands over one page: counts from the batch, failures named, and the card says the user list is incomplete', async () => {
      await stack.start();
      const [card] = await connector.waitForActivities(1, { conversationId: CONV, timeoutMs: 10_000 });
      await waitFor(() => stack.watcher.lastReport ?? undefined, { timeoutMs: 5000 });
      const first = cardText(card.activity.attachments[0].content);
      expect(first).toMatch(/Cutover could read [\d,]+ of 2,500 users from Exchange: the user list is incomplete/);

      await emulator.control.advance(3 * 3600);
      await emulator.control.settle();
      await stack.watcher.pollOnce();
      const settled = cardText(
        connector
          .updates(CONV)
          .filter((x) => x.activityId === card.activityId)
          .pop()!.activity.attachments[0].content,
      );
      expect(settled).toMatch(/SyncedWithErrors/);
      expect(settled).toMatch(/2497 of 2500 users synced, 3 failed/);
      const read = Number(/Cutover could read ([\d,]+) of 2,500 users/.exec(settled)![1].replace(/,/g, ''));
      expect(read).toBeGreaterThanOrEqual(1000);
      expect(read).toBeLessThan(USERS);
      // Every user reported synced really synced, none twice, and no failed one among them.
      expect(new Set(synced).size).toBe(synced.length);
      expect(synced.length).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) expect(synced).not.toContain(addr(i));
      const message = await waitFor(
        () =>
          connector
            .activities(CONV)
            .map((a) => cardText(a.activity.attachments[0].content))
            .find((x) => /3 users failed/.test(x)),
        { timeoutMs: 5000 },
      );
      for (let i = 0; i < 3; i++) expect(message).toContain(addr(i));
      // A poll with nothing new asks for no users at all.
      const before = emulator.control.requestCounts()['Get-MigrationUser'] ?? 0;
      expect((await stack.watcher.pollOnce())!.usersFetched).toBe(0);
      expect(emulator.control.requestCounts()['Get-MigrationUser'] ?? 0).toBe(before);
    }, 60_000);
});
