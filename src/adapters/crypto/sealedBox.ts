import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEY_BYTES } from '../../lib/seal';

// Sealing itself (AES-256-GCM) is pure and lives in src/lib/seal.ts; this adapter finds the key.
export { KEY_BYTES, SealedBoxError, open, seal } from '../../lib/seal';
export const KEY_SETTING = 'CUTOVER_ENCRYPTION_KEY';

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
    throw new Error(`${KEY_SETTING} decodes to ${key.length} bytes; it must be exactly ${KEY_BYTES} random bytes in base64 (${hint}).`);
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
    throw new Error(`Encryption key file ${file} is readable by group or others (mode ${mode}); run: chmod 600 ${file}`);
  }
  const content = fs.readFileSync(file, 'utf8').trim();
  try {
    return parseKey(content);
  } catch {
    throw new Error(`Encryption key file ${file} does not hold ${KEY_BYTES} bytes in base64; restore it from backup (sealed data cannot be read without it).`);
  }
}
