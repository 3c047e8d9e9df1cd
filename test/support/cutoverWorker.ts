// One bot instance's share of the cut-over work, as a process of its own: it consumes delta pass
// items from the Azure queue and writes results to blob state, exactly as src/index.ts wires a
// bot instance, with the target IMAP given by environment. Used by the fan-out test (which kills
// it with SIGKILL after an APPEND, before the item is acknowledged) and by bench/fanout.ts.
//
// env: CUTOVER_WORKER_STORAGE (connection string with Blob and Queue endpoints), CUTOVER_WORKER_QUEUE,
// CUTOVER_WORKER_TARGET (host:port), CUTOVER_WORKER_TARGET_USER ({email}*master), CUTOVER_WORKER_TARGET_PASSWORD,
// CUTOVER_WORKER_WIDTH, CUTOVER_WORKER_VISIBILITY (s), CUTOVER_WORKER_KILL_AFTER_APPENDS (n: SIGKILL itself),
// CUTOVER_WORKER_TARGET_CAP, CUTOVER_WORKER_IDLE_POLL_MS (default 100). Prints "ready" when consuming.

import { ImapMailboxAccess } from '../../src/adapters/imap/mailboxCopier';
import { AzureWorkQueue } from '../../src/adapters/queue/azureQueue';
import { BlobLeaseBudget } from '../../src/adapters/storage/blobLeaseBudget';
import { BlobStore } from '../../src/adapters/storage/blobStore';
import type { MailboxAccess } from '../../src/domain/cutover/mailboxes';
import type { ExchangeAdmin } from '../../src/ports/exchange';
import { CutoverService, type CutoverWorkItem } from '../../src/services/cutover';
import { PreflightWork, type PreflightWorkItem } from '../../src/services/preflightWork';
import { scanMailbox } from '../../src/adapters/imap/imapSource';

export interface WorkerSetup {
  storage: string;
  queue: string;
  target: { host: string; port: number; user: string; password: string };
  width: number;
  visibilitySeconds: number;
  targetCap?: number;
  idlePollMs?: number;
  /** How often the planner reads results (default 100 ms). */
  resultsPollMs?: number;
  /** Wraps the mailbox access (tests: die after an APPEND). */
  wrap?(access: MailboxAccess): MailboxAccess;
  /** Preflight items at once (default: width). */
  preflightWidth?: number;
  /** The planner only: Exchange as the pass sees it. */
  exchange?: ExchangeAdmin;
}

/** A CutoverService instance on shared storage, consuming from the queue once started. */
export function cutoverInstance(s: WorkerSetup): { service: CutoverService; queue: AzureWorkQueue<CutoverWorkItem>; preflight: PreflightWork } {
  const store = new BlobStore(s.storage, 'state');
  const connections = new BlobLeaseBudget({ connectionString: s.storage, container: 'state', waitMs: 20 });
  // Preflight items on a queue of their own beside the delta pass's, scanned with the same budget (as src/index.ts wires it).
  const preflight = new PreflightWork({
    store,
    key: Buffer.alloc(32, 4),
    work: new AzureWorkQueue<PreflightWorkItem>({
      connectionString: s.storage,
      queueName: `${s.queue}-pf`,
      width: s.preflightWidth ?? s.width,
      visibilityTimeoutSeconds: s.visibilitySeconds,
      idlePollMs: s.idlePollMs ?? 100,
      retryDelaySeconds: 0,
    }),
    connections,
    scannerFor: () => scanMailbox,
    resultsPollMs: s.resultsPollMs,
  });
  const queue = new AzureWorkQueue<CutoverWorkItem>({
    connectionString: s.storage,
    queueName: s.queue,
    width: s.width,
    visibilityTimeoutSeconds: s.visibilitySeconds,
    idlePollMs: s.idlePollMs ?? 100,
    onError: process.env.FANOUT_DEBUG ? (m: string) => void process.stderr.write(`${m}\n`) : undefined,
    retryDelaySeconds: 0,
  });
  const service = new CutoverService({
    store,
    clock: { now: () => new Date() },
    exchange: s.exchange ?? ({} as ExchangeAdmin),
    resolvers: [],
    key: Buffer.alloc(32, 3),
    work: queue,
    connections,
    targetConnectionCap: s.targetCap,
    resultsPollMs: s.resultsPollMs ?? 100,
    mailboxes: (ep) => {
      const access = new ImapMailboxAccess({
        source: { host: ep.remoteServer, port: ep.port, security: ep.security },
        target: { host: s.target.host, port: s.target.port, security: 'None' },
        targetAuth: { kind: 'password', userTemplate: s.target.user, password: s.target.password },
        limitFor: async () => 36 * 1024 * 1024,
      });
      return s.wrap ? s.wrap(access) : access;
    },
  });
  return { service, queue, preflight };
}

/** Kills this process with SIGKILL right after the n-th APPEND the target accepted. */
export function dieAfterAppends(n: number): (access: MailboxAccess) => MailboxAccess {
  let appended = 0;
  return (access) => ({
    kind: access.kind,
    description: access.description,
    servers: access.servers,
    source: (u) => access.source(u),
    target: async (u) => {
      const t = await access.target(u);
      return Object.assign(Object.create(t) as typeof t, {
        append: async (...args: Parameters<typeof t.append>) => {
          const r = await t.append(...args);
          if (r.ok && ++appended >= n) process.kill(process.pid, 'SIGKILL');
          return r;
        },
      });
    },
  });
}

async function main(): Promise<void> {
  const env = process.env;
  const [host, port] = (env.CUTOVER_WORKER_TARGET ?? '').split(':');
  const kill = Number(env.CUTOVER_WORKER_KILL_AFTER_APPENDS ?? 0);
  const { service, preflight } = cutoverInstance({
    storage: env.CUTOVER_WORKER_STORAGE ?? '',
    queue: env.CUTOVER_WORKER_QUEUE ?? 'cutover-delta',
    target: { host, port: Number(port), user: env.CUTOVER_WORKER_TARGET_USER ?? '', password: env.CUTOVER_WORKER_TARGET_PASSWORD ?? '' },
    width: Number(env.CUTOVER_WORKER_WIDTH ?? 4),
    idlePollMs: env.CUTOVER_WORKER_IDLE_POLL_MS ? Number(env.CUTOVER_WORKER_IDLE_POLL_MS) : undefined,
    visibilitySeconds: Number(env.CUTOVER_WORKER_VISIBILITY ?? 30),
    targetCap: env.CUTOVER_WORKER_TARGET_CAP ? Number(env.CUTOVER_WORKER_TARGET_CAP) : undefined,
    wrap: kill > 0 ? dieAfterAppends(kill) : undefined,
  });
  await Promise.all([service.startWorkers(), preflight.startWorkers()]);
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    setTimeout(() => process.exit(0), 3_000).unref();
    void Promise.all([service.stopWorkers(), preflight.stopWorkers()]).then(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`cutover worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
