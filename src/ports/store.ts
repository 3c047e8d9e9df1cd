/**
 * Key/value state store. Structurally the same as botbuilder's `Storage`, so a
 * teams-ai/botbuilder state layer can use any implementation directly, and
 * botbuilder's own storages fit here (through a thin wrapper that types the conflict).
 *
 * eTag semantics (botbuilder's):
 * - Items returned by `read` carry a fresh `eTag` string; a missing key is absent from the result.
 * - `write` of an item whose `eTag` is a string other than '*' succeeds only if the stored
 *   item exists and has exactly that eTag; otherwise it throws (see `isConflict`).
 * - `write` with no `eTag` (or '*') overwrites unconditionally (and creates).
 * - `delete` of a missing key is not an error.
 */
// The shape of botbuilder's Storage items: each owner reads its own fields, so the values stay open.
export interface StoreItem {
  eTag?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  [field: string]: any;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type StoreItems = Record<string, any>;

export interface KeyValueStore {
  read(keys: string[]): Promise<StoreItems>;
  write(changes: StoreItems): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

/** A conditional write lost: someone else changed the item since it was read. */
export class StoreConflictError extends Error {
  readonly code = 'StoreConflict';
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'StoreConflictError';
  }
}

// botbuilder's MemoryStorage (and the former botbuilder-azure-blobs) throw a plain Error with this text
// (no statusCode), so the message is all there is to match.
const BOTBUILDER_CONFLICT = /^Storage: error writing "[\s\S]*" due to eTag conflict\.$/;

export function isConflict(err: unknown): boolean {
  if (err instanceof StoreConflictError) return true;
  if (!(err instanceof Error)) return false;
  return BOTBUILDER_CONFLICT.test(err.message);
}

/** Returned by a `mutate` updater to remove the item. */
export const DELETE_ITEM = Symbol('delete-item');

/**
 * Read-modify-write one key with eTag check, retrying on conflict.
 * `update` receives the current item (without eTag) or undefined, and returns the new
 * value, `DELETE_ITEM`, or undefined to leave the item as it is.
 * Creating a missing key is unconditional (the Storage contract has no if-absent), so
 * callers that create must use keys nobody else creates at the same moment.
 */
export async function mutate<T extends object>(
  store: KeyValueStore,
  key: string,
  update: (current: T | undefined) => T | typeof DELETE_ITEM | undefined,
  options: { attempts?: number } = {},
): Promise<T | undefined> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const found = (await store.read([key]))[key] as (T & { eTag?: string }) | undefined;
    let current: T | undefined;
    let eTag: string | undefined;
    if (found) {
      const { eTag: tag, ...rest } = found;
      eTag = tag;
      current = rest as unknown as T;
    }
    const next = update(current);
    if (next === undefined) return current;
    try {
      if (next === DELETE_ITEM) {
        // Delete has no condition in this contract; good enough for tombstones and indexes.
        await store.delete([key]);
        return undefined;
      }
      await store.write({ [key]: eTag ? { ...next, eTag } : { ...next } });
      return next;
    } catch (err) {
      if (!isConflict(err) || attempt >= attempts) throw err;
      // Jittered back-off so racing writers spread out.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10 * attempt)));
    }
  }
}
