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

  it('keeps the sample passwords out of cards, logs and storage', () => {
    assertNoSecrets(t, ['1091990', '2111991', '3281986']);
  });
});
