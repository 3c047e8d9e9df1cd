// One builder for a handler's dependencies in unit tests: the real services on a temp
// folder (file store, audit log, confirmations, sealed pending uploads, preflight runs) and
// Exchange through the real REST adapter against an in-process emulator, unless the test
// passes its own; preflight reads the emulator's demo source. A test overrides only what it is about; nothing is cast into shape.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExchangeAdmin, StaticTokenSource } from '../../src/adapters/exchange';
import { HttpFileFetcher } from '../../src/adapters/http/fileFetcher';
import { FileStore } from '../../src/adapters/storage/fileStore';
import type { CommandDeps } from '../../src/commands/types';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import type { Clock } from '../../src/ports/clock';
import { AuditLog } from '../../src/services/auditLog';
import { Confirmations } from '../../src/services/confirmations';
import { PendingBatches } from '../../src/services/pendingBatches';
import { PreflightRuns } from '../../src/services/preflightRuns';
import { preflightWork } from './preflight';
import { scannerFromDirectory } from '../../src/adapters/imap/directoryScanner';
import { createDemoSourceDirectory } from '../../src/emulator/exchange/demoSource';

export interface HandlerDeps {
  deps: CommandDeps;
  dataDir: string;
  /** The emulator behind `deps.exchange`, when the test did not pass its own Exchange. */
  emulator: RunningExchangeEmulator | null;
  close(): Promise<void>;
}

/** A clock a test can set; starts at `start`. */
export function settableClock(start = new Date('2026-12-03T09:00:00Z')): Clock & { set(d: Date): void; advance(ms: number): void } {
  let now = start.getTime();
  return { now: () => new Date(now), set: (d) => void (now = d.getTime()), advance: (ms) => void (now += ms) };
}

export async function handlerDeps(overrides: Partial<CommandDeps> = {}): Promise<HandlerDeps> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-handler-'));
  const store = overrides.store ?? new FileStore(path.join(dataDir, 'state'));
  const clock = overrides.clock ?? settableClock();
  let emulator: RunningExchangeEmulator | null = null;
  let exchange = overrides.exchange;
  if (!exchange) {
    emulator = await startExchangeEmulator({ port: 0 });
    exchange = createExchangeAdmin({ baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken) });
  }
  const deps: CommandDeps = {
    exchange,
    pending: new PendingBatches({ store, key: randomBytes(32), clock }),
    audit: new AuditLog(store, clock),
    files: new HttpFileFetcher({ maxBytes: 12 * 1024 * 1024, allowLoopbackHttp: true, allowedHosts: [] }),
    confirmations: new Confirmations(store, clock),
    // The real preflight over the emulator's demo source (imap.contoso.edu).
    preflight: preflightWork({ store, scanner: scannerFromDirectory(createDemoSourceDirectory()) }),
    preflightRuns: new PreflightRuns(),
    store,
    clock,
    access: { mode: 'local', admins: [] },
    ...overrides,
  };
  return {
    deps,
    dataDir,
    emulator,
    async close() {
      await emulator?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A real service with a few methods replaced (a test's own Exchange answers); the rest still work. */
export function overlay<T extends object>(base: T, replaced: Partial<T>): T {
  return new Proxy(base, {
    get: (target, key) => {
      if (key in replaced) return (replaced as Record<PropertyKey, unknown>)[key];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
