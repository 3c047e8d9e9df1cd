// The Agents Playground against the real Cutover (local mode): its tenant (.m365agentsplayground.yml)
// is one local mode serves, for messages, card buttons and channel posts alike; and it asks for the
// sender's UPN the way Teams does (member lookup), so a UPN admin works in the Playground.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCutover, type RunningCutover } from '../../src/index';
import { captureBotLog } from '../support/cutover';
import { isFromBot, startPlayground, type Playground } from '../support/playground';

const cardText = (body: { attachments?: { content?: unknown }[] } | undefined) => JSON.stringify(body?.attachments?.[0]?.content ?? {});

describe('the Agents Playground talking to Cutover', () => {
  let cutover: RunningCutover;
  let pg: Playground;
  let dir: string;
  let log: ReturnType<typeof captureBotLog>;
  beforeAll(async () => {
    log = captureBotLog();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-pg-tenant-'));
    // Alex is listed by UPN only, as the Playground's config spells it.
    cutover = await startCutover({ PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'warn', CUTOVER_ADMINS: 'alexw@contoso.edu' });
    pg = await startPlayground({ botUrl: cutover.botUrl, configPath: path.join(__dirname, '../../.m365agentsplayground.yml') });
  }, 90_000);
  afterAll(async () => {
    await pg?.stop();
    await cutover?.close();
    log?.release();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is served: help in the personal chat, an admin command by UPN, and a channel post', async () => {
    const { config } = await pg.config();
    expect(config.tenantId).toBe('00000000-0000-0000-0000-0000000000001');
    const chat = await pg.personalChatId();
    await pg.sendMessage(chat, 'help');
    const help = await pg.logStream.next((e) => isFromBot(e) && /Local mode/.test(cardText(e.request?.body)), 20_000);
    expect(cardText(help.request?.body)).not.toMatch(/not available here/);
    await pg.sendMessage(chat, 'endpoint list');
    const list = await pg.logStream.next((e) => isFromBot(e) && /ndpoint/.test(cardText(e.request?.body)), 20_000);
    expect(cardText(list.request?.body)).not.toMatch(/That is for Cutover admins/);
    await pg.sendMessage('team-id', 'help');
    const inChannel = await pg.logStream.next((e) => isFromBot(e) && /Local mode/.test(cardText(e.request?.body)), 20_000);
    expect(inChannel.conversationId).toMatch(/^team-id/);
    expect(log.lines.join('')).not.toMatch(/activity not served/);
  });
});
