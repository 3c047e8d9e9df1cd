// Exchange Online's migration vocabulary, as typed values.
// Field names follow the cmdlet output (Get-MigrationBatch, Get-MigrationUser, ...)
// so a reader can hold a card next to PowerShell output and see the same words.
// These are parsed values: dates are Date objects, sizes are byte counts.
// The wire shapes (strings with "@data.type" siblings) live only in the REST adapter
// and the emulator's serializer.

import type { MigrationCsvRow } from '../csv/migrationRow';

/** Batch statuses Exchange reports (PS spells SyncedwithErrors; the service returns SyncedWithErrors). */
export const BATCH_STATUSES = [
  'Created',
  'Starting',
  'Syncing',
  'Synced',
  'SyncedWithErrors',
  'IncrementalSyncing',
  'Stopping',
  'Stopped',
  'Completing',
  'Completed',
  'CompletedWithErrors',
  'Failed',
  'Removing',
  'Corrupted',
  'Waiting',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Migration user statuses (21 values, grouped by StatusSummary). */
export const MIGRATION_USER_STATUSES = [
  'Validating',
  'Provisioning',
  'ProvisionUpdating',
  'Queued',
  'Syncing',
  'Completing',
  'Starting',
  'Stopping',
  'Removing',
  'Synced',
  'IncrementalSyncing',
  'CompletionSynced',
  'Completed',
  'Failed',
  'IncrementalFailed',
  'CompletionFailed',
  'CompletedWithWarnings',
  'Corrupted',
  'Stopped',
  'IncrementalStopped',
  'IncrementalSynced',
] as const;
export type MigrationUserStatus = (typeof MIGRATION_USER_STATUSES)[number];

export type MigrationUserStatusSummary = 'Active' | 'Synced' | 'Completed' | 'Failed' | 'Stopped' | 'None';

export type EndpointSecurity = 'None' | 'Ssl' | 'Tls';

export interface MigrationEndpoint extends ImapServer {
  identity: string;
  endpointType: string; // 'IMAP'
  authentication: string; // 'Basic' | 'NTLM'
  maxConcurrentMigrations: number;
  maxConcurrentIncrementalSyncs: number;
  activeMigrationCount: number;
  guid: string;
}

/**
 * The IMAP server an endpoint reads from, as a typed value (named as Exchange names it, so a
 * MigrationEndpoint is one). Kept and passed as this, never as "host:port" text to split again.
 */
export interface ImapServer {
  remoteServer: string;
  port: number;
  security: EndpointSecurity;
}

/** Just the server of an endpoint (what is kept with an upload, say). */
export function imapServerOf(e: ImapServer): ImapServer {
  return { remoteServer: e.remoteServer, port: e.port, security: e.security };
}

/** A parsed value from something stored; null when it is not an ImapServer. */
export function asImapServer(x: unknown): ImapServer | null {
  if (x === null || typeof x !== 'object') return null;
  const o = x as Record<string, unknown>;
  const security = o.security;
  if (typeof o.remoteServer !== 'string' || typeof o.port !== 'number' || !(security === 'None' || security === 'Ssl' || security === 'Tls')) return null;
  return { remoteServer: o.remoteServer, port: o.port, security };
}

export interface NewImapEndpointInput extends ImapServer {
  name: string;
  acceptUntrustedCertificates?: boolean;
  maxConcurrentMigrations?: number;
  maxConcurrentIncrementalSyncs?: number;
}

export interface ServerAvailabilityResult {
  result: 'Success' | 'Failed' | 'Warning';
  message: string;
  errorDetail: string | null;
}

export interface MigrationBatch {
  identity: string;
  status: BatchStatus;
  batchGuid: string;
  migrationType: string; // 'IMAP'
  sourceEndpoint: string | null;
  notificationEmails: string[];
  excludedFolders: string[];
  submittedByUser: string | null;
  totalCount: number;
  activeCount: number;
  stoppedCount: number;
  syncedCount: number;
  finalizedCount: number;
  failedCount: number;
  failedInitialSyncCount: number;
  failedIncrementalSyncCount: number;
  pendingCount: number;
  provisionedCount: number;
  creationDateTime: Date | null;
  startDateTime: Date | null;
  initialSyncDateTime: Date | null;
  lastSyncedDateTime: Date | null;
  /** -StartAfter (UTC): a Created batch starts by itself then. */
  startAfter?: Date | null;
  message: string | null;
}

export interface NewImapBatchInput {
  name: string;
  sourceEndpoint: string;
  /** The migration users, passwords as Secrets: the adapter writes Exchange's CSV (-CSVData) from them. */
  rows: readonly MigrationCsvRow[];
  excludeFolders?: string[];
  autoStart?: boolean;
  /** -StartAfter, sent in UTC: the batch waits in Created until then and starts by itself. */
  startAfter?: Date;
  notificationEmails?: string[];
}

export interface MigrationUser {
  identity: string; // the email address
  guid: string;
  batchId: string;
  emailAddress: string;
  recipientType: string;
  status: MigrationUserStatus;
  statusSummary: MigrationUserStatusSummary;
  syncedItemCount: number;
  skippedItemCount: number;
  mailboxGuid: string | null;
  requestGuid: string | null;
  lastSuccessfulSyncTime: Date | null;
  lastSubscriptionCheckTime: Date | null;
  errorSummary: string | null;
}

export interface SkippedItem {
  kind: string; // 'LargeItem' | 'CorruptItem' | ...
  folderName: string;
  subject: string;
  sender: string;
  dateSent: Date | null;
  messageSize: number;
  failure: string;
}

export interface MigrationUserStatistics extends MigrationUser {
  totalItemsInSourceMailboxCount: number | null;
  percentageComplete: number;
  error: string | null;
  migrationType: string;
  initialSeedingCompletedTime: Date | null;
  lastUpdatedTime: Date | null;
  skippedItems: SkippedItem[];
  report: string | null;
  diagnosticInfo: string | null;
}

export interface SyncRequest {
  identity: string;
  mailbox: string;
  status: string;
  batchName: string | null;
  remoteServerName: string;
  requestGuid: string;
}

export interface SyncRequestStatistics {
  identity: string;
  status: string;
  statusDetail: string;
  percentComplete: number;
  itemsTransferred: number;
  bytesTransferred: number | null;
  /** LastUpdateTimestamp (documented; SyncRequestStatistics has no "last successful sync" field). */
  lastUpdateTimestamp: Date | null;
  /** When the last sync succeeded, derived: LastUpdateTimestamp of a Synced request with no later FailureTimestamp. */
  lastSyncedTimestamp: Date | null;
  dataConsistencyScore: string | null;
  failureType: string | null;
  message: string | null;
}

export interface Mailbox {
  identity: string;
  displayName: string;
  primarySmtpAddress: string;
  userPrincipalName: string;
  guid: string;
  recipientTypeDetails: string;
  maxReceiveSize: number; // bytes
  maxSendSize: number; // bytes
  emailAddresses: string[];
}

/** Exchange's ceiling for MaxReceiveSize / MaxSendSize. */
export const MAX_MESSAGE_SIZE_LIMIT_BYTES = 150 * 1024 * 1024;
/** Exchange Online's default receive limit on a new mailbox (36 MB) and the IMAP item ceiling (35 MB). */
export const DEFAULT_IMAP_ITEM_LIMIT_BYTES = 35 * 1024 * 1024;
/** An untouched Synced batch is stopped after 60 days without admin action. */
export const BATCH_LIFETIME_DAYS = 60;
/** Exchange's per-tenant batch count limit. */
export const MAX_BATCHES_PER_TENANT = 100;
/** Exchange's CSV limits. */
export const CSV_MAX_ROWS = 50_000;
export const CSV_MAX_BYTES = 10 * 1024 * 1024;
