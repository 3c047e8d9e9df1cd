// The one typed configuration, read once from the environment at start-up.
// Local mode is the default: with no Microsoft credentials at all, Cutover serves
// the bot unauthenticated on loopback and talks to its built-in emulators.
// Half-configured production settings stop start-up with one message naming the setting.

import * as path from 'node:path';
import { parseDnsServers, type DnsServerAddress } from './adapters/dns/dns2Resolver';
import { EXCHANGE_SCOPE } from './adapters/exchange/tokenSource';
import { parseHostPatterns, TEAMS_FILE_HOSTS_COMMERCIAL } from './adapters/http/fileFetcher';
import { tokenTransportProblem } from './adapters/imap/xoauth2';

export type Mode = 'local' | 'production';

export interface BotCredentials {
  appId: string;
  appPassword: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  appTenantId: string;
  /** Sovereign clouds: botbuilder's own endpoints and issuers (absent: the public cloud's built into botbuilder). */
  cloud?: BotCloudSettings;
}

export interface EntraApp {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: { privateKeyPath: string; thumbprintSha256: string };
}

export interface Config {
  mode: Mode;
  host: string;
  port: number;
  /** Where links the bot hands out (report downloads) point to. */
  publicBaseUrl: string;
  dataDir: string;
  /** Entra object ids or UPNs, lower-cased. Empty in local mode means everyone. */
  admins: string[];
  /** CUTOVER_APPROVERS: Entra object ids or UPNs, lower-cased. Set: destructive or wide steps need one of them (not the requester) to approve. */
  approvers: string[];
  /** CUTOVER_APPROVAL_EXPIRY_SECONDS: how long an approval request waits (default 24 h). */
  approvalExpirySeconds: number;
  /** CUTOVER_HISTORY_DAYS: how long each user's final record of a batch is kept after it left Exchange (default 730). */
  historyDays: number;
  /**
   * Entra tenant ids (lower-cased) whose people Cutover serves (CUTOVER_TENANTS; default AZURE_TENANT_ID).
   * Local mode: the Agents Playground's tenant; the composition root adds the emulator's demo tenant.
   */
  tenants: string[];
  /** Base64 AES-256 key; absent in local mode, where a key file in dataDir is made and kept. */
  encryptionKey?: string;
  attachmentMaxBytes: number;
  /** How long reading one attached contacts/calendar file may take (its own worker thread) before "This file could not be read". */
  importReadTimeoutMs: number;
  /** How per-user files reach the admin (CUTOVER_FILE_HANDOVER): Teams file consent cards, or 15-minute links (default in local mode: the Playground cannot take files). */
  fileHandover: 'consent' | 'link';
  /** Hosts attachments are downloaded from over https (CUTOVER_FILE_HOSTS): "*.sharepoint.com" patterns or exact names. */
  fileHosts: string[];
  bot?: BotCredentials;
  entra?: EntraApp;
  /** Production: Exchange Online's and Graph's base URLs (sovereign clouds differ). */
  exchangeBaseUrl: string;
  graphBaseUrl: string;
  /** Production: the Entra (MSAL) authority host, https://login.microsoftonline.com by default (AZURE_AUTHORITY_HOST; sovereign clouds differ). */
  authorityHost: string;
  emulator: {
    /** Simulated seconds per real second for the Exchange emulator's clock. */
    timeScale: number;
    port: number;
    /**
     * Local mode: emulators already running on this machine (`npm run emulator`), shared by several bots
     * (EXCHANGE_BASE_URL, GRAPH_BASE_URL on loopback). Unset: the bot starts its own embedded emulator.
     */
    shared: { exchangeBaseUrl?: string; graphBaseUrl?: string; tenantId?: string; exchangeToken?: string; graphToken?: string };
  };
  /**
   * Test only (CUTOVER_TEST_FILE_HOST_ADDRESSES, refused unless CUTOVER_TEST_SETTINGS=allow): names the
   * attachment downloader resolves to these loopback addresses, so a production-mode test can serve
   * a "SharePoint" file from a loopback stand-in. Never set it anywhere else.
   */
  testFileHostAddresses?: Record<string, string>;
  /** How often a progress card in a chat is refreshed in place, and for how long at most. */
  liveCard: { intervalMs: number; maxMinutes: number };
  /** Azure Blob Storage for all state (several instances); absent: the file store in dataDir. */
  storage: { connectionString?: string; container: string };
  /** The notification watcher: poll interval, the leader's blob lease, and whether it runs here at all. */
  watcher: { enabled: boolean; intervalMs: number; leaseSeconds: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The end-user guide: the Teams app's catalog id, whether Cutover may install it for people, and whether the watcher offers it by itself when a person's first sync lands. */
  guide: { teamsAppId: string; installApps: boolean; autoOffer: boolean };
  /** Cut-over: resolvers to watch the MX switch from (DNS_SERVERS), and where the delta pass writes. */
  cutover: {
    dnsServers: DnsServerAddress[];
    /** Target IMAP: Exchange Online (XOAUTH2, app-only) by default in production; a test server when set. */
    target?: {
      host: string;
      port: number;
      security: 'None' | 'Tls' | 'Ssl';
      auth: 'xoauth2' | 'password';
      userTemplate: string;
      password?: string;
      acceptUntrustedCertificates: boolean;
    };
    /** Where the Exchange app token may go over IMAP (XOAUTH2): the host it is for (outlook.office365.com); loopback in local mode (the emulator's token). */
    tokenHosts: string[];
    /** The Enterprise application's object id, for New-ServicePrincipal and the FullAccess grants (AZURE_CLIENT_SP_OBJECT_ID). */
    servicePrincipalObjectId?: string;
    /** Scheduled delta passes after the switch (CUTOVER_DELTA_INTERVAL_MS, default 6 h). */
    deltaIntervalMs: number;
    /** The DNS watch after the switch (CUTOVER_DNS_WATCH_INTERVAL_MS, default 1 min). */
    dnsWatchIntervalMs: number;
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; it is "${raw}".`);
  }
  return n;
}

function num(env: Env, name: string, fallback: number, min: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name} must be a number of at least ${min}; it is "${raw}".`);
  return n;
}

/** botbuilder's own cloud settings (read by ConfigurationBotFrameworkAuthentication), for sovereign clouds: all four or none. */
export const BOT_CLOUD_SETTINGS = [
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
] as const;
export type BotCloudSettings = Record<(typeof BOT_CLOUD_SETTINGS)[number], string>;

const PRODUCTION_SETTINGS = ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID'] as const;

/**
 * Settings only production uses. Set without the Bot Framework credentials they mean a production
 * setup that lost its credentials: start-up stops rather than serving it unauthenticated in local mode.
 * CUTOVER_ADMINS is not one of them: local mode may list admins (that is how access is tried out locally).
 */
const PRODUCTION_ONLY_SETTINGS = [
  'AZURE_STORAGE_CONNECTION_STRING',
  'PUBLIC_BASE_URL',
  'CUTOVER_TENANTS',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'MICROSOFT_APP_TYPE',
  'MICROSOFT_APP_TENANT_ID',
  'AZURE_AUTHORITY_HOST',
  ...BOT_CLOUD_SETTINGS,
] as const;

/** Azurite on this machine (UseDevelopmentStorage, or a BlobEndpoint on loopback): a local scale-out setup, not production's storage. */
export function isLoopbackStorage(connectionString: string): boolean {
  if (/(^|;)\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connectionString)) return true;
  const m = /(?:^|;)\s*BlobEndpoint\s*=\s*([^;]+)/i.exec(connectionString);
  if (!m) return false;
  try {
    return isLoopbackHost(new URL(m[1].trim()).hostname);
  } catch {
    return false;
  }
}

