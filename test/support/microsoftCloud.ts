// Stand-ins for Microsoft's cloud on loopback, over HTTPS with a test CA made at test time, so that
// Cutover can run in production mode end to end without touching Microsoft:
// - Entra: OpenID metadata, JWKS and a client-credentials token endpoint signing RS256 access tokens
//   (v1 shape: aud = the resource, iss = https://sts.windows.net/{tid}/, tid, appid, roles).
// - Bot Framework channel: its own OpenID metadata and JWKS (keys endorsed for msteams), signs inbound
//   activities as the Bot Connector does, and checks the bot's token on every call to its serviceUrl
//   before handing it to a capture connector.
// - Exchange Online and Microsoft Graph: the emulators behind a front that checks the app-only token
//   (audience, issuer, tenant, app, roles) on every request.
// - SharePoint: serves an attached file under a SharePoint-like name.
// Every check that fails is recorded with its reason and answered 401, so a test can say
// "every request carried the right token" by asserting that none failed.

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

// ---------- test CA ----------

export interface TestCa {
  dir: string;
  /** PEM of the CA: NODE_EXTRA_CA_CERTS for the bot, `ca` for the test's own requests. */
  caPath: string;
  ca: string;
  /** A server certificate (and key) for the given names, signed by the CA. */
  key: string;
  cert: string;
  remove(): void;
}

/** A CA and one server certificate for `names` (DNS names; 127.0.0.1 and ::1 are always in), made with openssl. */
export function makeTestCa(names: string[]): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-ca-'));
  const p = (f: string) => path.join(dir, f);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Cutover Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  const san = ['DNS:localhost', ...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
  fs.writeFileSync(p('ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  run([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('ext.cnf'),
  ]);
  return {
    dir,
    caPath: p('ca.pem'),
    ca: fs.readFileSync(p('ca.pem'), 'utf8'),
    key: fs.readFileSync(p('server.key'), 'utf8'),
    cert: fs.readFileSync(p('server.pem'), 'utf8'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

// ---------- JWT (RS256) ----------

export type Claims = Record<string, unknown>;

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID().replace(/-/g, ''), privateKey, publicKey };
}

export function signJwt(claims: Claims, key: SigningKey): string {
  const head = b64u(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid }));
  const body = b64u(JSON.stringify(claims));
  return `${head}.${body}.${b64u(sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey))}`;
}

export function jwk(key: SigningKey, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { n, e } = key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return { kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n, e, ...extra };
}

export interface Expect {
  aud: string;
  iss: string;
  tid?: string;
  appid?: string;
  role?: string;
}

/** Why a bearer token fails these expectations, or null when it passes (signature by one of `keys`, nbf/exp with 5 min skew). */
export function tokenProblem(authorization: string | undefined, keys: SigningKey[], want: Expect): string | null {
  const m = /^Bearer (.+)$/.exec(authorization ?? '');
  if (!m) return 'no bearer token';
  const parts = m[1].split('.');
  if (parts.length !== 3) return 'not a JWT';
  let header: { alg?: string; kid?: string };
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return 'not a JWT';
  }
  if (header.alg !== 'RS256') return `alg ${header.alg}`;
  const key = keys.find((k) => k.kid === header.kid);
  if (!key) return `unknown signing key ${header.kid}`;
  if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key.publicKey, Buffer.from(parts[2], 'base64url'))) return 'bad signature';
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp + 300 < now) return 'expired';
  if (typeof claims.nbf === 'number' && claims.nbf - 300 > now) return 'not yet valid';
  if (claims.aud !== want.aud) return `audience ${String(claims.aud)}, expected ${want.aud}`;
  if (claims.iss !== want.iss) return `issuer ${String(claims.iss)}, expected ${want.iss}`;
  if (want.tid !== undefined && claims.tid !== want.tid) return `tenant ${String(claims.tid)}, expected ${want.tid}`;
  if (want.appid !== undefined && claims.appid !== want.appid) return `app ${String(claims.appid)}, expected ${want.appid}`;
  if (want.role !== undefined && !(Array.isArray(claims.roles) && claims.roles.includes(want.role))) return `no role ${want.role}`;
  return null;
}

// ---------- servers ----------

export interface Checked {
  service: string;
  method: string;
  path: string;
  problem: string | null;
  at: number;
}

interface Tls {
  key: string;
  cert: string;
}

async function listen(tls: Tls, handler: http.RequestListener): Promise<{ server: https.Server; origin: string; port: number }> {
  const server = https.createServer({ key: tls.key, cert: tls.cert }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, origin: `https://127.0.0.1:${port}`, port };
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Forwards a request to a plain-http loopback target with a new Authorization header (or none). */
async function forward(req: http.IncomingMessage, res: http.ServerResponse, target: string, authorization: string | undefined): Promise<void> {
  const body = await readAll(req);
  const url = new URL(req.url ?? '/', target);
  const headers: http.OutgoingHttpHeaders = { ...req.headers };
  delete headers.host;
  delete headers.authorization;
  delete headers.connection;
  if (authorization) headers.authorization = authorization;
  headers['content-length'] = String(body.length);
  await new Promise<void>((resolve) => {
    const out = http.request(url, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', resolve);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
      resolve();
    });
    out.end(body);
  });
}

