// What Cutover keeps of a migration batch once Exchange forgets it: Remove-MigrationBatch deletes
// the batch with its per-user history, and Exchange purges Stopped and Failed batches after 90 days
// (reference §2.2, §2.3 Retention). Pure: the shapes, how a record is built from what Exchange or
// the watcher last showed, and the CSV rows. Never a password, never a subject or a sender: skipped
// items are kept as counts per kind.

import type { CsvValue } from '../export/csv';

/** Exchange purges Stopped and Failed batches this many days after they ended. */
export const EXCHANGE_PURGE_DAYS = 90;
/** Cutover keeps a fresh record of an ended batch this many days before Exchange's purge. */
export const PURGE_MARGIN_DAYS = 7;
export const DEFAULT_HISTORY_DAYS = 730;

export type HistoryHow =
  /** Cutover removed it (batch remove, the cut-over plan's remove step). */
  | 'removed'
  /** Stopped or Failed: kept before Exchange's 90-day purge; still in Exchange when kept. */
  | 'ended'
  /** Gone from Exchange after it was Stopped or Failed: Exchange's purge. */
  | 'purged'
  /** Gone from Exchange otherwise (removed outside Cutover). */
  | 'vanished';

export interface UserFinalRecord {
  email: string;
  status: string;
  statusSummary: string;
  syncedItems: number;
  /** Exchange leaves bytes empty for IMAP users (reference §2.4): null then. */
  bytesTransferred: number | null;
  skippedItems: number;
  /** Counts per skipped-item kind (LargeItem, CorruptItem…); never subjects or senders. */
  skippedByKind: Record<string, number>;
  lastSuccessfulSync: string | null;
  error: string | null;
}

export interface BatchHistoryEntry {
  /** Exchange's BatchGuid: a name can be used again for another batch. */
  guid: string;
  name: string;
  endpoint: string | null;
  /** The batch's last status Cutover saw. */
  status: string;
  createdAt: string | null;
  createdBy: string | null;
  /** When it left Exchange (or, for 'ended', null: still there when kept). */
  removedAt: string | null;
  removedBy: string | null;
  how: HistoryHow;
  /** When this record was last written. */
  keptAt: string;
  lastSyncedAt: string | null;
  totalUsers: number;
  /** The users are stored in pages of HISTORY_PAGE_SIZE. */
  pages: number;
  /** Users whose statistics (bytes, skipped kinds) were read; the rest are from Get-MigrationUser. */
  detailedUsers: number;
}

export const HISTORY_PAGE_SIZE = 1000;

export function skippedByKind(items: readonly { kind: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) {
    const k = /^[A-Za-z]{1,40}$/.test(i.kind) ? i.kind : 'Other';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function kindsText(kinds: Record<string, number>): string {
  return Object.entries(kinds)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

export const HOW_TEXT: Record<HistoryHow, string> = {
  removed: 'removed through Cutover',
  ended: 'kept before Exchange purges it',
  purged: 'purged by Exchange (90 days after it stopped)',
  vanished: 'removed outside Cutover',
};

export const HISTORY_CSV_HEADER = [
  'Batch',
  'BatchGuid',
  'Endpoint',
  'BatchStatus',
  'CreatedAt',
  'CreatedBy',
  'RemovedAt',
  'RemovedBy',
  'How',
  'EmailAddress',
  'Status',
  'StatusSummary',
  'SyncedItems',
  'BytesTransferred',
  'SkippedItems',
  'SkippedKinds',
  'LastSuccessfulSync',
  'Error',
] as const;

export function historyCsvRows(rows: readonly { entry: BatchHistoryEntry; user: UserFinalRecord }[]): CsvValue[][] {
  return rows.map(({ entry: e, user: u }) => [
    e.name,
    e.guid,
    e.endpoint,
    e.status,
    e.createdAt,
    e.createdBy,
    e.removedAt,
    e.removedBy,
    e.how,
    u.email,
    u.status,
    u.statusSummary,
    u.syncedItems,
    u.bytesTransferred,
    u.skippedItems,
    kindsText(u.skippedByKind),
    u.lastSuccessfulSync,
    u.error,
  ]);
}

/** Whether an ended batch (Stopped/Failed since `endedAt`) is within the margin of Exchange's purge. */
export function nearPurge(endedAt: string, now: Date): boolean {
  const purgeAt = Date.parse(endedAt) + EXCHANGE_PURGE_DAYS * 86_400_000;
  return now.getTime() >= purgeAt - PURGE_MARGIN_DAYS * 86_400_000;
}
