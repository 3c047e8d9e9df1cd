// Scheduled delta passes after the MX switch, through the bot in local mode (emulator, demo DNS,
// demo mailboxes) with a short CUTOVER_DELTA_INTERVAL_MS: the leader runs them on its own, posts
// one card to the conversation the plan was made in and updates it in place, and audits them.

import { cardText, startTestCutover, type TestCutover, createDemoBatch, DEMO_CSV } from '../support/cutover';
import { waitFor } from '../support/ports';

describe('scheduled delta passes (local demo)', () => {
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

  it('runs passes on the interval after the switch, updating one card in the plan conversation', async () => {
    const [plan] = await t.say(`cutover plan batch pilot\n${DEMO_CSV}`);
    expect(plan.text).toMatch(/every 600 ms from the MX switch until the final pass/);
    await t.press(plan, 'TTL lowered');
    await t.press((await t.say('cutover plan batch pilot'))[0], 'Check Synced');
    // Nothing is scheduled before the switch.
    await new Promise((r) => setTimeout(r, 900));
    const scheduled = () =>
      [...t.connector.activities(), ...t.connector.updates()].filter((a) =>
        /Scheduled delta pass for pilot/.test(cardText(a.activity.attachments?.[0]?.content ?? {})),
      );
    expect(scheduled()).toEqual([]);

    await t.press((await t.say('cutover plan batch pilot'))[0], 'MX switched');
    // The first scheduled pass posts a card in this conversation...
    const posted = await waitFor(
      () => t.connector.activities().find((a) => /Scheduled delta pass for pilot/.test(cardText(a.activity.attachments?.[0]?.content ?? {}))),
      { timeoutMs: 15_000 },
    );
    const id = posted.activityId;
    // ...and finishes in place: 8 demo messages copied the first time, nothing new the next.
    const texts = () =>
      t.connector
        .updates()
        .filter((u) => u.activityId === id)
        .map((u) => cardText(u.activity.attachments[0].content));
    await waitFor(() => (texts().some((x) => /Scheduled delta pass for pilot: 8 copied/.test(x)) ? true : undefined), { timeoutMs: 15_000 });
    await waitFor(() => (texts().some((x) => /Scheduled delta pass for pilot: 0 copied/.test(x)) ? true : undefined), { timeoutMs: 15_000 });
    expect(texts().some((x) => /Next scheduled pass/.test(x))).toBe(true);
    // One card for the passes, never a second one.
    expect(t.connector.activities().filter((a) => /Scheduled delta pass/.test(cardText(a.activity.attachments?.[0]?.content ?? {})))).toHaveLength(1);

    // The DNS watch reports the (demo) switch as visible from every resolver, once.
    const visible = await waitFor(
      () => t.connector.activities().find((a) => /new MX is visible from every resolver/.test(cardText(a.activity.attachments?.[0]?.content ?? {}))),
      { timeoutMs: 15_000 },
    );
    expect(visible).toBeTruthy();

    const [audit] = await t.say('audit 40');
    expect(audit.text).toMatch(/Cutover \(scheduled\)/);
    expect(audit.text).toMatch(/cutover\.delta/);

    const [after] = await t.say('cutover plan batch pilot');
    expect(after.text).toMatch(/Scheduled passes/);
    expect(after.text).toMatch(/next \d{4}-\d\d-\d\d/);
    expect(after.text).toMatch(/DNS watch/);
    expect(after.text).toMatch(/new MX seen by every resolver since/);
  });
});
