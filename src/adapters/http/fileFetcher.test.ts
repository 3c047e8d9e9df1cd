// The attachment fetcher cannot be steered: only Teams' file hosts over https (plus exact loopback
// over http in local mode), every resolved address checked before each connection, the socket
// pinned to the checked address, at most 3 redirects, a size cap.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { FileFetchError } from '../../ports/fileFetcher';
import { hostAllowed, HttpFileFetcher, isPublicAddress, parseHostPatterns, type ResolvedAddress } from './fileFetcher';
import { selfSignedCertificate } from '../../../test/support/tls';

const file = (downloadUrl: string) => ({ name: 'users.csv', downloadUrl });
const CSV = 'EmailAddress,UserName,Password\n';

interface Served {
  server: http.Server;
  base: string;
  port: number;
  connections: number;
  hosts: string[];
  close(): Promise<void>;
}

async function serve(host: string, handler: http.RequestListener, tls?: { key: string; cert: string }): Promise<Served> {
  const hosts: string[] = [];
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  const s = { server, base: '', port: 0, connections: 0, hosts } as Served;
  server.on('connection', () => s.connections++);
  server.on('request', (req: http.IncomingMessage) =>
    hosts.push(`${req.headers.host}|${(req.socket as TLSSocket & { servername?: string }).servername ?? ''}`),
  );
  await new Promise<void>((r) => server.listen(0, host, r));
  s.port = (server.address() as AddressInfo).port;
  s.base = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${s.port}`;
  s.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return s;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof FileFetchError)) throw new Error(`expected a FileFetchError, got ${String(err)}`);
  return err.message;
}

describe('which addresses are public', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.2',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::',
    '::1',
    'fd00::1',
    'fc12::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '0:0:0:0:0:ffff:a00:1',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    '2001:db8::1',
    '::127.0.0.1',
    'not-an-ip',
  ])('%s is refused', (a) => expect(isPublicAddress(a)).toBe(false));

  it.each(['13.107.136.10', '52.104.0.1', '8.8.8.8', '172.32.0.1', '2603:1061::1', '::ffff:8.8.8.8'])('%s is public', (a) =>
    expect(isPublicAddress(a)).toBe(true),
  );
});

describe('host patterns', () => {
  it('reads *.name, .name and exact names; refuses the rest', () => {
    expect(parseHostPatterns('*.sharepoint.com, .SharePoint.US files.example.org')).toEqual(['*.sharepoint.com', '*.sharepoint.us', 'files.example.org']);
    for (const bad of ['*', '*.com', 'https://x.sharepoint.com', 'x.sharepoint.com/path', 'x.sharepoint.com:443', '10.0.0.1', '*.*.com']) {
      expect(() => parseHostPatterns(bad)).toThrow(/not a host name/);
    }
  });

  it('matches names under a wildcard, not the suffix alone nor look-alikes', () => {
    const p = ['*.sharepoint.com', 'files.example.org'];
    expect(hostAllowed('contoso-my.sharepoint.com', p)).toBe(true);
    expect(hostAllowed('CONTOSO.SharePoint.com.', p)).toBe(true);
    expect(hostAllowed('files.example.org', p)).toBe(true);
    expect(hostAllowed('sharepoint.com', p)).toBe(false);
    expect(hostAllowed('evilsharepoint.com', p)).toBe(false);
    expect(hostAllowed('contoso.sharepoint.com.evil.net', p)).toBe(false);
    expect(hostAllowed('x.files.example.org', p)).toBe(false);
  });
});

// Handlers never chain on res.writeHead(): restify, loaded by other suites in the same jest
// worker, replaces ServerResponse#writeHead with one that returns nothing.
describe('local mode: plain http to exact loopback only', () => {
  let origin: Served;
  let elsewhere: Served;
  const fetcher = () => new HttpFileFetcher({ maxBytes: 1024, allowLoopbackHttp: true, allowedHosts: ['*.sharepoint.com'] });

  beforeAll(async () => {
    elsewhere = await serve('127.0.0.2', (_req, res) => res.end(CSV));
    origin = await serve('127.0.0.1', (req, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname === '/users.csv') return void res.end(CSV);
      if (u.pathname === '/to-other-loopback') return void (res.writeHead(302, { location: `${elsewhere.base}/users.csv` }), res.end());
      if (u.pathname === '/chain') {
        const n = Number(u.searchParams.get('n'));
        return void (res.writeHead(n > 0 ? 307 : 200, n > 0 ? { location: `/chain?n=${n - 1}` } : {}), res.end(n > 0 ? '' : CSV));
      }
      if (u.pathname === '/declared-big') return void (res.writeHead(200, { 'content-length': '5000' }), res.end(Buffer.alloc(5000)));
      if (u.pathname === '/streamed-big') {
        res.writeHead(200); // chunked: no length announced
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(300, 'a'));
        return void res.end();
      }
      res.writeHead(404);
      res.end();
    });
  });
  afterAll(async () => {
    await origin?.close();
    await elsewhere?.close();
  });

  it('downloads from 127.0.0.1 and localhost', async () => {
    expect((await fetcher().fetch(file(`${origin.base}/users.csv`))).toString()).toBe(CSV);
    expect((await fetcher().fetch(file(`http://localhost:${origin.port}/users.csv`))).toString()).toBe(CSV);
  });

  it('refuses a redirect to another loopback address, and no connection reaches it', async () => {
    const before = elsewhere.connections;
    expect(await refusal(fetcher().fetch(file(`${origin.base}/to-other-loopback`)))).toMatch(/only over https.*a redirect pointed to http:\/\/127\.0\.0\.2/);
    expect(await refusal(fetcher().fetch(file(`${elsewhere.base}/users.csv`)))).toMatch(/only over https/);
    expect(elsewhere.connections).toBe(before);
    expect(elsewhere.connections).toBe(0);
  });

  it('follows at most 3 redirects', async () => {
    expect((await fetcher().fetch(file(`${origin.base}/chain?n=3`))).toString()).toBe(CSV);
    expect(await refusal(fetcher().fetch(file(`${origin.base}/chain?n=4`)))).toMatch(/redirected more than 3 times/);
  });

  it('caps the size, announced or streamed', async () => {
    expect(await refusal(fetcher().fetch(file(`${origin.base}/declared-big`)))).toMatch(/larger than 1 KB/);
    expect(await refusal(fetcher().fetch(file(`${origin.base}/streamed-big`)))).toMatch(/larger than 1 KB/);
  });

  it('production refuses plain http even to loopback', async () => {
    const prod = new HttpFileFetcher({ maxBytes: 1024, allowLoopbackHttp: false, allowedHosts: ['*.sharepoint.com'] });
    expect(await refusal(prod.fetch(file(`${origin.base}/users.csv`)))).toMatch(/only over https/);
  });
});

