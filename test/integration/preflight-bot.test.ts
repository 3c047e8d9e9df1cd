// Preflight through the chat: the demo source in local mode, then a real Dovecot as the
// source, where the emulator also migrates from the real mailboxes.

import { assertNoSecrets, startTestCutover, type SentCard, type TestCutover, finalCard } from '../support/cutover';
import { describeWithDovecot, type DovecotInstance, startDovecot } from '../support/dovecot';

const MiB = 1024 * 1024;

describe('preflight in local mode (demo source)', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
    await t.say('endpoint add school imap.contoso.edu');
  });
  afterAll(async () => t?.close());

  it('finds a wrong password and an item over the limit, and fixes the limit in one click', async () => {
    const [progress] = await t.say(
      'preflight\nEmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\ndanj@contoso.edu,dan.jump,10191989\nannb@contoso.edu,ann.beebe,not-her-password',
    );
    expect(progress.text).toMatch(/Preflight against imap.contoso.edu:993/);
    const text = await finalCard(t, progress, /Preflight result/);
    expect(text).toMatch(/Ready\n1/);
    expect(text).toMatch(/Needs attention\n1/);
    expect(text).toMatch(/Blocked\n1/);
    expect(text).toMatch(/annb@contoso.edu\nThe source server rejected the user name or password/);
    expect(text).toMatch(/Site survey photos \(full resolution\) · 40 MB/);
    expect(text).not.toMatch(/not-her-password/);
    const update = t.connector
      .updates()
      .filter((x) => x.activityId === progress.activityId)
      .pop()!;
    const result: SentCard = { activityId: progress.activityId, card: update.activity.attachments[0].content, text };
    const fixed = await t.press(result, /Raise limits for 1 user/);
    expect(fixed.extra[0]?.text ?? fixed.text).toMatch(/danj@contoso.edu: 36 MB → 41 MB/);
    const [mailbox] = await t.say('mailbox show danj@contoso.edu');
    expect(mailbox.text).toMatch(/Max receive size\n41 MB/);
  });

  it('runs from the validation card and creates the batch without the blocked user', async () => {
    const [validation] = await t.say(
      'batch new wave1\nEmailAddress,UserName,Password\nkima@contoso.edu,kim.akers,1101980\njeffh@contoso.edu,jeff.hay,wrong-one',
    );
    expect(validation.text).toMatch(/Run preflight/);
    const ran = await t.press(validation, 'Run preflight');
    expect(ran.extra).toHaveLength(1);
    const text = await finalCard(t, ran.extra[0], /Preflight result/);
    expect(text).toMatch(/jeffh@contoso.edu/);
    const update = t.connector
      .updates()
      .filter((x) => x.activityId === ran.extra[0].activityId)
      .pop()!;
    const result: SentCard = { activityId: ran.extra[0].activityId, card: update.activity.attachments[0].content, text };
    const created = await t.press(result, /Create wave1 without 1 blocked/);
    expect(created.extra.map((e) => e.text).join('\n') + created.text).toMatch(/Batch wave1/);
    const [users] = await t.say('user show kima@contoso.edu');
    expect(users.text).toMatch(/batch wave1/);
    const [none] = await t.say('user show jeffh@contoso.edu');
    expect(none.text).toMatch(/not a migration user/);
  });

  it('keeps the CSV passwords out of every card, log line and stored file', () => {
    assertNoSecrets(t, ['10191989', 'not-her-password', '1101980', 'wrong-one']);
  });
});

describe('csv build for a master-user migration', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
    await t.say('endpoint add school imap.contoso.edu');
  });
  afterAll(async () => t?.close());

  it('asks for the admin credential on a card and turns it into a sealed, checked upload', async () => {
    const [form] = await t.say('csv build dovecot batch wave3\nkima@contoso.edu, jeffh@contoso.edu\nnot-an-address');
    expect(form.text).toMatch(/Build the CSV for batch wave3/);
    expect(form.text).toMatch(/"not-an-address" is not an email address/);
    const password = form.card.body.find((b: { id?: string }) => b.id === 'adminPassword');
    expect(password.style).toBe('Password');
    const built = await t.press(form, /Build the CSV/, {}, { adminUser: 'mailadmin', adminPassword: 'Master,Pw"77' });
    expect(built.text).toMatch(/All 2 rows are ready/);
    expect(built.text).toMatch(/kima\*mailadmin/);
    expect(built.text).toMatch(/Create batch wave3/);
    const again = await t.press(form, /Build the CSV/, {}, { adminUser: 'mailadmin', adminPassword: 'Master,Pw"77' });
    expect(again.text).toMatch(/expired/);
    assertNoSecrets(t, ['Master,Pw"77']);
  });
});

describeWithDovecot()('preflight and migration against a real IMAP server', () => {
  let t: TestCutover;
  let dc: DovecotInstance;
  beforeAll(async () => {
    dc = await startDovecot({
      users: [
        {
          login: 'kim',
          password: 'kim-Pw,"1',
          folders: [
            { name: 'INBOX', messages: 30, sizes: [38 * MiB] },
            { name: 'Projets/Équipe Zürich', messages: 12 },
          ],
        },
        {
          login: 'lee',
          password: 'lee-pw-2',
          folders: [
            { name: 'INBOX', messages: 15 },
            { name: 'Sent', messages: 5 },
          ],
        },
      ],
    });
    t = await startTestCutover();
    const [ep] = await t.say(`endpoint add dovecot 127.0.0.1 ${dc.imapPort} none`);
    expect(ep.text).toMatch(/Endpoint dovecot created/);
  });
  afterAll(async () => {
    await t?.close();
    await dc?.stop();
  });

  it('checks real mailboxes: folders, sizes, the 38 MB message, a wrong password', async () => {
    const [progress] = await t.say('preflight endpoint dovecot\nEmailAddress,UserName,Password\nkima@contoso.edu,kim,"kim-Pw,""1"\nleeg@contoso.edu,lee,wrong');
    const text = await finalCard(t, progress, /Preflight result/);
    expect(text).toMatch(/Ready\n0/);
    expect(text).toMatch(/Needs attention\n1/);
    expect(text).toMatch(/Blocked\n1/);
    expect(text).toMatch(/kima@contoso.edu · INBOX/);
    expect(text).toMatch(/leeg@contoso.edu/);
    expect(text).not.toContain('kim-Pw');
  });

  it('the emulator migrates from the real mailboxes: item counts and the skipped large item', async () => {
    const [validation] = await t.say(
      'batch new real endpoint dovecot\nEmailAddress,UserName,Password\nkima@contoso.edu,kim,"kim-Pw,""1"\nleeg@contoso.edu,lee,lee-pw-2',
    );
    const created = await t.press(validation, /Create batch real/);
    expect(created.text).toMatch(/Batch real/);
    await t.cutover.emulator!.control.advance(3600);
    await t.cutover.emulator!.control.settle();
    const [user] = await t.say('user show kima@contoso.edu');
    const expected = dc.expected.get('kim')!;
    expect(user.text).toMatch(/Synced in batch real/);
    expect(user.text).toContain(`Items in source\n${expected.count.toLocaleString('en-US')}`);
    expect(user.text).toMatch(/Skipped: INBOX/);
    const [lee] = await t.say('user show leeg@contoso.edu');
    expect(lee.text).toContain(`Synced items\n${dc.expected.get('lee')!.count}`);
    assertNoSecrets(t, ['kim-Pw,"1', 'lee-pw-2']);
  });
});
