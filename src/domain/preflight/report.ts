// The preflight report: what Cutover found on the source IMAP server for each migration user,
// before Exchange Online tries. Pure: built from scan results, no I/O. Holds no password.
//
// Rules applied (see shared/reference/exchange-online.md §3.2, §4.2):
// - messages larger than the target mailbox's MaxReceiveSize are skipped by Exchange
//   (LargeItem); MaxReceiveSize/MaxSendSize can be raised to at most 150 MB;
// - folders whose name contains '/' are skipped (L-OPT);
// - the reserved folder name 'Files' is refused ("NO Folder name is reserved");
// - at most 500,000 items per mailbox are migrated, newest first.

import { MAX_MESSAGE_SIZE_LIMIT_BYTES, type ImapServer } from '../exchange/types';
import type { PreflightFailure } from './classify';
import { exportCsv, type CsvValue } from '../export/csv';

export type { PreflightFailure, PreflightFailureKind } from './classify';

/** Exchange Online migrates at most this many items from one IMAP mailbox. */
export const EXCHANGE_IMAP_MAX_ITEMS = 500_000;
/** Top-level folder names Exchange Online refuses for IMAP-created folders. */
export const EXCHANGE_RESERVED_FOLDER_NAMES = ['Files'];

/**
 * Throughput assumed for the migration-time estimate. Exchange publishes no IMAP figure;
 * these are conservative planning numbers (per mailbox, and mailboxes run in parallel up to
 * the endpoint's MaxConcurrentMigrations). Shown next to every estimate.
 */
export const ASSUMED_THROUGHPUT = {
  bytesPerHourPerMailbox: 500 * 1024 * 1024,
  itemsPerHourPerMailbox: 20_000,
  concurrentMailboxes: 20,
} as const;

export interface PreflightFolder {
  name: string;
  itemCount: number;
  sizeBytes: number;
}

export interface PreflightLargeItem {
  folderName: string;
  size: number;
  subject: string;
  sender: string;
  dateSent: Date | null;
  /** False when the item is over 150 MB: raising MaxReceiveSize cannot bring it in. */
  fixableByRaisingLimit: boolean;
}

export type FolderIssueKind = 'SlashInName' | 'ReservedName';

export interface PreflightFolderIssue {
  folderName: string;
  kind: FolderIssueKind;
  /** What Exchange will do with it. */
  effect: 'Skipped' | 'Rejected';
  cause: string;
  itemCount: number;
  sizeBytes: number;
}

export type PreflightUserStatus = 'Ready' | 'NeedsAttention' | 'Blocked';

export interface PreflightUser {
  emailAddress: string;
  userName: string;
  status: PreflightUserStatus;
  /** Set when the user could not be checked (connection, TLS, login...). */
  failure: PreflightFailure | null;
  /** The receive limit the scan used (bytes). */
  limitBytes: number;
  folders: PreflightFolder[];
  itemCount: number;
  sizeBytes: number;
  largeItems: PreflightLargeItem[];
  folderIssues: PreflightFolderIssue[];
  /** Items beyond Exchange's 500,000-item cap (not migrated). */
  itemsOverLimit: number;
  /** How sizes were read: one LIST-STATUS, per-folder STATUS, or FETCH of every size. */
  method: 'list-status' | 'status' | 'fetch' | null;
  roundTrips: number;
  /** Connection attempts (retries of a dropped connection included). */
  connections: number;
  durationMs: number;
}

export interface RaiseLimitFix {
  emailAddress: string;
  currentLimitBytes: number;
  /** Smallest whole MB above the largest fixable item, at most 150 MB. */
  newLimitBytes: number;
  itemsBroughtIn: number;
}

