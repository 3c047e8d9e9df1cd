// Per-user files reach only the admin who asked, the Teams way: a file consent card in their
// personal chat; on Allow, the bytes go to the upload session Teams named (a loopback stand-in
// for OneDrive here) and a file info card follows. Asked in a channel, the channel only hears
// where the files went. In local mode's default (the Playground) a 15-minute link instead.

import { ALEX, MEGAN, installationUpdate, personalMessage, postActivity, type TestUser } from '../support/activities';
import { startUploadServer, type CapturedActivity, type UploadServer } from '../support/captureConnector';
import { startTestCutover, type TestCutover, createDemoBatch } from '../support/cutover';
import { waitFor } from '../support/ports';

const CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';
const PERSONAL = `a:personal-${ALEX.aadObjectId}`;

const consentCards = (t: TestCutover, conversationId?: string): CapturedActivity[] =>
  t.connector.activities(conversationId).filter((a) => a.activity?.attachments?.[0]?.contentType === CONSENT);
const fileInfoCards = (t: TestCutover, conversationId?: string): CapturedActivity[] =>
  t.connector.activities(conversationId).filter((a) => a.activity?.attachments?.[0]?.contentType === FILE_INFO);

/** What Teams sends when the person chooses Allow or Decline on a file consent card. */
async function answer(t: TestCutover, card: CapturedActivity, action: 'accept' | 'decline', uploadUrl: string, user: TestUser = ALEX) {
  const att = card.activity.attachments[0];
  const base = personalMessage('', { serviceUrl: t.connector.serviceUrl, user, conversationId: card.conversationId });
  const activity = {
    ...base,
    type: 'invoke',
    name: 'fileConsent/invoke',
    text: undefined,
    replyToId: card.activityId,
    value: {
      type: 'fileUpload',
      action,
      context: action === 'accept' ? att.content.acceptContext : att.content.declineContext,
      ...(action === 'accept'
        ? {
            uploadInfo: {
              name: att.name,
              uploadUrl,
              contentUrl: `https://contoso-my.sharepoint.com/personal/alexw/Documents/Applications/Cutover/${att.name}`,
              uniqueId: '1150D938-8870-4044-9F2C-5BBDEBA70C9D',
              fileType: 'csv',
            },
          }
        : {}),
    },
  };
  const before = t.connector.activities(card.conversationId).length;
  const res = await postActivity(t.cutover.botUrl, activity);
  expect(res.status).toBe(200);
  return t.connector.activities(card.conversationId).slice(before);
}

