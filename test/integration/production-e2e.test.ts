// Production mode end to end, on loopback. Stand-ins for Microsoft's cloud run over HTTPS with a test CA
// (test/support/microsoftCloud.ts): Entra, the Bot Framework channel, Exchange Online and Graph (the
// emulators behind token-checking fronts), and a SharePoint file host. Cutover runs as its own process
// (NODE_EXTRA_CA_CERTS is read at process start) in production mode, configured as a sovereign cloud is:
// AZURE_AUTHORITY_HOST, EXCHANGE_BASE_URL, GRAPH_BASE_URL and botbuilder's own four cloud settings.
// A whole admin session runs through it, every request carries the right token, and inbound tokens with
// the wrong audience, issuer, expiry or key are refused with 401.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { startGraphEmulator, type RunningGraphEmulator } from '../../src/emulator/graph';
import { ALEX, TENANT_ID, cardExecute, fileMessage, personalMessage, type Activity } from '../support/activities';
import { startCaptureConnector, type CaptureConnector } from '../support/captureConnector';
import { actionOf, cardText, type Card } from '../support/cutover';
import { EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, makeTestCa, newSigningKey, startMicrosoftCloud, type MicrosoftCloud, type TestCa } from '../support/microsoftCloud';
import { waitFor } from '../support/ports';