export interface AppRegistration {
  clientId: string;
  secret: string;
  tenantId: string;
}

export interface MicrosoftCloudOptions {
  tls: Tls;
  /** The Entra app Cutover uses for Exchange and Graph (AZURE_CLIENT_ID/SECRET). */
  app: AppRegistration;
  /** The Azure Bot's app (MICROSOFT_APP_ID/PASSWORD), single-tenant. */
  bot: AppRegistration;
  /** The Bot Connector's issuer and the scope the bot asks for (ToBotFromChannelTokenIssuer, ToChannelFromBotOAuthScope). */
  channelIssuer: string;
  channelScope: string;
  /** Plain-http loopback targets behind the fronts. */
  connectorUrl: string;
  exchange: { baseUrl: string; accessToken: string };
  graph: { baseUrl: string; accessToken: string };
  /** Files SharePoint serves, by path. */
  files?: Record<string, Buffer>;
}

export interface TokenRequest {
  clientId: string;
  tenant: string;
  scope: string;
  ok: boolean;
}

export interface MicrosoftCloud {
  entra: { origin: string; openIdMetadataUrl(tenant: string): string };
  channel: { origin: string; serviceUrl: string; openIdMetadataUrl: string };
  exchangeUrl: string;
  graphUrl: string;
  sharePoint: { port: number; urlFor(host: string, filePath: string): string };
  /** A token as the Bot Connector signs it for an inbound activity; `override` bends claims for negative tests. */
  channelToken(serviceUrl: string, override?: Claims, key?: SigningKey): string;
  /** A token from the Entra stand-in (for checking the fronts themselves). */
  appToken(scope: string): string;
  tokenRequests(): TokenRequest[];
  /** Every request the channel, Exchange and Graph fronts checked, with the problem found (null: accepted). */
  checked(service?: 'channel' | 'exchange' | 'graph'): Checked[];
  close(): Promise<void>;
}

export const EXCHANGE_AUDIENCE = 'https://outlook.office365.com';
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
const EXCHANGE_ROLE = 'Exchange.ManageAsApp';
const GRAPH_ROLES = ['User.Read.All', 'Contacts.ReadWrite', 'Calendars.ReadWrite', 'TeamsAppInstallation.ReadWriteSelfForUser.All'];

