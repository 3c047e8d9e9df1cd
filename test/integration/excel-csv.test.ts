// The files admins really have, in the order they really work: Microsoft's documented
// example pasted as the README shows it, Excel's "Unicode text" and European "CSV" files
// attached before any endpoint exists, a file whose bytes read two ways, and (against a
// real Dovecot) an accented password in a Windows-1252 semicolon file signing in at the
// preflight and in the emulator's migration.

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { assertNoSecrets, startTestCutover, type SentCard, type TestCutover, finalCard } from '../support/cutover';
import { describeWithDovecot, type DovecotInstance, startDovecot } from '../support/dovecot';

const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
const SAMPLE = fs.readFileSync(path.resolve(__dirname, '../../samples/contoso-pilot.csv'), 'utf8');
const MICROSOFT_ROWS = [
  'terrya@contoso.edu,contoso\\terry.adams,1091990',
  'annb@contoso.edu,contoso\\ann.beebe,2111991',
  'paulc@contoso.edu,contoso\\paul.cannon,3281986',
];

/** Windows-1252 (Latin-1 range is enough for these fixtures). */
const cp1252 = (text: string) => Buffer.from(text, 'latin1');
const utf16leBom = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const toTabs = (csv: string) => csv.replace(/,/g, '\t');

async function serveFiles(files: Record<string, Buffer>) {
  const fetched: string[] = [];
  const server = http.createServer((req, res) => {
    const body = files[req.url ?? ''];
    fetched.push(req.url ?? '');
    if (!body) {
      res.statusCode = 404;
      return void res.end();
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetched,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("Excel's files and Microsoft's example, in the demo", () => {
  let t: TestCutover;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  beforeAll(async () => {
    files = await serveFiles({
      // Excel "Unicode text": UTF-16 LE with BOM, tab-separated.
      '/pilot.txt.csv': utf16leBom(toTabs(SAMPLE)),
      // Excel "CSV" in an Italian locale: semicolons, Windows-1252.
      '/wave.csv': cp1252('EmailAddress;UserName;Password\r\nkima@contoso.edu;kim.akers;1101980\r\njeffh@contoso.edu;jeff.hay;2111981\r\n'),
      // No header row; and columns out of order with a password that looks like an address.
      '/noheader.csv': cp1252('kima@contoso.edu;kim.akers;Geheim-Köln-7\r\n'),
      '/shuffled.csv': Buffer.from('EmailAddress;UserName;Password\r\nSecret-Pw-1;kim.akers;kima@contoso.edu\r\nShuffled-Pw-9;jeff.hay;jeffh@contoso.edu\r\n'),
      // Polish text saved as Windows-1250 ("ł" is 0xB3), semicolons: reads two ways.
      '/polish.csv': Buffer.concat([
        Buffer.from('EmailAddress;UserName;Password\r\nellena@contoso.edu;ellen.adams;'),
        Buffer.from([0x48, 0x61, 0x73, 0xb3, 0x6f, 0x2d, 0x31]), // "Hasło-1"
        Buffer.from('\r\n'),
      ]),
    });
    t = await startTestCutover();
  });
  afterAll(async () => {
    await t?.close();
    await files?.close();
  });

  it("the samples/ file and the README carry Microsoft's documented rows exactly", () => {
    expect(SAMPLE.split(/\r?\n/).filter(Boolean)).toEqual(['EmailAddress,UserName,Password', ...MICROSOFT_ROWS]);
    for (const row of MICROSOFT_ROWS) expect(README).toContain(`   ${row}\n`);
  });

  it('a file that cannot be used is not kept while the endpoint is missing, and its answer shows no cell of it', async () => {
    const [noHeader] = await t.sendFile('noheader.csv', `${files.base}/noheader.csv`, 'batch new broken');
    expect(noHeader.text).toMatch(/The CSV needs fixing first/);
    expect(noHeader.text).toMatch(/not the header EmailAddress,UserName,Password/);
    const [shuffled] = await t.sendFile('shuffled.csv', `${files.base}/shuffled.csv`, 'preflight');
    expect(shuffled.text).toMatch(/The CSV needs fixing first/);
    expect(shuffled.text).not.toMatch(/Add endpoint and continue/);
  });

  it('batch new with the CSV attached before any endpoint: the file is kept, the card asks for the endpoint, then goes on to Create with one attachment', async () => {
    const [form] = await t.sendFile('pilot.txt.csv', `${files.base}/pilot.txt.csv`, 'batch new pilot');
    expect(form.text).toMatch(/Which IMAP server does batch pilot read from\?/);
    expect(form.text).toMatch(/I kept pilot.txt.csv/);
    expect(form.text).toMatch(/Read as\ntabs, UTF-16 LE/);
    const ids = JSON.stringify(form.card).match(/"id":"endpoint\w+"/g);
    expect(ids).toEqual(['"id":"endpointName"', '"id":"endpointHost"', '"id":"endpointPort"', '"id":"endpointSecurity"']);
    // A server Exchange cannot reach: the form stays, saying why, and the file is still kept.
    const bad = await t.press(
      form,
      'Add endpoint and continue',
      {},
      { endpointName: 'school', endpointHost: 'imap.nowhere.example', endpointPort: '993', endpointSecurity: 'ssl' },
    );
    expect(bad.text).toMatch(/can't reach imap.nowhere.example:993/);
    expect(bad.text).toMatch(/the CSV is still kept/);
    const retry: SentCard = { activityId: form.activityId, card: bad.card, text: bad.text };
    const validation = await t.press(
      retry,
      'Add endpoint and continue',
      {},
      { endpointName: 'school', endpointHost: 'imap.contoso.edu', endpointPort: '993', endpointSecurity: 'ssl' },
    );
    expect(validation.extra.map((e) => e.text).join('\n')).toMatch(/Endpoint school created/);
    expect(validation.text).toMatch(/New batch pilot: CSV check/);
    expect(validation.text).toMatch(/All 3 rows are ready/);
    expect(validation.text).toMatch(/Read as\ntabs, UTF-16 LE/);
    expect(validation.text).toMatch(/school \(imap.contoso.edu:993, Ssl\)/);
    const created = await t.press({ activityId: form.activityId, card: validation.card, text: validation.text }, 'Create batch pilot');
    expect(created.text).toMatch(/Batch pilot/);
    expect(files.fetched.filter((u) => u === '/pilot.txt.csv')).toHaveLength(1);
    await t.cutover.emulator!.control.advance(2 * 3600);
    await t.cutover.emulator!.control.settle();
    const [show] = await t.say('batch show pilot');
    expect(show.text).toMatch(/3 of 3 users synced/);
    expect(show.text).not.toMatch(/SyncedWithErrors/);
  });

  it("Microsoft's documented example, pasted as the README shows it, goes to Synced in the demo", async () => {
    const block = /```\n {3}(batch new pilot\n {3}EmailAddress,UserName,Password\n[^`]*?) {3}```/.exec(README)![1];
    const pasted = block.replace(/^ {3}/gm, '').replace('batch new pilot', 'batch new documented').replace(/\n$/, '');
    // The users are in batch pilot already: remove it first, as the README's step 6 does.
    const [ask] = await t.say('batch remove pilot');
    await t.press(ask, /^Remove/);
    await t.cutover.emulator!.control.settle();
    await t.cutover.emulator!.control.advance(600);
    await t.cutover.emulator!.control.settle();
    const [validation] = await t.say(pasted);
    expect(validation.text).toMatch(/All 3 rows are ready/);
    expect(validation.text).toMatch(/Read as\ncommas, UTF-8/);
    const created = await t.press(validation, 'Create batch documented');
    expect(created.text).toMatch(/Batch documented/);
    await t.cutover.emulator!.control.advance(2 * 3600);
    await t.cutover.emulator!.control.settle();
    const [show] = await t.say('batch show documented');
    expect(show.text).toMatch(/3 of 3 users synced/);
    expect(show.text).not.toMatch(/SyncedWithErrors/);
    const [terry] = await t.say('user show terrya@contoso.edu');
    expect(terry.text).toMatch(/Synced in batch documented/);
  });

  it('preflight naming an endpoint that does not exist yet keeps the file; "Use school" runs it without a second attachment', async () => {
    const [form] = await t.sendFile('wave.csv', `${files.base}/wave.csv`, 'preflight endpoint school2');
    expect(form.text).toMatch(/There is no IMAP endpoint called school2 yet/);
    expect(form.text).toMatch(/Read as\nsemicolons, UTF-8/);
    const ran = await t.press(form, /^Use school/);
    expect(ran.text).toMatch(/Preflight against imap.contoso.edu:993/);
    const text = await finalCard(t, form, /Preflight result/);
    expect(text).toMatch(/Ready\n2/);
    expect(text).toMatch(/Blocked\n0/);
    expect(files.fetched.filter((u) => u === '/wave.csv')).toHaveLength(1);
    // The report download opens right in Excel: UTF-8 with BOM, one User row per user.
    const links = t.connector
      .activities()
      .flatMap((a) =>
        [...JSON.stringify(a.activity ?? {}).matchAll(/\[preflight-school\.csv\]\((http:\/\/127\.0\.0\.1:\d+\/downloads\/[^)]+)\)/g)].map((m) => m[1]),
      );
    expect(links.length).toBeGreaterThan(0);
    const report = Buffer.from(await (await fetch(links[links.length - 1])).arrayBuffer());
    expect(report.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = report.subarray(3).toString('utf8').split('\r\n');
    expect(
      lines
        .filter((l) => l.startsWith('User,'))
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(['jeffh@contoso.edu', 'kima@contoso.edu']);
  });

  it('bytes that read two ways: the card asks, creates nothing until the admin chooses, then checks the file as chosen', async () => {
    const [card] = await t.sendFile('polish.csv', `${files.base}/polish.csv`, 'batch new polish');
    expect(card.text).toMatch(/Read as\nsemicolons, Windows-1252/);
    expect(card.text).toMatch(/Which reading is right\?/);
    expect(card.text).not.toMatch(/Create batch polish/);
    expect(card.text).not.toMatch(/Run preflight/);
    const chosen = await t.press(card, 'Read as semicolons, Windows-1250');
    expect(chosen.text).toMatch(/Read as\nsemicolons, Windows-1250/);
    expect(chosen.text).not.toMatch(/Which reading is right\?/);
    expect(chosen.text).toMatch(/Create batch polish/);
    const cancelled = await t.press({ activityId: card.activityId, card: chosen.card, text: chosen.text }, 'Cancel');
    expect(cancelled.text).toMatch(/Cancelled/);
  });

  it('keeps every password of these files out of cards, summaries, logs and stored files', () => {
    assertNoSecrets(t, ['1091990', '2111991', '3281986', '1101980', '2111981', 'Hasło-1', 'Has³o-1', 'Geheim-Köln-7', 'Secret-Pw-1', 'Shuffled-Pw-9']);
  });
});

describeWithDovecot()('an accented password in a Windows-1252 semicolon file, against a real Dovecot', () => {
  const PASSWORD = 'Perché-2026';
  let t: TestCutover;
  let dc: DovecotInstance;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  beforeAll(async () => {
    dc = await startDovecot({
      users: [
        {
          login: 'chiara',
          password: PASSWORD,
          folders: [
            { name: 'INBOX', messages: 12 },
            { name: 'Posta inviata', messages: 4 },
          ],
        },
      ],
    });
    files = await serveFiles({ '/utenti.csv': cp1252(`EmailAddress;UserName;Password\r\nkima@contoso.edu;chiara;${PASSWORD}\r\n`) });
    t = await startTestCutover();
  });
  afterAll(async () => {
    await t?.close();
    await dc?.stop();
    await files?.close();
  });

  it('signs in at the preflight and in the migration with every character of the password', async () => {
    // Attached before the endpoint exists: added on the card, then the CSV check.
    const [form] = await t.sendFile('utenti.csv', `${files.base}/utenti.csv`, 'batch new italia');
    expect(form.text).toMatch(/Read as\nsemicolons, Windows-1252/);
    const validation = await t.press(
      form,
      'Add endpoint and continue',
      {},
      { endpointName: 'dovecot', endpointHost: '127.0.0.1', endpointPort: String(dc.imapPort), endpointSecurity: 'none' },
    );
    expect(validation.text).toMatch(/All 1 rows are ready/);
    const card: SentCard = { activityId: form.activityId, card: validation.card, text: validation.text };
    const ran = await t.press(card, 'Run preflight');
    const result = await finalCard(t, ran.extra[0], /Preflight result/);
    expect(result).toMatch(/Ready\n1/);
    expect(result).toMatch(/Blocked\n0/);
    const created = await t.press(card, 'Create batch italia');
    expect(created.text).toMatch(/Batch italia/);
    await t.cutover.emulator!.control.advance(3600);
    await t.cutover.emulator!.control.settle();
    // The emulator signed in to Dovecot with the password it was given: intact, or the user fails.
    const [user] = await t.say('user show kima@contoso.edu');
    expect(user.text).toMatch(/Synced in batch italia/);
    expect(user.text).toContain(`Synced items\n${dc.expected.get('chiara')!.count}`);
    assertNoSecrets(t, [PASSWORD, 'PerchÃ©-2026']);
  });
});
