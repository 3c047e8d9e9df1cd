import { BlobsStorage } from 'botbuilder-azure-blobs';
import { isConflict, KeyValueStore, StoreConflictError, StoreItems } from '../../ports/store';

/**
 * Azure Blob Storage (or Azurite) behind the KeyValueStore port, for running several
 * bot instances on shared state. botbuilder-azure-blobs does the work; this wrapper
 * only turns its plain-text eTag conflict into a typed StoreConflictError and keeps
 * botbuilder types out of the rest of the code.
 */
export class BlobStore implements KeyValueStore {
  private readonly blobs: BlobsStorage;

  constructor(connectionString: string, containerName: string) {
    if (!connectionString) throw new Error('BlobStore needs a storage connection string.');
    if (!containerName) throw new Error('BlobStore needs a container name.');
    this.blobs = new BlobsStorage(connectionString, containerName);
  }

  read(keys: string[]): Promise<StoreItems> {
    return this.blobs.read(keys);
  }

  async write(changes: StoreItems): Promise<void> {
    try {
      await this.blobs.write(changes);
    } catch (err) {
      if (err instanceof StoreConflictError || !isConflict(err)) throw err;
      const key = /writing "([\s\S]*)" due to/.exec((err as Error).message)?.[1] ?? '';
      throw new StoreConflictError(key);
    }
  }

  delete(keys: string[]): Promise<void> {
    return this.blobs.delete(keys);
  }
}
