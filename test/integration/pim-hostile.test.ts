// Hostile contacts and calendar files through the real bot (local mode, Graph emulator,
// capture connector): each gets a clear answer within seconds, read in a worker thread, and
// while one is being read another person's `help` is answered in under a second.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALEX, MEGAN } from '../support/activities';
import { startTestCutover, type SentCard, type TestCutover } from '../support/cutover';
import { deeplyNestedIcs, manyPropertiesVcard, minutelyTimezoneIcs, slowContactsVcf, tenMegabyteVcard } from '../support/hostilePim';

const served: Record<string, Buffer> = {
  '/trap.ics': minutelyTimezoneIcs(),
  '/nested.ics': deeplyNestedIcs(),
  '/big.vcf': tenMegabyteVcard(),
  '/many.vcf': manyPropertiesVcard(),
  '/busy.vcf': slowContactsVcf(),
};

/** A loopback file server standing in for Teams' download URLs; counts the downloads of each file. */
async function startFileServer(): Promise<{ base: string; downloads: Record<string, number>; close(): Promise<void> }> {
  const downloads: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const body = served[req.url ?? ''];
    if (!body) {
      res.statusCode = 404;
      return void res.end();
    }
    res.end(body, () => (downloads[req.url!] = (downloads[req.url!] ?? 0) + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, downloads, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Sends a file as Alex and, until the bot has answered it, `help` as Megan every 50 ms. Each
 * help's wait is counted from when it was due, not from when the test got to send it: the bot
 * runs in this process, so a turn blocking the event loop would delay the test's own timers too.
 */
async function fileWhileHelping(t: TestCutover, files: Awaited<ReturnType<typeof startFileServer>>, name: string) {
  const t0 = Date.now();
  let fileMs = 0;
  const file = t.sendFile(name, `${files.base}/${name}`, '', { user: ALEX });
  void file.then(
    () => (fileMs = Date.now() - t0),
    () => (fileMs = Date.now() - t0),
  );
  const waits: number[] = [];
  let due = Date.now();
  while (!fileMs && Date.now() - t0 < 60_000) {
    const [help] = await t.say('help', { user: MEGAN });
    expect(help.text).toMatch(/Local mode/);
    waits.push(Date.now() - due);
    due = Date.now() + 50;
    await new Promise((r) => setTimeout(r, 50));
  }
  const [answer] = await file;
  return { answer, fileMs, waits };
}

describe('hostile contacts and calendar files, default deadline', () => {
  let t: TestCutover;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  beforeAll(async () => {
    files = await startFileServer();
    t = await startTestCutover();
    // Megan has talked to Cutover before (a fresh process's first turn also loads the card templates).
    await t.say('help', { user: MEGAN });
  });
  afterAll(async () => {
    await t?.close();
    await files?.close();
  });

  it("answers the 400-byte minutely VTIMEZONE within seconds, naming the rule, while Megan's help is answered in under a second", async () => {
    expect(served['/trap.ics'].length).toBeLessThan(450);
    const r = await fileWhileHelping(t, files, 'trap.ics');
    expect(Math.max(...r.waits)).toBeLessThan(1000);
    expect(r.fileMs).toBeLessThan(10_000);
    expect(r.answer.text).toMatch(/Nothing in trap\.ics can be imported/);
    expect(r.answer.text).toMatch(/Entry 2 \(Trap · 2025-06-01\): its time zone "Every Minute" is defined to change every minute \(RRULE FREQ=MINUTELY\)/);
  });

  it('answers a deeply nested .ics, a 10 MB vCard and a vCard with 250,000 properties within seconds each', async () => {
    const ask = async (name: string) => {
      const t0 = Date.now();
      const [answer] = await t.sendFile(name, `${files.base}/${name}`, '', { user: ALEX });
      expect(Date.now() - t0).toBeLessThan(10_000);
      return answer.text;
    };
    const nested = await ask('nested.ics');
    expect(nested).toMatch(/nested\.ics cannot be imported/);
    expect(nested).toMatch(/Its components are nested more than 32 deep .*Export the file again from your mail program/);

    const big = await ask('big.vcf');
    expect(big).toMatch(/big\.vcf: 1 contacts to copy/);
    expect(big).toMatch(/Entry 1 \(Heavy Note\): a NOTE line of 10,\d{3},\d{3} characters \(Cutover reads lines up to 32,768\)/);

    const many = await ask('many.vcf');
    expect(many).toMatch(/many\.vcf: 1 contacts to copy/);
    expect(many).toMatch(/Entry 1 \(Many Props\): it has more than 1,000 lines/);
  });

  it('keeps answering others while a slow 10 MB file is read', async () => {
    const r = await fileWhileHelping(t, files, 'busy.vcf');
    expect(Math.max(...r.waits)).toBeLessThan(1000);
    // Megan was answered many times while the file was downloaded and read.
    expect(r.waits.length).toBeGreaterThan(3);
    expect(r.answer.text).toMatch(/busy\.vcf: [\d,]+ contacts to copy/);
  });
});

describe('hostile contacts and calendar files, a file over the deadline', () => {
  let t: TestCutover;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  beforeAll(async () => {
    files = await startFileServer();
    t = await startTestCutover({ IMPORT_READ_TIMEOUT_MS: '200' });
    await t.say('help', { user: MEGAN });
  });
  afterAll(async () => {
    await t?.close();
    await files?.close();
  });

  it('says the file could not be read and why, stops reading it, and keeps answering everyone', async () => {
    const r = await fileWhileHelping(t, files, 'busy.vcf');
    expect(Math.max(...r.waits)).toBeLessThan(1000);
    const answer: SentCard = r.answer;
    expect(answer.text).toMatch(/busy\.vcf cannot be imported/);
    expect(answer.text).toMatch(
      /This file could not be read: reading it took longer than 200 ms, which no contacts or calendar export needs.*Export it again from your mail program, or in parts/,
    );
    expect(t.logs()).toMatch(/"outcome":"deadline"/);
    // The next file is read as usual.
    const [after] = await t.sendFile('trap.ics', `${files.base}/trap.ics`, '', { user: ALEX });
    expect(after.text).toMatch(/change every minute/);
  });
});
