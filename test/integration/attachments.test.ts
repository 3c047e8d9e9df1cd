// The migration CSV as a file attached in Teams: downloaded only from the URL Teams gives,
// with a size cap, never with credentials.

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { assertNoSecrets, startTestCutover, type TestCutover } from '../support/cutover';

describe('CSV attachments', () => {
  let t: TestCutover;
  let files: http.Server;
  let base: string;
  const seenAuth: (string | undefined)[] = [];
  const sample = fs.readFileSync(path.resolve(__dirname, '../../samples/contoso-pilot.csv'));

  beforeAll(async () => {
    files = http.createServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      if (req.url === '/users.csv') return void res.end(sample);
      if (req.url === '/big.csv') return void res.end(Buffer.alloc(64 * 1024, 'a'));
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    t = await startTestCutover({ ATTACHMENT_MAX_BYTES: String(32 * 1024) });
    await t.say('endpoint add school imap.contoso.edu');
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => files.close(r));
  });

  it('reads an attached CSV and checks it, sending no credentials to the download URL', async () => {
    const [card] = await t.sendFile('contoso-pilot.csv', `${base}/users.csv`, 'batch new pilot');
    expect(card.text).toMatch(/All 3 rows are ready/);
    expect(card.text).toMatch(/contoso-pilot.csv/);
    expect(seenAuth.every((a) => a === undefined)).toBe(true);
  });

  it('refuses a file over the size cap, saying how to split it', async () => {
    const [card] = await t.sendFile('big.csv', `${base}/big.csv`, 'batch new big');
    expect(card.text).toMatch(/larger than 32 KB/);
    expect(card.text).toMatch(/Split it into several batches/);
  });

  it('refuses a download address that is not https (outside loopback in local mode)', async () => {
    const [card] = await t.sendFile('users.csv', 'http://files.example.net/users.csv', 'batch new other');
    expect(card.text).toMatch(/only over https/);
  });

  it('says what it needs when the file is not a CSV', async () => {
    const [card] = await t.sendFile('notes.docx', `${base}/users.csv`, 'batch new docs');
    expect(card.text).toMatch(/That is not a CSV file/);
  });

  it('asks what to do with a bare file', async () => {
    const [card] = await t.sendFile('contoso-pilot.csv', `${base}/users.csv`, '');
    expect(card.text).toMatch(/What should I do with this file\?/);
  });

  it('offers the sample CSV in local mode when nothing is attached (the Playground cannot attach files)', async () => {
    const [ask] = await t.say('batch new sample1');
    expect(ask.text).toMatch(/Attach the migration CSV/);
    const v = await t.press(ask, 'Use the sample CSV');
    expect(v.text).toMatch(/New batch sample1: CSV check/);
    expect(v.text).toMatch(/All 3 rows are ready/);
  });

  it('keeps the sample passwords out of cards, logs and storage', () => {
    assertNoSecrets(t, ['1091990', '2111991', '3281986']);
  });
});

describe('a 50,000-row CSV', () => {
  let t: TestCutover;
  let files: http.Server;
  let url: string;
  beforeAll(async () => {
    const lines = ['EmailAddress,UserName,Password'];
    for (let i = 0; i < 50_000; i++) lines.push(`user${i}@contoso.edu,user${i},"pw,${i}"`);
    lines.push('terrya@contoso.edu,terry.adams,1091990');
    const body = Buffer.from(lines.join('\r\n'));
    files = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/wave.csv`;
    t = await startTestCutover();
    await t.say('endpoint add school imap.contoso.edu');
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => files.close(r));
  });

  it("stays one readable card well under Teams' size limit, with totals and paging", async () => {
    const [card] = await t.sendFile('wave.csv', url, 'batch new wave');
    expect(card.text).toMatch(/The CSV file contains more than 50,000 rows/);
    expect(Buffer.byteLength(JSON.stringify(card.card))).toBeLessThan(28 * 1024);
  });

  it('pages through the problems of a 50,000-row file that Exchange would take', async () => {
    const lines = ['EmailAddress,UserName,Password'];
    for (let i = 0; i < 49_999; i++) lines.push(`user${i}@contoso.edu,user${i},"pw,${i}"`);
    lines.push('terrya@contoso.edu,terry.adams,1091990');
    const [card] = await t.say(`batch new wave2 endpoint school`, {});
    expect(card.text).toMatch(/Attach the migration CSV/);
    const body = Buffer.from(lines.join('\n'));
    const server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const [v] = await t.sendFile('wave2.csv', `http://127.0.0.1:${(server.address() as AddressInfo).port}/wave2.csv`, 'batch new wave2');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(v.text).toMatch(/1 of 50,000 rows are ready; 49,999 rows have problems/);
      expect(v.text).toMatch(/49,999 × target mailbox not found/);
      expect(v.text).toMatch(/Problems 1–15 of 49,999/);
      expect(Buffer.byteLength(JSON.stringify(v.card))).toBeLessThan(28 * 1024);
      const next = await t.press(v, 'More problems');
      expect(next.text).toMatch(/Problems 16–30 of 49,999/);
      expect(Buffer.byteLength(JSON.stringify(next.card))).toBeLessThan(28 * 1024);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
