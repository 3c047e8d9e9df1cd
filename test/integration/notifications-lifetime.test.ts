// Exchange's 60-day rule as the channel hears it: a Synced batch with no admin action for
// 60 days is stopped. Incremental syncs do not restart that clock; an admin action through
// Cutover (batch sync = Set-MigrationBatch -SyncNow) does, and the warnings follow it.

import { DEFAULT_CHANNEL_ID } from '../support/activities';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';

const DAY = 24 * 3600;

describe('the 60-day batch lifetime', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '100' });
  });
  afterAll(async () => t?.close());

  const texts = () => t.connector.activities(DEFAULT_CHANNEL_ID).map((a) => cardText(a.activity.attachments?.[0]?.content ?? {}));
  const warnings = () => texts().filter((x) => /^Batch pilot stops in \d+ days?/.test(x));
  /** Moves Exchange's clock and lets the watcher see the result (two polls). */
  const advance = async (seconds: number) => {
    await t.cutover.emulator!.control.advance(seconds);
    await t.cutover.emulator!.control.settle();
    await new Promise((r) => setTimeout(r, 450));
  };

  it('counts from the last admin action through Cutover, not from the daily incremental syncs', async () => {
    await t.say('subscribe all', { channel: true });
    await t.say('endpoint add school imap.contoso.edu');
    const [v] = await t.say('batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990');
    await t.press(v, /^Create/);
    await t.connector.waitForActivities(1, { conversationId: DEFAULT_CHANNEL_ID, timeoutMs: 5000 });
    await advance(2 * 3600);
    await advance(40 * DAY);
    expect(warnings()).toEqual([]);

    // Day 40: an admin syncs the batch now. Exchange's clock for the batch restarts here.
    const [sync] = await t.say('batch sync pilot');
    expect(sync.text).toMatch(/pilot/);
    // Day 54: 54 days after the start, but only 14 after the admin action: no warning yet.
    await advance(14 * DAY);
    expect(warnings()).toEqual([]);
    const [shown] = await t.say('batch show pilot');
    expect(shown.text).not.toMatch(/Exchange stops a batch left untouched/);

    // Day 94: 54 days after the action: the 7-day warning, once, and batch show says it too.
    await advance(40 * DAY);
    await waitFor(() => (warnings().length ? true : undefined), { timeoutMs: 5000 });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^Batch pilot stops in 6 days/);
    const [near] = await t.say('batch show pilot');
    expect(near.text).toMatch(/Exchange stops a batch left untouched for 60 days: about 6 days left/);

    // Exchange agrees: day 61 passed without the batch being stopped, and it stops at day 100.
    const [before] = await t.say('batch show pilot');
    expect(before.text).toMatch(/\nSynced\n/);
    await advance(7 * DAY);
    const [after] = await t.say('batch show pilot');
    expect(after.text).toMatch(/\nStopped\n/);
  });
});
