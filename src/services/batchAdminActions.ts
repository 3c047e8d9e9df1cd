// When an admin last acted on each migration batch through Cutover, on Exchange's clock.
// Exchange stops a Synced batch after 60 days without admin action (reference §2.3) but
// shows no field for the last one: StartDateTime moves on Start, nothing moves on
// Set-MigrationBatch -SyncNow or -AddUsers. Cutover keeps its own record, so the 60-day
// warnings and the cards count from the real last action, not from the batch's start.

import type { Clock } from '../ports/clock';
import type { ExchangeAdmin } from '../ports/exchange';
import { mutate, type KeyValueStore } from '../ports/store';

const KEY = 'batch-admin-actions';

interface Doc {
  batches: Record<string, { at: string; action: string }>;
}

export class BatchAdminActions {
  constructor(
    private readonly store: KeyValueStore,
    /** Exchange's time (the emulator's clock in local mode). */
    private readonly exchangeClock: Clock,
  ) {}

  async record(batch: string, action: string): Promise<void> {
    const at = this.exchangeClock.now().toISOString();
    await mutate<Doc>(this.store, KEY, (cur) => ({ batches: { ...(cur?.batches ?? {}), [batch.toLowerCase()]: { at, action } } }), { attempts: 50 });
  }

  async forget(batch: string): Promise<void> {
    await mutate<Doc>(
      this.store,
      KEY,
      (cur) => {
        if (!cur?.batches[batch.toLowerCase()]) return undefined;
        const batches = { ...cur.batches };
        delete batches[batch.toLowerCase()];
        return { batches };
      },
      { attempts: 50 },
    );
  }

  /** Lower-cased batch name → ISO time of the last admin action; one read for all. */
  async all(): Promise<Record<string, string>> {
    const doc = (await this.store.read([KEY]))[KEY] as Doc | undefined;
    return Object.fromEntries(Object.entries(doc?.batches ?? {}).map(([k, v]) => [k, v.at]));
  }

  async lastFor(batch: string): Promise<string | null> {
    return (await this.all())[batch.toLowerCase()] ?? null;
  }
}

/** The cmdlets that count as an admin action on a batch (and so restart Exchange's 60-day clock). */
const ACTIONS: Partial<Record<keyof ExchangeAdmin, string>> = {
  newImapMigrationBatch: 'New-MigrationBatch',
  startMigrationBatch: 'Start-MigrationBatch',
  stopMigrationBatch: 'Stop-MigrationBatch',
  syncMigrationBatchNow: 'Set-MigrationBatch -SyncNow',
  addUsersToMigrationBatch: 'Set-MigrationBatch -AddUsers',
  // Not an action that keeps a batch alive: its record goes with it.
  removeMigrationBatch: 'Remove-MigrationBatch',
};

/**
 * The same ExchangeAdmin, recording each successful admin action on a batch. Wired once in
 * the composition root, so every path (commands, cut-over steps, scheduled passes) counts.
 * A failed record never fails the action: Exchange did it; the warning may come early.
 */
export function recordingAdminActions(exchange: ExchangeAdmin, actions: BatchAdminActions, onError: (err: unknown) => void = () => undefined): ExchangeAdmin {
  return new Proxy(exchange, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      const action = ACTIONS[prop as keyof ExchangeAdmin];
      if (typeof v !== 'function') return v;
      if (!action) return v.bind(target);
      return async (...args: unknown[]) => {
        const result = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const first = args[0];
        const batch = typeof first === 'string' ? first : (first as { name?: string })?.name;
        if (batch) await (prop === 'removeMigrationBatch' ? actions.forget(batch) : actions.record(batch, action)).catch(onError);
        return result;
      };
    },
  });
}
