// The guide offered by itself: with a channel subscribed to a batch, each user whose first
// sync lands gets the guide in their personal chat with Cutover, once; someone without the
// app gets it installed and receives the guide when Teams opens their personal chat; users
// who failed and batches nobody subscribed to get nothing.

import { installationUpdate, postActivity, type TestUser } from '../support/activities';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { waitFor } from '../support/ports';
import { DEMO_USERS } from '../../src/emulator/exchange/demoSource';

const OFFER = /Your mail has been copied to Exchange Online/;

describe('guide offered when the first sync lands', () => {
  let t: TestCutover;
  const person = (email: string, teamsId: string): TestUser => {
    const u = t.cutover.graphEmulator!.control.users().find((x) => x.mail === email)!;
    return { id: teamsId, name: u.displayName, aadObjectId: u.id };
  };
  const offersIn = (conversationId: string) =>
    t.connector.activities(conversationId).filter((a) => OFFER.test(cardText(a.activity.attachments?.[0]?.content ?? {})));
  const allOffers = () => t.connector.activities().filter((a) => OFFER.test(cardText(a.activity.attachments?.[0]?.content ?? {})));
  const settle = async (seconds: number) => {
    await t.cutover.emulator!.control.advance(seconds);
    await t.cutover.emulator!.control.settle();
  };

  beforeAll(async () => {
    t = await startTestCutover({ WATCHER_INTERVAL_MS: '150' });
  });
  afterAll(async () => t?.close());

  it('offers the guide once to each synced user of a subscribed batch, and waits for the app where there is none', async () => {
    const terry = person('terrya@contoso.edu', '29:terry');
    const ann = person('annb@contoso.edu', '29:ann');
    // Terry has Cutover in Teams already; Ann does not.
    const terryInstall = installationUpdate('add', { serviceUrl: t.connector.serviceUrl, user: terry });
    expect((await postActivity(t.cutover.botUrl, terryInstall)).status).toBeLessThan(300);
    const terryChat = terryInstall.conversation.id as string;

    const [sub] = await t.say('subscribe batch pilot', { channel: true });
    expect(sub.text).toMatch(/Subscribed this channel to batch pilot/);
    await t.say('endpoint add school imap.contoso.edu');
    const [validation] = await t.say(
      'batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\nannb@contoso.edu,ann.beebe,2111991\npaulc@contoso.edu,paul.cannon,wrong-pw-42',
    );
    await t.press(validation, /^Create/);
    // A batch nobody subscribed to: its users are not offered anything.
    const alex = DEMO_USERS.find((u) => u.alias === 'alexw')!;
    const [other] = await t.say(`batch new wave2\nEmailAddress,UserName,Password\nalexw@contoso.edu,${alex.login},${alex.password}`);
    await t.press(other, /^Create/);

    // The batch's card has been posted: the watcher knows the batch before its users sync.
    await t.connector.waitForActivities(1, { conversationId: '19:team-general@thread.tacv2', timeoutMs: 5000 });
    await settle(2 * 3600);

    await waitFor(() => (offersIn(terryChat).length ? true : undefined), { timeoutMs: 8000 });
    const text = cardText(offersIn(terryChat)[0].activity.attachments[0].content);
    expect(text).toMatch(/Which mail program do you use\?/);
    // Ann had no app: Cutover installed it for her (local mode allows it) and waits for Teams.
    await waitFor(() => (t.cutover.graphEmulator!.control.installedApps(ann.aadObjectId!).length ? true : undefined), { timeoutMs: 8000 });
    const waiting = await waitFor(
      async () => {
        const [status] = await t.say('guide status batch pilot');
        return /guide waiting: Cutover was added to their Teams/.test(status.text) ? status.text : undefined;
      },
      { timeoutMs: 8000 },
    );
    expect(waiting).toMatch(/terrya@contoso.edu\n[^\n]*guide sent when the first sync landed/);
    expect(waiting).not.toMatch(/paulc@contoso.edu\n[^\n]*guide/);
    // The audit entry follows once the whole group of people is done.
    await waitFor(
      async () => {
        const [audit] = await t.say('audit 10');
        return /Cutover\nguide\.offer\npilot\nok/.test(audit.text) ? true : undefined;
      },
      { timeoutMs: 5000 },
    );

    // Teams opens Ann's personal chat after the install: the guide that waited goes out.
    const annInstall = installationUpdate('add', { serviceUrl: t.connector.serviceUrl, user: ann });
    expect((await postActivity(t.cutover.botUrl, annInstall)).status).toBeLessThan(300);
    const annChat = annInstall.conversation.id as string;
    await waitFor(() => (offersIn(annChat).length ? true : undefined), { timeoutMs: 5000 });

    // More syncs and polls later: nobody is offered it twice; the failed user and the unsubscribed batch never.
    await t.say('batch sync pilot');
    await settle(3600);
    await new Promise((r) => setTimeout(r, 800));
    const again = installationUpdate('add', { serviceUrl: t.connector.serviceUrl, user: ann });
    await postActivity(t.cutover.botUrl, again);
    expect(offersIn(terryChat)).toHaveLength(1);
    expect(offersIn(annChat)).toHaveLength(1);
    expect(allOffers()).toHaveLength(2);
    // Nothing was done for the unsubscribed batch's user: no offer, no install.
    const alexId = t.cutover.graphEmulator!.control.users().find((u) => u.mail === 'alexw@contoso.edu')!.id;
    expect(t.cutover.graphEmulator!.control.installedApps(alexId)).toHaveLength(0);
    const [status] = await t.say('guide status batch pilot');
    expect(status.text).toMatch(/annb@contoso.edu\n[^\n]*guide sent when the first sync landed/);
  });

  it('sends no second copy to someone who was sent the guide already', async () => {
    const other = await startTestCutover({ WATCHER_INTERVAL_MS: '150' });
    try {
      const u = other.cutover.graphEmulator!.control.users().find((x) => x.mail === 'terrya@contoso.edu')!;
      const install = installationUpdate('add', { serviceUrl: other.connector.serviceUrl, user: { id: '29:terry', name: u.displayName, aadObjectId: u.id } });
      await postActivity(other.cutover.botUrl, install);
      const chat = install.conversation.id as string;
      await other.say('subscribe all', { channel: true });
      await other.say('endpoint add school imap.contoso.edu');
      const [v] = await other.say('batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990');
      await other.press(v, /^Create/);
      const [sent] = await other.say('guide send batch pilot');
      expect(sent.text).toMatch(/Guide sent\n1/);
      await other.connector.waitForActivities(1, { conversationId: '19:team-general@thread.tacv2', timeoutMs: 5000 });
      await other.cutover.emulator!.control.advance(2 * 3600);
      await other.cutover.emulator!.control.settle();
      const status = await waitFor(
        async () => {
          const [s] = await other.say('guide status batch pilot');
          return /had the guide already/.test(s.text) ? s.text : undefined;
        },
        { timeoutMs: 8000 },
      );
      expect(status).toMatch(/terrya@contoso.edu\n[^\n]*first sync landed; had the guide already/);
      const cards = other.connector.activities(chat).map((a) => cardText(a.activity.attachments?.[0]?.content ?? {}));
      expect(cards.filter((x) => /Which mail program do you use\?/.test(x))).toHaveLength(1);
      expect(cards.filter((x) => OFFER.test(x))).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('offers nothing when GUIDE_AUTO_OFFER is false', async () => {
    const off = await startTestCutover({ WATCHER_INTERVAL_MS: '150', GUIDE_AUTO_OFFER: 'false' });
    try {
      const terry = { ...person('terrya@contoso.edu', '29:terry') };
      const install = installationUpdate('add', { serviceUrl: off.connector.serviceUrl, user: terry });
      await postActivity(off.cutover.botUrl, install);
      await off.say('subscribe all', { channel: true });
      await off.say('endpoint add school imap.contoso.edu');
      const [v] = await off.say('batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990');
      await off.press(v, /^Create/);
      await off.connector.waitForActivities(1, { conversationId: '19:team-general@thread.tacv2', timeoutMs: 5000 });
      await off.cutover.emulator!.control.advance(2 * 3600);
      await off.cutover.emulator!.control.settle();
      await waitFor(
        () =>
          off.connector.updates('19:team-general@thread.tacv2').some((u) => /Synced/.test(cardText(u.activity.attachments[0].content))) ? true : undefined,
        { timeoutMs: 8000 },
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(
        off.connector.activities(install.conversation.id as string).filter((a) => OFFER.test(cardText(a.activity.attachments?.[0]?.content ?? {}))),
      ).toHaveLength(0);
    } finally {
      await off.close();
    }
  });
});
