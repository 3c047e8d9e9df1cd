// One emulator, many bots: the scale-out setup on one machine. The Exchange and Graph emulators run
// once (what `npm run emulator` starts), two Cutover instances in local mode point at them with
// EXCHANGE_BASE_URL and GRAPH_BASE_URL and share their state in Azurite. A batch begun on one
// instance is created by a click that lands on the other, and both see it sync.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCutover, type RunningCutover } from '../../src/index';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { startGraphEmulator, type RunningGraphEmulator } from '../../src/emulator/graph';
import { cardExecute, personalMessage, postActivity } from '../support/activities';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { startCaptureConnector, type CaptureConnector } from '../support/captureConnector';
import { actionOf, captureBotLog, cardText, type Card } from '../support/cutover';

const CSV = ['EmailAddress,UserName,Password', 'terrya@contoso.edu,terry.adams,1091990', 'annb@contoso.edu,ann.beebe,2111991'].join('\n');

describe('two bots sharing one emulator (local mode, Azurite)', () => {
  let exchange: RunningExchangeEmulator;
  let graph: RunningGraphEmulator;
  let azurite: RunningAzurite;
  let connector: CaptureConnector;
  const bots: RunningCutover[] = [];
  const dirs: string[] = [];
  const log = captureBotLog();

  beforeAll(async () => {
    [exchange, graph, azurite, connector] = await Promise.all([
      startExchangeEmulator({ timeScale: 0 }),
      startGraphEmulator(),
      startAzurite(),
      startCaptureConnector(),
    ]);
    for (let i = 0; i < 2; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cutover-shared-${i}-`));
      dirs.push(dir);
      bots.push(
        await startCutover({
          PORT: '0',
          DATA_DIR: dir,
          LOG_LEVEL: 'error',
          EXCHANGE_BASE_URL: exchange.baseUrl,
          GRAPH_BASE_URL: graph.baseUrl,
          AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
          AZURE_STORAGE_CONTAINER: 'shared',
          // One key for every instance: a CSV sealed by one is opened by the other.
          CUTOVER_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
          WATCHER_ENABLED: 'false',
          LIVE_CARD_INTERVAL_MS: '100',
        }),
      );
    }
  }, 30_000);

  afterAll(async () => {
    for (const b of bots) await b.close();
    await Promise.all([exchange?.close(), graph?.close(), azurite?.close(), connector?.close()]);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    log.release();
  });

  async function say(bot: RunningCutover, text: string): Promise<{ activityId: string; card: Card; text: string }[]> {
    const activity = personalMessage(text, { serviceUrl: connector.serviceUrl });
    const before = connector.activities(activity.conversation.id).length;
    const res = await postActivity(bot.botUrl, activity);
    expect(res.status).toBeLessThan(400);
    return connector
      .activities(activity.conversation.id)
      .slice(before)
      .filter((a) => a.activity?.attachments?.length)
      .map((a) => ({ activityId: a.activityId, card: a.activity.attachments[0].content, text: cardText(a.activity.attachments[0].content) }));
  }

  it('starts no embedded emulator when EXCHANGE_BASE_URL and GRAPH_BASE_URL are set', () => {
    for (const b of bots) {
      expect(b.config.mode).toBe('local');
      expect(b.emulator).toBeNull();
      expect(b.graphEmulator).toBeNull();
    }
  });

  it('runs one admin session across both instances against the one emulator', async () => {
    const [a, b] = bots;
    const [ok] = await say(a, 'endpoint add school imap.contoso.edu');
    expect(ok.text).toMatch(/school/);
    // The other instance sees what the first one did: it lives in the one Exchange.
    const [list] = await say(b, 'endpoint list');
    expect(list.text).toMatch(/imap\.contoso\.edu/);

    const [validation] = await say(a, `batch new pilot\n${CSV}`);
    expect(validation.text).toMatch(/All 2 rows are ready/);
    // The Create click reaches the other instance (a load balancer's choice): the sealed CSV is in the shared store.
    const { verb, data } = actionOf(validation.card, /Create batch pilot/);
    const click = cardExecute(verb, data, { serviceUrl: connector.serviceUrl, replyToId: validation.activityId });
    const res = await postActivity(b.botUrl, click);
    expect(res.status).toBe(200);
    expect(cardText(res.body.value)).toMatch(/pilot/);
    expect(exchange.control.requestCounts()['New-MigrationBatch']).toBe(1);

    await exchange.control.advance(2 * 3600);
    await exchange.control.settle();
    for (const bot of bots) {
      const [show] = await say(bot, 'batch show pilot');
      expect(show.text).toMatch(/Synced/);
    }

    // Graph goes to the shared Graph emulator too.
    const graphBefore = graph.control.counts().requests;
    await say(b, 'guide status batch pilot');
    expect(graph.control.counts().requests).toBeGreaterThan(graphBefore);
  }, 30_000);
});
