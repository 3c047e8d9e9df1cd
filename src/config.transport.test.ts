// Settings that decide where Cutover's downloads and tokens may go.

import { ConfigError, loadConfig } from './config';

const PRODUCTION = {
  MICROSOFT_APP_ID: 'a',
  MICROSOFT_APP_PASSWORD: 'b',
  AZURE_TENANT_ID: 't',
  AZURE_CLIENT_ID: 'c',
  AZURE_CLIENT_SECRET: 's',
  CUTOVER_ENCRYPTION_KEY: 'k',
  PUBLIC_BASE_URL: 'https://cutover.example.com',
};

describe('CUTOVER_FILE_HOSTS', () => {
  it('defaults to the commercial SharePoint/OneDrive hosts and reads a list of patterns', () => {
    expect(loadConfig({}).fileHosts).toEqual(['*.sharepoint.com']);
    expect(loadConfig({ CUTOVER_FILE_HOSTS: '*.sharepoint.us, *.sharepoint-mil.us' }).fileHosts).toEqual(['*.sharepoint.us', '*.sharepoint-mil.us']);
  });

  it('refuses what is not a host pattern, naming the setting', () => {
    expect(() => loadConfig({ CUTOVER_FILE_HOSTS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ CUTOVER_FILE_HOSTS: 'https://contoso.sharepoint.com' })).toThrow(
      /CUTOVER_FILE_HOSTS: "https:\/\/contoso.sharepoint.com" is not a host name/,
    );
    expect(() => loadConfig({ CUTOVER_FILE_HOSTS: ',' })).toThrow(/CUTOVER_FILE_HOSTS: the list is empty/);
  });
});

describe('the Exchange app token over IMAP (XOAUTH2 target)', () => {
  it('goes only to outlook.office365.com in production, loopback (the emulator token) in local mode', () => {
    expect(loadConfig(PRODUCTION).cutover.tokenHosts).toEqual(['outlook.office365.com']);
    expect(loadConfig({}).cutover.tokenHosts).toEqual(['127.0.0.1', 'localhost', '::1']);
    expect(
      loadConfig({ ...PRODUCTION, CUTOVER_TARGET_IMAP_HOST: 'outlook.office365.com', CUTOVER_TARGET_IMAP_SECURITY: 'tls', CUTOVER_TARGET_IMAP_PORT: '143' })
        .cutover.target,
    ).toMatchObject({ auth: 'xoauth2', security: 'Tls' });
  });

  it('is refused at start-up in clear, with an unchecked certificate, or to another host', () => {
    const env = { ...PRODUCTION, CUTOVER_TARGET_IMAP_HOST: 'outlook.office365.com' };
    expect(() => loadConfig({ ...env, CUTOVER_TARGET_IMAP_SECURITY: 'none', CUTOVER_TARGET_IMAP_PORT: '143' })).toThrow(
      /CUTOVER_TARGET_IMAP_HOST: Cutover does not send its Exchange app token to outlook.office365.com:143 without TLS/,
    );
    expect(() => loadConfig({ ...env, CUTOVER_TARGET_IMAP_ACCEPT_UNTRUSTED: 'true' })).toThrow(/certificate is not checked/);
    expect(() => loadConfig({ ...PRODUCTION, CUTOVER_TARGET_IMAP_HOST: 'imap.attacker.example' })).toThrow(
      /token is for outlook.office365.com, not imap.attacker.example/,
    );
    expect(() => loadConfig({ CUTOVER_TARGET_IMAP_HOST: '127.0.0.1', CUTOVER_TARGET_IMAP_SECURITY: 'none' })).toThrow(ConfigError);
  });

  it('a password target (a Dovecot standing in) is not an app token and stays allowed', () => {
    const c = loadConfig({ CUTOVER_TARGET_IMAP_HOST: '127.0.0.1', CUTOVER_TARGET_IMAP_SECURITY: 'none', CUTOVER_TARGET_IMAP_PASSWORD: 'pw' });
    expect(c.cutover.target).toMatchObject({ auth: 'password', security: 'None' });
  });
});
