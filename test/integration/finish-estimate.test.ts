// The honest finish time end to end: the watcher samples a syncing batch in the Exchange emulator
// (simulated clock) into its rolling history; the subscribed card shows throughput and "expected
// Synced between … and …". The source slows down mid-way: the range tightens, then moves, and the
// emulator's clock then proves the last range right.

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
import { readProgress } from '../../src/services/watcher/progressHistory';
import { estimateFinish, type FinishEstimate } from '../../src/domain/progress/eta';
import { validateMigrationCsv } from '../../src/domain/csv/migrationCsv';
import { startCaptureConnector, type CaptureConnector } from '../support/captureConnector';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { syntheticSource } from '../support/syntheticSource';
import { waitFor } from '../support/ports';
import { validateAdaptiveCard } from '../support/adaptiveCardSchema';

const HOST = 'imap.eta.example';
const ITEMS = 600;
const CONV = '19:eta@thread.tacv2';
const STEP_S = 60;
const silent = { info() {}, warn() {}, error() {} };

describe('finish estimate on a batch whose pace changes', () => {
  let emulator: RunningExchangeEmulator;
  let connector: CaptureConnector;
  let stack: Notifications;
  let store: FileStore;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-eta-'));
    emulator = await startExchangeEmulator({
      timeScale: 0,
      noDemoSource: true,
      demoTenant: false,
      sourceDirectories: [syntheticSource(HOST, ITEMS)],
      itemsPerSecond: 0.5,
    });
    emulator.control.addMailboxes(['ann@eta.example']);
    connector = await startCaptureConnector();
    store = new FileStore(path.join(dir, 'state'));
    const exchange = () =>
      createExchangeAdmin({ baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken) });
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
    });
    await stack.conversations.remember({ channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id: CONV }, bot: { id: '28:bot' } }, 'test');
    await stack.subscriptions.subscribe(CONV, { all: true }, { id: 'admin' });
    const ex = exchange();
    await ex.newImapMigrationEndpoint({ name: 'eta', remoteServer: HOST, port: 993, security: 'Ssl' });
    const rows = validateMigrationCsv(Buffer.from(['EmailAddress,UserName,Password', 'ann@eta.example,ann,ok-1'].join('\n'))).rows;
    await ex.newImapMigrationBatch({ name: 'pilot', sourceEndpoint: 'eta', rows, autoStart: true });
  }, 30_000);

  afterAll(async () => {
    await stack?.close();
    await connector?.close();
    await emulator?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tightens, moves when the source slows, and the emulator clock lands inside the last range', async () => {
    await stack.start();
    await waitFor(() => stack.watcher.lastReport ?? undefined, { timeoutMs: 5000 });
    await stack.watcher.pollOnce();
    const guid = Object.values(((await store.read(['watcher/state']))['watcher/state'] as { batches: Record<string, { guid: string }> }).batches)[0].guid;
    const step = async () => {
      await emulator.control.advance(STEP_S);
      await stack.watcher.pollOnce();
      return estimateFinish((await readProgress(store, guid))?.samples ?? []);
    };
    const lastCardText = () => {
      const u =
        connector.updates(CONV).pop() ??
        connector
          .activities(CONV)
          .filter((a) => a.activity?.attachments?.length)
          .pop();
      return u ? cardText(u.activity.attachments[0].content) : '';
    };

    // Starting, then the first samples: no estimate is invented.
    const first = await step();
    expect(first.kind).toBe('not-enough-data');
    await waitFor(() => (/Finish time: not enough data yet/.test(lastCardText()) ? true : undefined), { timeoutMs: 5000 });

    // Steady at 0.5 items a second: the range narrows as samples come.
    const widths: number[] = [];
    let steady = first;
    for (let i = 0; i < 9; i++) {
      steady = await step();
      if (steady.kind === 'range') widths.push(steady.latest.getTime() - steady.earliest.getTime());
    }
    expect(steady.kind).toBe('range');
    expect(widths.length).toBeGreaterThanOrEqual(4);
    expect(widths[widths.length - 1]).toBeLessThan(widths[0]);
    if (steady.kind !== 'range') throw new Error('no range');
    expect(steady.perHour).toBeCloseTo(1800, -1);
    await waitFor(() => (/Expected Synced between .* and .* UTC/.test(lastCardText()) ? true : undefined), { timeoutMs: 5000 });
    const card = connector.updates(CONV).pop()!.activity.attachments[0].content;
    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('"Chart.Line"');

    // The source slows to half: within the window the range moves past the old one.
    emulator.control.setItemsPerSecond(0.25);
    let moved: FinishEstimate = steady;
    for (let i = 0; i < 9; i++) moved = await step();
    if (moved.kind !== 'range') throw new Error(`no range after the change: ${JSON.stringify(moved)}`);
    expect(moved.perHour).toBeCloseTo(900, -1);
    expect(moved.earliest.getTime()).toBeGreaterThan(steady.latest.getTime());

    // Run on until Exchange says Synced: the clock lands inside the last range (to a poll's step).
    const ex = createExchangeAdmin({ baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken) });
    let syncedAt: Date | null = null;
    for (let i = 0; i < 60 && !syncedAt; i++) {
      await step();
      const b = await ex.getMigrationBatch('pilot');
      if (b?.status === 'Synced') syncedAt = emulator.control.now();
    }
    expect(syncedAt).not.toBeNull();
    expect(syncedAt!.getTime()).toBeGreaterThanOrEqual(moved.earliest.getTime());
    expect(syncedAt!.getTime()).toBeLessThanOrEqual(moved.latest.getTime() + STEP_S * 1000);
  }, 60_000);
});

describe('finish estimate on the live card (batch show), nobody subscribed', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the card samples its own refreshes: "not enough data yet", then a range, with the throughput line', async () => {
    await t.say('endpoint add school imap.contoso.edu');
    const [validation] = await t.say(
      ['batch new pilot', 'EmailAddress,UserName,Password', 'terrya@contoso.edu,terry.adams,1091990', 'annb@contoso.edu,ann.beebe,2111991'].join('\n'),
    );
    await t.press(validation, /Create batch pilot/);
    const liveText = () => {
      const u = t.connector
        .updates()
        .filter((x) => x.activityId === validation.activityId)
        .pop();
      return u ? cardText(u.activity.attachments[0].content) : '';
    };
    await t.cutover.emulator!.control.advance(60);
    await waitFor(() => (/Finish time: not enough data yet/.test(liveText()) ? true : undefined), { timeoutMs: 5000 });
    let text = '';
    for (let i = 0; i < 8 && !/Expected Synced between/.test(text); i++) {
      await t.cutover.emulator!.control.advance(30);
      text = await waitFor(
        () => {
          const x = liveText();
          return x && x !== text ? x : undefined;
        },
        { timeoutMs: 5000 },
      ).catch(() => liveText());
    }
    expect(text).toMatch(/Throughput [\d,]+ items per hour .* Expected Synced between \d{4}-\d\d-\d\d \d\d:\d\d UTC and \d{4}-\d\d-\d\d \d\d:\d\d UTC/s);
    const card = t.connector
      .updates()
      .filter((x) => x.activityId === validation.activityId)
      .pop()!.activity.attachments[0].content;
    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('"Chart.Line"');
  }, 60_000);
});
