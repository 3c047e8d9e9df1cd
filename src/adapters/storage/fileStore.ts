import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyValueStore, StoreConflictError, StoreItems } from '../../ports/store';

const FILE_SUFFIX = '.json';
// Keep names well under the usual 255-byte file name limit.
const MAX_ENCODED_NAME = 180;

/**
 * One JSON file per key under `dir`, for a single-instance deployment.
 * Writes are atomic (temp file, fsync, rename) and serialized per key inside this
 * process (across FileStore instances too); eTags follow the KeyValueStore contract. Not safe for two processes
 * sharing one directory: use the blob store for scale-out.
 */
// Shared by every FileStore in this process, keyed by file, so two instances opened on
// the same directory still serialize their eTag checks.
const locks = new Map<string, Promise<void>>();
// The eTag of each file as this process last wrote it (set and cleared under the key's lock,
// never by an unlocked read, which could finish after a newer write). One process owns the
// directory (see above), so a conditional write is checked without reading the file again.
const etags = new Map<string, string>();

export class FileStore implements KeyValueStore {
  constructor(readonly dir: string) {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
    }
  }

  /** The file that holds `key`: URL-encoded, hashed when too long for a file name. */
  fileFor(key: string): string {
    let name = encodeURIComponent(key);
    // encodeURIComponent leaves '.', so "." and ".." need escaping to stay plain files.
    if (/^\.+$/.test(name)) name = name.replace(/\./g, '%2E');
    if (name.length > MAX_ENCODED_NAME) {
      const digest = createHash('sha256').update(key).digest('hex');
      name = `${name.slice(0, 100)}~${digest}`;
    }
    return path.join(this.dir, name + FILE_SUFFIX);
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!Array.isArray(keys)) throw new TypeError('Keys are required when reading.');
    const result: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const stored = await this.load(key);
        if (stored) result[key] = { ...stored.value, eTag: stored.eTag };
      }),
    );
    return result;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes || typeof changes !== 'object') throw new TypeError('Changes are required when writing.');
    await Promise.all(
      Object.entries(changes).map(([key, item]) =>
        this.withLock(key, async () => {
          const { eTag, ...value } = (item ?? {}) as { eTag?: unknown; [k: string]: unknown };
          const file = path.resolve(this.fileFor(key));
          if (typeof eTag === 'string' && eTag !== '*' && eTag !== '') {
            // Under the key's lock: what the cache holds is what the file holds.
            const current = etags.get(file) ?? (await this.load(key))?.eTag;
            if (current !== eTag) throw new StoreConflictError(key);
          }
          const record: StoredRecord = { key, eTag: newETag(), value };
          etags.delete(file);
          await this.writeAtomic(this.fileFor(key), JSON.stringify(record));
          etags.set(file, record.eTag);
        }),
      ),
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new TypeError('Keys are required when deleting.');
    await Promise.all(
      keys.map((key) =>
        this.withLock(key, async () => {
          etags.delete(path.resolve(this.fileFor(key)));
          try {
            await fs.promises.unlink(this.fileFor(key));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        }),
      ),
    );
  }

  private async load(key: string): Promise<StoredRecord | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.fileFor(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const record = JSON.parse(text) as StoredRecord;
    // A hashed file name could in theory collide; the stored key settles it.
    return record.key === key ? record : undefined;
  }

  private async writeAtomic(file: string, text: string): Promise<void> {
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.promises.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.promises.rename(temp, file);
    } catch (err) {
      await fs.promises.rm(temp, { force: true });
      throw err;
    }
    // Persist the rename itself, so a crash cannot bring back the old file.
    const dirHandle = await fs.promises.open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  private async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lockKey = path.resolve(this.fileFor(key));
    const previous = locks.get(lockKey) ?? Promise.resolve();
    const run = previous.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    locks.set(lockKey, settled);
    try {
      return await run;
    } finally {
      // Drop the entry when nobody queued behind us, so the map does not grow per key forever.
      if (locks.get(lockKey) === settled) locks.delete(lockKey);
    }
  }
}

interface StoredRecord {
  key: string;
  eTag: string;
  value: Record<string, unknown>;
}

function newETag(): string {
  return randomBytes(12).toString('base64url');
}
