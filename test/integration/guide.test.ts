// The end-user guide and the contacts/calendar import end to end: the real server in local
// mode, its Graph emulator behind the real Graph client, replies caught by the capture
// connector, .vcf/.ics files served from a loopback file server as Teams download URLs.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ALEX, MEGAN, type TestUser } from '../support/activities';
import { cardText, startTestCutover, type TestCutover } from '../support/cutover';
import { googleVcf30, manyContactsVcf, outlookIcs, outlookVcf21, appleIcs } from '../support/pimFixtures';
import { waitFor } from '../support/ports';

describe('guide and import, local mode', () => {
  let t: TestCutover;
  let files: http.Server;
  let base: string;
  const served: Record<string, Buffer> = {
    '/contacts.vcf': Buffer.concat([outlookVcf21(), googleVcf30(), manyContactsVcf(45)]),
    '/calendar.ics': outlookIcs(),
    '/apple.ics': appleIcs(),
  };
  const graph = () => t.cutover.graphEmulator!.control;

  beforeAll(async () => {
    files = http.createServer((req, res) => {
      const body = served[req.url ?? ''];
      if (!body) {
        res.statusCode = 404;
        return void res.end();
      }
      res.end(body);
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    t = await startTestCutover();
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => files.close(r));
  });

  const finalUpdate = (before: number, pattern: RegExp) =>
    waitFor(
      () => {
        const u = t.connector
          .updates()
          .slice(before)
          .map((a) => cardText(a.activity.attachments[0].content));
        return u.find((x) => pattern.test(x));
      },
      { timeoutMs: 10_000, description: `a card update matching ${pattern}` },
    );

  it('walks a person through the steps for their mail program, resumes, and records a help request', async () => {
    const [pick] = await t.say('guide');
    expect(pick.text).toMatch(/Which mail program do you use\?/);
    const first = await t.press(pick, 'Thunderbird or another mail program');
    expect(first.text).toMatch(/step 1 of 5/);
    expect(first.text).toMatch(/Add your Exchange account/);
    expect(first.text).not.toMatch(/OAuth2/);
    const how = await t.press({ ...pick, card: first.card }, 'Show me how');
    expect(how.text).toMatch(/Account Actions › Add Mail Account/);
    const second = await t.press({ ...pick, card: how.card }, 'Done');
    expect(second.text).toMatch(/step 2 of 5/);
    expect(second.text).toMatch(/Copy your contacts/);
    expect(second.text).toMatch(/attach the \.vcf file/);

    const help = await t.press({ ...pick, card: second.card }, 'I need help');
    expect(help.text).toMatch(/request for help is recorded/);

    // Resumable: a new "guide" starts where the person left.
    const [again] = await t.say('guide');
    expect(again.text).toMatch(/Welcome back/);
    expect(again.text).toMatch(/step 2 of 5/);

    const [other] = await t.say('guide client mac');
    expect(other.text).toMatch(/Outlook for Mac · step 2 of 5/);

    const [status] = await t.say('guide status');
    expect(status.text).toMatch(/Alex Wilber · alexw@contoso.edu/);
    expect(status.text).toMatch(/1 of 5 done · now: Copy your contacts/);
    expect(status.text).toMatch(/Asked for help with Copy your contacts/);
  });

  it('keeps a previewed import sealed in the store, so Import works after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-import-restart-'));
    try {
      const first = await startTestCutover({ DATA_DIR: dataDir });
      const [preview] = await first.sendFile('contacts.vcf', `${base}/contacts.vcf`, '');
      expect(preview.text).toMatch(/contacts\.vcf: 47 contacts to copy/);
      await first.close();
      // Contacts are personal data: nothing of them in clear in the state folder.
      const files = fs.readdirSync(path.join(dataDir, 'state')).map((f) => fs.readFileSync(path.join(dataDir, 'state', f), 'utf8'));
      expect(files.some((f) => f.includes('pim-plans'))).toBe(true);
      for (const f of files) expect(f).not.toMatch(/Jürgen|Müller|Zoë|Saldana/);

      const second = await startTestCutover({ DATA_DIR: dataDir });
      try {
        const before = second.connector.updates().length;
        const pressed = await second.press(preview, /^Import 47 contacts$/);
        expect(pressed.text).toMatch(/Copying 47 contacts/);
        await waitFor(
          () =>
            second.connector
              .updates()
              .slice(before)
              .map((a) => cardText(a.activity.attachments[0].content))
              .find((x) => /47 contacts copied/.test(x)),
          { timeoutMs: 10_000 },
        );
        expect(second.cutover.graphEmulator!.control.contacts(ALEX.aadObjectId!)).toHaveLength(47);
        const twice = await second.press(preview, /^Import 47 contacts$/);
        expect(twice.text).toMatch(/This import is gone/);
        // The claim went with the run: no plan is left behind.
        expect(fs.readdirSync(path.join(dataDir, 'state')).filter((f) => f.startsWith('pim-plans'))).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('imports an attached .vcf after a preview; the same file again creates nothing new', async () => {
    const [preview] = await t.sendFile('contacts.vcf', `${base}/contacts.vcf`, '');
    expect(preview.text).toMatch(/contacts\.vcf: 47 contacts to copy/);
    expect(preview.text).toMatch(/Jürgen Müller/);
    expect(preview.text).toMatch(/Entry 3: it has no name, e-mail address or phone number/);
    expect(graph().contacts(ALEX.aadObjectId)).toHaveLength(0);

    const before = t.connector.updates().length;
    const pressed = await t.press(preview, /^Import 47 contacts$/);
    expect(pressed.text).toMatch(/Copying 47 contacts/);
    const done = await finalUpdate(before, /contacts copied into Exchange/);
    expect(done).toMatch(/47 contacts copied/);
    expect(graph().contacts(ALEX.aadObjectId)).toHaveLength(47);
    expect(
      graph()
        .contacts(ALEX.aadObjectId)
        .map((c) => c.displayName),
    ).toContain('Zoë Saldana-Ng');

    // The button works once.
    const twice = await t.press(preview, /^Import 47 contacts$/);
    expect(twice.text).toMatch(/This import is gone/);

    const [again] = await t.sendFile('contacts.vcf', `${base}/contacts.vcf`, 'import');
    const before2 = t.connector.updates().length;
    await t.press(again, /^Import 47 contacts$/);
    const nothing = await finalUpdate(before2, /Nothing new/);
    expect(nothing).toMatch(/Already there\n47/);
    expect(graph().contacts(ALEX.aadObjectId)).toHaveLength(47);

    // The contacts step is done now.
    const [status] = await t.say('guide status');
    expect(status.text).toMatch(/2 of 5 done · now: Copy your calendar · imported 47 contacts/);
  });

  it('imports a calendar through $batch while Graph throttles single items, inviting nobody', async () => {
    graph().injectFault({ match: 'POST /v1.0/users/[^/]+/events', where: 'item', status: 429, retryAfterSeconds: 0.05, times: 2 });
    graph().injectFault({ match: '\\$batch', where: 'http', status: 429, retryAfterSeconds: 0.05, times: 1 });
    const throttledBefore = graph().counts().throttled;
    const [preview] = await t.sendFile('calendar.ics', `${base}/calendar.ics`, '');
    expect(preview.text).toMatch(/calendar\.ics: 2 events to copy/);
    expect(preview.text).toMatch(/attendees are not invited/);
    const before = t.connector.updates().length;
    await t.press(preview, /^Import 2 events$/);
    await finalUpdate(before, /2 events copied into Exchange/);
    expect(graph().counts().throttled - throttledBefore).toBe(3);
    const events = graph().events(ALEX.aadObjectId);
    expect(events).toHaveLength(2);
    expect(graph().counts().invitationsSent).toBe(0);
    expect(events.find((e) => e.subject === 'Team sync')).toMatchObject({
      subject: 'Team sync',
      start: { timeZone: 'W. Europe Standard Time' },
      recurrence: { pattern: { type: 'weekly' } },
    });
  });

  it('only the person who sent the file can import it', async () => {
    const [preview] = await t.sendFile('apple.ics', `${base}/apple.ics`, '');
    const byMegan = await t.press(preview, /^Import 2 events$/, { user: MEGAN, conversationId: `a:personal-${ALEX.aadObjectId}` });
    expect(byMegan.extra.map((c) => c.text).join('\n') + byMegan.text).toMatch(/Not your import/);
    const cancel = await t.press(preview, 'Cancel');
    expect(cancel.text).toMatch(/Import cancelled/);
  });

  it('warns a person with no Exchange Online licence, naming plans that include it, and imports nothing', async () => {
    const adele = graph()
      .users()
      .find((u) => u.userPrincipalName === 'adelev@contoso.edu')!;
    const user: TestUser = { id: '29:adele', name: 'Adele Vance', aadObjectId: adele.id };
    const [pick] = await t.say('guide', { user });
    expect(pick.text).toMatch(/adelev@contoso.edu has no Exchange Online licence/);
    expect(pick.text).toMatch(/Microsoft 365 Business Basic or Microsoft 365 Business Standard/);
    const [refused] = await t.sendFile('contacts.vcf', `${base}/contacts.vcf`, '', { user });
    expect(refused.text).toMatch(/No Exchange mailbox yet/);
    expect(graph().contacts(adele.id)).toHaveLength(0);
  });

  it('sends the guide to a batch: installs the app where it can, lists who it could not reach', async () => {
    await t.say('endpoint add school imap.contoso.edu');
    const [validation] = await t.say(
      'batch new pilot\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\nannb@contoso.edu,ann.beebe,2111991',
    );
    await t.press(validation, /^Create/);
    const [sent] = await t.say('guide send batch pilot');
    expect(sent.text).toMatch(/Guide for batch pilot/);
    expect(sent.text).toMatch(/App installed now\n2/);
    const terry = graph()
      .users()
      .find((u) => u.mail === 'terrya@contoso.edu')!;
    expect(graph().installedApps(terry.id)).toEqual(['cutover-local-app']);
    const [status] = await t.say('guide status batch pilot');
    expect(status.text).toMatch(/Guide progress · batch pilot/);
    expect(status.text).toMatch(/Terry Adams · terrya@contoso.edu/);
    expect(status.text).toMatch(/not started/);
  });

  it('warns on the batch validation card about target users with no Exchange Online licence', async () => {
    const [card] = await t.say(
      'batch new wave2\nEmailAddress,UserName,Password\nadelev@contoso.edu,adele.vance,x1\nmiriamg@contoso.edu,miriam.graham,x2\nkima@contoso.edu,kim.akers,x3',
    );
    expect(card.text).toMatch(/Licence: adelev@contoso.edu, miriamg@contoso.edu have no Exchange Online licence/);
    expect(card.text).not.toMatch(/kima@contoso.edu have no/);
    expect(card.text).toMatch(/Microsoft 365 Business Basic/);
  });
});
