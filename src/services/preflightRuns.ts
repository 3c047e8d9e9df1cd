// Preflight runs in progress and their results, so Cancel and the fix buttons on a
// result card can find them. Kept in memory: a run belongs to the instance running it,
// and a result older than a day is dropped (the downloadable report stays).
// One run at a time per admin and endpoint: a second click finds the running one.

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
  /** Set when the run ended without a report (an error); a finished run has its report. */
  ended?: boolean;
  /** The latest progress, for whoever asks while it runs. */
  progress: { scanned: number; total: number; failures: number };
}

const KEEP_MS = 24 * 60 * 60 * 1000;

export class PreflightRuns {
  private readonly runs = new Map<string, PreflightRun>();

  /**
   * Starts a run, unless this admin already has one running against this endpoint: then that
   * one comes back with `alreadyRunning` and nothing new starts.
   */
  begin(meta: { startedBy: string; endpoint: string; pendingId: string | null; excludeFolders: string[]; total?: number }): {
    run: PreflightRun;
    alreadyRunning: boolean;
  } {
    this.sweep();
    const running = this.running(meta.startedBy, meta.endpoint);
    if (running) return { run: running, alreadyRunning: true };
    const { total = 0, ...rest } = meta;
    const run: PreflightRun = {
      id: randomBytes(9).toString('base64url'),
      controller: new AbortController(),
      startedAt: Date.now(),
      progress: { scanned: 0, total, failures: 0 },
      ...rest,
    };
    this.runs.set(run.id, run);
    return { run, alreadyRunning: false };
  }

  /** This admin's run against this endpoint that has not finished yet. */
  running(startedBy: string, endpoint: string): PreflightRun | undefined {
    for (const run of this.runs.values()) {
      if (run.startedBy === startedBy && run.endpoint.toLowerCase() === endpoint.toLowerCase() && !run.report && !run.ended) return run;
    }
    return undefined;
  }

  progress(id: string, p: { scanned: number; total: number; failures: number }): void {
    const run = this.runs.get(id);
    if (run) run.progress = { ...p };
  }

  finish(id: string, report: PreflightReport): void {
    const run = this.runs.get(id);
    if (run) run.report = report;
  }

  /** The run failed without a report: it no longer blocks the next one. */
  end(id: string): void {
    const run = this.runs.get(id);
    if (run) run.ended = true;
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
