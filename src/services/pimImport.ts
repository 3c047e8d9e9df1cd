// Contacts and calendar imports into a person's Exchange mailbox through Graph.
// prepare(): a parsed file waits 30 minutes for the person's Import click, sealed (AES-256-GCM)
// in the shared store, so the click works after a restart and on any instance.
// run(): lists what Cutover already created there (one request per 1,000 items), skips
// those and repeats inside the file, then POSTs the rest in $batch calls of 20, each item
// stamped with its dedupe key. Results say what was created, what was there already, what
// failed and why, and what could not be converted.

import { randomUUID } from 'node:crypto';
import { open, seal } from '../lib/seal';
import { GraphError, type GraphPort } from '../ports/graph';
import type { Clock } from '../ports/clock';
import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';
import { IMPORT_KEY_PROPERTY, withImportKey, type PimItem, type PimSkipped } from '../domain/pim/types';

export const PLAN_TTL_MS = 30 * 60 * 1000;

export interface ImportPlan {
  id: string;
  /** Who may press Import: the Teams id of the person who sent the file. */
  ownerId: string;
  /** Graph user id of the mailbox. */
  userId: string;
  fileName: string;
  kind: 'contacts' | 'events';
  items: PimItem[];
  skipped: PimSkipped[];
  notes: string[];
  overLimit: number;
  createdAt: number;
}

export interface ImportOutcome {
  kind: 'contacts' | 'events';
  fileName: string;
  created: number;
  alreadyThere: number;
  repeatsInFile: number;
  failed: { label: string; reason: string }[];
  skipped: PimSkipped[];
  notes: string[];
  /** When the mailbox itself refused (no Exchange licence, no permission). */
  stopped?: string;
}

export type TakeResult = { status: 'ok'; plan: ImportPlan } | { status: 'gone' | 'someone-else' | 'running' };

const planKey = (id: string) => `pim-plans/${id}`;
/** Every plan's id and creation time, so expired ones can be found and removed. */
const INDEX = 'pim-plans/_index';

/** What the store holds for a plan: who and when in clear (for claims and sweeps), the contents sealed. */
interface StoredPlan {
  ownerId: string;
  createdAt: number;
  /** Set when someone pressed Import: the plan runs once. */
  runningSince?: number;
  sealed?: string;
}

export class PimImports {
  constructor(
    private readonly graph: GraphPort,
    private readonly clock: Clock,
    private readonly store: KeyValueStore,
    /** Seals the plan's contacts and events at rest (personal data). */
    private readonly key: Buffer,
  ) {}

  async prepare(input: Omit<ImportPlan, 'id' | 'createdAt'>): Promise<ImportPlan> {
    const plan: ImportPlan = { ...input, id: randomUUID(), createdAt: this.clock.now().getTime() };
    const stored: StoredPlan = {
      ownerId: plan.ownerId,
      createdAt: plan.createdAt,
      sealed: seal(Buffer.from(JSON.stringify(plan)), this.key, planKey(plan.id)),
    };
    await this.store.write({ [planKey(plan.id)]: stored });
    await mutate<{ ids: Record<string, number> }>(this.store, INDEX, (cur) => ({ ids: { ...(cur?.ids ?? {}), [plan.id]: plan.createdAt } }), { attempts: 50 });
    return plan;
  }

  async peek(id: string): Promise<ImportPlan | undefined> {
    const stored = await this.load(id);
    return stored?.sealed && !stored.runningSince ? this.unseal(id, stored) : undefined;
  }

  /** Claims a plan for running: once only (across instances), and only by the person who sent the file. */
  async take(id: string, ownerId: string): Promise<TakeResult> {
    let result: TakeResult = { status: 'gone' };
    await mutate<StoredPlan>(this.store, planKey(id), (cur) => {
      if (!cur || this.expired(cur)) {
        result = { status: 'gone' };
        return cur ? DELETE_ITEM : undefined;
      }
      if (cur.runningSince) {
        result = { status: 'running' };
        return undefined;
      }
      if (cur.ownerId !== ownerId) {
        result = { status: 'someone-else' };
        return undefined;
      }
      const plan = this.unseal(id, cur);
      if (!plan) {
        result = { status: 'gone' };
        return DELETE_ITEM;
      }
      result = { status: 'ok', plan };
      // The contents go: only the claim stays, until the run ends.
      return { ownerId: cur.ownerId, createdAt: cur.createdAt, runningSince: this.clock.now().getTime() };
    });
    return result;
  }

  /** The run ended (or failed): the claim goes. */
  async finish(id: string): Promise<void> {
    await this.forget([id]);
  }

  async cancel(id: string, ownerId: string): Promise<boolean> {
    let ok = false;
    await mutate<StoredPlan>(this.store, planKey(id), (cur) => {
      if (!cur || cur.ownerId !== ownerId || cur.runningSince) return undefined;
      ok = true;
      return DELETE_ITEM;
    });
    if (ok) await this.forget([id]);
    return ok;
  }

