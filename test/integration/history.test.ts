// History that outlives Exchange: a batch Cutover removes, and a batch Exchange purges 90 days
// after it stopped, still answer "what happened to Terry's mailbox?" afterwards, from the chat.

import { DEFAULT_CHANNEL_ID } from '../support/activities';
import { assertNoSecrets, startTestCutover, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';

const DAY = 24 * 3600;

describe('batch and user history', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '100' });
  });
  afterAll(async () => t?.close());

  /** Moves Exchange's clock and lets the watcher see the result (a few polls). */
  const advance = async (seconds: number) => {
    await t.cutover.emulator!.control.advance(seconds);
    await t.cutover.emulator!.control.settle();
    await new Promise((r) => setTimeout(r, 450));
  };

  it('keeps each user of a batch Exchange purged 90 days after it stopped, and of a batch removed through Cutover', async () => {
    await t.say('subscribe all', { channel: true });
    await t.say('endpoint add school imap.contoso.edu');
    const [v] = await t.say('batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\nannb@contoso.edu,ann.beebe,2111991');
    await t.press(v, /^Create/);
    await t.connector.waitForActivities(1, { conversationId: DEFAULT_CHANNEL_ID, timeoutMs: 5000 });
    await advance(2 * 3600);
    const [shown] = await t.say('batch show pilot');
    expect(shown.text).toMatch(/\nSynced\n/);

    // Stopped: Exchange purges it 90 days later.
    await t.say('batch stop pilot');
    await advance(600);
    const [stopped] = await t.say('batch show pilot');
    expect(stopped.text).toMatch(/\nStopped\n/);
    await advance(DAY);
    const [kept] = await t.say('batch history pilot');
    expect(kept.text).toMatch(/kept before Exchange purges it/);

    await advance(91 * DAY);
    const [gone] = await t.say('batch show pilot');
    expect(gone.text).toMatch(/not found|no batch|doesn't exist|isn't|can't be found/i);
    const history = await waitFor(
      async () => {
        const [h] = await t.say('batch history pilot');
        return /purged by Exchange/.test(h.text) ? h : undefined;
      },
      { timeoutMs: 5000 },
    );
    expect(history.text).toMatch(/terrya@contoso\.edu/);
    expect(history.text).toMatch(/annb@contoso\.edu/);
    expect(history.text).toMatch(/Stopped · [\d,]+ items synced/);
    expect(history.text).toMatch(/Created[\s\S]*Alex Wilber/);

    // A second batch, removed through Cutover: the remover is named.
    const [v2] = await t.say('batch new second\nEmailAddress,UserName,Password\npaulc@contoso.edu,paul.cannon,3281986');
    await t.press(v2, /^Create/);
    await advance(2 * 3600);
    const [ask] = await t.say('batch remove second');
    const removed = await t.press(ask, /^Remove second/);
    expect(removed.text).toMatch(/being removed/);
    await advance(600);

    const [list] = await t.say('batch history');
    expect(list.text).toMatch(/pilot/);
    expect(list.text).toMatch(/second/);
    expect(list.text).toMatch(/removed through Cutover by Alex Wilber/);

    const [terry] = await t.say('user history terrya@contoso.edu');
    expect(terry.text).toMatch(/Batch pilot: purged by Exchange/);
    expect(terry.text).toMatch(/Items synced/);
    const [paul] = await t.say('user history paulc@contoso.edu');
    expect(paul.text).toMatch(/Batch second: removed through Cutover/);
    expect(paul.text).toMatch(/Removed by\nAlex Wilber/);

    // The CSV, to the asker's personal chat (a 15-minute link in local mode), through the one CSV writer.
    const exported = await t.press(terry, 'Export CSV');
    expect(exported.text).toMatch(/terrya@contoso\.edu-history\.csv/);
    const link = JSON.stringify(t.connector.activities()).match(/https?:\/\/127\.0\.0\.1:\d+\/downloads\/[^"\\)\s]+/);
    expect(link).not.toBeNull();
    const bytes = Buffer.from(await (await fetch(link![0])).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.subarray(3).toString('utf8');
    expect(csv).toMatch(/^Batch,BatchGuid,Endpoint,BatchStatus/);
    expect(csv).toMatch(/pilot,[0-9a-f-]{36},school,Stopped,.*,purged,terrya@contoso\.edu,/);

    assertNoSecrets(t, ['1091990', '2111991', '3281986']);
  });
});

describe('history with nobody subscribed', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '100' });
  });
  afterAll(async () => t?.close());

  it('still keeps a stopped batch before Exchange purges it, though no conversation hears about batches', async () => {
    await t.say('endpoint add school imap.contoso.edu');
    const [v] = await t.say('batch new quiet\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990');
    await t.press(v, /^Create/);
    await t.cutover.emulator!.control.advance(2 * 3600);
    await t.say('batch stop quiet');
    await t.cutover.emulator!.control.advance(600);
    await t.cutover.emulator!.control.settle();
    await new Promise((r) => setTimeout(r, 450));
    await t.cutover.emulator!.control.advance(91 * DAY);
    await t.cutover.emulator!.control.settle();
    const history = await waitFor(
      async () => {
        const [h] = await t.say('batch history quiet');
        return /purged by Exchange/.test(h.text) ? h : undefined;
      },
      { timeoutMs: 5000 },
    );
    expect(history.text).toMatch(/terrya@contoso\.edu/);
  });
});
