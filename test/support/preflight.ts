// The preflight as one process runs it without a storage account: PreflightWork over the in-process
// queue and a store of its own, so tests and benches drive the same planner and workers production does.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessWorkQueue } from '../../src/adapters/queue/inProcessQueue';
import { FileStore } from '../../src/adapters/storage/fileStore';
import type { ConnectionBudget } from '../../src/ports/connectionBudget';
import type { MailboxScanner } from '../../src/ports/mailboxScanner';
import type { KeyValueStore } from '../../src/ports/store';
import { SourceConnectionGate, type RunPreflightInput } from '../../src/services/preflight';
import { PreflightWork, type PreflightWorkItem } from '../../src/services/preflightWork';
import type { PreflightReport } from '../../src/domain/preflight/report';

/** A started PreflightWork on this store (the caller stops it, or leaves it: an idle in-process queue holds nothing open). */
export function preflightWork(o: { store: KeyValueStore; scanner: MailboxScanner; connections?: ConnectionBudget; width?: number }): PreflightWork {
  const work = new PreflightWork({
    store: o.store,
    key: randomBytes(32),
    work: new InProcessWorkQueue<PreflightWorkItem>({ width: o.width ?? 20, retryDelayMs: 10 }),
    connections: o.connections ?? new SourceConnectionGate(),
    scannerFor: () => o.scanner,
    resultsPollMs: 50,
  });
  void work.startWorkers();
  return work;
}

/** One preflight run, start to report, on a throwaway store. */
export async function runPreflight(input: RunPreflightInput & { scanner: MailboxScanner; connections?: ConnectionBudget }): Promise<PreflightReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
  const work = preflightWork({ store: new FileStore(dir), scanner: input.scanner, connections: input.connections, width: input.maxConcurrent ?? 20 });
  try {
    return await work.run(input);
  } finally {
    await work.stopWorkers();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
