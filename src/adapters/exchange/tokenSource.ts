import { ConfidentialClientApplication, type Configuration, type NodeSystemOptions } from '@azure/msal-node';

/** Where the InvokeCommand client gets its bearer token. */
export interface TokenSource {
  /** `forceRefresh` skips any cache (used once after a 401). */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

// The resource a token is for is the service's own origin: Exchange in GCC High is
// outlook.office365.us, Graph there is graph.microsoft.us, 21Vianet has its own hosts.
// A base URL on one of Microsoft's cloud domains names its scope; anything else (a test
// stand-in) keeps the commercial resource, as those stand-ins expect.
const MICROSOFT_SERVICE_HOSTS = [
  /(^|\.)outlook\.office365\.(com|us)$/i,
  /(^|\.)office365\.us$/i,
  /(^|\.)partner\.outlook\.cn$/i,
  /(^|\.)graph\.microsoft\.(com|us)$/i,
  /(^|\.)dod-graph\.microsoft\.us$/i,
  /(^|\.)microsoftgraph\.chinacloudapi\.cn$/i,
];

/** The `.default` scope of the service at `baseUrl`, or `fallback` when it is not a Microsoft cloud host. */
export function scopeFor(baseUrl: string, fallback: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return fallback;
  }
  if (url.protocol !== 'https:' || !MICROSOFT_SERVICE_HOSTS.some((re) => re.test(url.hostname))) return fallback;
  return `${url.origin}/.default`;
}

export type AppCredential = { clientSecret: string } | { certificate: { thumbprintSha256: string; privateKey: string; x5c?: string } };

export interface MsalTokenSourceOptions {
  tenantId: string;
  clientId: string;
  credential: AppCredential;
  /** Exchange (default) or Graph; Exchange rejects Graph tokens, so each API needs its own source. */
  scope?: string;
  /** Sovereign clouds; defaults to https://login.microsoftonline.com. */
  authorityHost?: string;
  /** MSAL system options, e.g. a proxy or a custom network client. */
  system?: NodeSystemOptions;
}

/**
 * App-only token via MSAL client credentials. MSAL caches the token in memory
 * and renews it before expiry, so getToken() is cheap to call per request.
 */
export class MsalTokenSource implements TokenSource {
  private readonly app: ConfidentialClientApplication;
  readonly scope: string;

  constructor(options: MsalTokenSourceOptions) {
    this.scope = options.scope ?? EXCHANGE_SCOPE;
    const host = (options.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
    const auth: Configuration['auth'] = {
      clientId: options.clientId,
      authority: `${host}/${options.tenantId}`,
      // A configured authority host (AZURE_AUTHORITY_HOST) is trusted as given: MSAL then reads its
      // OpenID metadata directly instead of asking login.microsoftonline.com's instance discovery about it.
      ...(options.authorityHost ? { knownAuthorities: [new URL(host).host] } : {}),
    };
    if ('clientSecret' in options.credential) {
      auth.clientSecret = options.credential.clientSecret;
    } else {
      const c = options.credential.certificate;
      auth.clientCertificate = { thumbprintSha256: c.thumbprintSha256, privateKey: c.privateKey, x5c: c.x5c };
    }
    this.app = new ConfidentialClientApplication({ auth, system: options.system });
  }

  async getToken(options?: { forceRefresh?: boolean }): Promise<string> {
    const result = await this.app.acquireTokenByClientCredential({
      scopes: [this.scope],
      skipCache: options?.forceRefresh === true,
    });
    if (!result?.accessToken) {
      throw new Error(`Microsoft Entra returned no access token for ${this.scope}`);
    }
    return result.accessToken;
  }
}

/** Graph variant: same app, same credential, Graph scope. */
export function graphTokenSource(options: Omit<MsalTokenSourceOptions, 'scope'> & { baseUrl?: string }): MsalTokenSource {
  const { baseUrl, ...rest } = options;
  return new MsalTokenSource({ ...rest, scope: baseUrl ? scopeFor(baseUrl, GRAPH_SCOPE) : GRAPH_SCOPE });
}

/** A fixed token: local mode against the emulator, which issues its own. */
export class StaticTokenSource implements TokenSource {
  constructor(private readonly token: string) {}

  // A refresh cannot change a fixed token; the option is accepted for the interface.
  async getToken(_options?: { forceRefresh?: boolean }): Promise<string> {
    return this.token;
  }
}
