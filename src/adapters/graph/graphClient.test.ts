// The Graph client against the Graph emulator over loopback: Graph's shapes, paging,
// error bodies, $batch limits and per-item throttling.

import { startGraphEmulator, FIXED_IDS, type RunningGraphEmulator } from '../../emulator/graph';
import { StaticTokenSource } from '../exchange/tokenSource';
import { GraphError, hasExchangeLicence } from '../../ports/graph';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphClient } from './graphClient';
import { OriginBoundAuthHandler } from './middleware';

describe('GraphClient against the Graph emulator', () => {
  let emu: RunningGraphEmulator;
  let client: GraphClient;
  const alex = FIXED_IDS.alexw;
  beforeAll(async () => {
    emu = await startGraphEmulator();
  });
  beforeEach(() => {
    emu.control.reset();
    client = new GraphClient({ baseUrl: emu.baseUrl, tokenSource: new StaticTokenSource(emu.accessToken) });
  });
  afterAll(() => emu.close());

  it('finds users by id, UPN and mail; 404 is null; licences tell who has Exchange', async () => {
    expect(await client.getUser(alex)).toMatchObject({ userPrincipalName: 'alexw@contoso.edu', displayName: 'Alex Wilber' });
    expect((await client.getUser('annb@contoso.edu'))?.displayName).toBe('Ann Beebe');
    expect(await client.getUser('nobody@contoso.edu')).toBeNull();
    const adele = await client.findUserByMail('adelev@contoso.edu');
    const miriam = await client.findUserByMail('miriamg@contoso.edu');
    expect(await client.findUserByMail("o'brien@contoso.edu")).toBeNull();
    expect(hasExchangeLicence(await client.licenseDetails(alex))).toBe(true);
    expect(hasExchangeLicence(await client.licenseDetails(adele!.id))).toBe(false);
    // EXCHANGE_S_FOUNDATION alone is not a mailbox.
    const m = await client.licenseDetails(miriam!.id);
    expect(m[0].servicePlans.map((p) => p.servicePlanName)).toContain('EXCHANGE_S_FOUNDATION');
    expect(hasExchangeLicence(m)).toBe(false);
  });

  it("answers a wrong token with Graph's 401 error body", async () => {
    const bad = new GraphClient({ baseUrl: emu.baseUrl, tokenSource: new StaticTokenSource('nope') });
    await expect(bad.getUser(alex)).rejects.toMatchObject({ httpStatus: 401, code: 'InvalidAuthenticationToken' });
  });

  it('sends 45 creates as 3 batches, pages the list with @odata.nextLink, and retries only throttled items', async () => {
    emu.control.injectFault({ match: 'contacts', where: 'item', status: 429, retryAfterSeconds: 0.02, times: 3 });
    const reqs = Array.from({ length: 45 }, (_, i) => ({
      id: `r${i}`,
      method: 'POST' as const,
      url: `/users/${alex}/contacts`,
      body: { displayName: `C${i}`, singleValueExtendedProperties: [{ id: 'String {5d7f3a1e-8c2b-4e6f-9a41-0b3c7e9d2f65} Name K', value: `k${i}` }] },
    }));
    const res = await client.batch(reqs);
    expect(res.map((r) => r.id)).toEqual(reqs.map((r) => r.id));
    expect(res.every((r) => r.status === 201)).toBe(true);
    // 45 items = 3 batches; the 3 throttled items ride in the next batch or one more.
    expect(client.stats().requests).toBeLessThanOrEqual(4);
    expect(client.stats().throttled).toBe(3);
    expect(emu.control.contacts(alex)).toHaveLength(45);
    const raw = await fetch(`${emu.baseUrl}/v1.0/users/${alex}/contacts?$top=20`, { headers: { authorization: `Bearer ${emu.accessToken}` } }).then((r) =>
      r.json(),
    );
    expect(raw.value).toHaveLength(20);
    expect(raw['@odata.nextLink']).toMatch(/\$skip=20|%24skip=20/);
    const listed = await client.listWithProperty(alex, 'contacts', 'String {5d7f3a1e-8c2b-4e6f-9a41-0b3c7e9d2f65} Name K');
    expect(listed).toHaveLength(45);
    expect(new Set(listed.map((c) => c.singleValueExtendedProperties?.[0].value)).size).toBe(45);
  });

  it('rejects more than 20 requests or duplicate ids in one $batch, as Graph does', async () => {
    const post = (requests: unknown[]) =>
      fetch(`${emu.baseUrl}/v1.0/$batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emu.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
    const r21 = await post(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${alex}` })));
    expect(r21.status).toBe(400);
    expect((await r21.json()).error.code).toBe('BadRequest');
    const dup = await post([
      { id: '1', method: 'GET', url: `/users/${alex}` },
      { id: '1', method: 'GET', url: `/users/${alex}` },
    ]);
    expect(dup.status).toBe(400);
    const noType = await post([{ id: '1', method: 'POST', url: `/users/${alex}/contacts`, body: { displayName: 'x' } }]);
    expect((await noType.json()).responses[0].status).toBe(400);
  });

  it('refuses contacts for a mailbox without an Exchange licence (MailboxNotEnabledForRESTAPI)', async () => {
    const adele = await client.findUserByMail('adelev@contoso.edu');
    const err = await client.listWithProperty(adele!.id, 'contacts', 'x').catch((e) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ httpStatus: 404, code: 'MailboxNotEnabledForRESTAPI' });
  });

  it('honours Retry-After on a whole throttled request and gives up after maxAttempts', async () => {
    emu.control.injectFault({ match: '/users/', where: 'http', status: 429, retryAfterSeconds: 0.05, times: 1 });
    const t0 = Date.now();
    expect(await client.getUser(alex)).not.toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    emu.control.injectFault({ match: '/users/', where: 'http', status: 429, retryAfterSeconds: 0, times: 10 });
    const few = new GraphClient({ baseUrl: emu.baseUrl, tokenSource: new StaticTokenSource(emu.accessToken), maxAttempts: 3 });
    await expect(few.getUser(alex)).rejects.toMatchObject({ httpStatus: 429, code: 'TooManyRequests' });
  });

  it('caps a long Retry-After at maxRetryAfterMs and reports each retry', async () => {
    emu.control.injectFault({ match: '/users/', where: 'http', status: 429, retryAfterSeconds: 30, times: 1 });
    const retries: { status: number; waitMs: number; attempt: number; what: string }[] = [];
    const capped = new GraphClient({
      baseUrl: emu.baseUrl,
      tokenSource: new StaticTokenSource(emu.accessToken),
      maxRetryAfterMs: 100,
      onRetry: (e) => retries.push(e),
    });
    const t0 = Date.now();
    expect(await capped.getUser(alex)).not.toBeNull();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(retries).toEqual([{ status: 429, waitMs: 100, attempt: 1, what: `GET /v1.0/users/${alex}` }]);
    expect(capped.stats()).toEqual({ requests: 2, throttled: 1 });
  });

  it('installs the Teams app once, and says so when the permission is missing', async () => {
    expect(await client.isAppInstalled(alex, 'app-1')).toBe(false);
    await client.installApp(alex, 'app-1');
    await client.installApp(alex, 'app-1');
    expect(await client.isAppInstalled(alex, 'app-1')).toBe(true);
    emu.control.setAppInstallAllowed(false);
    await expect(client.installApp(FIXED_IDS.meganb, 'app-1')).rejects.toMatchObject({ httpStatus: 403 });
  });
});