  /** Plans nobody pressed Import on within 30 minutes (and claims of runs that died) are removed. */
  async sweepExpired(): Promise<number> {
    const ids = Object.keys(((await this.store.read([INDEX]))[INDEX] as { ids?: Record<string, number> } | undefined)?.ids ?? {});
    if (ids.length === 0) return 0;
    const found = await this.store.read(ids.map(planKey));
    const old = ids.filter((id) => !found[planKey(id)] || this.expired(found[planKey(id)] as StoredPlan));
    if (old.length) await this.forget(old);
    return old.length;
  }

  private async forget(ids: string[]): Promise<void> {
    await this.store.delete(ids.map(planKey));
    await mutate<{ ids: Record<string, number> }>(
      this.store,
      INDEX,
      (cur) => {
        if (!cur || !ids.some((id) => id in cur.ids)) return undefined;
        const left = { ...cur.ids };
        for (const id of ids) delete left[id];
        return Object.keys(left).length ? { ids: left } : DELETE_ITEM;
      },
      { attempts: 50 },
    );
  }

  private expired(p: StoredPlan): boolean {
    const now = this.clock.now().getTime();
    // A run is given an hour before its claim counts as abandoned.
    return p.runningSince ? now - p.runningSince > 2 * PLAN_TTL_MS : now - p.createdAt > PLAN_TTL_MS;
  }

  private async load(id: string): Promise<StoredPlan | undefined> {
    const found = (await this.store.read([planKey(id)]))[planKey(id)] as (StoredPlan & { eTag?: string }) | undefined;
    if (!found || this.expired(found)) return undefined;
    return found;
  }

  private unseal(id: string, stored: StoredPlan): ImportPlan | undefined {
    if (!stored.sealed) return undefined;
    try {
      return JSON.parse(open(stored.sealed, this.key, planKey(id)).toString('utf8')) as ImportPlan;
    } catch {
      return undefined;
    }
  }

  async run(plan: ImportPlan, onProgress?: (done: number, total: number) => void): Promise<ImportOutcome> {
    const outcome: ImportOutcome = {
      kind: plan.kind,
      fileName: plan.fileName,
      created: 0,
      alreadyThere: 0,
      repeatsInFile: 0,
      failed: [],
      skipped: plan.skipped,
      notes: plan.notes,
    };
    try {
      let existing: Set<string>;
      try {
        const items = await this.graph.listWithProperty(plan.userId, plan.kind, IMPORT_KEY_PROPERTY);
        existing = new Set(
          items.flatMap((i) =>
            (i.singleValueExtendedProperties ?? []).filter((p) => p.id.toLowerCase() === IMPORT_KEY_PROPERTY.toLowerCase()).map((p) => p.value),
          ),
        );
      } catch (e) {
        outcome.stopped = stopReason(e);
        return outcome;
      }
      const seen = new Set<string>();
      const todo: PimItem[] = [];
      for (const it of plan.items) {
        if (existing.has(it.key)) outcome.alreadyThere++;
        else if (seen.has(it.key)) outcome.repeatsInFile++;
        else todo.push(it);
        seen.add(it.key);
      }
      const url = `/users/${encodeURIComponent(plan.userId)}/${plan.kind}`;
      const responses = await this.graph.batch(
        todo.map((it, i) => ({ id: String(i + 1), method: 'POST' as const, url, body: withImportKey(it) })),
        { onProgress },
      );
      responses.forEach((r, i) => {
        if (r.status === 201 || r.status === 200) outcome.created++;
        else {
          const err = (r.body as { error?: { code?: string; message?: string } } | null)?.error;
          outcome.failed.push({ label: todo[i].label, reason: err?.message ? `${err.message}${err.code ? ` (${err.code})` : ''}` : `HTTP ${r.status}` });
        }
      });
      return outcome;
    } catch (e) {
      // A failure half-way: say how far it got; a re-import finishes the rest without duplicates.
      outcome.stopped = `${stopReason(e)} ${outcome.created} were created before it stopped; send the same file again to finish (nothing is created twice).`;
      return outcome;
    } finally {
      // The outcome stands even if the claim cannot be removed now: the sweep removes it later.
      await this.finish(plan.id).catch(() => undefined);
    }
  }
}

function stopReason(e: unknown): string {
  if (e instanceof GraphError) {
    if (e.code === 'MailboxNotEnabledForRESTAPI')
      return 'Your Exchange Online mailbox is not ready (no Exchange Online licence yet, or the mailbox is not enabled). Ask your IT team.';
    if (e.httpStatus === 403)
      return 'Cutover is not allowed to write to mailboxes (the Contacts.ReadWrite and Calendars.ReadWrite permissions need admin consent).';
    if (e.httpStatus === 429) return 'Microsoft Graph kept throttling Cutover; try again in a few minutes.';
    return `Microsoft Graph answered: ${e.message}`;
  }
  return 'Cutover could not reach Microsoft Graph.';
}
