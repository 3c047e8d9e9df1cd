// Production mode without touching Microsoft: start-up checks and request authentication.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCutover, type RunningCutover } from '../../src/index';
import { personalMessage, postActivity } from '../support/activities';

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

describe('production mode', () => {
  let dir: string;
  let running: RunningCutover | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-prod-'));
  });
  afterAll(async () => {
    await running?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start half-configured, naming the setting', async () => {
    await expect(startCutover({ ...PRODUCTION, AZURE_CLIENT_ID: '', DATA_DIR: dir })).rejects.toThrow(/AZURE_CLIENT_ID is not set/);
  });

  it('starts without an emulator and rejects Bot Framework requests that carry no token', async () => {
    running = await startCutover({ ...PRODUCTION, DATA_DIR: dir });
    expect(running.emulator).toBeNull();
    expect(running.config.mode).toBe('production');
    const res = await postActivity(running.botUrl, personalMessage('help', { serviceUrl: 'http://127.0.0.1:9/' }));
    expect(res.status).toBe(401);
    const health = await fetch(`${running.botUrl}/healthz`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', mode: 'production' });
  });
});
