import { ConfigError, loadConfig } from './config';

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
    const c = loadConfig({ AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AZURE_STORAGE_CONTAINER: 'state', WATCHER_INTERVAL_MS: '250', WATCHER_LEASE_SECONDS: '20', WATCHER_ENABLED: 'false' });
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
    const c = loadConfig({ DNS_SERVERS: '127.0.0.1:5353, 10.0.0.2', CUTOVER_TARGET_IMAP_HOST: '127.0.0.1', CUTOVER_TARGET_IMAP_PORT: '1143', CUTOVER_TARGET_IMAP_SECURITY: 'none', CUTOVER_TARGET_IMAP_USER: '{email}*migadmin', CUTOVER_TARGET_IMAP_PASSWORD: 'pw' });
    expect(c.cutover.dnsServers).toEqual([{ host: '127.0.0.1', port: 5353 }, { host: '10.0.0.2', port: 53 }]);
    expect(c.cutover.target).toMatchObject({ host: '127.0.0.1', port: 1143, security: 'None', auth: 'password', userTemplate: '{email}*migadmin' });
    expect(loadConfig({}).cutover).toEqual({ dnsServers: [], target: undefined, servicePrincipalObjectId: undefined, tokenHosts: ['127.0.0.1', 'localhost', '::1'], deltaIntervalMs: 6 * 3_600_000, dnsWatchIntervalMs: 60_000 });
    expect(() => loadConfig({ DNS_SERVERS: '127.0.0.1:99999' })).toThrow(/DNS_SERVERS/);
    // The enterprise app's object id, and the scheduler's intervals.
    const sp = loadConfig({ AZURE_CLIENT_SP_OBJECT_ID: '6233FBA6-0198-4277-892F-9275BF728BCC', CUTOVER_DELTA_INTERVAL_MS: '600000', CUTOVER_DNS_WATCH_INTERVAL_MS: '30000' }).cutover;
    expect(sp).toMatchObject({ servicePrincipalObjectId: '6233fba6-0198-4277-892f-9275bf728bcc', deltaIntervalMs: 600_000, dnsWatchIntervalMs: 30_000 });
    expect(() => loadConfig({ AZURE_CLIENT_SP_OBJECT_ID: 'my-app' })).toThrow(/Enterprise application's Object ID/);
  });
});
