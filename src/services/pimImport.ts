// Contacts and calendar imports into a person's Exchange mailbox through Graph.
// prepare(): a parsed file waits (in memory, 30 minutes) for the person's Import click.
// run(): lists what Cutover already created there (one request per 1,000 items), skips
// those and repeats inside the file, then POSTs the rest in $batch calls of 20, each item
// stamped with its dedupe key. Results say what was created, what was there already, what
// failed and why, and what could not be converted.

import { randomUUID } from 'node:crypto';
import { GraphError, type GraphPort } from '../ports/graph';
import type { Clock } from '../ports/clock';
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

export class PimImports {
  private readonly plans = new Map<string, ImportPlan>();
  private readonly running = new Set<string>();

  constructor(
    private readonly graph: GraphPort,
    private readonly clock: Clock,
  ) {}

  prepare(input: Omit<ImportPlan, 'id' | 'createdAt'>): ImportPlan {
    this.sweep();
    const plan: ImportPlan = { ...input, id: randomUUID(), createdAt: this.clock.now().getTime() };
    this.plans.set(plan.id, plan);
    return plan;
  }

  peek(id: string): ImportPlan | undefined {
    this.sweep();
    return this.plans.get(id);
  }

  /** Claims a plan for running: once only, and only by the person who sent the file. */
  take(id: string, ownerId: string): TakeResult {
    this.sweep();
    if (this.running.has(id)) return { status: 'running' };
    const plan = this.plans.get(id);
    if (!plan) return { status: 'gone' };
    if (plan.ownerId !== ownerId) return { status: 'someone-else' };
    this.plans.delete(id);
    this.running.add(id);
    return { status: 'ok', plan };
  }

  cancel(id: string, ownerId: string): boolean {
    const plan = this.plans.get(id);
    if (!plan || plan.ownerId !== ownerId) return false;
    this.plans.delete(id);
    return true;
  }

  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [id, p] of this.plans) if (now - p.createdAt > PLAN_TTL_MS) this.plans.delete(id);
  }

  async run(plan: ImportPlan, onProgress?: (done: number, total: number) => void): Promise<ImportOutcome> {
    const outcome: ImportOutcome = { kind: plan.kind, fileName: plan.fileName, created: 0, alreadyThere: 0, repeatsInFile: 0, failed: [], skipped: plan.skipped, notes: plan.notes };
    try {
      let existing: Set<string>;
      try {
        const items = await this.graph.listWithProperty(plan.userId, plan.kind, IMPORT_KEY_PROPERTY);
        existing = new Set(items.flatMap((i) => (i.singleValueExtendedProperties ?? []).filter((p) => p.id.toLowerCase() === IMPORT_KEY_PROPERTY.toLowerCase()).map((p) => p.value)));
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
      this.running.delete(plan.id);
    }
  }
}

function stopReason(e: unknown): string {
  if (e instanceof GraphError) {
    if (e.code === 'MailboxNotEnabledForRESTAPI') return 'Your Exchange Online mailbox is not ready (no Exchange Online licence yet, or the mailbox is not enabled). Ask your IT team.';
    if (e.httpStatus === 403) return 'Cutover is not allowed to write to mailboxes (the Contacts.ReadWrite and Calendars.ReadWrite permissions need admin consent).';
    if (e.httpStatus === 429) return 'Microsoft Graph kept throttling Cutover; try again in a few minutes.';
    return `Microsoft Graph answered: ${e.message}`;
  }
  return 'Cutover could not reach Microsoft Graph.';
}
