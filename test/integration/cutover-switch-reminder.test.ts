// A planned MX switch (cutover plan batch <name> switch <when>), through the bot in local mode: the
// leader posts a reminder in the plan's conversation before it, once; `schedule` lists it with a
// Cancel button; Cancel clears the planned time. The passes still wait for the switch itself.

import { cardText, startTestCutover, type TestCutover, createDemoBatch, DEMO_CSV } from '../support/cutover';
import { waitFor } from '../support/ports';

describe('planned MX switch (local demo)', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover({ CUTOVER_DELTA_INTERVAL_MS: '600', CUTOVER_DNS_WATCH_INTERVAL_MS: '200' });
    await createDemoBatch(t);
    await t.cutover.emulator!.control.advance(2 * 3600);
    await t.cutover.emulator!.control.settle();
  });
  afterAll(async () => {
    await t?.close();
  });

  const reminders = () =>
    t.connector.activities().filter((a) => /Reminder: MX switch for contoso\.edu/.test(cardText(a.activity.attachments?.[0]?.content ?? {})));

  it('reminds once before the planned switch, lists it in schedule, and Cancel clears it', async () => {
    // 30 minutes from now, to the minute, in UTC: the 1 h reminder is due at once, the 24 h one is passed over.
    const at = new Date(Math.ceil((Date.now() + 30 * 60_000) / 60_000) * 60_000);
    const iso = at.toISOString().slice(0, 16) + 'Z';
    const utc = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
    const [plan] = await t.say(`cutover plan batch pilot switch ${iso}\n${DEMO_CSV}`);
    expect(plan.text).toMatch(/MX switch planned/);
    expect(plan.text).toContain(utc);

    const reminder = await waitFor(() => reminders()[0], { timeoutMs: 15_000 });
    const text = cardText(reminder.activity.attachments[0].content);
    expect(text).toMatch(/within the hour/);
    expect(text).toContain(utc);
    // Several scheduler ticks later it is still the one reminder, and no pass ran before the switch.
    await new Promise((r) => setTimeout(r, 1500));
    expect(reminders()).toHaveLength(1);
    expect(t.connector.activities().filter((a) => /Scheduled delta pass/.test(cardText(a.activity.attachments?.[0]?.content ?? {})))).toEqual([]);

    const [list] = await t.say('schedule');
    expect(list.text).toMatch(/MX switch for contoso\.edu/);
    expect(list.text).toContain(utc);
    const cancelled = await t.press(list, 'Cancel MX switch pilot');
    expect(cancelled.text).toMatch(/Cancelled: the MX switch for batch pilot is no longer planned/);

    const [after] = await t.say('schedule');
    expect(after.text).not.toMatch(/MX switch for contoso\.edu/);
    const [card] = await t.say('cutover plan batch pilot');
    expect(card.text).not.toMatch(/MX switch planned/);

    const [bad] = await t.say('cutover plan batch pilot switch yesterday');
    expect(bad.text).toMatch(/not a time I can read/);
  });
});
