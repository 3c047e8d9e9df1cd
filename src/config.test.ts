import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, isLoopbackHost, loadConfig, PLAYGROUND_TENANT_ID } from './config';

const PRODUCTION = {
  MICROSOFT_APP_ID: 'a',
  MICROSOFT_APP_PASSWORD: 'b',
  AZURE_TENANT_ID: '66666666-7777-8888-9999-00000000000A',
  AZURE_CLIENT_ID: 'c',
  AZURE_CLIENT_SECRET: 's',
  CUTOVER_ENCRYPTION_KEY: 'k',
  PUBLIC_BASE_URL: 'https://cutover.example.com',
};

describe('loadConfig', () => {
  it('defaults to local mode on loopback with no credentials', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('local');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(3978);
    expect(c.bot).toBeUndefined();
    expect(c.admins).toEqual([]);
  });

  it('reads the storage and watcher settings, with the file store and a local poll interval by default', () => {
    const d = loadConfig({});
    expect(d.storage).toEqual({ connectionString: undefined, container: 'cutover' });
    expect(d.watcher).toEqual({ enabled: true, intervalMs: 5000, leaseSeconds: 15 });
    const c = loadConfig({
      ...PRODUCTION,
      AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      AZURE_STORAGE_CONTAINER: 'state',
      WATCHER_INTERVAL_MS: '250',
      WATCHER_LEASE_SECONDS: '20',
      WATCHER_ENABLED: 'false',
    });
    expect(c.storage).toEqual({ connectionString: 'UseDevelopmentStorage=true', container: 'state' });
    expect(c.watcher).toEqual({ enabled: false, intervalMs: 250, leaseSeconds: 20 });
    expect(() => loadConfig({ WATCHER_LEASE_SECONDS: '10' })).toThrow(/WATCHER_LEASE_SECONDS must be a whole number from 15 to 60/);
  });

  it('names the missing setting when production is half configured', () => {
    expect(() => loadConfig({ MICROSOFT_APP_ID: 'x' })).toThrow(/MICROSOFT_APP_PASSWORD is not set/);
  });

  it('refuses a secret and a certificate together', () => {
    const env = {
      MICROSOFT_APP_ID: 'a',
      MICROSOFT_APP_PASSWORD: 'b',
      AZURE_TENANT_ID: 't',
      AZURE_CLIENT_ID: 'c',
      AZURE_CLIENT_SECRET: 's',
      AZURE_CLIENT_CERTIFICATE_PATH: '/k.pem',
      AZURE_CLIENT_CERTIFICATE_THUMBPRINT: 'ab',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/not both/);
  });

  it('reads a complete production configuration', () => {
    const c = loadConfig({
      MICROSOFT_APP_ID: 'a',
      MICROSOFT_APP_PASSWORD: 'b',
      AZURE_TENANT_ID: 't',
      AZURE_CLIENT_ID: 'c',
      AZURE_CLIENT_SECRET: 's',
      CUTOVER_ENCRYPTION_KEY: 'k',
      PUBLIC_BASE_URL: 'https://cutover.example.com/',
      CUTOVER_ADMINS: 'Admin@Contoso.edu, 1111-2222',
    });
    expect(c.mode).toBe('production');
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicBaseUrl).toBe('https://cutover.example.com');
    expect(c.admins).toEqual(['admin@contoso.edu', '1111-2222']);
    expect(c.entra?.clientSecret).toBe('s');
  });

  it('rejects a bad port with the setting name', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT must be a whole number/);
  });

  it('reads the cut-over resolvers and the target IMAP settings', () => {
    const c = loadConfig({
      DNS_SERVERS: '127.0.0.1:5353, 10.0.0.2',
      CUTOVER_TARGET_IMAP_HOST: '127.0.0.1',
      CUTOVER_TARGET_IMAP_PORT: '1143',
      CUTOVER_TARGET_IMAP_SECURITY: 'none',
      CUTOVER_TARGET_IMAP_USER: '{email}*migadmin',
      CUTOVER_TARGET_IMAP_PASSWORD: 'pw',
    });
    expect(c.cutover.dnsServers).toEqual([
      { host: '127.0.0.1', port: 5353 },
      { host: '10.0.0.2', port: 53 },
    ]);
    expect(c.cutover.target).toMatchObject({ host: '127.0.0.1', port: 1143, security: 'None', auth: 'password', userTemplate: '{email}*migadmin' });
    expect(loadConfig({}).cutover).toEqual({
      dnsServers: [],
      target: undefined,
      servicePrincipalObjectId: undefined,
      tokenHosts: ['127.0.0.1', 'localhost', '::1'],
      deltaIntervalMs: 6 * 3_600_000,
      dnsWatchIntervalMs: 60_000,
    });
    expect(() => loadConfig({ DNS_SERVERS: '127.0.0.1:99999' })).toThrow(/DNS_SERVERS/);
    // The enterprise app's object id, and the scheduler's intervals.
    const sp = loadConfig({
      AZURE_CLIENT_SP_OBJECT_ID: '6233FBA6-0198-4277-892F-9275BF728BCC',
      CUTOVER_DELTA_INTERVAL_MS: '600000',
      CUTOVER_DNS_WATCH_INTERVAL_MS: '30000',
    }).cutover;
    expect(sp).toMatchObject({ servicePrincipalObjectId: '6233fba6-0198-4277-892f-9275bf728bcc', deltaIntervalMs: 600_000, dnsWatchIntervalMs: 30_000 });
    expect(() => loadConfig({ AZURE_CLIENT_SP_OBJECT_ID: 'my-app' })).toThrow(/Enterprise application's Object ID/);
  });

  describe('local mode stays on loopback and never stands in for production', () => {
    it('stops on a non-loopback HOST with one message saying what production needs', () => {
      for (const host of ['0.0.0.0', '10.0.0.5', '::', 'cutover.contoso.edu']) {
        expect(() => loadConfig({ HOST: host })).toThrow(ConfigError);
        expect(() => loadConfig({ HOST: host })).toThrow(
          new RegExp(`HOST is "${host}".*loopback only.*Production needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, AZURE_TENANT_ID, AZURE_CLIENT_ID`),
        );
      }
      for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
        expect(isLoopbackHost(host)).toBe(true);
        expect(loadConfig({ HOST: host }).mode).toBe('local');
      }
      expect(isLoopbackHost('128.0.0.1')).toBe(false);
      // Production listens wherever it is told: every request carries a token there.
      expect(loadConfig({ ...PRODUCTION, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    });

    it('stops when production-only settings are set without the Bot Framework credentials, naming them', () => {
      const account = 'DefaultEndpointsProtocol=https;AccountName=cutoverstate;AccountKey=a2V5;EndpointSuffix=core.windows.net';
      expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://cutover.contoso.edu', AZURE_STORAGE_CONNECTION_STRING: account })).toThrow(
        /AZURE_STORAGE_CONNECTION_STRING, PUBLIC_BASE_URL are set, which only production uses, but the Bot Framework credentials are missing\. Production needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD/,
      );
      expect(() => loadConfig({ CUTOVER_TENANTS: '66666666-7777-8888-9999-00000000000a' })).toThrow(/CUTOVER_TENANTS is set, which only production uses/);
      expect(() => loadConfig({ AZURE_CLIENT_SECRET: 's' })).toThrow(/AZURE_CLIENT_SECRET is set/);
      // Both at once: still one message.
      expect(() => loadConfig({ HOST: '0.0.0.0', PUBLIC_BASE_URL: 'https://x.example' })).toThrow(
        /HOST is "0\.0\.0\.0".*; and PUBLIC_BASE_URL is set.*unset HOST \(or set it to 127\.0\.0\.1\) and unset PUBLIC_BASE_URL/,
      );
    });

    it('lets local mode list admins (that is how access is tried out locally)', () => {
      const c = loadConfig({ CUTOVER_ADMINS: 'alexw@contoso.edu' });
      expect(c.mode).toBe('local');
      expect(c.admins).toEqual(['alexw@contoso.edu']);
    });
  });

  describe('tenants', () => {
    it('serves AZURE_TENANT_ID by default in production, and the CUTOVER_TENANTS list when set', () => {
      expect(loadConfig(PRODUCTION).tenants).toEqual(['66666666-7777-8888-9999-00000000000a']);
      const c = loadConfig({
        ...PRODUCTION,
        CUTOVER_TENANTS: '11111111-2222-3333-4444-555555555555; 66666666-7777-8888-9999-00000000000A,11111111-2222-3333-4444-555555555555',
      });
      expect(c.tenants).toEqual(['11111111-2222-3333-4444-555555555555', '66666666-7777-8888-9999-00000000000a']);
      expect(() => loadConfig({ ...PRODUCTION, CUTOVER_TENANTS: 'contoso.onmicrosoft.com' })).toThrow(
        /CUTOVER_TENANTS holds "contoso\.onmicrosoft\.com", which is not a tenant id/,
      );
    });

    it('needs an explicit CUTOVER_TENANTS list with MICROSOFT_APP_TYPE=MultiTenant', () => {
      expect(() => loadConfig({ ...PRODUCTION, MICROSOFT_APP_TYPE: 'MultiTenant' })).toThrow(/MultiTenant.*set CUTOVER_TENANTS/);
      expect(loadConfig({ ...PRODUCTION, MICROSOFT_APP_TYPE: 'MultiTenant', CUTOVER_TENANTS: '66666666-7777-8888-9999-00000000000a' }).bot?.appType).toBe(
        'MultiTenant',
      );
    });

    it("serves the Agents Playground's tenant in local mode, as .m365agentsplayground.yml names it", () => {
      expect(loadConfig({}).tenants).toEqual([PLAYGROUND_TENANT_ID]);
      const yml = fs.readFileSync(path.join(__dirname, '..', '.m365agentsplayground.yml'), 'utf8');
      expect(/^tenantId:\s*(\S+)\s*$/m.exec(yml)?.[1]).toBe(PLAYGROUND_TENANT_ID);
    });
  });
});
