import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

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
    throw new SealedBoxError('Sealed data failed authentication: it was altered, belongs to another record, or the encryption key changed.');
  }
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new SealedBoxError(`Encryption key must be ${KEY_BYTES} bytes.`);
  }
}
