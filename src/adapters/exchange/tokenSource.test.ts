import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeSystemOptions } from '@azure/msal-node';
import { EXCHANGE_SCOPE, GRAPH_SCOPE, MsalTokenSource, StaticTokenSource, graphTokenSource, scopeFor } from './tokenSource';

// MSAL's real client-credentials flow, with its network client pointed at a loopback
// server that answers as login.microsoftonline.com does (discovery, metadata, token).

const TENANT = '6f8c2d41-3b7a-4e59-9c1d-2a0e5b7f4c13';
const AUTHORITY = 'https://login.microsoftonline.com';

let server: Server;
let base = '';
let tokenRequests: URLSearchParams[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname.endsWith('/discovery/instance')) {
        res.end(
          JSON.stringify({
            tenant_discovery_endpoint: `${AUTHORITY}/${TENANT}/v2.0/.well-known/openid-configuration`,
            'api-version': '1.1',
            metadata: [
              {
                preferred_network: 'login.microsoftonline.com',
                preferred_cache: 'login.windows.net',
                aliases: ['login.microsoftonline.com', 'login.windows.net'],
              },
            ],
          }),
        );
      } else if (url.pathname.endsWith('/.well-known/openid-configuration')) {
        res.end(
          JSON.stringify({
            token_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/token`,
            authorization_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/logout`,
            issuer: `${AUTHORITY}/${TENANT}/v2.0`,
            jwks_uri: `${AUTHORITY}/${TENANT}/discovery/v2.0/keys`,
          }),
        );
      } else if (url.pathname.endsWith('/oauth2/v2.0/token')) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        tokenRequests.push(form);
        res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `at-${tokenRequests.length}` }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  tokenRequests = [];
});

/** MSAL's network client, rerouted from the Microsoft host to loopback. */
function loopbackSystem(): NodeSystemOptions {
  const send = async (url: string, method: string, options?: { headers?: Record<string, string>; body?: string }) => {
    const res = await fetch(url.replace(AUTHORITY, base), { method, headers: options?.headers, body: options?.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { headers, body: (await res.json()) as never, status: res.status };
  };
  return {
    networkClient: {
      sendGetRequestAsync: (url, options) => send(url, 'GET', options),
      sendPostRequestAsync: (url, options) => send(url, 'POST', options),
    },
  };
}

describe('MsalTokenSource', () => {
  it('asks for the Exchange .default scope with the client secret, caches, and refreshes on demand', async () => {
    const source = new MsalTokenSource({
      tenantId: TENANT,
      clientId: 'app-id',
      credential: { clientSecret: 'shh' },
      system: loopbackSystem(),
    });
    expect(await source.getToken()).toBe('at-1');
    expect(await source.getToken()).toBe('at-1'); // from MSAL's cache
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0].get('grant_type')).toBe('client_credentials');
    expect(tokenRequests[0].get('scope')).toContain('https://outlook.office365.com/.default');
    expect(tokenRequests[0].get('client_secret')).toBe('shh');
    expect(await source.getToken({ forceRefresh: true })).toBe('at-2');
    expect(tokenRequests).toHaveLength(2);
  });

  it('signs a client assertion with the certificate (SHA-256 thumbprint) instead of a secret', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const thumbprint = 'ab'.repeat(32);
    const source = new MsalTokenSource({
      tenantId: TENANT,
      clientId: 'app-id',
      credential: { certificate: { thumbprintSha256: thumbprint, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } },
      system: loopbackSystem(),
    });
    await source.getToken();
    const form = tokenRequests[0];
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const header = JSON.parse(Buffer.from(form.get('client_assertion')!.split('.')[0], 'base64url').toString('utf8'));
    expect(header.alg).toBe('PS256');
    expect(header['x5t#S256']).toBe(Buffer.from(thumbprint, 'hex').toString('base64url'));
  });

  it('the Graph variant asks for the Graph scope', async () => {
    const source = graphTokenSource({ tenantId: TENANT, clientId: 'app-id', credential: { clientSecret: 'shh' }, system: loopbackSystem() });
    expect(source.scope).toBe(GRAPH_SCOPE);
    await source.getToken();
    expect(tokenRequests[0].get('scope')).toContain('https://graph.microsoft.com/.default');
  });
});

describe('StaticTokenSource', () => {
  it('returns the emulator token as given', async () => {
    expect(await new StaticTokenSource('emulator-access-token').getToken({ forceRefresh: true })).toBe('emulator-access-token');
  });
});

describe('scopeFor: the token is for the service the base URL names', () => {
  test.each([
    ['https://outlook.office365.com', 'https://outlook.office365.com/.default'],
    ['https://outlook.office365.us', 'https://outlook.office365.us/.default'],
    ['https://partner.outlook.cn', 'https://partner.outlook.cn/.default'],
    ['https://graph.microsoft.us/v1.0', 'https://graph.microsoft.us/.default'],
    ['https://microsoftgraph.chinacloudapi.cn/v1.0', 'https://microsoftgraph.chinacloudapi.cn/.default'],
    ['https://127.0.0.1:8443', 'https://outlook.office365.com/.default'],
    ['http://outlook.office365.us', 'https://outlook.office365.com/.default'],
    ['https://outlook.office365.us.attacker.example', 'https://outlook.office365.com/.default'],
  ])('%s → %s', (base, scope) => expect(scopeFor(base, EXCHANGE_SCOPE)).toBe(scope));
});