describe('production: https to Teams file hosts, resolved and checked here', () => {
  const calls: string[] = [];
  const resolver =
    (table: Record<string, string[]>) =>
    async (host: string): Promise<ResolvedAddress[]> => {
      calls.push(host);
      return (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const prod = (table: Record<string, string[]>) =>
    new HttpFileFetcher({ maxBytes: 4096, allowLoopbackHttp: false, allowedHosts: ['*.sharepoint.com'], resolve: resolver(table) });

  beforeEach(() => (calls.length = 0));

  it('refuses a host outside the list without even resolving it', async () => {
    expect(await refusal(prod({}).fetch(file('https://files.evil.example/users.csv')))).toMatch(
      /only from the hosts Teams hands files out from \(\*\.sharepoint\.com\).*files\.evil\.example.*CUTOVER_FILE_HOSTS/,
    );
    expect(await refusal(prod({}).fetch(file('https://169.254.169.254/latest/meta-data/')))).toMatch(/only from the hosts/);
    expect(await refusal(prod({}).fetch(file('https://[::1]/x')))).toMatch(/only from the hosts/);
    expect(await refusal(prod({}).fetch(file('https://user:pw@contoso.sharepoint.com/x')))).toMatch(/carries credentials/);
    expect(await refusal(prod({}).fetch(file('file:///etc/passwd')))).toMatch(/only over https/);
    expect(calls).toEqual([]);
  });

  it.each([['10.0.0.5'], ['169.254.169.254'], ['::ffff:127.0.0.1'], ['fd00::5'], ['100.64.1.1'], ['13.107.136.10', '192.168.0.9']])(
    'refuses a listed name that resolves to %s',
    async (...addresses: string[]) => {
      expect(await refusal(prod({ 'contoso.sharepoint.com': addresses }).fetch(file('https://contoso.sharepoint.com/users.csv')))).toMatch(
        /resolves to .*an internal address/,
      );
    },
  );

  it('a name lookup that never answers ends at the download deadline', async () => {
    const f = new HttpFileFetcher({
      maxBytes: 4096,
      timeoutMs: 200,
      allowLoopbackHttp: false,
      allowedHosts: ['*.sharepoint.com'],
      resolve: () => new Promise(() => undefined),
    });
    const started = Date.now();
    expect(await refusal(f.fetch(file('https://contoso.sharepoint.com/users.csv')))).toMatch(/took too long/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a name that does not resolve', async () => {
    expect(await refusal(prod({}).fetch(file('https://nowhere.sharepoint.com/users.csv')))).toMatch(/could not be resolved/);
  });
});

describe('https end to end (a test certificate for contoso.sharepoint.com on loopback)', () => {
  let dir: string;
  let tls: { key: string; cert: string };
  let site: Served;
  let other: Served;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetcher-'));
    const made = selfSignedCertificate(dir, 'contoso.sharepoint.com', 'DNS:contoso.sharepoint.com,DNS:contoso-my.sharepoint.com,DNS:evil.example');
    tls = { key: made.key, cert: made.cert };
    other = await serve('127.0.0.2', (_req, res) => res.end('not for you'), tls);
    site = await serve(
      '127.0.0.1',
      (req, res) => {
        if (req.url === '/users.csv') return void res.end(CSV);
        if (req.url === '/to-my') return void (res.writeHead(302, { location: `https://contoso-my.sharepoint.com:${site.port}/users.csv` }), res.end());
        if (req.url === '/to-evil') return void (res.writeHead(302, { location: `https://evil.example:${other.port}/users.csv` }), res.end());
        if (req.url === '/to-rebound') return void (res.writeHead(302, { location: `https://rebound.sharepoint.com:${other.port}/users.csv` }), res.end());
        if (req.url === '/to-http') return void (res.writeHead(302, { location: `http://127.0.0.1:${site.port}/users.csv` }), res.end());
        res.writeHead(404);
        res.end();
      },
      tls,
    );
  });
  afterAll(async () => {
    await site?.close();
    await other?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Loopback stands in for SharePoint's public address: the test widens the policy to 127.0.0.1 only.
  const fetcher = (table: Record<string, string[]>, calls: string[] = [], allowLoopbackHttp = false) =>
    new HttpFileFetcher({
      maxBytes: 4096,
      allowLoopbackHttp,
      allowedHosts: ['*.sharepoint.com'],
      ca: tls.cert,
      addressAllowed: (a) => a === '127.0.0.1',
      resolve: async (host) => {
        calls.push(host);
        return (table[host] ?? []).map((address) => ({ address, family: 4 as const }));
      },
    });

  it('downloads over https with the name in SNI and Host, and follows a redirect to another SharePoint host', async () => {
    const calls: string[] = [];
    const f = fetcher({ 'contoso.sharepoint.com': ['127.0.0.1'], 'contoso-my.sharepoint.com': ['127.0.0.1'] }, calls);
    expect((await f.fetch(file(`https://contoso.sharepoint.com:${site.port}/users.csv`))).toString()).toBe(CSV);
    expect(site.hosts.at(-1)).toBe(`contoso.sharepoint.com:${site.port}|contoso.sharepoint.com`);
    expect((await f.fetch(file(`https://contoso.sharepoint.com:${site.port}/to-my`))).toString()).toBe(CSV);
    expect(site.hosts.at(-1)).toBe(`contoso-my.sharepoint.com:${site.port}|contoso-my.sharepoint.com`);
    expect(calls).toEqual(['contoso.sharepoint.com', 'contoso.sharepoint.com', 'contoso-my.sharepoint.com']);
  });

  it('connects to the address it checked: the name is resolved once per hop, never again by the socket', async () => {
    let n = 0;
    const f = new HttpFileFetcher({
      maxBytes: 4096,
      allowLoopbackHttp: false,
      allowedHosts: ['*.sharepoint.com'],
      ca: tls.cert,
      addressAllowed: (a) => a === '127.0.0.1',
      // A rebinding resolver: the checked answer first, then the address it wants reached.
      resolve: async () => [{ address: n++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }],
    });
    const before = other.connections;
    expect((await f.fetch(file(`https://contoso.sharepoint.com:${site.port}/users.csv`))).toString()).toBe(CSV);
    expect(n).toBe(1);
    expect(other.connections).toBe(before);
  });

  it('refuses redirects off the list, to an internal address, or down to http; nothing reaches the other server', async () => {
    const f = fetcher({ 'contoso.sharepoint.com': ['127.0.0.1'], 'rebound.sharepoint.com': ['127.0.0.2'], 'evil.example': ['127.0.0.2'] }, [], true);
    const url = (p: string) => file(`https://contoso.sharepoint.com:${site.port}${p}`);
    expect(await refusal(f.fetch(url('/to-evil')))).toMatch(/a redirect pointed to evil\.example/);
    expect(await refusal(f.fetch(url('/to-rebound')))).toMatch(/rebound\.sharepoint\.com:\d+ resolves to 127\.0\.0\.2, an internal address/);
    expect(await refusal(f.fetch(url('/to-http')))).toMatch(/from https to http:/);
    expect(other.connections).toBe(0);
  });

  it('an untrusted certificate fails the download', async () => {
    const f = new HttpFileFetcher({
      maxBytes: 4096,
      allowLoopbackHttp: false,
      allowedHosts: ['*.sharepoint.com'],
      addressAllowed: () => true,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(await refusal(f.fetch(file(`https://contoso.sharepoint.com:${site.port}/users.csv`)))).toMatch(/failed; attach it again/);
  });
});