export interface PreflightFixes {
  /** Set-Mailbox -MaxReceiveSize/-MaxSendSize for exactly these users. */
  raiseLimits: RaiseLimitFix[];
  /** Items over 150 MB: no limit change helps; they must be removed or split at the source. */
  unfixableLargeItems: { emailAddress: string; folderName: string; size: number; subject: string }[];
  /** Folder names for New-MigrationBatch -ExcludeFolders, with the reason. */
  excludeFolders: { folderName: string; reason: string; users: number }[];
  /** Rows to drop from the batch CSV (users that could not be checked). */
  dropRows: string[];
}

export interface PreflightTotals {
  users: number;
  ready: number;
  needsAttention: number;
  blocked: number;
  items: number;
  sizeBytes: number;
  largeItems: number;
  folders: number;
}

export interface MigrationEstimate {
  /** Wall-clock hours for the ready and needs-attention users, at the assumed throughput. */
  hours: number;
  assumption: string;
}

export interface PreflightReport {
  server: ImapServer;
  startedAt: Date;
  finishedAt: Date;
  cancelled: boolean;
  users: PreflightUser[];
  totals: PreflightTotals;
  estimate: MigrationEstimate;
  fixes: PreflightFixes;
  stats: { connections: number; peakConcurrency: number; roundTrips: number; retries: number };
}

/** Folder issues for one listing. `segments` are the server's own path segments. */
export function folderIssuesFor(folders: { name: string; segments: string[]; itemCount: number; sizeBytes: number }[]): PreflightFolderIssue[] {
  const issues: PreflightFolderIssue[] = [];
  for (const f of folders) {
    if (f.segments.some((s) => s.includes('/'))) {
      issues.push({
        folderName: f.name,
        kind: 'SlashInName',
        effect: 'Skipped',
        cause: `Exchange Online skips folders whose name contains "/"; the ${f.itemCount} items in it would not be migrated.`,
        itemCount: f.itemCount,
        sizeBytes: f.sizeBytes,
      });
    } else if (f.segments.length === 1 && EXCHANGE_RESERVED_FOLDER_NAMES.some((r) => r.toLowerCase() === f.segments[0].toLowerCase())) {
      issues.push({
        folderName: f.name,
        kind: 'ReservedName',
        effect: 'Rejected',
        cause: `"${f.name}" is a reserved folder name in Exchange Online ("Folder name is reserved"); rename it at the source.`,
        itemCount: f.itemCount,
        sizeBytes: f.sizeBytes,
      });
    }
  }
  return issues;
}

export interface UserScanInput {
  emailAddress: string;
  userName: string;
  limitBytes: number;
  connections: number;
  scan:
    | {
        ok: true;
        folders: { name: string; segments: string[]; itemCount: number; sizeBytes: number }[];
        largeItems: { folderName: string; size: number; subject: string; sender: string; dateSent: Date | null }[];
        method: 'list-status' | 'status' | 'fetch';
        roundTrips: number;
        durationMs: number;
      }
    | { ok: false; failure: PreflightFailure; roundTrips: number; durationMs: number };
}

export function buildUser(input: UserScanInput): PreflightUser {
  const base = {
    emailAddress: input.emailAddress,
    userName: input.userName,
    limitBytes: input.limitBytes,
    connections: input.connections,
    roundTrips: input.scan.roundTrips,
    durationMs: input.scan.durationMs,
  };
  if (!input.scan.ok) {
    return {
      ...base,
      status: 'Blocked',
      failure: input.scan.failure,
      folders: [],
      itemCount: 0,
      sizeBytes: 0,
      largeItems: [],
      folderIssues: [],
      itemsOverLimit: 0,
      method: null,
    };
  }
  const folders = input.scan.folders.map((f) => ({ name: f.name, itemCount: f.itemCount, sizeBytes: f.sizeBytes }));
  const itemCount = folders.reduce((a, f) => a + f.itemCount, 0);
  const sizeBytes = folders.reduce((a, f) => a + f.sizeBytes, 0);
  const largeItems = input.scan.largeItems
    .filter((i) => i.size > input.limitBytes)
    .map((i) => ({ ...i, fixableByRaisingLimit: i.size <= MAX_MESSAGE_SIZE_LIMIT_BYTES }));
  const folderIssues = folderIssuesFor(input.scan.folders);
  const itemsOverLimit = Math.max(0, itemCount - EXCHANGE_IMAP_MAX_ITEMS);
  const attention = largeItems.length > 0 || folderIssues.length > 0 || itemsOverLimit > 0;
  return {
    ...base,
    status: attention ? 'NeedsAttention' : 'Ready',
    failure: null,
    folders,
    itemCount,
    sizeBytes,
    largeItems,
    folderIssues,
    itemsOverLimit,
    method: input.scan.method,
  };
}

