// Connections per server for every instance together: a slot is asked for before a connection
// opens and given back when it closes. In one process the budget is a counter
// (services/preflight's SourceConnectionGate fits this port); across instances it is a set of
// leased blobs, one per slot, so a dead instance's slots come back when its leases lapse.

export interface ConnectionBudget {
  /**
   * Resolves with a release function once fewer than `cap` connections are open to `key`
   * (host:port) across everyone sharing this budget, or null when the signal aborts first.
   */
  acquire(key: string, cap: number, signal?: AbortSignal): Promise<(() => void) | null>;
}

/** The budget key for a server: lower-case host without a trailing dot, and port. */
export function serverKey(host: string, port: number): string {
  return `${host.toLowerCase().replace(/\.$/, '')}:${port}`;
}
