import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { KeyValueStore, mutate } from '../ports/store';
import { open, seal } from '../lib/seal';
import type { Actor } from './auditLog';

/**
 * Short-lived files (reports, error lists) handed to admins as signed links:
 * `<baseUrl>/downloads/<id>?exp=<unix seconds>&sig=<HMAC-SHA256(id.exp), base64url>`.
 * The link is the credential, so it expires (24 h by default) and the body is stored
 * sealed with a key derived from the HMAC secret. Route registration lives elsewhere;
 * it should answer bad-signature and not-found alike (404) and expired with 410.
 */
export interface DownloadFile {
  fileName: string;
  contentType: string;
  body: Buffer;
}

export type ResolveResult = DownloadFile | { error: 'expired' | 'bad-signature' | 'not-found' };

interface DownloadRecord {
  fileName: string;
  contentType: string;
  sealedBody: string;
  exp: number;
  createdAt: string;
  createdBy: Actor;
}

interface DownloadIndex {
  ids: Record<string, number>; // id → exp
}

const PREFIX = 'download/';
const INDEX_KEY = `${PREFIX}index`;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export class Downloads {
  private readonly sealKey: Buffer;
  private readonly base: string;

  constructor(
    private readonly store: KeyValueStore,
    private readonly secret: Buffer,
    private readonly clock: Clock,
    baseUrl: string,
  ) {
    if (!Buffer.isBuffer(secret) || secret.length < 32) throw new Error('Downloads needs an HMAC secret of at least 32 bytes.');
    const url = new URL(baseUrl); // throws on a malformed base URL at startup, not at first download
    this.base = url.toString().replace(/\/+$/, '');
    // A separate key for sealing, so the signing secret is never used for two purposes.
    this.sealKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'cutover downloads at rest v1', 32));
  }

  async create(input: {
    fileName: string;
    contentType: string;
    body: Buffer | string;
    ttlMs?: number;
    createdBy: Actor;
  }): Promise<string> {
    const ttlMs = input.ttlMs ?? 24 * 60 * 60_000;
    if (!(ttlMs > 0)) throw new Error('A download link needs a positive lifetime.');
    const id = randomBytes(16).toString('base64url');
    const now = this.clock.now();
    const exp = Math.ceil((now.getTime() + ttlMs) / 1000);
    const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
    const record: DownloadRecord = {
      fileName: safeFileName(input.fileName),
      contentType: input.contentType || 'application/octet-stream',
      sealedBody: seal(body, this.sealKey, aadFor(id)),
      exp,
      createdAt: now.toISOString(),
      createdBy: { ...input.createdBy },
    };
    await this.store.write({ [PREFIX + id]: record });
    await mutate<DownloadIndex>(this.store, INDEX_KEY, (cur) => ({ ids: { ...(cur?.ids ?? {}), [id]: exp } }));
    return `${this.base}/downloads/${id}?exp=${exp}&sig=${this.sign(id, exp)}`;
  }

  async resolve(id: string, exp: string | number, sig: string): Promise<ResolveResult> {
    const expText = String(exp ?? '');
    // The signature is checked first, so an unsigned request learns nothing about what exists.
    if (typeof id !== 'string' || !ID_PATTERN.test(id) || !/^\d{1,12}$/.test(expText)) return { error: 'bad-signature' };
    const expected = Buffer.from(this.sign(id, Number(expText)));
    const given = Buffer.from(typeof sig === 'string' ? sig : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'bad-signature' };
    if (this.clock.now().getTime() >= Number(expText) * 1000) return { error: 'expired' };
    const key = PREFIX + id;
    const found = (await this.store.read([key]))[key] as DownloadRecord | undefined;
    if (!found || found.exp !== Number(expText)) return { error: 'not-found' };
    return { fileName: found.fileName, contentType: found.contentType, body: open(found.sealedBody, this.sealKey, aadFor(id)) };
  }

  /** Deletes expired files. Call it on a timer; returns how many it removed. */
  async sweepExpired(): Promise<number> {
    const index = (await this.store.read([INDEX_KEY]))[INDEX_KEY] as DownloadIndex | undefined;
    if (!index) return 0;
    const nowSec = this.clock.now().getTime() / 1000;
    const expired = Object.entries(index.ids)
      .filter(([, exp]) => exp <= nowSec)
      .map(([id]) => id);
    if (expired.length === 0) return 0;
    await this.store.delete(expired.map((id) => PREFIX + id));
    await mutate<DownloadIndex>(this.store, INDEX_KEY, (cur) => {
      if (!cur) return undefined;
      const ids = { ...cur.ids };
      for (const id of expired) delete ids[id];
      // Never delete the index: deletes are unconditional and could drop a concurrent create.
      return { ids };
    });
    return expired.length;
  }

  private sign(id: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`download:${id}.${exp}`).digest('base64url');
  }
}

function aadFor(id: string): string {
  return `cutover:download:${id}`;
}

/** A name safe for Content-Disposition: no path, no quotes or control characters. */
function safeFileName(name: string): string {
  const base = String(name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 150);
  return clean || 'download';
}
