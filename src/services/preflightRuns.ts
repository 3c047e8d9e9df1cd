// Preflight runs in progress and their results, so Cancel and the fix buttons on a
// result card can find them. Kept in memory: a run belongs to the instance running it,
// and a result older than a day is dropped (the downloadable report stays).

import { randomBytes } from 'node:crypto';
import type { PreflightReport } from '../domain/preflight/report';

export interface PreflightRun {
  id: string;
  startedBy: string;
  endpoint: string;
  pendingId: string | null;
  excludeFolders: string[];
  controller: AbortController;
  startedAt: number;
  report?: PreflightReport;
}

const KEEP_MS = 24 * 60 * 60 * 1000;

export class PreflightRuns {
  private readonly runs = new Map<string, PreflightRun>();

  begin(meta: { startedBy: string; endpoint: string; pendingId: string | null; excludeFolders: string[] }): PreflightRun {
    this.sweep();
    const run: PreflightRun = { id: randomBytes(9).toString('base64url'), controller: new AbortController(), startedAt: Date.now(), ...meta };
    this.runs.set(run.id, run);
    return run;
  }

  finish(id: string, report: PreflightReport): void {
    const run = this.runs.get(id);
    if (run) run.report = report;
  }

  get(id: string): PreflightRun | undefined {
    return this.runs.get(id);
  }

  /** True when a running preflight was told to stop. */
  cancel(id: string): boolean {
    const run = this.runs.get(id);
    if (!run || run.report || run.controller.signal.aborted) return false;
    run.controller.abort();
    return true;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, run] of this.runs) if (now - run.startedAt > KEEP_MS) this.runs.delete(id);
  }
}
