// The whole cut-over plan in local mode, through the bot: the emulator's demo batch, the demo
// DNS and the demo mailboxes (the cards say which ran), steps in order with refusals and force.

import { cardText, startTestCutover, type TestCutover, createDemoBatch, DEMO_CSV } from '../support/cutover';
import { waitFor } from '../support/ports';

describe('cutover in local mode', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
    await createDemoBatch(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('checks the demo domain and names the exact records', async () => {
    const [card] = await t.say('cutover check contoso.edu');
    expect(card.text).toMatch(/contoso.edu: ready for the MX switch/);
    expect(card.text).toMatch(/contoso-edu.mail.protection.outlook.com/);
    expect(card.text).toMatch(/demo DNS/);
  });

  it('runs the plan in order, refusing out-of-order steps unless forced, and proves the batch', async () => {
    const [plan] = await t.say(`cutover plan batch pilot\n${DEMO_CSV}`);
    expect(plan.text).toMatch(/Cut-over plan for batch pilot \(contoso.edu\)/);
    expect(plan.text).toMatch(/Step 1 of 9/);
    expect(plan.text).toMatch(/demo mailboxes/);
    const early = await t.press(plan, 'TTL lowered');
    expect(early.text).toMatch(/Lower the MX TTL.*done/);

    // The batch is not Synced yet: refused, with a Force button.
    const [cur] = await t.say('cutover plan batch pilot');
    const refused = await t.press(cur, 'Check Synced');
    expect(refused.text).toMatch(/not Synced yet/);
    await t.cutover.emulator!.control.advance(2 * 3600);
    await t.cutover.emulator!.control.settle();
    const synced = await t.press(cur, 'Check Synced');
    expect(synced.text).toMatch(/Wait until the batch is Synced: done/);

    const [p3] = await t.say('cutover plan batch pilot');
    const switched = await t.press(p3, 'MX switched');
    expect(switched.text).toMatch(/contoso-edu.mail.protection.outlook.com/);
    // The old TTL (60 s on the demo DNS) has not run out yet: refused, then forced.
    const [p4] = await t.say('cutover plan batch pilot');
    const dns = await t.press(p4, 'Check DNS');
    expect(dns.text).toMatch(/old MX TTL runs out/);
    // The refusal arrives as a new card under the plan, with a Force button.
    const forced = await t.press(dns.extra[0], /^Force/);
    expect(forced.text).toMatch(/Forced past/);

    const [p5] = await t.say('cutover plan batch pilot');
    expect((await t.press(p5, 'Sync now')).text).toMatch(/SyncNow sent/);
    const [p6] = await t.say('cutover plan batch pilot');
    // The step button answers at once and updates the plan card when the pass is done.
    const delta = await t.press(p6, 'Run delta pass');
    expect(delta.text).toMatch(/Delta pass for pilot running/);
    const updatedTo = (activityId: string, re: RegExp) =>
      waitFor(() => {
        const u = t.connector
          .updates()
          .filter((x) => x.activityId === activityId)
          .pop();
        const text = u ? cardText(u.activity.attachments[0].content) : '';
        return re.test(text) ? text : undefined;
      });
    const stepDone = await updatedTo(p6.activityId, /Delta pass: copy what the sync would miss: done/);
    expect(stepDone).toMatch(/Delta pass for pilot: 8 copied/);
    expect(stepDone).toMatch(/Mailbox access/);

    // A delta pass on its own answers at once and updates that card when it is done.
    const [again] = await t.say('cutover delta batch pilot');
    expect(again.text).toMatch(/Delta pass for pilot running/);
    const done = await waitFor(() => {
      const u = t.connector
        .updates()
        .filter((x) => x.activityId === again.activityId)
        .pop();
      const text = u ? cardText(u.activity.attachments[0].content) : '';
      return /0 copied/.test(text) ? text : undefined;
    });
    expect(done).toMatch(/demo mailboxes in memory/);
    expect(done).toMatch(/no service principal grant needed: the target is the demo mailboxes/);

    const [proof] = await t.say('cutover proof batch pilot');
    expect(proof.text).toMatch(/Batch pilot is verified/);
    expect(proof.text).toMatch(/cutover-proof-pilot.csv/);

    // The final pass (and so Remove-MigrationBatch) waits for 72 h after the switch.
    const [p7] = await t.say('cutover plan batch pilot');
    const final = await t.press(p7, 'Final pass done');
    expect(final.text).toMatch(/Delta pass for pilot running/);
    expect(await updatedTo(p7.activityId, /Keep the delta passes going until/)).toMatch(/Force: Final pass done/);
    const [audit] = await t.say('audit 30');
    expect(audit.text).toMatch(/cutover.step.switch-mx/);
  });
});
