import net from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago. Only for programs that cannot
 * bind port 0 themselves and report it (dovecot, nsd config files); anything that can
 * should listen on 0 and read the port back, which has no race.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: no TCP address'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error, so a failing test says what it was waiting for. */
  description?: string;
}

/**
 * Polls `fn` until it returns something other than undefined/null/false, and resolves
 * with that value. Exceptions thrown by `fn` count as "not yet"; the last one is
 * quoted in the timeout error.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 25, description }: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const what = description ? ` for ${description}` : '';
      const why = lastError ? `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}` : '';
      throw new Error(`waitFor: timed out after ${timeoutMs} ms${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
