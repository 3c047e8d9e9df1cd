import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { KeyValueStore, mutate } from '../ports/store';
import { open, seal } from '../lib/seal';
import type { Actor } from './auditLog';

/**
 * Short-lived files (reports, error lists) for the admin who asked, two ways:
 * - a file offered on a Teams file consent card waits here (stash) until the admin accepts,
 *   declines or 15 minutes pass; claim() hands it out once, to that admin only;
 * - where Teams cannot take files (local mode, the Agents Playground), a signed link:
 *   `<baseUrl>/downloads/<id>?exp=<unix seconds>&sig=<HMAC-SHA256(id.exp), base64url>`.
 *   The link is the credential, so it lives at most 15 minutes.
 * Either way the body is stored sealed with a key derived from the HMAC secret, never in clear.
 * Route registration lives elsewhere; it answers bad-signature and not-found alike (404) and expired with 410.
 */
export const MAX_FILE_TTL_MS = 15 * 60_000;

export interface DownloadFile {
  fileName: string;
  contentType: string;
  body: Buffer;
}

export type ResolveResult = DownloadFile | { error: 'expired' | 'bad-signature' | 'not-found' };
export type ClaimResult = DownloadFile | { error: 'expired' | 'not-found' | 'someone-else' };

interface DownloadRecord {
  fileName: string;
  contentType: string;
  sealedBody: string;
  exp: number;
  createdAt: string;
  createdBy: Actor;
  /** 'offer': waits for a file consent answer and is never served as a link. */
  kind?: 'link' | 'offer';
}

interface DownloadIndex {
  ids: Record<string, number>; // id → exp
}

const PREFIX = 'download/';
const INDEX_KEY = `${PREFIX}index`;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface FileInput {
  fileName: string;
  contentType: string;
  body: Buffer | string;
  /** Capped at 15 minutes. */
  ttlMs?: number;
  createdBy: Actor;
}

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

  /** A signed link to the file, valid for ttlMs (at most, and by default, 15 minutes). */
  async create(input: FileInput): Promise<string> {
    const { id, exp } = await this.put(input, 'link');
    return `${this.base}/downloads/${id}?exp=${exp}&sig=${this.sign(id, exp)}`;
  }

  /** Keeps a file offered on a file consent card (sealed, at most 15 minutes); returns its id for the card's context. */
  async stash(input: FileInput): Promise<string> {
    return (await this.put(input, 'offer')).id;
  }

  /** The offered file, once, for the person it was offered to; it is gone afterwards. */
  async claim(id: string, by: { id: string }): Promise<ClaimResult> {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) return { error: 'not-found' };
    const key = PREFIX + id;
    const found = (await this.store.read([key]))[key] as DownloadRecord | undefined;
    if (!found || found.kind !== 'offer') return { error: 'not-found' };
    if (found.createdBy.id !== by.id) return { error: 'someone-else' };
    await this.store.delete([key]);
    if (this.clock.now().getTime() >= found.exp * 1000) return { error: 'expired' };
    return { fileName: found.fileName, contentType: found.contentType, body: open(found.sealedBody, this.sealKey, aadFor(id)) };
  }

  /** The offer was declined: the file goes now, not at expiry. Only its owner can do that. */
  async discard(id: string, by: { id: string }): Promise<boolean> {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) return false;
    const key = PREFIX + id;
    const found = (await this.store.read([key]))[key] as DownloadRecord | undefined;
    if (!found || found.kind !== 'offer' || found.createdBy.id !== by.id) return false;
    await this.store.delete([key]);
    return true;
  }

  private async put(input: FileInput, kind: 'link' | 'offer'): Promise<{ id: string; exp: number }> {
    const ttlMs = Math.min(input.ttlMs ?? MAX_FILE_TTL_MS, MAX_FILE_TTL_MS);
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
      kind,
    };
    await this.store.write({ [PREFIX + id]: record });
    await mutate<DownloadIndex>(this.store, INDEX_KEY, (cur) => ({ ids: { ...(cur?.ids ?? {}), [id]: exp } }));
    return { id, exp };
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
    if (!found || found.exp !== Number(expText) || found.kind === 'offer') return { error: 'not-found' };
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
  const base =
    String(name ?? '')
      .split(/[\\/]/)
      .pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 150);
  return clean || 'download';
}
