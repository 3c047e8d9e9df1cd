// The Graph client against the Graph emulator over loopback: Graph's shapes, paging,
// error bodies, $batch limits and per-item throttling.

import { startGraphEmulator, FIXED_IDS, type RunningGraphEmulator } from '../../emulator/graph';
import { StaticTokenSource } from '../exchange/tokenSource';
import { GraphError, hasExchangeLicence } from '../../ports/graph';
import { GraphClient } from './graphClient';

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

  it('answers a wrong token with Graph\'s 401 error body', async () => {
    const bad = new GraphClient({ baseUrl: emu.baseUrl, tokenSource: new StaticTokenSource('nope') });
    await expect(bad.getUser(alex)).rejects.toMatchObject({ httpStatus: 401, code: 'InvalidAuthenticationToken' });
  });

  it('sends 45 creates as 3 batches, pages the list with @odata.nextLink, and retries only throttled items', async () => {
    emu.control.injectFault({ match: 'contacts', where: 'item', status: 429, retryAfterSeconds: 0.02, times: 3 });
    const reqs = Array.from({ length: 45 }, (_, i) => ({ id: `r${i}`, method: 'POST' as const, url: `/users/${alex}/contacts`, body: { displayName: `C${i}`, singleValueExtendedProperties: [{ id: 'String {5d7f3a1e-8c2b-4e6f-9a41-0b3c7e9d2f65} Name K', value: `k${i}` }] } }));
    const res = await client.batch(reqs);
    expect(res.map((r) => r.id)).toEqual(reqs.map((r) => r.id));
    expect(res.every((r) => r.status === 201)).toBe(true);
    // 45 items = 3 batches; the 3 throttled items ride in the next batch or one more.
    expect(client.stats().requests).toBeLessThanOrEqual(4);
    expect(client.stats().throttled).toBe(3);
    expect(emu.control.contacts(alex)).toHaveLength(45);
    const raw = await fetch(`${emu.baseUrl}/v1.0/users/${alex}/contacts?$top=20`, { headers: { authorization: `Bearer ${emu.accessToken}` } }).then((r) => r.json());
    expect(raw.value).toHaveLength(20);
    expect(raw['@odata.nextLink']).toMatch(/\$skip=20|%24skip=20/);
    const listed = await client.listWithProperty(alex, 'contacts', 'String {5d7f3a1e-8c2b-4e6f-9a41-0b3c7e9d2f65} Name K');
    expect(listed).toHaveLength(45);
    expect(new Set(listed.map((c) => c.singleValueExtendedProperties?.[0].value)).size).toBe(45);
  });

  it('rejects more than 20 requests or duplicate ids in one $batch, as Graph does', async () => {
    const post = (requests: unknown[]) =>
      fetch(`${emu.baseUrl}/v1.0/$batch`, { method: 'POST', headers: { authorization: `Bearer ${emu.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ requests }) });
    const r21 = await post(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${alex}` })));
    expect(r21.status).toBe(400);
    expect((await r21.json()).error.code).toBe('BadRequest');
    const dup = await post([{ id: '1', method: 'GET', url: `/users/${alex}` }, { id: '1', method: 'GET', url: `/users/${alex}` }]);
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

  it('installs the Teams app once, and says so when the permission is missing', async () => {
    expect(await client.isAppInstalled(alex, 'app-1')).toBe(false);
    await client.installApp(alex, 'app-1');
    await client.installApp(alex, 'app-1');
    expect(await client.isAppInstalled(alex, 'app-1')).toBe(true);
    emu.control.setAppInstallAllowed(false);
    await expect(client.installApp(FIXED_IDS.meganb, 'app-1')).rejects.toMatchObject({ httpStatus: 403 });
  });
});
