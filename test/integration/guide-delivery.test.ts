// The guide reaching people and admins proactively: `guide send batch` posts the guide in
// each person's personal chat with Cutover, and "I need help" is heard in subscribed admin channels.

import { installationUpdate, postActivity, type TestUser } from '../support/activities';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';

describe('guide delivery', () => {
  let t: TestCutover;
  let terry: TestUser;
  beforeAll(async () => {
    t = await startTestCutover();
    const graphUser = t.cutover.graphEmulator!.control.users().find((u) => u.mail === 'terrya@contoso.edu')!;
    terry = { id: '29:terry', name: 'Terry Adams', aadObjectId: graphUser.id };
  });
  afterAll(async () => t?.close());

  it('posts the guide in the personal chat of people who have Cutover, and says who is still waiting', async () => {
    // Terry installed Cutover earlier: Teams sent the personal installationUpdate.
    const install = installationUpdate('add', { serviceUrl: t.connector.serviceUrl, user: terry });
    expect((await postActivity(t.cutover.botUrl, install)).status).toBeLessThan(300);
    await t.say('endpoint add school imap.contoso.edu');
    const [validation] = await t.say(
      'batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\nannb@contoso.edu,ann.beebe,2111991',
    );
    await t.press(validation, /^Create/);
    const [sent] = await t.say('guide send batch pilot');
    expect(sent.text).toMatch(/Guide sent\n1/);
    expect(sent.text).toMatch(/Get it when they open Cutover\n1/);
    const terryChat = install.conversation.id as string;
    const offer = t.connector.activities(terryChat).map((a) => cardText(a.activity.attachments?.[0]?.content ?? {}));
    expect(offer.join('\n')).toMatch(/Your mailbox is moving to Exchange Online/);
    expect(offer.join('\n')).toMatch(/Which mail program do you use\?/);
  });

  it('tells the subscribed admin channel when someone asks for help', async () => {
    const [sub] = await t.say('subscribe all', { channel: true });
    expect(sub.text).toMatch(/ubscribed/);
    const [pick] = await t.say('guide', { user: terry });
    const step = await t.press(pick, 'Outlook for Windows (classic)', { user: terry });
    const stepCard = { activityId: pick.activityId, card: step.card, text: step.text };
    const help = await t.press(stepCard, 'I need help', { user: terry });
    expect(help.text).toMatch(/I told your IT team that you need help with this step/);
    const heard = await waitFor(() => {
      const texts = t.connector.activities().map((a) => cardText(a.activity.attachments?.[0]?.content ?? {}));
      return texts.find((x) => /Terry Adams needs help with the move to Exchange/.test(x));
    });
    expect(heard).toMatch(/Stuck at:/);
  });
});
