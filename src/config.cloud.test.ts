// Configuration for one emulator shared by several local bots, and for sovereign clouds in production.

import { ConfigError, isLoopbackStorage, loadConfig } from './config';

const PRODUCTION = {
  MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
  MICROSOFT_APP_PASSWORD: 'bot-secret-value',
  AZURE_TENANT_ID: '66666666-7777-8888-9999-000000000000',
  AZURE_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  AZURE_CLIENT_SECRET: 'app-secret-value',
  CUTOVER_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  PUBLIC_BASE_URL: 'https://cutover.example.com',
};

const GCC_HIGH_BOT = {
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/66666666-7777-8888-9999-000000000000',
  ToChannelFromBotOAuthScope: 'https://api.botframework.us',
};

describe('local mode with a shared emulator (EXCHANGE_BASE_URL, GRAPH_BASE_URL)', () => {
  it('takes emulator URLs on loopback, and starts the embedded ones only when they are unset', () => {
    const c = loadConfig({ EXCHANGE_BASE_URL: 'http://127.0.0.1:5080/', GRAPH_BASE_URL: 'http://localhost:5081' });
    expect(c.mode).toBe('local');
    expect(c.emulator.shared).toMatchObject({ exchangeBaseUrl: 'http://127.0.0.1:5080', graphBaseUrl: 'http://localhost:5081' });
    expect(loadConfig({}).emulator.shared).toEqual({
      exchangeBaseUrl: undefined,
      graphBaseUrl: undefined,
      tenantId: undefined,
      exchangeToken: undefined,
      graphToken: undefined,
    });
  });

  it("refuses Microsoft's service (or any other machine) in local mode, naming the setting", () => {
    expect(() => loadConfig({ EXCHANGE_BASE_URL: 'https://outlook.office365.us' })).toThrow(ConfigError);
    expect(() => loadConfig({ EXCHANGE_BASE_URL: 'https://outlook.office365.us' })).toThrow(
      /EXCHANGE_BASE_URL is "https:\/\/outlook\.office365\.us", but local mode .* only to an emulator on this machine/,
    );
    expect(() => loadConfig({ GRAPH_BASE_URL: 'http://10.0.0.5:5081' })).toThrow(/GRAPH_BASE_URL is "http:\/\/10\.0\.0\.5:5081"/);
  });

  it('lets several local bots share Azurite on loopback, but not a real storage account', () => {
    expect(isLoopbackStorage('UseDevelopmentStorage=true')).toBe(true);
    const azurite = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
    expect(isLoopbackStorage(azurite)).toBe(true);
    expect(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: azurite }).storage.connectionString).toBe(azurite);
    const account = 'DefaultEndpointsProtocol=https;AccountName=cutoverstate;AccountKey=a2V5;EndpointSuffix=core.windows.net';
    expect(isLoopbackStorage(account)).toBe(false);
    expect(isLoopbackStorage('BlobEndpoint=https://127.0.0.1.nip.io/x')).toBe(false);
    expect(() => loadConfig({ AZURE_STORAGE_CONNECTION_STRING: account })).toThrow(/AZURE_STORAGE_CONNECTION_STRING is set, which only production uses/);
  });
});

describe('sovereign clouds in production', () => {
  it('reads the MSAL authority host and botbuilder’s four cloud settings', () => {
    const c = loadConfig({
      ...PRODUCTION,
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
      EXCHANGE_BASE_URL: 'https://outlook.office365.us',
      GRAPH_BASE_URL: 'https://graph.microsoft.us',
      ...GCC_HIGH_BOT,
    });
    expect(c.authorityHost).toBe('https://login.microsoftonline.us');
    expect(c.exchangeBaseUrl).toBe('https://outlook.office365.us');
    expect(c.graphBaseUrl).toBe('https://graph.microsoft.us');
    expect(c.bot!.cloud).toEqual(GCC_HIGH_BOT);
    // The public cloud by default: botbuilder's built-in endpoints, login.microsoftonline.com.
    const pub = loadConfig(PRODUCTION);
    expect(pub.authorityHost).toBe('https://login.microsoftonline.com');
    expect(pub.bot!.cloud).toBeUndefined();
  });

  it('refuses some of botbuilder’s settings without the others (botbuilder would leave the rest empty)', () => {
    const { ToChannelFromBotOAuthScope: _scope, ...three } = GCC_HIGH_BOT;
    expect(() => loadConfig({ ...PRODUCTION, ...three })).toThrow(/but ToChannelFromBotOAuthScope is not: botbuilder needs all four/);
  });

  it('takes only https URLs for the authority and the endpoints', () => {
    expect(() => loadConfig({ ...PRODUCTION, AZURE_AUTHORITY_HOST: 'http://login.microsoftonline.us' })).toThrow(/AZURE_AUTHORITY_HOST must be an https URL/);
    expect(() => loadConfig({ ...PRODUCTION, ...GCC_HIGH_BOT, ToChannelFromBotLoginUrl: 'login.microsoftonline.us' })).toThrow(
      /ToChannelFromBotLoginUrl must be an https URL/,
    );
  });

  it('counts the sovereign settings as production-only: without Bot Framework credentials start-up stops', () => {
    expect(() => loadConfig({ AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' })).toThrow(/AZURE_AUTHORITY_HOST is set, which only production uses/);
    expect(() => loadConfig({ ...GCC_HIGH_BOT })).toThrow(
      /ToBotFromChannelOpenIdMetadataUrl, ToBotFromChannelTokenIssuer, ToChannelFromBotLoginUrl, ToChannelFromBotOAuthScope are set, which only production uses/,
    );
  });
});

describe('the test-only file host setting', () => {
  it('is refused unless explicitly allowed, and maps names to loopback addresses only', () => {
    expect(() => loadConfig({ ...PRODUCTION, CUTOVER_TEST_FILE_HOST_ADDRESSES: 'contoso.sharepoint.us=127.0.0.1' })).toThrow(
      /CUTOVER_TEST_FILE_HOST_ADDRESSES is a test setting/,
    );
    expect(() => loadConfig({ ...PRODUCTION, CUTOVER_TEST_SETTINGS: 'allow', CUTOVER_TEST_FILE_HOST_ADDRESSES: 'contoso.sharepoint.us=10.0.0.5' })).toThrow(
      /not name=loopback-address/,
    );
    const c = loadConfig({ ...PRODUCTION, CUTOVER_TEST_SETTINGS: 'allow', CUTOVER_TEST_FILE_HOST_ADDRESSES: 'Contoso.SharePoint.us=127.0.0.1' });
    expect(c.testFileHostAddresses).toEqual({ 'contoso.sharepoint.us': '127.0.0.1' });
    expect(loadConfig(PRODUCTION).testFileHostAddresses).toBeUndefined();
  });
});
