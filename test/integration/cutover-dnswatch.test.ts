// The DNS watch after the MX switch against two real NSD resolvers on loopback: the plan's
// conversation gets one watch card, updated in place as each resolver sees the new MX, and one
// message when the switch is visible from all of them and one when the old MX TTL has run out.
// Cards go through the real proactive path (TeamsNotifier) to the capture connector.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Dns2Resolver } from '../../src/adapters/dns/dns2Resolver';
import { FileStore } from '../../src/adapters/storage/fileStore';
import { schedulerCards } from '../../src/commands/cutover';
import type { CommandDeps } from '../../src/commands/types';
import type { ExchangeAdmin } from '../../src/ports/exchange';
import { Conversations } from '../../src/services/conversations';
import { CutoverService } from '../../src/services/cutover';
import { CutoverScheduler } from '../../src/services/cutoverScheduler';
import { TeamsNotifier } from '../../src/teams/notifier';
import { unauthenticatedAdapter } from '../../src/teams/botCredentials';
import { cardText } from '../support/cutover';
import { startCaptureConnector, type CaptureConnector } from '../support/captureConnector';
import { describeWithNsd, startNsd, type NsdInstance } from '../support/nsd';

const OLD = ['@ 2 IN MX 10 mail.old.test.'];
const NEW = ['@ 2 IN MX 0 contoso-test.mail.protection.outlook.com.'];
const CONV = '19:plan-conversation@thread.v2';
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

describeWithNsd()('DNS watch after the switch (NSD)', () => {
  let a: NsdInstance;
  let b: NsdInstance;
  let connector: CaptureConnector;
  let dir: string;
  beforeAll(async () => {
    [a, b] = await Promise.all([startNsd({ 'contoso.test': OLD }), startNsd({ 'contoso.test': OLD })]);
    connector = await startCaptureConnector();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-dnswatch-'));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), connector?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tells the plan conversation when every resolver sees the new MX and when the old TTL has run out', async () => {
    const clock = { now: () => new Date() };
    const store = new FileStore(dir);
    const cutover = new CutoverService({
      store,
      clock,
      exchange: {} as ExchangeAdmin, // the DNS watch never asks Exchange
      resolvers: [new Dns2Resolver({ host: '127.0.0.1', port: a.port }), new Dns2Resolver({ host: '127.0.0.1', port: b.port })],
      key: Buffer.alloc(32, 5),
      mailboxes: () => null,
    });
    const conversations = new Conversations(store, clock);
    await conversations.remember(
      { conversation: { id: CONV, conversationType: 'channel' }, serviceUrl: connector.serviceUrl, channelId: 'msteams', bot: { id: 'bot' } },
      'subscribe',
    );
    let leading = true;
    const scheduler = new CutoverScheduler({
      cutover,
      conversations,
      sink: new TeamsNotifier(unauthenticatedAdapter(), '', log),
      isLeader: () => leading,
      clock,
      deltaIntervalMs: 3_600_000,
      dnsIntervalMs: 50,
      runPass: () => Promise.reject(new Error('no pass in this test')),
      cards: schedulerCards({ cutover } as unknown as CommandDeps),
      log,
    });
    const { plan } = await cutover.plan('pilot', { domain: 'contoso.test', by: 'admin', conversationId: CONV });
    expect(plan.initialMxTtl).toBe(2);

    // Before the switch: nothing to watch.
    await scheduler.tick();
    expect(connector.activities(CONV)).toHaveLength(0);
    expect((await cutover.step('pilot', 'switch-mx', 'admin', true)).ok).toBe(true);

    const texts = () => connector.activities(CONV).map((x) => cardText(x.activity.attachments[0].content));
    const pause = () => new Promise((r) => setTimeout(r, 60));
    await scheduler.tick();
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/DNS watch for contoso.test/);
    expect(texts()[0]).toMatch(/new MX seen by no resolver yet/);
    const watchId = connector.activities(CONV)[0].activityId;

    // One resolver sees it: the card says which, no message yet.
    await a.setZone('contoso.test', NEW);
    await pause();
    await scheduler.tick();
    const updated = connector
      .updates(CONV)
      .filter((u) => u.activityId === watchId)
      .map((u) => cardText(u.activity.attachments[0].content));
    expect(updated.pop()).toMatch(new RegExp(`not yet by 127.0.0.1:${b.port}`));
    expect(texts()).toHaveLength(1);

    // A follower (lost the lease) says nothing.
    await b.setZone('contoso.test', NEW);
    leading = false;
    await pause();
    await scheduler.tick();
    expect(texts()).toHaveLength(1);
    leading = true;

    await scheduler.tick();
    expect(texts().filter((x) => /the new MX is visible from every resolver/.test(x))).toHaveLength(1);

    // The old TTL (2 s from the switch) runs out: said once, and the watch is done.
    await new Promise((r) => setTimeout(r, 2100));
    await scheduler.tick();
    await pause();
    await scheduler.tick();
    expect(texts().filter((x) => /the old MX TTL has run out/.test(x))).toHaveLength(1);
    expect(texts().filter((x) => /visible from every resolver/.test(x))).toHaveLength(1);
    const last = connector
      .updates(CONV)
      .filter((u) => u.activityId === watchId)
      .map((u) => cardText(u.activity.attachments[0].content))
      .pop();
    expect(last).toMatch(/old TTL ran out .* — done/);
    const stored = await cutover.getPlan('pilot');
    expect(stored?.dnsWatch?.visibleAt).toBeTruthy();
    expect(stored?.dnsWatch?.ttlRunOutAt).toBeTruthy();
  });
});
