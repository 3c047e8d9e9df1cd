// Notifications end to end: the real bot in local mode, its watcher polling the
// Exchange emulator, proactive messages caught by the capture connector.

import { DEFAULT_CHANNEL_ID } from '../support/activities';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';

const CSV = [
  'EmailAddress,UserName,Password',
  'terrya@contoso.edu,terry.adams,1091990',
  'annb@contoso.edu,ann.beebe,2111991',
  // Wrong password: Exchange fails this user at sign-in.
  'paulc@contoso.edu,paul.cannon,wrong-pw-42',
].join('\n');
const GROUP = '19:notify-group@thread.v2';

const texts = (t: TestCutover, conv: string) => t.connector.activities(conv).map((a) => cardText(a.activity?.attachments?.[0]?.content ?? {}));

describe('notifications', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '150' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('subscribes a channel (the channel, not the thread) and lists it', async () => {
    const [ok] = await t.say('subscribe all', { channel: true });
    expect(ok.text).toMatch(/Subscribed this channel to every batch/);
    const [list] = await t.say('subscriptions', { channel: true });
    expect(list.text).toMatch(/gets notifications for every batch/);
    const [bad] = await t.say('subscribe batch "no good"', { channel: true });
    expect(bad.text).toMatch(/can't be a batch name/);
  });

  let progressId = '';
  it('posts one progress card per batch, then updates it in place, with separate messages only for what needs a person', async () => {
    await t.say('endpoint add school imap.contoso.edu');
    const [validation] = await t.say(`batch new pilot\n${CSV}`);
    await t.press(validation, /Create batch pilot/);
    // The batch appears: one progress card in the channel itself (no thread id).
    const [card] = await t.connector.waitForActivities(1, { conversationId: DEFAULT_CHANNEL_ID, timeoutMs: 5000 });
    progressId = card.activityId;
    expect(cardText(card.activity.attachments[0].content)).toMatch(/Batch pilot/);

    await t.cutover.emulator!.control.advance(2 * 3600);
    await t.cutover.emulator!.control.settle();
    await waitFor(() => (texts(t, DEFAULT_CHANNEL_ID).some((x) => /Batch pilot synced with errors/.test(x)) ? true : undefined), { timeoutMs: 5000 });
    const updated = await waitFor(
      () => {
        const u = t.connector
          .updates(DEFAULT_CHANNEL_ID)
          .filter((x) => x.activityId === progressId)
          .pop();
        const text = u ? cardText(u.activity.attachments[0].content) : '';
        return /SyncedWithErrors/.test(text) ? text : undefined;
      },
      { timeoutMs: 5000 },
    );
    expect(updated).toMatch(/paulc@contoso.edu/);
    // Let a few more polls pass: nothing is sent twice.
    await new Promise((r) => setTimeout(r, 600));
    const all = texts(t, DEFAULT_CHANNEL_ID);
    expect(all.filter((x) => /^Batch pilot\n/.test(x))).toHaveLength(1);
    // The events of one poll come as one message per batch; the user's failure may land a poll earlier.
    const events = all.filter((x) => !/^Batch pilot\n/.test(x));
    expect(events.filter((x) => /paulc@contoso.edu failed/.test(x))).toHaveLength(1);
    expect(events.filter((x) => /Batch pilot synced with errors/.test(x))).toHaveLength(1);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(2);
  });

  it('retries a connector 429, honouring Retry-After, and the update still lands', async () => {
    t.connector.failNext({ status: 429, retryAfterSeconds: 0.3, conversationId: DEFAULT_CHANNEL_ID, times: 2 });
    const before = t.connector.updates(DEFAULT_CHANNEL_ID).length;
    const requestsBefore = t.connector.requests().length;
    await t.cutover.emulator!.control.advance(600);
    await t.say('batch sync pilot');
    await t.cutover.emulator!.control.advance(3600);
    await t.cutover.emulator!.control.settle();
    await t.connector.waitForUpdates(before + 1, { conversationId: DEFAULT_CHANNEL_ID, timeoutMs: 8000 });
    const reqs = t.connector
      .requests()
      .slice(requestsBefore)
      .filter((r) => r.path.includes(encodeURIComponent(DEFAULT_CHANNEL_ID)) || r.path.includes(DEFAULT_CHANNEL_ID));
    const throttled = reqs.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(2);
    // Retry-After 0.3 s: the retry came no sooner.
    const after = reqs.find((r) => r.status === 200 && r.at > throttled[1].at)!;
    expect(after.at - throttled[1].at).toBeGreaterThanOrEqual(280);
    // (botbuilder's connector client honours Retry-After itself; TeamsNotifier retries what it gives up on.)
    // Still updates in place: no new progress card.
    expect(texts(t, DEFAULT_CHANNEL_ID).filter((x) => /^Batch pilot\n/.test(x))).toHaveLength(1);
  });

  // Waits for conditions, not for times: generous timeouts, because a loaded CI machine slows the watcher's retries (one CI run took over 8 s).
  it('backs off when Exchange throttles the watcher, says so in status, and recovers', async () => {
    const before = t.connector.updates(DEFAULT_CHANNEL_ID).length;
    // More 429s than the watcher's client retries: the poll fails and the watcher waits.
    t.cutover.emulator!.control.injectFault({ cmdlet: 'Get-MigrationBatch', status: 429, retryAfterSeconds: 0.4, times: 12 });
    await waitFor(() => ((t.logs().match(/Watcher Exchange retry/g)?.length ?? 0) >= 3 ? true : undefined), { timeoutMs: 15_000 });
    await waitFor(() => (/watcher poll failed/.test(t.logs()) ? true : undefined), { timeoutMs: 15_000 });
    const status = await waitFor(
      async () => {
        const [card] = await t.say('status');
        return /Last error/.test(card.text) ? card.text : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(status).toMatch(/Cutover status/);
    expect(status).toMatch(/Exchange is throttling: it asked the watcher to wait 0.4 s/);
    const lines = t
      .logs()
      .split('\n')
      .filter((l) => l.includes('Watcher Exchange retry'))
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ status: 429, delayMs: 400 });
    // Recovers: the next change still reaches the channel.
    await t.cutover.emulator!.control.advance(600);
    await t.say('batch sync pilot');
    await t.cutover.emulator!.control.advance(3600);
    await t.cutover.emulator!.control.settle();
    await t.connector.waitForUpdates(before + 1, { conversationId: DEFAULT_CHANNEL_ID, timeoutMs: 10000 });
  }, 60_000);

  it('drops a conversation the bot was removed from (403), with an audit entry', async () => {
    const [ok] = await t.say('subscribe batch pilot', { scope: 'groupChat', conversationId: GROUP });
    expect(ok.text).toMatch(/Subscribed this group chat to batch pilot/);
    t.connector.failConversation(GROUP, 403);
    await t.cutover.emulator!.control.advance(600);
    await t.say('batch sync pilot');
    await t.cutover.emulator!.control.advance(3600);
    await t.cutover.emulator!.control.settle();
    await waitFor(() => (/conversation gone; unsubscribed/.test(t.logs()) ? true : undefined), { timeoutMs: 8000 });
    const [audit] = await t.say('audit 5');
    expect(audit.text).toMatch(/unsubscribe\n19:notify-group@thread.v2\nok/);
    const [list] = await t.say('subscriptions', { channel: true });
    expect(list.text).toMatch(/Conversations subscribed\n1/);
  });

  it('unsubscribes on request; later changes are not sent', async () => {
    const [off] = await t.say('unsubscribe', { channel: true });
    expect(off.text).toMatch(/Unsubscribed this channel/);
    const sends = t.connector.activities(DEFAULT_CHANNEL_ID).length;
    const updates = t.connector.updates(DEFAULT_CHANNEL_ID).length;
    await t.cutover.emulator!.control.advance(600);
    await t.say('batch sync pilot');
    await t.cutover.emulator!.control.advance(3600);
    await t.cutover.emulator!.control.settle();
    await new Promise((r) => setTimeout(r, 600));
    expect(t.connector.activities(DEFAULT_CHANNEL_ID)).toHaveLength(sends);
    expect(t.connector.updates(DEFAULT_CHANNEL_ID)).toHaveLength(updates);
  });

  it('tells a new subscriber what a batch created after it subscribed did before the first poll', async () => {
    // Polls every 5 s, the first at start with nobody subscribed; everything below happens before the next.
    const fresh = await startTestCutover({ WATCHER_INTERVAL_MS: '5000' });
    try {
      await waitFor(
        async () => {
          const [s] = await fresh.say('status');
          return /Last poll/.test(s.text) && !/Last poll\nnot yet/.test(s.text) ? true : undefined;
        },
        { timeoutMs: 5000 },
      );
      await fresh.say('subscribe all', { channel: true });
      await fresh.say('endpoint add school imap.contoso.edu');
      const [v] = await fresh.say(`batch new pilot\n${CSV}`);
      await fresh.press(v, /Create batch pilot/);
      await fresh.cutover.emulator!.control.advance(2 * 3600);
      await fresh.cutover.emulator!.control.settle();
      const all = await waitFor(
        () => {
          const got = texts(fresh, DEFAULT_CHANNEL_ID);
          return got.some((x) => /paulc@contoso.edu failed/.test(x)) ? got : undefined;
        },
        { timeoutMs: 8000 },
      );
      // The watcher first saw the batch already settled: the case this is about.
      expect(all[0]).toMatch(/^Batch pilot\nSyncedWithErrors/);
      expect(all.filter((x) => /Batch pilot synced with errors/.test(x))).toHaveLength(1);

      // After the MX switch the admin removes the batch: the channel's card says so, in place, once.
      const card = fresh.connector.activities(DEFAULT_CHANNEL_ID)[0];
      const [ask] = await fresh.say('batch remove pilot');
      await fresh.press(ask, 'Remove pilot');
      await fresh.cutover.emulator!.control.settle();
      const removed = await waitFor(
        () => {
          const u = fresh.connector
            .updates(DEFAULT_CHANNEL_ID)
            .filter((x) => x.activityId === card.activityId)
            .map((x) => cardText(x.activity.attachments[0].content));
          return u.find((x) => /^Batch pilot\nRemoved/.test(x));
        },
        { timeoutMs: 10_000 },
      );
      expect(removed).toMatch(/Mail that reaches the old server from now on is not copied/);
      const sends = fresh.connector.activities(DEFAULT_CHANNEL_ID).length;
      await new Promise((r) => setTimeout(r, 5500));
      expect(fresh.connector.activities(DEFAULT_CHANNEL_ID)).toHaveLength(sends);
      expect(fresh.connector.updates(DEFAULT_CHANNEL_ID).filter((x) => /^Batch pilot\nRemoved/.test(cardText(x.activity.attachments[0].content)))).toHaveLength(
        1,
      );
    } finally {
      await fresh.close();
    }
  }, 45_000);

  it('keeps subscribe, status and the rest for admins', async () => {
    const other = await startTestCutover({ CUTOVER_ADMINS: 'someone-else@contoso.edu' });
    try {
      const [no] = await other.say('subscribe all', { channel: true });
      expect(no.text).toMatch(/That is for Cutover admins/);
      const [no2] = await other.say('status');
      expect(no2.text).toMatch(/That is for Cutover admins/);
    } finally {
      await other.close();
    }
  });
});