describe('reports through file consent cards', () => {
  let t: TestCutover;
  let upload: UploadServer;
  beforeAll(async () => {
    upload = await startUploadServer();
    t = await startTestCutover({ CUTOVER_FILE_HANDOVER: 'consent' });
    await createDemoBatch(t);
  });
  afterAll(async () => {
    await t?.close();
    await upload?.close();
  });

  it('asked in personal chat: the card says what to do, consent cards follow; Allow uploads the bytes and shows the file', async () => {
    const before = t.connector.activities(PERSONAL).length;
    const [card] = await t.say('user report terrya@contoso.edu');
    expect(card.text).toMatch(/Report for terrya@contoso.edu/);
    expect(card.text).toMatch(/choose Allow on the file card in this chat/);
    const sent = t.connector.activities(PERSONAL).slice(before);
    // The report card first, then one consent card per file; no link, no URL in any summary.
    expect(sent.map((a) => a.activity.attachments[0].contentType)).toEqual(['application/vnd.microsoft.card.adaptive', CONSENT, CONSENT]);
    expect(JSON.stringify(sent)).not.toMatch(/\/downloads\//);
    for (const a of sent) expect(String(a.activity.summary ?? '')).not.toMatch(/https?:/);
    const csvCard = sent.find((a) => a.activity.attachments[0].name === 'terrya@contoso.edu-skipped-items.csv')!;
    expect(csvCard.activity.attachments[0].content).toMatchObject({ description: 'Skipped items of terrya@contoso.edu', sizeInBytes: expect.any(Number) });

    const after = await answer(t, csvCard, 'accept', `${upload.url}/upload/skipped`);
    const put = upload.uploads().pop()!;
    expect(put.path).toBe('/upload/skipped');
    const n = put.body.length;
    expect(n).toBe(csvCard.activity.attachments[0].content.sizeInBytes);
    expect(put.headers['content-range']).toBe(`bytes 0-${n - 1}/${n}`);
    expect(put.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(put.body.toString('utf8')).toContain('Kind,FolderName,Subject,Sender,DateSent,MessageSize,Failure');
    expect(after.map((a) => a.activity.attachments?.[0]?.contentType)).toEqual([FILE_INFO]);
    expect(after[0].activity.attachments[0]).toMatchObject({
      name: csvCard.activity.attachments[0].name,
      contentUrl: expect.stringMatching(/^https:\/\/contoso-my\.sharepoint\.com\//),
      content: { uniqueId: '1150D938-8870-4044-9F2C-5BBDEBA70C9D', fileType: 'csv' },
    });

    // The same card again: the file was handed out once and is gone.
    const uploadsBefore = upload.requests();
    const again = await answer(t, csvCard, 'accept', `${upload.url}/upload/skipped-again`);
    expect(JSON.stringify(again)).toMatch(/no longer here/);
    expect(upload.requests()).toBe(uploadsBefore);
  });

  it("asked in a channel: nothing per-user there, the consent card goes to the asker's personal chat", async () => {
    const createdBefore = t.connector.createdConversations().length;
    const cards = await t.say('user report terrya@contoso.edu', { channel: true });
    expect(cards).toHaveLength(1);
    expect(cards[0].text).toMatch(/Sent to you in your personal chat with Cutover: .*skipped-items.csv/);
    const channelTraffic = t.connector.activities().filter((a) => a.conversationId.startsWith('19:'));
    expect(channelTraffic.filter((a) => a.activity?.attachments?.[0]?.contentType === CONSENT)).toEqual([]);
    expect(JSON.stringify(channelTraffic)).not.toMatch(/\/downloads\/|sharepoint/);

    // A new 1:1 conversation with the asker, and the consent cards in it.
    const created = await waitFor(() => t.connector.createdConversations().slice(createdBefore)[0]);
    expect(created.parameters).toMatchObject({ isGroup: false, members: [{ id: ALEX.id }] });
    const offered = await waitFor(() => (consentCards(t, created.id).length === 2 ? consentCards(t, created.id) : undefined));
    expect(offered.map((a) => a.activity.attachments[0].name).sort()).toEqual(
      ['terrya@contoso.edu-migration-report.json', 'terrya@contoso.edu-skipped-items.csv'].sort(),
    );
  });

  it('asked in a channel by someone whose personal chat the bot knows: the files go into that chat, no new conversation', async () => {
    const res = await postActivity(t.cutover.botUrl, installationUpdate('add', { serviceUrl: t.connector.serviceUrl, user: ALEX }));
    expect(res.status).toBeLessThan(300);
    const createdBefore = t.connector.createdConversations().length;
    const offeredBefore = consentCards(t, PERSONAL).length;
    const cards = await t.say('user report annb@contoso.edu', { channel: true });
    expect(cards[0].text).toMatch(/Sent to you in your personal chat with Cutover/);
    await waitFor(() => (consentCards(t, PERSONAL).length === offeredBefore + 2 ? true : undefined));
    expect(t.connector.createdConversations().length).toBe(createdBefore);
  });

  it('Decline deletes the file; an Allow afterwards finds nothing; another person cannot take it', async () => {
    await t.say('user report terrya@contoso.edu');
    const [json, csv] = consentCards(t, PERSONAL).slice(-2);
    const declined = await answer(t, json, 'decline', '');
    expect(JSON.stringify(declined)).toMatch(/Not saved/);
    const start = upload.requests();
    expect(JSON.stringify(await answer(t, json, 'accept', `${upload.url}/upload/late`))).toMatch(/no longer here/);
    // Megan presses Allow on Alex's card (a forwarded or replayed invoke): refused, nothing uploaded.
    expect(JSON.stringify(await answer(t, csv, 'accept', `${upload.url}/upload/megan`, MEGAN))).toMatch(/offered to someone else/);
    expect(upload.requests()).toBe(start);
  });

  it('uploads only to an https OneDrive/SharePoint address without credentials (loopback http in local mode)', async () => {
    for (const [uploadUrl, why] of [
      ['http://192.0.2.10/upload', /not https/],
      ['https://evil.example/upload', /not OneDrive or SharePoint/],
      [`http://user:secret@127.0.0.1:${new URL(upload.url).port}/upload`, /carries credentials/],
      ['not a url', /no valid upload address/],
    ] as const) {
      await t.say('user report terrya@contoso.edu');
      const [, csv] = consentCards(t, PERSONAL).slice(-2);
      const start = upload.requests();
      const after = await answer(t, csv, 'accept', uploadUrl);
      expect(JSON.stringify(after)).toMatch(why);
      expect(fileInfoCards(t, PERSONAL).filter((a) => after.includes(a))).toEqual([]);
      expect(upload.requests()).toBe(start);
    }
  });
});

describe('reports as 15-minute links (local mode default: the Playground cannot take files)', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
    await createDemoBatch(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the links come below the report in personal chat, live at most 15 minutes, and never sit in a summary', async () => {
    const cards = await t.say('user report terrya@contoso.edu');
    expect(cards.map((c) => c.text.split('\n')[0])).toEqual(['Report for terrya@contoso.edu', 'Your files from Cutover']);
    const links = [...cards[1].text.matchAll(/\((http:\/\/127\.0\.0\.1:\d+\/downloads\/[^)]+)\)/g)].map((m) => m[1]);
    expect(links).toHaveLength(2);
    for (const link of links) {
      const exp = Number(new URL(link).searchParams.get('exp')) * 1000;
      expect(exp - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
      const res = await fetch(link);
      expect(res.status).toBe(200);
    }
    const csv = Buffer.from(await (await fetch(links.find((l) => /skipped-items/.test(decodeURIComponent(l))) ?? links[1])).arrayBuffer());
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    for (const a of t.connector.activities()) expect(String(a.activity?.summary ?? '')).not.toMatch(/https?:/);
  });

  it('asked in a channel: the links go to the personal chat, the channel only hears where', async () => {
    const cards = await t.say('cutover proof batch pilot', { channel: true });
    expect(cards).toHaveLength(1);
    expect(cards[0].text).toMatch(/Sent to you in your personal chat with Cutover: cutover-proof-pilot.csv/);
    expect(cards[0].text).toMatch(/2 users; the per-user proof is in the file/);
    const channelTraffic = t.connector.activities().filter((a) => a.conversationId.startsWith('19:'));
    expect(JSON.stringify(channelTraffic)).not.toMatch(/\/downloads\/|terrya@|annb@/);
    // Asked in personal chat, the per-user lines are on the card.
    const [mine] = await t.say('cutover proof batch pilot');
    expect(mine.text).toMatch(/terrya@contoso.edu: source/);
  });
});