/** The tenant the Microsoft 365 Agents Playground sends (channelData.tenant.id, conversation.tenantId): .m365agentsplayground.yml's tenantId. */
export const PLAYGROUND_TENANT_ID = '00000000-0000-0000-0000-0000000000001';

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tenantList(env: Env): string[] | undefined {
  const raw = str(env, 'CUTOVER_TENANTS');
  if (raw === undefined) return undefined;
  const list = raw
    .split(/[,;\s]+/)
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const bad = list.find((t) => !TENANT_ID.test(t));
  if (bad !== undefined) {
    throw new ConfigError(
      `CUTOVER_TENANTS holds "${bad}", which is not a tenant id. List Entra tenant ids (GUIDs, Entra admin center > Overview), comma-separated.`,
    );
  }
  return [...new Set(list)];
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: the addresses only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Local mode serves the bot without authentication: refuse a setup that would expose it or that meant production. */
function localModeProblems(env: Env, host: string): void {
  const exposed = !isLoopbackHost(host);
  // Azurite on loopback is the local scale-out setup (several bots, one emulator); a real storage account means production.
  const productionOnly = PRODUCTION_ONLY_SETTINGS.filter(
    (n) => str(env, n) !== undefined && !(n === 'AZURE_STORAGE_CONNECTION_STRING' && isLoopbackStorage(str(env, n)!)),
  );
  if (!exposed && productionOnly.length === 0) return;
  const what: string[] = [];
  if (exposed)
    what.push(
      `HOST is "${host}", but local mode (no Bot Framework credentials) answers every request without authentication, so it listens on loopback only (127.0.0.1, ::1 or localhost)`,
    );
  if (productionOnly.length > 0)
    what.push(
      `${productionOnly.join(', ')} ${productionOnly.length === 1 ? 'is' : 'are'} set, which only production uses, but the Bot Framework credentials are missing`,
    );
  throw new ConfigError(
    `${what.join('; and ')}. Production needs ${PRODUCTION_SETTINGS.join(', ')}, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH with AZURE_CLIENT_CERTIFICATE_THUMBPRINT, ` +
      `CUTOVER_ENCRYPTION_KEY and PUBLIC_BASE_URL; then every request must carry a Bot Framework token. ` +
      `For local mode, ${[exposed ? 'unset HOST (or set it to 127.0.0.1)' : '', productionOnly.length ? `unset ${productionOnly.join(', ')}` : ''].filter(Boolean).join(' and ')}.`,
  );
}

/** An https base URL (production talks to Microsoft over TLS only), without a trailing slash. */
function httpsUrl(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an https URL such as https://login.microsoftonline.us; it is "${raw}".`);
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${name} must be an https URL without credentials, query or fragment, such as https://login.microsoftonline.us; it is "${raw}".`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Local mode: EXCHANGE_BASE_URL / GRAPH_BASE_URL name an emulator on this machine (npm run emulator), never Microsoft's service. */
function loopbackEmulatorUrl(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || !isLoopbackHost(url.hostname) || url.username || url.password) {
    throw new ConfigError(
      `${name} is "${raw}", but local mode (no Bot Framework credentials) talks only to an emulator on this machine, such as http://127.0.0.1:5080 from "npm run emulator". ` +
        `Unset it to use the built-in emulator, or set the production settings (MICROSOFT_APP_ID, …) to reach Microsoft's service.`,
    );
  }
  return url.toString().replace(/\/+$/, '');
}

function botCloudSettings(env: Env): BotCloudSettings | undefined {
  const set = BOT_CLOUD_SETTINGS.filter((n) => str(env, n) !== undefined);
  if (set.length === 0) return undefined;
  const missing = BOT_CLOUD_SETTINGS.filter((n) => str(env, n) === undefined);
  if (missing.length > 0) {
    // botbuilder takes any of them as "a full configuration is given" and would leave the rest empty.
    throw new ConfigError(
      `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not: botbuilder needs all four for a sovereign cloud (see .env.example), or none for the public cloud.`,
    );
  }
  const out = {} as BotCloudSettings;
  for (const n of BOT_CLOUD_SETTINGS) {
    // The issuer and the OAuth scope are names (https://api.botframework.us), the other two URLs Cutover calls.
    out[n] = n === 'ToBotFromChannelTokenIssuer' || n === 'ToChannelFromBotOAuthScope' ? str(env, n)! : httpsUrl(env, n)!;
  }
  return out;
}

/**
 * Test only: "name=address,…" pairs the attachment downloader resolves by itself, for a production-mode test whose
 * "SharePoint" is a loopback stand-in. Refused unless CUTOVER_TEST_SETTINGS=allow, and only loopback addresses.
 */
function testFileHostAddresses(env: Env): Record<string, string> | undefined {
  const raw = str(env, 'CUTOVER_TEST_FILE_HOST_ADDRESSES');
  if (raw === undefined) return undefined;
  if (str(env, 'CUTOVER_TEST_SETTINGS') !== 'allow') {
    throw new ConfigError(
      'CUTOVER_TEST_FILE_HOST_ADDRESSES is a test setting (it points attachment downloads at this machine); unset it. Tests also set CUTOVER_TEST_SETTINGS=allow.',
    );
  }
  const out: Record<string, string> = {};
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, address] = pair.split('=').map((x) => x?.trim().toLowerCase());
    if (!name || !address || !isLoopbackHost(address) || address === 'localhost') {
      throw new ConfigError(`CUTOVER_TEST_FILE_HOST_ADDRESSES: "${pair}" is not name=loopback-address (such as contoso.sharepoint.us=127.0.0.1).`);
    }
    out[name] = address;
  }
  return out;
}

