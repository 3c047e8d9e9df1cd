// Azure Blob Storage (or Azurite) behind the KeyValueStore port, for running several bot
// instances on shared state. One block blob per key, holding the item's JSON without its eTag;
// the blob's own ETag is the item's eTag, so a conditional write is an If-Match upload and
// Azure settles races between instances (412 becomes a StoreConflictError).
// Blob names and bodies are those botbuilder-azure-blobs wrote (the URL-encoded key, the item
// as JSON), so state written before this adapter stays readable.

import { createHash } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { ContainerClient, RestError } from '@azure/storage-blob';
import { KeyValueStore, StoreConflictError, StoreItems } from '../../ports/store';

// Azure's limit on a blob name is 1,024 characters.
const MAX_NAME = 1024;

/** The blob that holds `key`: URL-encoded (no folders), hashed when too long for a blob name. */
export function blobNameFor(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('A store key must be a non-empty string.');
  let name = encodeURIComponent(key);
  // Azure advises against names ending in a dot; encodeURIComponent leaves dots as they are.
  name = name.replace(/\.+$/, (dots) => dots.replace(/\./g, '%2E'));
  if (name.length > MAX_NAME) name = `${name.slice(0, 900)}~${createHash('sha256').update(key).digest('hex')}`;
  return name;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof RestError ? err.statusCode : (err as { statusCode?: number } | null)?.statusCode;
}

export class BlobStore implements KeyValueStore {
  private readonly container: ContainerClient;
  private ready: Promise<unknown> | undefined;

  constructor(connectionString: string, containerName: string) {
    if (!connectionString) throw new Error('BlobStore needs a storage connection string.');
    if (!containerName) throw new Error('BlobStore needs a container name.');
    this.container = new ContainerClient(connectionString, containerName);
  }

  // Protects against JSON.stringify walking into the client (and its credential).
  toJSON(): object {
    return { name: 'BlobStore' };
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!Array.isArray(keys)) throw new TypeError('Keys are required when reading.');
    await this.initialize();
    const result: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        let body: string;
        let eTag: string | undefined;
        try {
          const res = await this.container.getBlobClient(blobNameFor(key)).download();
          if (!res.readableStreamBody) return;
          body = await text(res.readableStreamBody);
          eTag = res.etag;
        } catch (err) {
          if (statusOf(err) === 404) return;
          throw err;
        }
        result[key] = { ...(JSON.parse(body) as object), eTag };
      }),
    );
    return result;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes || typeof changes !== 'object') throw new TypeError('Changes are required when writing.');
    await this.initialize();
    await Promise.all(
      Object.entries(changes).map(async ([key, item]) => {
        const { eTag, ...value } = (item ?? {}) as { eTag?: unknown; [k: string]: unknown };
        const conditional = typeof eTag === 'string' && eTag !== '*' && eTag !== '';
        const body = JSON.stringify(value);
        try {
          await this.container.getBlockBlobClient(blobNameFor(key)).upload(body, Buffer.byteLength(body), {
            conditions: conditional ? { ifMatch: eTag as string } : {},
            blobHTTPHeaders: { blobContentType: 'application/json' },
          });
        } catch (err) {
          // 412: changed since it was read. 404 on a conditional write: deleted since (or never there).
          const status = statusOf(err);
          if (conditional && (status === 412 || status === 404)) throw new StoreConflictError(key);
          throw err;
        }
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new TypeError('Keys are required when deleting.');
    await this.initialize();
    await Promise.all(keys.map((key) => this.container.getBlobClient(blobNameFor(key)).deleteIfExists()));
  }

  /** Creates the container once per instance; a failure is tried again on the next call. */
  private initialize(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}