const MB = 1024 * 1024;

export function fixesFor(users: PreflightUser[]): PreflightFixes {
  const raiseLimits: RaiseLimitFix[] = [];
  const unfixableLargeItems: PreflightFixes['unfixableLargeItems'] = [];
  const excluded = new Map<string, { reason: string; users: number }>();
  for (const u of users) {
    const fixable = u.largeItems.filter((i) => i.fixableByRaisingLimit);
    if (fixable.length > 0) {
      const largest = Math.max(...fixable.map((i) => i.size));
      const newLimitBytes = Math.min(MAX_MESSAGE_SIZE_LIMIT_BYTES, Math.ceil((largest + 1) / MB) * MB);
      raiseLimits.push({ emailAddress: u.emailAddress, currentLimitBytes: u.limitBytes, newLimitBytes, itemsBroughtIn: fixable.length });
    }
    for (const i of u.largeItems.filter((x) => !x.fixableByRaisingLimit)) {
      unfixableLargeItems.push({ emailAddress: u.emailAddress, folderName: i.folderName, size: i.size, subject: i.subject });
    }
    for (const issue of u.folderIssues) {
      const key = issue.folderName.toLowerCase();
      const seen = excluded.get(key);
      if (seen) seen.users++;
      else excluded.set(key, { reason: issue.cause, users: 1 });
    }
  }
  const names = new Map(users.flatMap((u) => u.folderIssues.map((i) => [i.folderName.toLowerCase(), i.folderName] as const)));
  return {
    raiseLimits,
    unfixableLargeItems,
    excludeFolders: [...excluded].map(([k, v]) => ({ folderName: names.get(k) ?? k, reason: v.reason, users: v.users })),
    dropRows: users.filter((u) => u.status === 'Blocked' && u.failure?.kind !== 'Cancelled').map((u) => u.emailAddress),
  };
}

export function totalsOf(users: PreflightUser[]): PreflightTotals {
  return {
    users: users.length,
    ready: users.filter((u) => u.status === 'Ready').length,
    needsAttention: users.filter((u) => u.status === 'NeedsAttention').length,
    blocked: users.filter((u) => u.status === 'Blocked').length,
    items: users.reduce((a, u) => a + u.itemCount, 0),
    sizeBytes: users.reduce((a, u) => a + u.sizeBytes, 0),
    largeItems: users.reduce((a, u) => a + u.largeItems.length, 0),
    folders: users.reduce((a, u) => a + u.folders.length, 0),
  };
}

/**
 * Wall-clock estimate: each mailbox takes max(bytes / byte rate, items / item rate);
 * mailboxes run `concurrent` at a time (longest-first greedy schedule).
 */