const ROOT = path.join(__dirname, '../..');
// GCC High's Bot Framework names; the URLs Cutover calls point at the stand-ins.
const CHANNEL_ISSUER = 'https://api.botframework.us';
const CHANNEL_SCOPE = 'https://api.botframework.us';
const APP = { clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', secret: 'app-secret-value', tenantId: TENANT_ID };
const BOT = { clientId: '11111111-2222-3333-4444-555555555555', secret: 'bot-secret-value', tenantId: TENANT_ID };
const FILE_HOST = 'contoso.sharepoint.us';
const FILE_PATH = '/personal/alexw_contoso_us/Documents/pilot.csv';
const CSV = ['EmailAddress,UserName,Password', 'terrya@contoso.edu,terry.adams,1091990', 'annb@contoso.edu,ann.beebe,2111991'].join('\r\n');

interface Sent {
  activityId: string;
  card: Card;
  text: string;
}

describe('production mode end to end against stand-ins for Microsoft (sovereign-cloud settings)', () => {
  let ca: TestCa;
  let exchange: RunningExchangeEmulator;
  let graph: RunningGraphEmulator;
  let connector: CaptureConnector;
  let cloud: MicrosoftCloud;
  let bot: ChildProcess;
  let botUrl: string;
  let dataDir: string;
  let output = '';

  beforeAll(async () => {
    ca = makeTestCa([FILE_HOST]);
    [exchange, graph, connector] = await Promise.all([
      startExchangeEmulator({ timeScale: 0, tenantId: TENANT_ID }),
      startGraphEmulator(),
      startCaptureConnector(),
    ]);
    cloud = await startMicrosoftCloud({
      tls: { key: ca.key, cert: ca.cert },
      app: APP,
      bot: BOT,
      channelIssuer: CHANNEL_ISSUER,
      channelScope: CHANNEL_SCOPE,
      connectorUrl: connector.serviceUrl,
      exchange,
      graph,
      files: { [FILE_PATH]: Buffer.from(CSV) },
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-prod-e2e-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: ca.caPath,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      MICROSOFT_APP_ID: BOT.clientId,
      MICROSOFT_APP_PASSWORD: BOT.secret,
      MICROSOFT_APP_TYPE: 'SingleTenant',
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_CLIENT_ID: APP.clientId,
      AZURE_CLIENT_SECRET: APP.secret,
      CUTOVER_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
      PUBLIC_BASE_URL: 'https://cutover.contoso.us',
      CUTOVER_ADMINS: ALEX.aadObjectId,
      // The sovereign-cloud settings, as for GCC High or 21Vianet, pointed at the stand-ins.
      AZURE_AUTHORITY_HOST: cloud.entra.origin,
      EXCHANGE_BASE_URL: cloud.exchangeUrl,
      GRAPH_BASE_URL: cloud.graphUrl,
      ToBotFromChannelOpenIdMetadataUrl: cloud.channel.openIdMetadataUrl,
      ToBotFromChannelTokenIssuer: CHANNEL_ISSUER,
      ToChannelFromBotLoginUrl: `${cloud.entra.origin}/${TENANT_ID}`,
      ToChannelFromBotOAuthScope: CHANNEL_SCOPE,
      CUTOVER_FILE_HOSTS: '*.sharepoint.us',
      // Test only: the "SharePoint" name resolves to the loopback stand-in (refused without CUTOVER_TEST_SETTINGS=allow).
      CUTOVER_TEST_SETTINGS: 'allow',
      CUTOVER_TEST_FILE_HOST_ADDRESSES: `${FILE_HOST}=127.0.0.1`,
      LIVE_CARD_INTERVAL_MS: '200',
      LIVE_CARD_MAX_MINUTES: '2',
      WATCHER_ENABLED: 'false',
    };
    bot = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/tsRegister.cjs'), path.join(ROOT, 'src/index.ts')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    bot.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    botUrl = await waitFor(
      () => {
        if (bot.exitCode !== null) throw new Error(`the bot exited: ${output.slice(-2000)}`);
        return /"message":"Cutover is listening","url":"(http:\/\/[^"]+)\/api\/messages"/.exec(output)?.[1];
      },
      { timeoutMs: 50_000, intervalMs: 100, description: 'the bot to listen' },
    );
  }, 60_000);

  afterAll(async () => {
    if (bot && bot.exitCode === null) {
      const gone = new Promise((r) => bot.once('exit', r));
      bot.kill('SIGTERM');
      await gone;
    }
    await cloud?.close();
    await Promise.all([exchange?.close(), graph?.close(), connector?.close()]);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    ca?.remove();
  });

  const base = () => ({ serviceUrl: cloud.channel.serviceUrl });

  async function post(activity: Activity, token = cloud.channelToken(activity.serviceUrl)): Promise<{ status: number; body: { value?: unknown } | undefined }> {
    const res = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function send(activity: Activity): Promise<Sent[]> {
    const conv = activity.conversation.id as string;
    const before = connector.activities(conv).length;
    const res = await post(activity);
    if (res.status >= 400) throw new Error(`bot answered ${res.status}: ${JSON.stringify(res.body)}\n${output.slice(-3000)}`);
    return connector
      .activities(conv)
      .slice(before)
      .filter((a) => a.activity?.attachments?.length)
      .map((a) => ({ activityId: a.activityId, card: a.activity.attachments[0].content, text: cardText(a.activity.attachments[0].content) }));
  }

  const say = (text: string) => send(personalMessage(text, base()));

  async function press(on: Sent, title: RegExp | string): Promise<string> {
    const { verb, data } = actionOf(on.card, title);
    const res = await post(cardExecute(verb, data, { ...base(), replyToId: on.activityId }));
    if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${JSON.stringify(res.body)}\n${output.slice(-3000)}`);
    return cardText(res.body?.value as Card);
  }

  it('runs a whole admin session: endpoint add, batch new from a Teams file, Create, the progress card, sync, remove', async () => {
    const [endpoint] = await say('endpoint add school imap.contoso.edu');
    expect(endpoint.text).toMatch(/school/);
    expect(endpoint.text).toMatch(/imap\.contoso\.edu/);

    // The test-only resolver is narrow: the file host's address itself, or another SharePoint name, is still refused.
    for (const url of [`https://127.0.0.1:${cloud.sharePoint.port}${FILE_PATH}`, cloud.sharePoint.urlFor('other.sharepoint.us', FILE_PATH)]) {
      const [refused] = await send(fileMessage({ ...base(), name: 'pilot.csv', downloadUrl: url, text: 'batch new pilot' }));
      expect(refused.text).toMatch(/only from the hosts Teams hands files out from|could not be resolved/);
    }

    const [validation] = await send(
      fileMessage({ ...base(), name: 'pilot.csv', downloadUrl: cloud.sharePoint.urlFor(FILE_HOST, FILE_PATH), text: 'batch new pilot' }),
    );
    expect(validation.text).toMatch(/All 2 rows are ready/);

    const created = await press(validation, /Create batch pilot/);
    expect(created).toMatch(/pilot/);
    expect(exchange.control.requestCounts()['New-MigrationBatch']).toBe(1);

    // The progress card is updated in place (PUT through the channel, with the bot's token) until Synced.
    const conv = personalMessage('', base()).conversation.id as string;
    await exchange.control.advance(2 * 3600);
    await exchange.control.settle();
    await waitFor(() => connector.updates(conv).some((u) => /Synced/.test(cardText(u.activity?.attachments?.[0]?.content ?? {}))), {
      timeoutMs: 15_000,
      description: 'the progress card to show Synced',
    });

    const [sync] = await say('batch sync pilot');
    expect(sync.text).toMatch(/Set-MigrationBatch|sync/i);
    expect(exchange.control.requestCounts()['Set-MigrationBatch']).toBeGreaterThanOrEqual(1);
    await exchange.control.advance(3600);
    await exchange.control.settle();
    const [synced] = await say('batch show pilot');
    expect(synced.text).toMatch(/Synced/);
    // Graph: the guide's view of the batch's people (users and licences) through the Graph front.
    const [guide] = await say('guide status batch pilot');
    expect(guide.text).toMatch(/terrya@contoso\.edu|2 people|pilot/);
    expect(cloud.checked('graph').length).toBeGreaterThan(0);

    const [ask] = await say('batch remove pilot');
    const removed = await press(ask, /^Remove pilot/);
    expect(removed).toMatch(/being removed/);
    await exchange.control.settle();
    const [list] = await say('batch list');
    expect(list.text).not.toMatch(/\bpilot\b/);
  }, 45_000);

  it('sent every request with the right token: Entra app tokens for Exchange and Graph, the bot token for the channel', () => {
    const asked = cloud.tokenRequests();
    expect(asked.every((t) => t.ok)).toBe(true);
    expect(asked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: APP.clientId, tenant: TENANT_ID, scope: `${EXCHANGE_AUDIENCE}/.default` }),
        expect.objectContaining({ clientId: APP.clientId, tenant: TENANT_ID, scope: `${GRAPH_AUDIENCE}/.default` }),
        expect.objectContaining({ clientId: BOT.clientId, tenant: TENANT_ID, scope: `${CHANNEL_SCOPE}/.default` }),
      ]),
    );
    // Nothing went to a scope it should not (no Graph token for Exchange or the other way round).
    for (const t of asked) expect([`${EXCHANGE_AUDIENCE}/.default`, `${GRAPH_AUDIENCE}/.default`, `${CHANNEL_SCOPE}/.default`]).toContain(t.scope);
    for (const service of ['channel', 'exchange', 'graph'] as const) {
      const refused = cloud.checked(service).filter((c) => c.problem);
      expect(refused).toEqual([]);
    }
    expect(cloud.checked('channel').length).toBeGreaterThan(5);
    expect(cloud.checked('exchange').length).toBeGreaterThan(5);
  });

  it('refuses inbound activities whose token has the wrong audience, issuer, expiry or signing key (401, no reply)', async () => {
    const activity = personalMessage('batch list', base());
    const now = Math.floor(Date.now() / 1000);
    const bad = {
      audience: cloud.channelToken(activity.serviceUrl, { aud: 'ffffffff-2222-3333-4444-555555555555' }),
      issuer: cloud.channelToken(activity.serviceUrl, { iss: 'https://api.botframework.com' }),
      expiry: cloud.channelToken(activity.serviceUrl, { nbf: now - 7200, exp: now - 3600 }),
      key: cloud.channelToken(activity.serviceUrl, {}, newSigningKey()),
      serviceUrl: cloud.channelToken('https://elsewhere.example/'),
    };
    const before = connector.activities().length;
    for (const [what, token] of Object.entries(bad)) {
      const res = await post({ ...activity }, token);
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
    }
    expect(connector.activities().length).toBe(before);
    // The same activity with a good token is answered.
    expect((await post(activity)).status).toBe(200);
  }, 20_000);

  it("the stand-ins' own checks are real: Exchange refuses a Graph token, the channel an Exchange token", async () => {
    const call = (url: string, token: string, body = '{}') =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(
          url,
          { method: 'POST', ca: ca.ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await call(`${cloud.exchangeUrl}/adminapi/beta/${TENANT_ID}/InvokeCommand`, cloud.appToken(`${GRAPH_AUDIENCE}/.default`))).toBe(401);
    expect(await call(`${cloud.channel.origin}/v3/conversations/x/activities`, cloud.appToken(`${EXCHANGE_AUDIENCE}/.default`))).toBe(401);
    expect(
      await call(
        `${cloud.exchangeUrl}/adminapi/beta/${TENANT_ID}/InvokeCommand`,
        cloud.appToken(`${EXCHANGE_AUDIENCE}/.default`),
        JSON.stringify({ CmdletInput: { CmdletName: 'Get-MigrationBatch' } }),
      ),
    ).toBe(200);
  });
});
