// The proof a cut-over lost nothing: per migration user and folder, what the source holds, what
// the Exchange mailbox holds, what Cutover copied, and what it could not copy and why.
// A batch is verified only when every user reconciles.

import { exportCsv, type CsvValue } from '../export/csv';

export type SkipReason = 'over-size-limit' | 'refused-by-target' | 'read-failed';

export interface SkippedMessage {
  uid: number;
  reason: SkipReason;
  size?: number;
  subject?: string;
  /** What to do about it. */
  fix: string;
}

export interface FolderReport {
  folder: string;
  sourceCount: number;
  targetCount: number | null;
  /** Copied by Cutover over all passes. */
  copied: number;
  /** Source messages still missing on the target (all listed in skipped). */
  missing: number;
  skipped: SkippedMessage[];
  notes: string[];
}

export interface UserReport {
  email: string;
  lastPassAt: string | null;
  /** The last pass could not read or write this mailbox at all. */
  failure: string | null;
  folders: FolderReport[];
}

export interface UserReconciliation {
  email: string;
  reconciled: boolean;
  sourceCount: number;
  targetCount: number | null;
  copied: number;
  skipped: number;
  lastPassAt: string | null;
  /** Why not, in a line (empty when reconciled). */
  why: string;
}

export function reconcileUser(r: UserReport): UserReconciliation {
  const sourceCount = r.folders.reduce((a, f) => a + f.sourceCount, 0);
  const targetKnown = r.folders.every((f) => f.targetCount !== null);
  const targetCount = targetKnown ? r.folders.reduce((a, f) => a + (f.targetCount ?? 0), 0) : null;
  const copied = r.folders.reduce((a, f) => a + f.copied, 0);
  const skipped = r.folders.reduce((a, f) => a + f.skipped.length, 0);
  const reasons: string[] = [];
  if (!r.lastPassAt) reasons.push('no delta pass has run');
  if (r.failure) reasons.push(r.failure);
  for (const f of r.folders) {
    if (f.missing > 0) {
      const kinds = [...new Set(f.skipped.map((s) => s.reason))].join(', ');
      reasons.push(`${f.folder}: ${f.missing} missing (${kinds || 'not copied'})`);
    } else if (f.targetCount !== null && f.targetCount < f.sourceCount) {
      reasons.push(`${f.folder}: ${f.targetCount} on Exchange, ${f.sourceCount} on the source`);
    }
  }
  return { email: r.email, reconciled: reasons.length === 0, sourceCount, targetCount, copied, skipped, lastPassAt: r.lastPassAt, why: reasons.join('; ') };
}

export interface BatchProof {
  batch: string;
  verified: boolean;
  users: UserReconciliation[];
  notReconciled: UserReconciliation[];
}

export function proveBatch(batch: string, reports: UserReport[]): BatchProof {
  const users = reports.map(reconcileUser).sort((a, b) => Number(a.reconciled) - Number(b.reconciled) || a.email.localeCompare(b.email));
  const notReconciled = users.filter((u) => !u.reconciled);
  return { batch, verified: users.length > 0 && notReconciled.length === 0, users, notReconciled };
}

/** One row per user and folder, plus one per skipped message. */
export function proofCsv(reports: UserReport[]): Buffer {
  const rows: CsvValue[][] = [];
  for (const r of reports) {
    const rec = reconcileUser(r);
    if (r.folders.length === 0) rows.push([r.email, '', '', '', '', '', '', r.failure ?? '', '', r.lastPassAt, rec.reconciled ? 'yes' : 'no']);
    for (const f of r.folders) {
      rows.push([
        r.email,
        f.folder,
        f.sourceCount,
        f.targetCount,
        f.copied,
        f.missing,
        '',
        f.notes.join('; '),
        '',
        r.lastPassAt,
        rec.reconciled ? 'yes' : 'no',
      ]);
      for (const s of f.skipped) rows.push([r.email, f.folder, '', '', '', '', s.uid, s.reason, s.fix, r.lastPassAt, 'no']);
    }
  }
  return exportCsv(
    ['EmailAddress', 'Folder', 'SourceCount', 'TargetCount', 'CopiedByCutover', 'Missing', 'SkippedUid', 'SkipReason', 'Fix', 'LastPass', 'Reconciled'],
    rows,
  );
}