export function estimateMigration(users: PreflightUser[], concurrent: number = ASSUMED_THROUGHPUT.concurrentMailboxes): MigrationEstimate {
  const t = ASSUMED_THROUGHPUT;
  const hours = users
    .filter((u) => u.status !== 'Blocked')
    .map((u) => Math.max(u.sizeBytes / t.bytesPerHourPerMailbox, Math.min(u.itemCount, EXCHANGE_IMAP_MAX_ITEMS) / t.itemsPerHourPerMailbox))
    .sort((a, b) => b - a);
  const lanes = new Array(Math.max(1, concurrent)).fill(0) as number[];
  for (const h of hours) {
    let min = 0;
    for (let i = 1; i < lanes.length; i++) if (lanes[i] < lanes[min]) min = i;
    lanes[min] += h;
  }
  return {
    hours: Math.round(Math.max(...lanes) * 100) / 100,
    assumption: `Assumes about ${t.bytesPerHourPerMailbox / MB} MB or ${t.itemsPerHourPerMailbox.toLocaleString('en-US')} items per hour per mailbox (whichever is slower) and ${concurrent} mailboxes at once; real speed depends on the source server and network.`,
  };
}

export function buildReport(input: {
  server: PreflightReport['server'];
  startedAt: Date;
  finishedAt: Date;
  cancelled: boolean;
  users: PreflightUser[];
  concurrentMigrations?: number;
  stats: PreflightReport['stats'];
}): PreflightReport {
  return {
    server: input.server,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    cancelled: input.cancelled,
    users: input.users,
    totals: totalsOf(input.users),
    estimate: estimateMigration(input.users, input.concurrentMigrations),
    fixes: fixesFor(input.users),
    stats: input.stats,
  };
}

// ---- CSV report (downloadable) ----

const CSV_COLUMNS = [
  'Record',
  'EmailAddress',
  'UserName',
  'Status',
  'Problem',
  'Cause',
  'Fix',
  'Folder',
  'Items',
  'SizeBytes',
  'Subject',
  'Sender',
  'Date',
] as const;

/** One row per user, then one per oversized item and per folder issue. No passwords. */
export function serializePreflightCsv(report: PreflightReport): Buffer {
  const lines: CsvValue[][] = [];
  const row = (vals: Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>) => lines.push(CSV_COLUMNS.map((c) => vals[c]));
  for (const u of report.users) {
    row({
      Record: 'User',
      EmailAddress: u.emailAddress,
      UserName: u.userName,
      Status: u.status,
      Problem: u.failure?.kind ?? (u.status === 'NeedsAttention' ? problemsOf(u) : ''),
      Cause: u.failure?.cause ?? '',
      Fix: u.failure?.fix ?? '',
      Items: u.itemCount,
      SizeBytes: u.sizeBytes,
    });
    for (const i of u.largeItems) {
      row({
        Record: 'LargeItem',
        EmailAddress: u.emailAddress,
        UserName: u.userName,
        Status: u.status,
        Problem: i.fixableByRaisingLimit ? 'OverReceiveLimit' : 'Over150MB',
        Cause: `Larger than the mailbox's ${u.limitBytes}-byte receive limit; Exchange will skip it.`,
        Fix: i.fixableByRaisingLimit ? 'Raise MaxReceiveSize/MaxSendSize for this user.' : 'Remove or split it at the source; no limit change helps.',
        Folder: i.folderName,
        SizeBytes: i.size,
        Subject: i.subject,
        Sender: i.sender,
        Date: i.dateSent ? i.dateSent.toISOString() : '',
      });
    }
    for (const f of u.folderIssues) {
      row({
        Record: 'FolderIssue',
        EmailAddress: u.emailAddress,
        UserName: u.userName,
        Status: u.status,
        Problem: f.kind,
        Cause: f.cause,
        Fix: f.kind === 'SlashInName' ? 'Rename the folder at the source, or exclude it.' : 'Rename the folder at the source.',
        Folder: f.folderName,
        Items: f.itemCount,
        SizeBytes: f.sizeBytes,
      });
    }
  }
  return exportCsv(CSV_COLUMNS, lines);
}

function problemsOf(u: PreflightUser): string {
  const p: string[] = [];
  if (u.largeItems.length) p.push('LargeItems');
  if (u.folderIssues.length) p.push('FolderNames');
  if (u.itemsOverLimit) p.push('ItemLimit');
  return p.join(' ');
}
