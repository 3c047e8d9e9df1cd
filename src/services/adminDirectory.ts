// Admins listed by UPN in CUTOVER_ADMINS, resolved to Entra object ids through the directory
// (Microsoft Graph GET /users/{upn}; the Graph emulator in local mode), so a message that carries
// only from.aadObjectId is recognised. Cached, refreshed when stale (renamed or removed people
// drop out), and a failed lookup keeps what was known rather than locking admins out.

import type { Clock } from '../ports/clock';
import { forEachLimited } from '../lib/pool';
import { errorText } from '../lib/errorText';

export interface AdminDirectoryOptions {
  /** Lower-cased CUTOVER_ADMINS entries; only those with an @ are looked up. */
  admins: readonly string[];
  /** The directory: the user with that UPN, or null when there is none. */
  lookup(upn: string): Promise<{ id: string } | null>;
  clock: Clock;
  /** How long resolved ids are trusted before the next refresh (default 15 minutes). */
  refreshMs?: number;
  /** After a failed refresh, how soon to try again (default 1 minute). */
  retryMs?: number;
  /** How long a turn waits for a refresh before going on with what is known (default 3 s). */
  waitMs?: number;
  log?: { warn(message: string, fields?: Record<string, unknown>): void };
}

export class UpnAdminDirectory {
  private readonly upns: string[];
  private readonly resolved = new Map<string, string>();
  private ids: ReadonlySet<string> = new Set();
  private nextRefreshAt = -Infinity;
  private running: Promise<void> | null = null;

  constructor(private readonly o: AdminDirectoryOptions) {
    this.upns = [...new Set(o.admins.filter((a) => a.includes('@')))];
  }

  objectIds(): ReadonlySet<string> {
    return this.ids;
  }

  /** Refreshes when stale (one refresh at a time), waiting at most waitMs for it. */
  async fresh(): Promise<void> {
    if (this.upns.length === 0 || this.o.clock.now().getTime() < this.nextRefreshAt) return;
    const refresh = this.refresh();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([refresh, new Promise<void>((r) => (timer = setTimeout(r, this.o.waitMs ?? 3_000)))]);
    clearTimeout(timer);
  }

  /** Looks every listed UPN up now; never throws. */
  refresh(): Promise<void> {
    this.running ??= this.lookupAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async lookupAll(): Promise<void> {
    let failed = 0;
    await forEachLimited(this.upns, 4, async (upn) => {
      try {
        const user = await this.o.lookup(upn);
        if (user) this.resolved.set(upn, user.id.toLowerCase());
        else this.resolved.delete(upn);
      } catch (err) {
        // Keep what was known for this UPN: a Graph outage must not lock the admins out.
        failed++;
        this.o.log?.warn('admin UPN not resolved', { error: errorText(err) });
      }
    });
    this.ids = new Set(this.resolved.values());
    const now = this.o.clock.now().getTime();
    this.nextRefreshAt = now + (failed ? (this.o.retryMs ?? 60_000) : (this.o.refreshMs ?? 15 * 60_000));
  }
}
