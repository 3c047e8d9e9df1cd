// What /api/messages takes before anyone is authenticated: JSON up to 1 MB and nothing else.
// A multipart upload (with or without a token) is refused before a byte reaches the disk,
// so formidable-style temp files cannot fill the temp folder.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCutover, type RunningCutover } from '../../src/index';
import { personalMessage } from '../support/activities';
import { startTestCutover, type TestCutover } from '../support/cutover';

const PRODUCTION = {
  MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
  MICROSOFT_APP_PASSWORD: 'bot-secret-value',
  AZURE_TENANT_ID: '66666666-7777-8888-9999-000000000000',
  AZURE_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  AZURE_CLIENT_SECRET: 'app-secret-value',
  CUTOVER_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  PUBLIC_BASE_URL: 'https://cutover.example.com',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'error',
};

function multipart(sizeBytes: number): { body: Buffer; contentType: string } {
  const boundary = '----cutover-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, Buffer.alloc(sizeBytes, 0x41), tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function post(botUrl: string, body: Buffer | string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
    signal: AbortSignal.timeout(15_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

/** Runs `work` with the temp folder (os.tmpdir(), where multipart parsers put uploads) pointed at an empty directory, and returns what landed there. */
async function inFreshTemp(work: () => Promise<void>): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-intake-'));
  // jest hands the test its own process.env, so TMPDIR would not reach the server's modules; os is shared.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const spy = jest.spyOn(require('node:os') as typeof os, 'tmpdir').mockReturnValue(dir);
  try {
    await work();
    // Give a parser that writes in the background time to show itself.
    await new Promise((r) => setTimeout(r, 200));
    return fs.readdirSync(dir);
  } finally {
    spy.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('/api/messages intake, local mode', () => {
  let t: TestCutover;
  beforeAll(async () => {
    t = await startTestCutover();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a multipart upload with 415 (token or not) and writes nothing to the temp folder', async () => {
    const { body, contentType } = multipart(256 * 1024);
    const statuses: number[] = [];
    const left = await inFreshTemp(async () => {
      statuses.push(await post(t.cutover.botUrl, body, { 'content-type': contentType }));
      statuses.push(await post(t.cutover.botUrl, body, { 'content-type': contentType, authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' }));
    });
    expect(left).toEqual([]);
    expect(statuses).toEqual([415, 415]);
  });

  it('refuses other content types with 415 and gzip-encoded JSON too', async () => {
    const activity = JSON.stringify(personalMessage('help', { serviceUrl: t.connector.serviceUrl }));
    expect(await post(t.cutover.botUrl, activity, { 'content-type': 'text/plain' })).toBe(415);
    expect(await post(t.cutover.botUrl, activity, { 'content-type': 'application/x-www-form-urlencoded' })).toBe(415);
    expect(await post(t.cutover.botUrl, activity, { 'content-type': 'application/octet-stream' })).toBe(415);
    expect(await post(t.cutover.botUrl, activity, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toBe(415);
    expect(t.connector.activities()).toHaveLength(0);
  });

  it('refuses JSON over 1 MB with 413, whether or not it says its length up front', async () => {
    const big = JSON.stringify({ ...personalMessage('help', { serviceUrl: t.connector.serviceUrl }), padding: 'x'.repeat(1024 * 1024) });
    expect(await post(t.cutover.botUrl, big, { 'content-type': 'application/json' })).toBe(413);
    // Chunked: no Content-Length, the limit holds while reading.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await fetch(`${t.cutover.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(t.connector.activities()).toHaveLength(0);
  });

  it('still answers a normal conversation', async () => {
    const [help] = await t.say('help');
    expect(help.card.type).toBe('AdaptiveCard');
  });
});

describe('/api/messages intake, production mode', () => {
  let dir: string;
  let running: RunningCutover | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-intake-prod-'));
    running = await startCutover({ ...PRODUCTION, DATA_DIR: dir });
  });
  afterAll(async () => {
    await running?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a multipart upload without a token with 415, before authentication, leaving no temp file', async () => {
    const { body, contentType } = multipart(256 * 1024);
    let status = 0;
    const left = await inFreshTemp(async () => {
      status = await post(running!.botUrl, body, { 'content-type': contentType });
    });
    expect(left).toEqual([]);
    expect(status).toBe(415);
  });

  it('still checks the token on JSON', async () => {
    const activity = JSON.stringify(personalMessage('help', { serviceUrl: 'http://127.0.0.1:9/' }));
    expect(await post(running!.botUrl, activity, { 'content-type': 'application/json; charset=utf-8' })).toBe(401);
  });
});
