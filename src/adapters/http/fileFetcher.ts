// Downloads a file a person attached in Teams, from the URL Teams gave for it, and from nowhere else:
// - production: https only, to the hosts Teams hands files out from (SharePoint/OneDrive:
//   `*.sharepoint.com` by default, CUTOVER_FILE_HOSTS for sovereign clouds);
// - local mode also: plain http to exactly 127.0.0.1, localhost or ::1.
// Before every connection (the first and each redirect, at most 3, followed by hand) the host
// name is resolved here and every address checked: loopback, private, link-local (cloud
// metadata), CGNAT, multicast, reserved and their IPv4-mapped forms are refused. The socket
// then goes to the checked address (a pinned lookup, so no second DNS answer can differ), while
// SNI, the certificate check and the Host header keep the name. No credentials are sent, the
// size is capped while streaming, and a slow server times out.

import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { FileFetchError, type FileFetcher, type IncomingFile } from '../../ports/fileFetcher';
import { formatBytes } from '../../domain/sizes';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to (the system resolver by default). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export interface FileFetcherOptions {
  maxBytes: number;
  timeoutMs?: number;
  /** Local mode: plain http to exactly 127.0.0.1, localhost or ::1 as well. */
  allowLoopbackHttp: boolean;
  /** Where https downloads may come from: "*.sharepoint.com" (any name under it) or an exact host name. */
  allowedHosts: readonly string[];
  /** Redirects followed, each checked like the first address. Default 3. */
  maxRedirects?: number;
  resolve?: Resolve;
  /** Which resolved addresses may be connected to over https; default: public unicast only. Tests widen it. */
  addressAllowed?: (address: string) => boolean;
  /** Extra trusted CA (PEM), for tests. */
  ca?: string;
}

/** Where Teams hands out attached files (personal-chat uploads land in the sender's OneDrive, channel files in the team's SharePoint site). */
export const TEAMS_FILE_HOSTS_COMMERCIAL = ['*.sharepoint.com'] as const;
/** The same for sovereign clouds: GCC High, DoD, 21Vianet, and the EU sovereign clouds. */
export const TEAMS_FILE_HOSTS_SOVEREIGN = [
  '*.sharepoint.us',
  '*.sharepoint-mil.us',
  '*.sharepoint.cn',
  '*.sovcloud-sharepoint.de',
  '*.sovcloud-sharepoint.fr',
] as const;

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Reads host patterns: "*.sharepoint.com" or ".sharepoint.com" (names under it), or "files.example.com" (that name).
 * Throws with the offending entry for anything else (schemes, paths, ports, a bare "*", IP addresses).
 */
export function parseHostPatterns(raw: string): string[] {
  const out: string[] = [];
  for (const entry of raw
    .split(/[,;\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    const name = entry.startsWith('*.') ? entry.slice(2) : entry.startsWith('.') ? entry.slice(1) : entry;
    const wildcard = name !== entry;
    if (!HOST_NAME.test(name) || isIP(name) || (wildcard && !name.includes('.'))) {
      throw new Error(`"${entry}" is not a host name or a *.domain pattern.`);
    }
    out.push(wildcard ? `*.${name}` : name);
  }
  return out;
}

export function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

// Everything that is not a public unicast address. BlockList also matches IPv4-mapped IPv6
// (::ffff:127.0.0.1, ::ffff:7f00:1) against the IPv4 rules.
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96], // NAT64: the IPv4 inside could be anything
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: the IPv4 inside could be anything
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 SIDs
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');
}
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** True for a public unicast address: nothing loopback, private, link-local, CGNAT, multicast, reserved or mapped to one. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  if (/%/.test(address)) return false; // zone ids only exist on link-local scopes
  if (NOT_PUBLIC.check(address, 'ipv6')) return false;
  // An IPv4-mapped address of a public IPv4 (::ffff:8.8.8.8) passed the IPv4 rules above.
  if (new URL(`http://[${address}]`).hostname.startsWith('[::ffff:')) return true;
  return GLOBAL_UNICAST_V6.check(address, 'ipv6');
}

