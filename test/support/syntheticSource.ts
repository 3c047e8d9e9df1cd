// A synthetic IMAP source for the Exchange emulator (large batches in tests and benchmarks):
// every login to `host` works, except passwords starting "bad", which fail as a wrong password.

import type { SourceMailboxDirectory } from '../../src/emulator/exchange';

export function syntheticSource(host: string, itemsPerMailbox: number): SourceMailboxDirectory {
  return {
    handles: (s) => s.remoteServer === host,
    probe: async () => ({ ok: true }),
    open: async (_s, c) =>
      c.password.startsWith('bad')
        ? { ok: false, failure: 'AuthenticationFailed', detail: 'LOGIN failed: authentication failed.' }
        : { ok: true, folders: [{ name: 'INBOX', itemCount: itemsPerMailbox, sizeBytes: itemsPerMailbox * 40_000 }], largeItems: [] },
  };
}
