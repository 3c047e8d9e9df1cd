// Writes Maildir++ (or LAYOUT=fs) mailboxes straight to disk, deterministically from a seed,
// and returns what a correct scan must find. Writing files is 10-15x faster than APPEND and
// lets us hit exact byte sizes (CRLF content, so the file size is RFC822.SIZE).
// Populate only before Dovecot starts or while the user has no open session.

import fs from 'node:fs';
import path from 'node:path';

export interface FixtureFolder {
  /** Logical path with '/' between levels, e.g. 'Projects/Équipe Zürich'. 'INBOX' is the inbox. */
  name: string;
  /** Number of generated messages (sizes drawn from the seed). */
  messages?: number;
  /** Exact sizes of extra messages, appended after the generated ones (at-threshold cases). */
  sizes?: number[];
  /** Draw generated sizes from [min, max] instead of the default mix. */
  sizeRange?: [number, number];
}

export interface FixtureUser {
  login: string;
  password: string;
  folders: FixtureFolder[];
  seed?: number;
}

export interface ExpectedFolder {
  name: string;
  count: number;
  bytes: number;
  sizes: number[];
}

export interface ExpectedMailbox {
  login: string;
  folders: ExpectedFolder[];
  count: number;
  bytes: number;
}

/** Messages strictly larger than `limit` (IMAP SEARCH LARGER semantics), as folder + size. */
export function expectedOversize(mailbox: ExpectedMailbox, limit: number): { folder: string; size: number }[] {
  const out: { folder: string; size: number }[] = [];
  for (const f of mailbox.folders) for (const s of f.sizes) if (s > limit) out.push({ folder: f.name, size: s });
  return out.sort((a, b) => a.folder.localeCompare(b.folder) || a.size - b.size);
}

/** IMAP modified UTF-7 (RFC 3501 5.1.3) for one path segment. */
export function encodeModifiedUtf7(segment: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += '&' + utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = '';
  };
  for (const ch of segment) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0x20 && code <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Size mix close to real mailboxes (see the reference): mostly small, a few large.
function drawSize(rand: () => number, range?: [number, number]): number {
  if (range) return range[0] + Math.floor(rand() * (range[1] - range[0] + 1));
  const r = rand();
  if (r < 0.6) return 1500 + Math.floor(rand() * 8000);
  if (r < 0.9) return 10_000 + Math.floor(rand() * 60_000);
  return 70_000 + Math.floor(rand() * 200_000);
}

const BASE_TIME = Date.UTC(2024, 0, 1) / 1000;
const LINE = Buffer.from('x'.repeat(78) + '\r\n');

/** One RFC 5322 message of exactly `size` bytes, CRLF throughout. */
export function buildMessage(size: number, fields: { subject: string; from: string; to: string; date: Date; id: string }): Buffer {
  const header = Buffer.from(
    `From: ${fields.from}\r\nTo: ${fields.to}\r\nSubject: ${fields.subject}\r\nDate: ${fields.date.toUTCString().replace('GMT', '+0000')}\r\n` +
      `Message-ID: <${fields.id}@fixture.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`,
    'latin1',
  );
  if (size < header.length) throw new Error(`buildMessage: ${size} bytes is smaller than the ${header.length}-byte header`);
  const buf = Buffer.allocUnsafe(size);
  header.copy(buf, 0);
  if (size > header.length) buf.fill(LINE, header.length);
  // The last partial line is plain 'x' without CRLF, so no bare CR can end the message.
  const tail = (size - header.length) % LINE.length;
  if (tail) buf.fill(0x78, size - tail);
  return buf;
}

function folderDir(root: string, name: string, layoutFs: boolean): string {
  if (name.toUpperCase() === 'INBOX') return root;
  const segs = name.split('/').map(encodeModifiedUtf7);
  return layoutFs ? path.join(root, ...segs) : path.join(root, '.' + segs.join('.'));
}

/**
 * Writes one user's mailbox under `mailRoot/<login>` and returns the expected scan result.
 * Folder names must be storable in the chosen layout ('.' in a name needs layoutFs).
 */
export function writeMailbox(mailRoot: string, user: FixtureUser, opts: { layoutFs?: boolean } = {}): ExpectedMailbox {
  const layoutFs = opts.layoutFs ?? false;
  const root = path.join(mailRoot, user.login);
  const rand = prng(user.seed ?? hashString(user.login));
  const expected: ExpectedMailbox = { login: user.login, folders: [], count: 0, bytes: 0 };
  let seq = 0;
  const folders = user.folders.some((f) => f.name.toUpperCase() === 'INBOX') ? user.folders : [{ name: 'INBOX' }, ...user.folders];
  for (const folder of folders) {
    const dir = folderDir(root, folder.name, layoutFs);
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    if (dir !== root && !layoutFs) fs.writeFileSync(path.join(dir, 'maildirfolder'), '');
    const sizes: number[] = [];
    for (let i = 0; i < (folder.messages ?? 0); i++) sizes.push(drawSize(rand, folder.sizeRange));
    sizes.push(...(folder.sizes ?? []));
    for (let i = 0; i < sizes.length; i++) {
      seq++;
      const t = BASE_TIME + seq * 3607;
      const date = new Date(t * 1000);
      const seen = rand() < 0.8;
      const msg = buildMessage(sizes[i], {
        subject: `Fixture ${folder.name} #${i + 1}`,
        from: `Sender ${seq % 97} <sender${seq % 97}@example.test>`,
        to: `${user.login} <${user.login.includes('@') ? user.login : user.login + '@example.test'}>`,
        date,
        id: `${user.login}.${seq}`,
      });
      const base = `${t}.M${seq}P1.fixture,S=${sizes[i]},W=${sizes[i]}`;
      const file = seen ? path.join(dir, 'cur', `${base}:2,S`) : path.join(dir, 'new', base);
      fs.writeFileSync(file, msg);
      fs.utimesSync(file, t, t); // mtime = INTERNALDATE
    }
    const bytes = sizes.reduce((a, b) => a + b, 0);
    expected.folders.push({ name: folder.name === 'inbox' ? 'INBOX' : folder.name, count: sizes.length, bytes, sizes });
    expected.count += sizes.length;
    expected.bytes += bytes;
  }
  // Subscriptions (v2): TAB separates hierarchy levels. Without it imapflow sends an extra LSUB.
  const subs = folders.map((f) => f.name.split('/').join('\t'));
  fs.writeFileSync(path.join(root, 'subscriptions'), `V\t2\n\n${subs.join('\n')}\n`);
  return expected;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
