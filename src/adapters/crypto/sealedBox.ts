import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Secrets at rest: AES-256-GCM with a random 12-byte IV.
 * Sealed form: "cb1." + base64url(iv ‖ tag ‖ ciphertext). The version prefix lets a
 * later format or key rotation coexist with stored data.
 * `aad` binds a sealed value to its context (e.g. the pending batch id), so a sealed
 * value copied to another record does not open there.
 */
const VERSION = 'cb1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const KEY_SETTING = 'CUTOVER_ENCRYPTION_KEY';

export class SealedBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedBoxError';
  }
}

export function seal(plaintext: Buffer, key: Buffer, aad?: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

export function open(sealed: string, key: Buffer, aad?: string): Buffer {
  checkKey(key);
  if (typeof sealed !== 'string' || !sealed.startsWith(VERSION)) {
    throw new SealedBoxError('Sealed data has an unknown format (expected version cb1).');
  }
  const body = sealed.slice(VERSION.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new SealedBoxError('Sealed data is not valid base64url.');
  const raw = Buffer.from(body, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedBoxError('Sealed data is truncated.');
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // OpenSSL's text ("Unsupported state or unable to authenticate data") says nothing useful.
    throw new SealedBoxError(
      'Sealed data failed authentication: it was altered, belongs to another record, or the encryption key changed.',
    );
  }
}

/**
 * The key from configuration (CUTOVER_ENCRYPTION_KEY): 32 random bytes in base64 or
 * base64url. The error never quotes the value.
 */
export function parseKey(base64: string): Buffer {
  const text = (base64 ?? '').trim();
  const hint = `generate one with: openssl rand -base64 ${KEY_BYTES}`;
  if (!text) throw new Error(`${KEY_SETTING} is empty; it must be ${KEY_BYTES} random bytes in base64 (${hint}).`);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new Error(`${KEY_SETTING} is not base64; it must be ${KEY_BYTES} random bytes in base64 (${hint}).`);
  }
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `${KEY_SETTING} decodes to ${key.length} bytes; it must be exactly ${KEY_BYTES} random bytes in base64 (${hint}).`,
    );
  }
  return key;
}

/**
 * The key kept in a local file (single-instance deployments): created on first use with
 * 32 random bytes (written as base64) and mode 0600; refused if group or others can read it.
 */
export function loadOrCreateKeyFile(file: string): Buffer {
  try {
    return readKeyFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    // Another process created it between our read and open: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file);
    throw err;
  }
  try {
    fs.writeSync(fd, key.toString('base64') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return key;
}

function readKeyFile(file: string): Buffer {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error(`Encryption key file ${file} is not a regular file.`);
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(
      `Encryption key file ${file} is readable by group or others (mode ${mode}); run: chmod 600 ${file}`,
    );
  }
  const content = fs.readFileSync(file, 'utf8').trim();
  try {
    return parseKey(content);
  } catch {
    throw new Error(
      `Encryption key file ${file} does not hold ${KEY_BYTES} bytes in base64; restore it from backup (sealed data cannot be read without it).`,
    );
  }
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new SealedBoxError(`Encryption key must be ${KEY_BYTES} bytes.`);
  }
}
