// Tenants and channels: Cutover serves the configured tenants (local mode: the Playground's and the
// demo tenant) on Teams only. Anyone else gets one polite refusal, and nothing runs: no command,
// no stored conversation, no state, no notification. "I need help" reaches admins once per person per 10 minutes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { cardExecute, installationUpdate, MEGAN, personalMessage, postActivity, TENANT_ID } from '../support/activities';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';

const FOREIGN = '99999999-8888-7777-6666-555555555555';

/** Every file under the data folder with its content, to prove a refused activity wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // The watcher writes its heartbeat and its poll state on its own timer, whatever comes in
      // (a write in flight shows as a .tmp file for a moment): not what this test is about.
      else if (!/watcher%2F(status|state)/.test(e.name)) out[path.relative(dir, p)] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

describe('tenants and channels', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the Playground tenant and the demo tenant on msteams', async () => {
    const [help] = await t.say('help');
    expect(help.text).toMatch(/Local mode/);
    const demo = t.cutover.emulator!.tenantId;
    const [again] = await t.say('help', { tenantId: demo });
    expect(again.text).toMatch(/Local mode/);
    expect(TENANT_ID).toBe('00000000-0000-0000-0000-0000000000001');
  });

  it('answers a foreign tenant once, politely, and runs nothing: no command, no state, no stored conversation', async () => {
    await waitFor(() => (Object.keys(snapshot(t.dataDir)).length > 0 ? true : undefined));
    const before = snapshot(t.dataDir);
    const sentBefore = t.connector.activities().length;
    const personal = await t.say('endpoint add school imap.contoso.edu', { tenantId: FOREIGN });
    const channel = await t.say('subscribe all', { channel: true, tenantId: FOREIGN });
    for (const answer of [personal, channel]) {
      expect(answer).toHaveLength(1);
      expect(answer[0].text).toMatch(/Cutover is not available here/);
      expect(answer[0].text).toMatch(/serves another organisation/);
      expect(answer[0].text).not.toContain(FOREIGN);
    }
    // Installing the app in a foreign tenant: nothing said, nothing stored.
    const install = installationUpdate('add', { serviceUrl: t.connector.serviceUrl, user: MEGAN, tenantId: FOREIGN });
    expect((await postActivity(t.cutover.botUrl, install)).status).toBeLessThan(300);
    expect(t.connector.activities().length).toBe(sentBefore + 2);
    expect(snapshot(t.dataDir)).toEqual(before);
    const [list] = await t.say('endpoint list');
    expect(list.text).not.toMatch(/school/);
    const [subs] = await t.say('subscriptions', { channel: true });
    expect(subs.text).not.toMatch(/all batches/i);
    // The refusal is logged with the tenant, for the operator.
    expect(t.logs()).toMatch(new RegExp(`activity not served.*"reason":"tenant".*${FOREIGN}`));
  });

  it('refuses a card button from a foreign tenant with the refusal card in place', async () => {
    const press = cardExecute('guide.help', { step: 'add-account' }, { serviceUrl: t.connector.serviceUrl, tenantId: FOREIGN });
    const res = await postActivity(t.cutover.botUrl, press);
    expect(res.status).toBe(200);
    expect(cardText((res.body as { value: Record<string, unknown> }).value)).toMatch(/Cutover is not available here/);
  });

  it('refuses an activity without a tenant, or naming two different ones', async () => {
    const none = personalMessage('help', { serviceUrl: t.connector.serviceUrl });
    delete none.channelData.tenant;
    delete none.conversation.tenantId;
    const two = personalMessage('help', { serviceUrl: t.connector.serviceUrl });
    two.conversation.tenantId = FOREIGN;
    for (const a of [none, two]) {
      const before = t.connector.activities(a.conversation.id).length;
      await postActivity(t.cutover.botUrl, a);
      const sent = t.connector.activities(a.conversation.id).slice(before);
      expect(sent).toHaveLength(1);
      expect(cardText(sent[0].activity.attachments[0].content)).toMatch(/Cutover is not available here/);
    }
    // Only one of the two spellings, as some activities carry: served.
    const one = personalMessage('help', { serviceUrl: t.connector.serviceUrl });
    delete one.channelData.tenant;
    const before = t.connector.activities(one.conversation.id).length;
    await postActivity(t.cutover.botUrl, one);
    expect(cardText(t.connector.activities(one.conversation.id)[before].activity.attachments[0].content)).toMatch(/Local mode/);
  });

  it('serves Teams only: another Bot Framework channel gets the refusal', async () => {
    const a = personalMessage('help', { serviceUrl: t.connector.serviceUrl });
    a.channelId = 'webchat';
    const before = t.connector.activities(a.conversation.id).length;
    await postActivity(t.cutover.botUrl, a);
    const sent = t.connector.activities(a.conversation.id).slice(before);
    expect(sent).toHaveLength(1);
    expect(cardText(sent[0].activity.attachments[0].content)).toMatch(/Cutover is not available here/);
    expect(t.logs()).toMatch(/activity not served.*"reason":"channel".*webchat/);
  });

  it('tells the admin channels about "I need help" once per person per 10 minutes, with a friendly word after', async () => {
    const [sub] = await t.say('subscribe all', { channel: true });
    expect(sub.text).toMatch(/ubscribed/);
    const [pick] = await t.say('guide', { user: MEGAN });
    const step = await t.press(pick, 'Outlook for Windows (classic)', { user: MEGAN });
    const stepCard = { activityId: pick.activityId, card: step.card, text: step.text };
    const heardCount = () => t.connector.activities().filter((a) => /Megan Bowen needs help/.test(cardText(a.activity.attachments?.[0]?.content ?? {}))).length;
    const first = await t.press(stepCard, 'I need help', { user: MEGAN });
    expect(first.text).toMatch(/I told your IT team/);
    await waitFor(() => (heardCount() === 1 ? true : undefined));
    const second = await t.press({ ...stepCard, card: first.card }, 'I need help', { user: MEGAN });
    expect(second.text).toMatch(
      /You asked for help a moment ago, and your IT team was told; someone will get in touch\. If you are still stuck, you can ask again in 10 minutes\./,
    );
    const third = await t.press({ ...stepCard, card: second.card }, 'I need help', { user: MEGAN });
    expect(third.text).toMatch(/You asked for help a moment ago/);
    await new Promise((r) => setTimeout(r, 300));
    expect(heardCount()).toBe(1);
    const [status] = await t.say('guide status');
    expect(status.text).toMatch(/Asked for help\n1/);
  });
});