describe('GraphClient paging and tokens', () => {
  let emu: RunningGraphEmulator;
  beforeAll(async () => {
    emu = await startGraphEmulator();
  });
  afterAll(() => emu.close());

  it('follows @odata.nextLink on the base origin through every page', async () => {
    emu.control.reset();
    const client = new GraphClient({ baseUrl: emu.baseUrl, tokenSource: new StaticTokenSource(emu.accessToken) });
    const prop = 'String {5d7f3a1e-8c2b-4e6f-9a41-0b3c7e9d2f65} Name K';
    const reqs = Array.from({ length: 1030 }, (_, i) => ({
      id: `r${i}`,
      method: 'POST' as const,
      url: `/users/${FIXED_IDS.alexw}/contacts`,
      body: { displayName: `C${i}`, singleValueExtendedProperties: [{ id: prop, value: `k${i}` }] },
    }));
    expect((await client.batch(reqs)).every((r) => r.status === 201)).toBe(true);
    const before = client.stats().requests;
    const listed = await client.listWithProperty(FIXED_IDS.alexw, 'contacts', prop);
    // The emulator's largest page is 1,000 items: two pages, two requests.
    expect(client.stats().requests - before).toBe(2);
    expect(new Set(listed.map((c) => c.singleValueExtendedProperties?.[0].value)).size).toBe(1030);
  });

  describe('against a Graph stand-in whose next link names another origin', () => {
    let graph: Server;
    let trap: Server;
    let graphUrl: string;
    let trapUrl: string;
    let trapConnections = 0;
    const seen: { path: string; authorization: string | undefined }[] = [];
    let tokens: { accepted: string; nextLink: () => string };

    beforeAll(async () => {
      trap = createServer((_req, res) => res.end('{"value":[]}'));
      trap.on('connection', () => trapConnections++);
      graph = createServer((req, res) => {
        seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== `Bearer ${tokens.accepted}`) {
          res.statusCode = 401;
          return res.end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } }));
        }
        if (req.url?.includes('page=2')) return res.end(JSON.stringify({ value: [{ id: 'lic-2', servicePlans: [] }] }));
        res.end(JSON.stringify({ value: [{ id: 'lic-1', servicePlans: [] }], '@odata.nextLink': tokens.nextLink() }));
      });
      for (const s of [graph, trap]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      graphUrl = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
      trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    });
    beforeEach(() => {
      seen.length = 0;
      trapConnections = 0;
      tokens = { accepted: 'T1', nextLink: () => `${graphUrl}/v1.0/users/u1/licenseDetails?page=2` };
    });
    afterAll(async () => {
      for (const s of [graph, trap]) await new Promise((r) => (s.closeAllConnections(), s.close(r)));
    });

    it('never connects to a next link on another port, and says the list is incomplete', async () => {
      tokens.nextLink = () => `${trapUrl}/v1.0/users/u1/licenseDetails?page=2`;
      const client = new GraphClient({ baseUrl: graphUrl, tokenSource: new StaticTokenSource('T1') });
      const err = await client.licenseDetails('u1').catch((e) => e);
      expect(err).toBeInstanceOf(GraphError);
      expect(err).toMatchObject({ code: 'IncompleteList' });
      expect(err.message).toContain(trapUrl);
      expect(err.message).toMatch(/incomplete \(1 items read\)/);
      await new Promise((r) => setTimeout(r, 50));
      expect(trapConnections).toBe(0);
    });

    it('refuses a next link on the same host over another scheme or outside the base path', async () => {
      const client = new GraphClient({ baseUrl: graphUrl, tokenSource: new StaticTokenSource('T1') });
      tokens.nextLink = () => graphUrl.replace('http:', 'https:') + '/v1.0/users/u1/licenseDetails?page=2';
      await expect(client.licenseDetails('u1')).rejects.toMatchObject({ code: 'IncompleteList' });
      const under = new GraphClient({ baseUrl: `${graphUrl}/graph`, tokenSource: new StaticTokenSource('T1') });
      tokens.nextLink = () => `${graphUrl}/elsewhere/v1.0/users/u1/licenseDetails?page=2`;
      await expect(under.licenseDetails('u1')).rejects.toMatchObject({ code: 'IncompleteList' });
      expect(seen.every((s) => !s.path.includes('page=2'))).toBe(true);
    });

    it('sends the token on every page of its own origin, none without a token source, and renews it once after a 401', async () => {
      const client = new GraphClient({ baseUrl: graphUrl, tokenSource: new StaticTokenSource('T1') });
      expect((await client.licenseDetails('u1')).map((l) => l.id)).toEqual(['lic-1', 'lic-2']);
      expect(seen.map((s) => s.authorization)).toEqual(['Bearer T1', 'Bearer T1']);

      seen.length = 0;
      await expect(new GraphClient({ baseUrl: graphUrl }).licenseDetails('u1')).rejects.toMatchObject({ httpStatus: 401 });
      expect(seen.map((s) => s.authorization)).toEqual([undefined]);

      seen.length = 0;
      const asked: (boolean | undefined)[] = [];
      const rotating = { getToken: async (o?: { forceRefresh?: boolean }) => (asked.push(o?.forceRefresh), o?.forceRefresh ? 'T2' : 'T1') };
      tokens.accepted = 'T2';
      const renewed = new GraphClient({ baseUrl: graphUrl, tokenSource: rotating });
      expect(await renewed.getUser('u1')).not.toBeNull();
      expect(asked).toEqual([undefined, true]);
      expect(seen.map((s) => s.authorization)).toEqual(['Bearer T1', 'Bearer T2']);
    });
  });
});

describe('OriginBoundAuthHandler', () => {
  async function run(url: string, headers: Record<string, string> = {}) {
    const handler = new OriginBoundAuthHandler('https://graph.microsoft.com', { getAccessToken: async () => 'secret-token' });
    let sent: unknown;
    handler.setNext({ execute: async (ctx) => void (sent = ctx.options?.headers) });
    await handler.execute({ request: url, options: { headers } });
    return sent as Record<string, string>;
  }

  it('attaches the token only to the base origin, and strips one a caller set elsewhere', async () => {
    expect(await run('https://graph.microsoft.com/v1.0/users')).toEqual({ Authorization: 'Bearer secret-token' });
    for (const other of [
      'https://graph.microsoft.us/v1.0/users',
      'https://graph.microsoft.com:8443/v1.0/users',
      'http://graph.microsoft.com/v1.0/users',
      'https://evil.example/v1.0/users',
    ]) {
      expect(await run(other, { authorization: 'Bearer leaked', Accept: 'application/json' })).toEqual({ Accept: 'application/json' });
    }
  });
});
