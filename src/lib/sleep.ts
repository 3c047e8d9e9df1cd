// One way to wait: resolves after `ms`, or at once when `signal` aborts (waiting never throws,
// so a cancelled run finishes its own bookkeeping and then looks at the signal itself).

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * How long to wait before polling again for work that has run `ageMs`: `baseMs` at first, then a
 * thirtieth of its age, at most 8× `baseMs` (a long run is read less often; each read costs).
 */
export function agedPollMs(baseMs: number, ageMs: number): number {
  return Math.min(baseMs * 8, Math.max(baseMs, ageMs / 30));
}