export async function startMicrosoftCloud(o: MicrosoftCloudOptions): Promise<MicrosoftCloud> {
  const entraKey = newSigningKey();
  const channelKey = newSigningKey();
  const tokens: TokenRequest[] = [];
  const checks: Checked[] = [];
  const sts = (tid: string) => `https://sts.windows.net/${tid}/`;

  const issue = (app: AppRegistration, scope: string): string => {
    const resource = scope.replace(/\/\.default$/, '');
    const now = Math.floor(Date.now() / 1000);
    const roles = resource === EXCHANGE_AUDIENCE ? [EXCHANGE_ROLE] : resource === GRAPH_AUDIENCE ? GRAPH_ROLES : undefined;
    return signJwt(
      {
        aud: resource,
        iss: sts(app.tenantId),
        iat: now,
        nbf: now,
        exp: now + 3600,
        appid: app.clientId,
        appidacr: '1',
        idp: sts(app.tenantId),
        oid: randomUUID(),
        sub: randomUUID(),
        tid: app.tenantId,
        ver: '1.0',
        ...(roles ? { roles } : {}),
      },
      entraKey,
    );
  };

  // Entra: https://<host>/{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/token, /common/discovery/v2.0/keys
  const entra = await listen(o.tls, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://entra');
      const origin = `https://${req.headers.host}`;
      let m = /^\/([^/]+)(?:\/v2\.0)?\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const t = m[1];
        return json(res, 200, {
          token_endpoint: `${origin}/${t}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${origin}/common/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${origin}/${t}/v2.0`,
          authorization_endpoint: `${origin}/${t}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${origin}/${t}/oauth2/v2.0/logout`,
          tenant_region_scope: 'NA',
          cloud_instance_name: 'microsoftonline.us',
        });
      }
      if (req.method === 'GET' && url.pathname === '/common/discovery/v2.0/keys') return json(res, 200, { keys: [jwk(entraKey)] });
      m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const form = new URLSearchParams((await readAll(req)).toString('utf8'));
        const clientId = form.get('client_id') ?? '';
        const scope = form.get('scope') ?? '';
        const app = [o.app, o.bot].find((a) => a.clientId === clientId);
        const tenantOk = app !== undefined && m[1].toLowerCase() === app.tenantId;
        const ok = app !== undefined && tenantOk && form.get('grant_type') === 'client_credentials' && form.get('client_secret') === app.secret;
        // MSAL adds openid/profile/offline_access to what it asks; the resource scope is the one ending in /.default.
        const resource = scope.split(' ').find((s) => s.endsWith('/.default')) ?? '';
        tokens.push({ clientId, tenant: m[1], scope: resource, ok });
        if (!ok)
          return json(res, 401, {
            error: 'invalid_client',
            error_description:
              "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" +
              clientId +
              "'.",
          });
        return json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issue(app!, resource) });
      }
      json(res, 404, { error: 'not_found' });
    })();
  });

  // The Bot Connector: its OpenID metadata and keys, and the conversation API behind a token check.
  const channel = await listen(o.tls, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://channel');
      const origin = `https://${req.headers.host}`;
      if (req.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
        return json(res, 200, {
          issuer: o.channelIssuer,
          authorization_endpoint: `${origin}/v1/.well-known/botframework/oauth`,
          jwks_uri: `${origin}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      }
      if (req.method === 'GET' && url.pathname === '/v1/.well-known/keys') return json(res, 200, { keys: [jwk(channelKey, { endorsements: ['msteams'] })] });
      const problem = tokenProblem(req.headers.authorization, [entraKey], {
        aud: o.channelScope,
        iss: sts(o.bot.tenantId),
        tid: o.bot.tenantId,
        appid: o.bot.clientId,
      });
      checks.push({ service: 'channel', method: req.method ?? '', path: url.pathname, problem, at: Date.now() });
      if (problem) return json(res, 401, { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } });
      await forward(req, res, o.connectorUrl, undefined);
    })();
  });

  const front = (service: 'exchange' | 'graph', want: Expect, target: { baseUrl: string; accessToken: string }) =>
    listen(o.tls, (req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'https://front');
        let problem = tokenProblem(req.headers.authorization, [entraKey], want);
        // Exchange: the tenant in the URL is the token's.
        const pathTenant = /^\/adminapi\/[^/]+\/([^/]+)\//.exec(url.pathname)?.[1];
        if (!problem && service === 'exchange' && pathTenant && pathTenant.toLowerCase() !== want.tid)
          problem = `tenant ${pathTenant} in the URL, token for ${want.tid}`;
        checks.push({ service, method: req.method ?? '', path: url.pathname, problem, at: Date.now() });
        if (problem) {
          res.writeHead(401, { 'www-authenticate': `Bearer error="invalid_token", error_description="${problem}"` });
          return res.end();
        }
        await forward(req, res, target.baseUrl, `Bearer ${target.accessToken}`);
      })();
    });
  const exchange = await front(
    'exchange',
    { aud: EXCHANGE_AUDIENCE, iss: sts(o.app.tenantId), tid: o.app.tenantId, appid: o.app.clientId, role: EXCHANGE_ROLE },
    o.exchange,
  );
  const graph = await front(
    'graph',
    { aud: GRAPH_AUDIENCE, iss: sts(o.app.tenantId), tid: o.app.tenantId, appid: o.app.clientId, role: 'User.Read.All' },
    o.graph,
  );

  // SharePoint (a OneDrive download URL, pre-authenticated as Teams hands them out).
  const sharePoint = await listen(o.tls, (req, res) => {
    const file = o.files?.[new URL(req.url ?? '/', 'https://sp').pathname];
    if (req.method !== 'GET' || !file) return json(res, 404, { error: { code: 'itemNotFound' } });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.length) });
    res.end(file);
  });

  const servers = [entra, channel, exchange, graph, sharePoint];
  return {
    entra: { origin: entra.origin, openIdMetadataUrl: (t) => `${entra.origin}/${t}/v2.0/.well-known/openid-configuration` },
    channel: { origin: channel.origin, serviceUrl: `${channel.origin}/`, openIdMetadataUrl: `${channel.origin}/v1/.well-known/openidconfiguration` },
    exchangeUrl: exchange.origin,
    graphUrl: graph.origin,
    sharePoint: { port: sharePoint.port, urlFor: (host, filePath) => `https://${host}:${sharePoint.port}${filePath}` },
    channelToken(serviceUrl, override = {}, key = channelKey) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt({ serviceurl: serviceUrl, nbf: now - 5, exp: now + 3600, iss: o.channelIssuer, aud: o.bot.clientId, ...override }, key);
    },
    appToken: (scope) => issue(o.app, scope),
    tokenRequests: () => tokens.slice(),
    checked: (service) => checks.filter((c) => !service || c.service === service),
    async close() {
      for (const s of servers) {
        s.server.closeAllConnections();
        await new Promise<void>((r) => s.server.close(() => r()));
      }
    },
  };
}
