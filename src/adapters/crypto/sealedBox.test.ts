import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOrCreateKeyFile, open, parseKey, seal, SealedBoxError } from './sealedBox';

const csv = Buffer.from('EmailAddress,UserName,Password\nann@contoso.com,ann,Hunter2-Secret!\n');

describe('sealedBox', () => {
  const key = randomBytes(32);

  it('round-trips, with and without aad, and never shows the plaintext', () => {
    const sealed = seal(csv, key, 'pending-batch:p1');
    expect(sealed).toMatch(/^cb1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('Hunter2');
    expect(Buffer.from(sealed.slice(4), 'base64url').includes('Hunter2')).toBe(false);
    expect(open(sealed, key, 'pending-batch:p1').equals(csv)).toBe(true);
    expect(open(seal(csv, key), key).equals(csv)).toBe(true);
    expect(open(seal(Buffer.alloc(0), key), key).length).toBe(0);
  });

  it('uses a fresh IV each time', () => {
    expect(seal(csv, key)).not.toBe(seal(csv, key));
  });

  it('fails loudly on a flipped bit, a wrong key, a different aad, truncation or an unknown version', () => {
    const sealed = seal(csv, key, 'a');
    const raw = Buffer.from(sealed.slice(4), 'base64url');
    for (const at of [0, 13, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at] ^= 1;
      expect(() => open('cb1.' + bad.toString('base64url'), key, 'a')).toThrow(SealedBoxError);
    }
    expect(() => open(sealed, randomBytes(32), 'a')).toThrow(/failed authentication/);
    expect(() => open(sealed, key, 'b')).toThrow(/failed authentication/);
    expect(() => open(sealed, key)).toThrow(/failed authentication/);
    expect(() => open(sealed.slice(0, 20), key, 'a')).toThrow(/truncated/);
    expect(() => open('cb9.' + sealed.slice(4), key, 'a')).toThrow(/unknown format/);
    expect(() => seal(csv, Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  describe('parseKey', () => {
    it('accepts 32 bytes in base64 or base64url', () => {
      const k = randomBytes(32);
      expect(parseKey(k.toString('base64')).equals(k)).toBe(true);
      expect(parseKey(` ${k.toString('base64url')}\n`).equals(k)).toBe(true);
    });

    it('names CUTOVER_ENCRYPTION_KEY and never echoes the value', () => {
      const short = randomBytes(16).toString('base64');
      expect(() => parseKey(short)).toThrow(/CUTOVER_ENCRYPTION_KEY decodes to 16 bytes; it must be exactly 32/);
      try {
        parseKey(short);
      } catch (err) {
        expect((err as Error).message).not.toContain(short);
      }
      expect(() => parseKey('')).toThrow(/CUTOVER_ENCRYPTION_KEY is empty/);
      expect(() => parseKey('not base64!!')).toThrow(/CUTOVER_ENCRYPTION_KEY is not base64/);
    });
  });

  describe('loadOrCreateKeyFile', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-key-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('creates a 32-byte key with mode 0600 and returns the same key afterwards', () => {
      const file = path.join(dir, 'keys', 'cutover.key');
      const first = loadOrCreateKeyFile(file);
      expect(first.length).toBe(32);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(loadOrCreateKeyFile(file).equals(first)).toBe(true);
    });

    it('refuses a key file that group or others can read, with the fix in the message', () => {
      const file = path.join(dir, 'cutover.key');
      loadOrCreateKeyFile(file);
      fs.chmodSync(file, 0o644);
      expect(() => loadOrCreateKeyFile(file)).toThrow(`Encryption key file ${file} is readable by group or others (mode 0644); run: chmod 600 ${file}`);
    });

    it('refuses a damaged key file instead of silently making a new key', () => {
      const file = path.join(dir, 'cutover.key');
      fs.writeFileSync(file, 'short\n', { mode: 0o600 });
      expect(() => loadOrCreateKeyFile(file)).toThrow(/does not hold 32 bytes/);
      expect(fs.readFileSync(file, 'utf8')).toBe('short\n');
    });
  });
});