export function loadConfig(env: Env = process.env): Config {
  const anyProduction = PRODUCTION_SETTINGS.some((n) => str(env, n) !== undefined);
  const mode: Mode = anyProduction ? 'production' : 'local';
  const port = int(env, 'PORT', 3978, 0, 65535);
  const host = str(env, 'HOST') ?? (mode === 'local' ? '127.0.0.1' : '0.0.0.0');
  if (mode === 'local') localModeProblems(env, host);
  const admins = (str(env, 'CUTOVER_ADMINS') ?? '')
    .split(/[,;\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

  const config: Config = {
    mode,
    host,
    port,
    publicBaseUrl: (str(env, 'PUBLIC_BASE_URL') ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/$/, ''),
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? '.data'),
    admins,
    approvers: (str(env, 'CUTOVER_APPROVERS') ?? '')
      .split(/[,;\s]+/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    historyDays: int(env, 'CUTOVER_HISTORY_DAYS', 730, 1, 36_500),
    approvalExpirySeconds: int(env, 'CUTOVER_APPROVAL_EXPIRY_SECONDS', 86_400, 1, 30 * 86_400),
    tenants: tenantList(env) ?? (mode === 'local' ? [PLAYGROUND_TENANT_ID] : [(str(env, 'AZURE_TENANT_ID') ?? '').toLowerCase()]),
    encryptionKey: str(env, 'CUTOVER_ENCRYPTION_KEY'),
    attachmentMaxBytes: int(env, 'ATTACHMENT_MAX_BYTES', 12 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    importReadTimeoutMs: int(env, 'IMPORT_READ_TIMEOUT_MS', 5_000, 100, 60_000),
    fileHandover: (str(env, 'CUTOVER_FILE_HANDOVER') ?? (mode === 'local' ? 'link' : 'consent')).toLowerCase() === 'link' ? 'link' : 'consent',
    fileHosts: (() => {
      try {
        const hosts = parseHostPatterns(str(env, 'CUTOVER_FILE_HOSTS') ?? TEAMS_FILE_HOSTS_COMMERCIAL.join(','));
        if (hosts.length === 0) throw new Error('the list is empty.');
        return hosts;
      } catch (err) {
        throw new ConfigError(`CUTOVER_FILE_HOSTS: ${(err as Error).message} Example: *.sharepoint.com,*.sharepoint.us`);
      }
    })(),
    exchangeBaseUrl: (mode === 'production' ? httpsUrl(env, 'EXCHANGE_BASE_URL') : undefined) ?? 'https://outlook.office365.com',
    graphBaseUrl: (mode === 'production' ? httpsUrl(env, 'GRAPH_BASE_URL') : undefined) ?? 'https://graph.microsoft.com',
    authorityHost: (mode === 'production' ? httpsUrl(env, 'AZURE_AUTHORITY_HOST') : undefined) ?? 'https://login.microsoftonline.com',
    emulator: {
      timeScale: num(env, 'EMULATOR_TIME_SCALE', 60, 0),
      port: int(env, 'EMULATOR_PORT', 0, 0, 65535),
      shared:
        mode === 'local'
          ? {
              exchangeBaseUrl: loopbackEmulatorUrl(env, 'EXCHANGE_BASE_URL'),
              graphBaseUrl: loopbackEmulatorUrl(env, 'GRAPH_BASE_URL'),
              tenantId: str(env, 'EMULATOR_TENANT_ID'),
              exchangeToken: str(env, 'EMULATOR_ACCESS_TOKEN'),
              graphToken: str(env, 'GRAPH_EMULATOR_ACCESS_TOKEN'),
            }
          : {},
    },
    testFileHostAddresses: testFileHostAddresses(env),
    liveCard: {
      intervalMs: int(env, 'LIVE_CARD_INTERVAL_MS', 3000, 100, 3_600_000),
      maxMinutes: int(env, 'LIVE_CARD_MAX_MINUTES', 30, 0, 24 * 60),
    },
    storage: { connectionString: str(env, 'AZURE_STORAGE_CONNECTION_STRING'), container: str(env, 'AZURE_STORAGE_CONTAINER') ?? 'cutover' },
    watcher: {
      enabled: (str(env, 'WATCHER_ENABLED') ?? 'true').toLowerCase() !== 'false',
      intervalMs: int(env, 'WATCHER_INTERVAL_MS', mode === 'local' ? 5_000 : 60_000, 100, 3_600_000),
      leaseSeconds: int(env, 'WATCHER_LEASE_SECONDS', 15, 15, 60),
    },
    guide: {
      teamsAppId: str(env, 'TEAMS_APP_ID') ?? 'cutover-local-app',
      installApps: mode === 'local' || (str(env, 'GUIDE_INSTALL_APPS') ?? 'false').toLowerCase() === 'true',
      autoOffer: (str(env, 'GUIDE_AUTO_OFFER') ?? 'true').toLowerCase() !== 'false',
    },
    logLevel: (['debug', 'info', 'warn', 'error'] as const).find((l) => l === str(env, 'LOG_LEVEL')) ?? 'info',
    cutover: {
      dnsServers: (() => {
        try {
          return parseDnsServers(str(env, 'DNS_SERVERS') ?? '');
        } catch (err) {
          throw new ConfigError(`DNS_SERVERS: ${(err as Error).message} Example: 127.0.0.1:5353,10.0.0.2`);
        }
      })(),
      target: str(env, 'CUTOVER_TARGET_IMAP_HOST')
        ? {
            host: str(env, 'CUTOVER_TARGET_IMAP_HOST')!,
            port: int(env, 'CUTOVER_TARGET_IMAP_PORT', 993, 1, 65535),
            security: ((s) => (s === 'none' ? 'None' : s === 'tls' ? 'Tls' : 'Ssl'))((str(env, 'CUTOVER_TARGET_IMAP_SECURITY') ?? 'ssl').toLowerCase()),
            auth: str(env, 'CUTOVER_TARGET_IMAP_PASSWORD') ? 'password' : 'xoauth2',
            userTemplate: str(env, 'CUTOVER_TARGET_IMAP_USER') ?? '{email}',
            password: str(env, 'CUTOVER_TARGET_IMAP_PASSWORD'),
            acceptUntrustedCertificates: str(env, 'CUTOVER_TARGET_IMAP_ACCEPT_UNTRUSTED') === 'true',
          }
        : undefined,
      tokenHosts: mode === 'production' ? [new URL(EXCHANGE_SCOPE).hostname] : ['127.0.0.1', 'localhost', '::1'],
      servicePrincipalObjectId: (() => {
        const v = str(env, 'AZURE_CLIENT_SP_OBJECT_ID');
        if (v !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
          throw new ConfigError(`AZURE_CLIENT_SP_OBJECT_ID must be a GUID (the Enterprise application's Object ID); it is "${v}".`);
        }
        return v?.toLowerCase();
      })(),
      deltaIntervalMs: int(env, 'CUTOVER_DELTA_INTERVAL_MS', 6 * 3_600_000, 100, 7 * 86_400_000),
      dnsWatchIntervalMs: int(env, 'CUTOVER_DNS_WATCH_INTERVAL_MS', 60_000, 100, 3_600_000),
    },
  };

  const target = config.cutover.target;
  const tokenProblem = target?.auth === 'xoauth2' ? tokenTransportProblem(target, config.cutover.tokenHosts) : null;
  if (tokenProblem) {
    throw new ConfigError(`CUTOVER_TARGET_IMAP_HOST: ${tokenProblem}`);
  }

  if (mode === 'production') {
    const need = (name: string): string => {
      const v = str(env, name);
      if (v === undefined) {
        throw new ConfigError(
          `${name} is not set. Production mode (some Microsoft credentials are set) needs all of ${PRODUCTION_SETTINGS.join(', ')}, ` +
            `plus AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH with AZURE_CLIENT_CERTIFICATE_THUMBPRINT. ` +
            `For local mode, unset all of them.`,
        );
      }
      return v;
    };
    const appType = str(env, 'MICROSOFT_APP_TYPE') ?? 'SingleTenant';
    if (appType !== 'MultiTenant' && appType !== 'SingleTenant' && appType !== 'UserAssignedMSI') {
      throw new ConfigError(`MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI; it is "${appType}".`);
    }
    if (appType === 'MultiTenant' && str(env, 'CUTOVER_TENANTS') === undefined) {
      throw new ConfigError(
        'MICROSOFT_APP_TYPE is MultiTenant, so people from any organisation can reach the bot: set CUTOVER_TENANTS to the tenant ids Cutover serves (GUIDs, comma-separated).',
      );
    }
    const appId = need('MICROSOFT_APP_ID');
    const appPassword = need('MICROSOFT_APP_PASSWORD');
    const tenantId = need('AZURE_TENANT_ID');
    config.bot = {
      appId,
      appPassword,
      appType,
      appTenantId: str(env, 'MICROSOFT_APP_TENANT_ID') ?? tenantId,
      cloud: botCloudSettings(env),
    };
    const secret = str(env, 'AZURE_CLIENT_SECRET');
    const certPath = str(env, 'AZURE_CLIENT_CERTIFICATE_PATH');
    const thumb = str(env, 'AZURE_CLIENT_CERTIFICATE_THUMBPRINT');
    if (secret && certPath) {
      throw new ConfigError('Set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, not both: Cutover would not know which one to use.');
    }
    if (!secret && !certPath) {
      throw new ConfigError(
        'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (with AZURE_CLIENT_CERTIFICATE_THUMBPRINT) is needed for the app-only Exchange token.',
      );
    }
    if (certPath && !thumb) {
      throw new ConfigError('AZURE_CLIENT_CERTIFICATE_THUMBPRINT is not set; it goes with AZURE_CLIENT_CERTIFICATE_PATH (SHA-256 thumbprint, hex).');
    }
    config.entra = {
      tenantId,
      clientId: need('AZURE_CLIENT_ID'),
      clientSecret: secret,
      certificate: certPath && thumb ? { privateKeyPath: certPath, thumbprintSha256: thumb } : undefined,
    };
    if (!config.encryptionKey) {
      throw new ConfigError('CUTOVER_ENCRYPTION_KEY is not set: production keeps uploaded CSVs encrypted with it (32 random bytes, base64).');
    }
    if (str(env, 'PUBLIC_BASE_URL') === undefined) {
      throw new ConfigError("PUBLIC_BASE_URL is not set: report download links must point at the bot's public https address.");
    }
  }
  return config;
}
