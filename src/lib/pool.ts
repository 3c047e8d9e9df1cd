// Bounded concurrency: run `work` over `items` with at most `width` at a time, in input order
// of starting. One failing item does not stop the others; the first error is thrown once all
// have settled, so no work is left running behind the caller's back.

export interface PoolOptions {
  /** No new item starts once it aborts. */
  signal?: AbortSignal;
  /** Checked before each item: true starts no more (e.g. this instance lost the watcher's lease). */
  stop?: () => boolean;
}

export async function forEachLimited<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<void>,
  options: PoolOptions = {},
): Promise<void> {
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const lanes = Math.max(1, Math.min(Math.floor(width) || 1, items.length));
  async function lane(): Promise<void> {
    while (next < items.length && !options.signal?.aborted && !options.stop?.()) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failed) throw firstError;
}

/** Like forEachLimited, collecting each item's result in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<R>,
  options: PoolOptions = {},
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await forEachLimited(
    items,
    width,
    async (item, i) => {
      out[i] = await work(item, i);
    },
    options,
  );
  return out;
}