const LOOPBACK_NAMES = new Map<string, string[]>([
  ['127.0.0.1', ['127.0.0.1']],
  ['[::1]', ['::1']],
  ['localhost', ['127.0.0.1', '::1']],
]);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const systemResolve: Resolve = async (hostname) => {
  const all = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

interface Hop {
  url: URL;
  /** The host name as the socket library wants it (IPv6 without brackets). */
  host: string;
  address: ResolvedAddress;
}

export class HttpFileFetcher implements FileFetcher {
  private readonly allowedHosts: readonly string[];

  constructor(private readonly options: FileFetcherOptions) {
    this.allowedHosts = options.allowedHosts.map((p) => p.toLowerCase());
  }

  private parse(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FileFetchError('The attachment has no valid download address, so Cutover did not open it.');
    }
    if (url.username || url.password) throw new FileFetchError('The attachment address carries credentials; Cutover refuses it.');
    return url;
  }

  /** Checks a URL and resolves its host once; the connection then goes to exactly this address. */
  private async admit(url: URL, first: boolean, signal: AbortSignal): Promise<Hop> {
    const where = `${url.protocol}//${url.host}`;
    const what = first ? 'the attachment address' : 'a redirect';
    if (url.protocol === 'http:') {
      const loopback = LOOPBACK_NAMES.get(url.hostname.toLowerCase());
      if (!this.options.allowLoopbackHttp || !loopback) {
        throw new FileFetchError(`Cutover downloads attachments only over https from the address Teams gives; ${what} pointed to ${where}.`);
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await this.lookup(host, where, signal);
      const ok = addresses.filter((a) => loopback.includes(a.address));
      if (ok.length === 0 || ok.length !== addresses.length)
        throw new FileFetchError(`${where} does not resolve to this machine's loopback address; Cutover did not open it.`);
      return { url, host, address: ok[0] };
    }
    if (url.protocol !== 'https:')
      throw new FileFetchError(`Cutover downloads attachments only over https from the address Teams gives (${what} is ${where}).`);
    const host = url.hostname.toLowerCase();
    if (isIP(host.replace(/^\[|\]$/g, '')) || !hostAllowed(host, this.allowedHosts)) {
      throw new FileFetchError(
        `Cutover downloads attachments only from the hosts Teams hands files out from (${this.allowedHosts.join(', ') || 'none configured'}); ${what} pointed to ${url.host}. ` +
          'If your tenant stores files elsewhere (a sovereign cloud), add its host to CUTOVER_FILE_HOSTS.',
      );
    }
    const addresses = await this.lookup(host, where, signal);
    const allowed = this.options.addressAllowed ?? isPublicAddress;
    const bad = addresses.find((a) => !allowed(a.address));
    if (bad) throw new FileFetchError(`${url.host} resolves to ${bad.address}, an internal address; Cutover does not download from there.`);
    return { url, host, address: addresses[0] };
  }

  private async lookup(host: string, where: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      // The download's deadline covers the name lookup too.
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      addresses = await Promise.race([(this.options.resolve ?? systemResolve)(host), aborted]);
    } catch {
      if (signal.aborted) throw new FileFetchError(`Looking up ${where} took too long; attach the file again.`);
      addresses = [];
    }
    if (addresses.length === 0) throw new FileFetchError(`${where} could not be resolved; attach the file again.`);
    return addresses;
  }

  /** One GET to the checked address; the response is handed back unread. */
  private request(hop: Hop, signal: AbortSignal): Promise<http.IncomingMessage> {
    const { address, family } = hop.address;
    // The socket asks for the name; it gets the address checked above, never a fresh answer.
    const pinned = ((_name: string, opts: dns.LookupOptions, cb: (err: NodeJS.ErrnoException | null, a: string | dns.LookupAddress[], f?: number) => void) => {
      if (opts?.all) cb(null, [{ address, family }]);
      else cb(null, address, family);
    }) as LookupFunction;
    const common: http.RequestOptions = {
      host: hop.host,
      port: hop.url.port || undefined,
      path: `${hop.url.pathname}${hop.url.search}`,
      method: 'GET',
      headers: { accept: 'text/csv, text/plain, application/octet-stream, */*' },
      agent: false,
      lookup: pinned,
      signal,
    };
    return new Promise((resolve, reject) => {
      const req =
        hop.url.protocol === 'https:' ? https.request({ ...common, servername: hop.host, ca: this.options.ca }, resolve) : http.request(common, resolve);
      req.on('error', reject);
      req.end();
    });
  }

  async fetch(file: IncomingFile): Promise<Buffer> {
    const maxRedirects = this.options.maxRedirects ?? 3;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 20_000);
    try {
      let url = this.parse(file.downloadUrl);
      for (let redirects = 0; ; redirects++) {
        const hop = await this.admit(url, redirects === 0, controller.signal);
        const res = await this.request(hop, controller.signal);
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          res.destroy();
          const location = res.headers.location;
          if (!location) throw new FileFetchError(`Teams did not hand over ${file.name} (HTTP ${status} without a Location). Attach it again.`);
          if (redirects >= maxRedirects)
            throw new FileFetchError(`Downloading ${file.name} was redirected more than ${maxRedirects} times; Cutover stopped. Attach it again.`);
          const next = this.parse(new URL(location, url).toString());
          if (url.protocol === 'https:' && next.protocol !== 'https:')
            throw new FileFetchError(`Downloading ${file.name} was redirected from https to ${next.protocol}//${next.host}; Cutover stopped.`);
          url = next;
          continue;
        }
        if (status < 200 || status > 299) {
          res.destroy();
          throw new FileFetchError(`Teams did not hand over ${file.name} (HTTP ${status}). Attach it again.`);
        }
        return await this.readCapped(file, res, controller);
      }
    } catch (err) {
      if (err instanceof FileFetchError) throw err;
      if (controller.signal.aborted) throw new FileFetchError(`Downloading ${file.name} took too long; attach it again.`);
      throw new FileFetchError(`Downloading ${file.name} failed; attach it again.`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readCapped(file: IncomingFile, res: http.IncomingMessage, controller: AbortController): Promise<Buffer> {
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.options.maxBytes) {
      res.destroy();
      throw this.tooBig(file, declared);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > this.options.maxBytes) {
        controller.abort();
        res.destroy();
        throw this.tooBig(file, total);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  private tooBig(file: IncomingFile, size: number): FileFetchError {
    return new FileFetchError(
      `${file.name} is larger than ${formatBytes(this.options.maxBytes)} (${formatBytes(size)}${size > this.options.maxBytes ? '+' : ''}); Exchange takes at most 10 MB and 50,000 rows per batch. Split it into several batches.`,
    );
  }
}
