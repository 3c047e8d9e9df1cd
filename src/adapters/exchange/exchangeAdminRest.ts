import {
  BATCH_STATUSES,
  MIGRATION_USER_STATUSES,
  type BatchStatus,
  type EndpointSecurity,
  type ImapServer,
  type Mailbox,
  type MigrationBatch,
  type MigrationEndpoint,
  type MigrationUser,
  type MigrationUserStatistics,
  type MigrationUserStatus,
  type MigrationUserStatusSummary,
  type NewImapBatchInput,
  type NewImapEndpointInput,
  type ServerAvailabilityResult,
  type SkippedItem,
  type SyncRequest,
  type SyncRequestStatistics,
} from '../../domain/exchange/types';
import { serializeMigrationCsv, type MigrationCsvRow } from '../../domain/csv/migrationCsv';
import { ExchangeError, IncompleteListError, type ExchangeAdmin, type MailboxPermission, type ServicePrincipal } from '../../ports/exchange';
import type { InvokeCommandClient, InvokeOptions } from './invokeCommandClient';
import { dateField, field, parseByteSize, parseEnum, parseNumber, parseString, parseStringArray, type WireRow } from './wire';

/** The slice of InvokeCommandClient the adapter needs (kept narrow so callers can wrap it, e.g. to log). */
export type CmdletInvoker = Pick<InvokeCommandClient, 'invoke'>;

const UNLIMITED: InvokeOptions = { resultSize: 'Unlimited' };
/** One page: the module's page size, and the most Exchange hands over when it refuses next links. */
const PAGE = 1000;

/** StatusSummary groups, largest last (exchange-online.md §2.4); IncrementalSynced is in none of them. */
const SPLIT_SUMMARIES: readonly MigrationUserStatusSummary[] = ['Failed', 'Stopped', 'Active', 'Completed', 'Synced'];
/** The -Status values inside each StatusSummary (decompiled map, exo-captures/16-…). */
const STATUSES_BY_SUMMARY: Partial<Record<MigrationUserStatusSummary, readonly MigrationUserStatus[]>> = {
  Active: ['Validating', 'Provisioning', 'ProvisionUpdating', 'Queued', 'Syncing', 'Completing', 'Starting', 'Stopping', 'Removing'],
  Synced: ['Synced', 'IncrementalSyncing', 'CompletionSynced'],
  Completed: ['Completed'],
  Failed: ['Failed', 'IncrementalFailed', 'CompletionFailed', 'CompletedWithWarnings', 'Corrupted'],
  Stopped: ['Stopped', 'IncrementalStopped'],
};

const USER_STATUS_SUMMARIES: readonly MigrationUserStatusSummary[] = ['Active', 'Synced', 'Completed', 'Failed', 'Stopped', 'None'];

// Wire-row readers. Field names are the cmdlet's PascalCase properties.
const s = (row: WireRow, name: string): string | null => parseString(field(row, name));
const sReq = (row: WireRow, name: string): string => s(row, name) ?? '';
const n = (row: WireRow, name: string): number => parseNumber(field(row, name)) ?? 0;
const nOpt = (row: WireRow, name: string): number | null => parseNumber(field(row, name));
const arr = (row: WireRow, name: string): string[] => parseStringArray(field(row, name));

/** Bytes from a ByteQuantifiedSize; "Unlimited" → Infinity (Exchange caps real mailboxes at 150 MB). */
function bytes(row: WireRow, name: string): number {
  const v = parseByteSize(field(row, name));
  if (v === 'Unlimited') return Number.POSITIVE_INFINITY;
  return v ?? 0;
}

/** Enum by canonical spelling; an unknown value is kept verbatim rather than lost. */
function enumOf<T extends string>(row: WireRow, name: string, allowed: readonly T[], fallback: T): T {
  const raw = field(row, name);
  return parseEnum(raw, allowed) ?? (parseString(raw) as T | null) ?? fallback;
}

export function toMigrationEndpoint(row: WireRow): MigrationEndpoint {
  return {
    identity: sReq(row, 'Identity'),
    endpointType: sReq(row, 'EndpointType'),
    remoteServer: sReq(row, 'RemoteServer'),
    port: n(row, 'Port'),
    security: enumOf<EndpointSecurity>(row, 'Security', ['None', 'Ssl', 'Tls'], 'None'),
    authentication: sReq(row, 'Authentication'),
    maxConcurrentMigrations: n(row, 'MaxConcurrentMigrations'),
    maxConcurrentIncrementalSyncs: n(row, 'MaxConcurrentIncrementalSyncs'),
    activeMigrationCount: n(row, 'ActiveMigrationCount'),
    guid: sReq(row, 'Guid'),
  };
}

export function toServerAvailability(row: WireRow): ServerAvailabilityResult {
  return {
    result: enumOf(row, 'Result', ['Success', 'Failed', 'Warning'] as const, 'Failed'),
    message: sReq(row, 'Message'),
    errorDetail: s(row, 'ErrorDetail'),
  };
}

export function toMigrationBatch(row: WireRow): MigrationBatch {
  return {
    identity: sReq(row, 'Identity'),
    status: enumOf<BatchStatus>(row, 'Status', BATCH_STATUSES, 'Created'),
    batchGuid: sReq(row, 'BatchGuid'),
    migrationType: sReq(row, 'MigrationType'),
    sourceEndpoint: s(row, 'SourceEndpoint'),
    notificationEmails: arr(row, 'NotificationEmails'),
    excludedFolders: arr(row, 'ExcludedFolders'),
    submittedByUser: s(row, 'SubmittedByUser'),
    totalCount: n(row, 'TotalCount'),
    activeCount: n(row, 'ActiveCount'),
    stoppedCount: n(row, 'StoppedCount'),
    syncedCount: n(row, 'SyncedCount'),
    finalizedCount: n(row, 'FinalizedCount'),
    failedCount: n(row, 'FailedCount'),
    failedInitialSyncCount: n(row, 'FailedInitialSyncCount'),
    failedIncrementalSyncCount: n(row, 'FailedIncrementalSyncCount'),
    pendingCount: n(row, 'PendingCount'),
    provisionedCount: n(row, 'ProvisionedCount'),
    creationDateTime: dateField(row, 'CreationDateTime'),
    startDateTime: dateField(row, 'StartDateTime'),
    initialSyncDateTime: dateField(row, 'InitialSyncDateTime'),
    lastSyncedDateTime: dateField(row, 'LastSyncedDateTime'),
    startAfter: dateField(row, 'StartAfter'),
    message: s(row, 'Message') || null,
  };
}

export function toMigrationUser(row: WireRow): MigrationUser {
  const identity = sReq(row, 'Identity');
  return {
    identity,
    guid: sReq(row, 'Guid'),
    batchId: sReq(row, 'BatchId'),
    // EmailAddress is reported absent on the REST surface (exo-captures/16-…): MailboxEmailAddress, then Identity.
    emailAddress: s(row, 'EmailAddress') || s(row, 'MailboxEmailAddress') || identity,
    recipientType: sReq(row, 'RecipientType'),
    status: enumOf<MigrationUserStatus>(row, 'Status', MIGRATION_USER_STATUSES, 'Queued'),
    statusSummary: enumOf(row, 'StatusSummary', USER_STATUS_SUMMARIES, 'None'),
    syncedItemCount: n(row, 'SyncedItemCount'),
    skippedItemCount: n(row, 'SkippedItemCount'),
    mailboxGuid: s(row, 'MailboxGuid'),
    requestGuid: s(row, 'RequestGuid'),
    lastSuccessfulSyncTime: dateField(row, 'LastSuccessfulSyncTime'),
    lastSubscriptionCheckTime: dateField(row, 'LastSubscriptionCheckTime'),
    errorSummary: s(row, 'ErrorSummary') || null,
  };
}

function toSkippedItem(value: unknown): SkippedItem {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const row = value as WireRow;
    return {
      kind: sReq(row, 'Kind'),
      folderName: sReq(row, 'FolderName'),
      subject: sReq(row, 'Subject'),
      sender: sReq(row, 'Sender'),
      dateSent: dateField(row, 'DateSent'),
      messageSize: (() => {
        const b = parseByteSize(field(row, 'MessageSize'));
        return typeof b === 'number' ? b : 0;
      })(),
      failure: sReq(row, 'Failure'),
    };
  }
  // Flattened to a string by the serializer: keep the text where an admin will read it.
  return { kind: '', folderName: '', subject: parseString(value) ?? '', sender: '', dateSent: null, messageSize: 0, failure: '' };
}

export function toMigrationUserStatistics(row: WireRow): MigrationUserStatistics {
  const skipped = field(row, 'SkippedItems');
  return {
    ...toMigrationUser(row),
    totalItemsInSourceMailboxCount: nOpt(row, 'TotalItemsInSourceMailboxCount'),
    percentageComplete: n(row, 'PercentageComplete'),
    error: s(row, 'Error') || null,
    migrationType: sReq(row, 'MigrationType'),
    initialSeedingCompletedTime: dateField(row, 'InitialSeedingCompletedTime'),
    lastUpdatedTime: dateField(row, 'LastUpdatedTime'),
    skippedItems: Array.isArray(skipped) ? skipped.map(toSkippedItem) : [],
    report: s(row, 'Report') || null,
    diagnosticInfo: s(row, 'DiagnosticInfo') || null,
  };
}

export function toSyncRequest(row: WireRow): SyncRequest {
  return {
    identity: sReq(row, 'Identity'),
    mailbox: sReq(row, 'Mailbox'),
    status: sReq(row, 'Status'),
    batchName: s(row, 'BatchName') || null,
    remoteServerName: sReq(row, 'RemoteServerName'),
    requestGuid: sReq(row, 'RequestGuid'),
  };
}

export function toSyncRequestStatistics(row: WireRow): SyncRequestStatistics {
  const transferred = parseByteSize(field(row, 'BytesTransferred'));
  const status = sReq(row, 'Status');
  const lastUpdate = dateField(row, 'LastUpdateTimestamp');
  const failedAt = dateField(row, 'FailureTimestamp');
  return {
    identity: sReq(row, 'Identity'),
    status,
    statusDetail: sReq(row, 'StatusDetail'),
    percentComplete: n(row, 'PercentComplete'),
    itemsTransferred: n(row, 'ItemsTransferred'),
    bytesTransferred: typeof transferred === 'number' ? transferred : null,
    lastUpdateTimestamp: lastUpdate,
    lastSyncedTimestamp: lastUpdate && /^synced$/i.test(status) && !(failedAt && failedAt.getTime() >= lastUpdate.getTime()) ? lastUpdate : null,
    dataConsistencyScore: s(row, 'DataConsistencyScore') || null,
    failureType: s(row, 'FailureType') || null,
    message: s(row, 'Message') || null,
  };
}

export function toMailbox(row: WireRow): Mailbox {
  return {
    identity: sReq(row, 'Identity'),
    displayName: sReq(row, 'DisplayName'),
    primarySmtpAddress: sReq(row, 'PrimarySmtpAddress'),
    userPrincipalName: sReq(row, 'UserPrincipalName'),
    guid: s(row, 'Guid') ?? sReq(row, 'ExchangeGuid'),
    recipientTypeDetails: sReq(row, 'RecipientTypeDetails'),
    maxReceiveSize: bytes(row, 'MaxReceiveSize'),
    maxSendSize: bytes(row, 'MaxSendSize'),
    emailAddresses: arr(row, 'EmailAddresses'),
  };
}

/** A ByteQuantifiedSize as Set-Mailbox accepts it: "150MB", "512KB", or bare bytes. */
export function formatByteSize(bytesValue: number): string {
  if (!Number.isInteger(bytesValue) || bytesValue < 0) {
    throw new RangeError(`Size must be a whole, non-negative number of bytes (got ${bytesValue})`);
  }
  if (bytesValue > 0 && bytesValue % (1024 * 1024) === 0) return `${bytesValue / (1024 * 1024)}MB`;
  if (bytesValue > 0 && bytesValue % 1024 === 0) return `${bytesValue / 1024}KB`;
  return String(bytesValue);
}

/** Exchange said "not found" (404 or ManagementObjectNotFoundException). */
function isNotFound(e: unknown): boolean {
  return e instanceof ExchangeError && e.isNotFound;
}

/**
 * ExchangeAdmin over InvokeCommand. One method = one cmdlet; the same code runs
 * against Exchange Online and the local emulator.
 */
export class ExchangeAdminRest implements ExchangeAdmin {
  constructor(private readonly client: CmdletInvoker) {}

  /** A single-object Get: null when Exchange says not found or returns no row. */
  private async getOne<T>(cmdlet: string, parameters: Record<string, unknown>, map: (row: WireRow) => T, options?: InvokeOptions): Promise<T | null> {
    // Never send an empty Identity: Exchange would return every object.
    const identity = parameters.Identity;
    if (typeof identity === 'string' && identity.trim() === '') return null;
    try {
      const rows = await this.client.invoke(cmdlet, parameters, options);
      return rows.length ? map(rows[0]) : null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** A cmdlet that must return the object it made. */
  private async one<T>(cmdlet: string, parameters: Record<string, unknown>, map: (row: WireRow) => T): Promise<T> {
    const rows = await this.client.invoke(cmdlet, parameters);
    if (!rows.length) {
      throw new ExchangeError(`${cmdlet} returned no object`, cmdlet, 200, 'EmptyResult', null, null);
    }
    return map(rows[0]);
  }

  private requireIdentity(cmdlet: string, identity: string): void {
    if (typeof identity !== 'string' || identity.trim() === '') {
      // Exchange treats a missing Identity as "all": refuse rather than act on everything.
      throw new ExchangeError(`${cmdlet} needs an Identity`, cmdlet, 400, 'MissingIdentity', null, null);
    }
  }

  private async run(cmdlet: string, parameters: Record<string, unknown>): Promise<void> {
    if ('Identity' in parameters) this.requireIdentity(cmdlet, parameters.Identity as string);
    await this.client.invoke(cmdlet, parameters);
  }

  // Endpoints

  async getMigrationEndpoints(): Promise<MigrationEndpoint[]> {
    return (await this.client.invoke('Get-MigrationEndpoint', {})).map(toMigrationEndpoint);
  }

  getMigrationEndpoint(identity: string): Promise<MigrationEndpoint | null> {
    return this.getOne('Get-MigrationEndpoint', { Identity: identity }, toMigrationEndpoint);
  }

  newImapMigrationEndpoint(input: NewImapEndpointInput): Promise<MigrationEndpoint> {
    return this.one(
      'New-MigrationEndpoint',
      {
        IMAP: true,
        Name: input.name,
        RemoteServer: input.remoteServer,
        Port: input.port,
        Security: input.security,
        AcceptUntrustedCertificates: input.acceptUntrustedCertificates,
        MaxConcurrentMigrations: input.maxConcurrentMigrations,
        MaxConcurrentIncrementalSyncs: input.maxConcurrentIncrementalSyncs,
      },
      toMigrationEndpoint,
    );
  }

  removeMigrationEndpoint(identity: string): Promise<void> {
    return this.run('Remove-MigrationEndpoint', { Identity: identity, Confirm: false });
  }

  testImapServerAvailability(input: ImapServer & { acceptUntrustedCertificates?: boolean }): Promise<ServerAvailabilityResult> {
    return this.one(
      'Test-MigrationServerAvailability',
      {
        Imap: true,
        RemoteServer: input.remoteServer,
        Port: input.port,
        Security: input.security,
        AcceptUntrustedCertificates: input.acceptUntrustedCertificates,
      },
      toServerAvailability,
    );
  }

  testEndpointAvailability(endpoint: string): Promise<ServerAvailabilityResult> {
    return this.one('Test-MigrationServerAvailability', { Endpoint: endpoint }, toServerAvailability);
  }

  // Batches

  async getMigrationBatches(): Promise<MigrationBatch[]> {
    return (await this.client.invoke('Get-MigrationBatch', {}, UNLIMITED)).map(toMigrationBatch);
  }

  getMigrationBatch(identity: string): Promise<MigrationBatch | null> {
    return this.getOne('Get-MigrationBatch', { Identity: identity }, toMigrationBatch, UNLIMITED);
  }

  async newImapMigrationBatch(input: NewImapBatchInput): Promise<MigrationBatch> {
    const csv = serializeMigrationCsv(input.rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await this.client.invoke(
        'New-MigrationBatch',
        {
          Name: input.name,
          SourceEndpoint: input.sourceEndpoint,
          CSVData: csv,
          ExcludeFolders: input.excludeFolders?.length ? input.excludeFolders : undefined,
          AutoStart: input.autoStart ? true : undefined,
          // UTC on the wire, with its Z: Exchange takes a time without an offset as UTC too.
          StartAfter: input.startAfter ? input.startAfter.toISOString() : undefined,
          NotificationEmails: input.notificationEmails?.length ? input.notificationEmails : undefined,
        },
        { secrets: input.rows.map((r) => r.password) },
      );
    } finally {
      csv.fill(0);
    }
    if (rows.length) return toMigrationBatch(rows[0]);
    // Some answers carry no object: read the batch back by name.
    const batch = await this.getMigrationBatch(input.name);
    if (!batch) {
      throw new ExchangeError(
        `New-MigrationBatch returned no batch and '${input.name}' cannot be read back`,
        'New-MigrationBatch',
        200,
        'EmptyResult',
        null,
        null,
      );
    }
    return batch;
  }

  startMigrationBatch(identity: string): Promise<void> {
    return this.run('Start-MigrationBatch', { Identity: identity });
  }

  stopMigrationBatch(identity: string): Promise<void> {
    return this.run('Stop-MigrationBatch', { Identity: identity, Confirm: false });
  }

  syncMigrationBatchNow(identity: string): Promise<void> {
    return this.run('Set-MigrationBatch', { Identity: identity, SyncNow: true });
  }

  async addUsersToMigrationBatch(identity: string, users: readonly MigrationCsvRow[]): Promise<void> {
    this.requireIdentity('Set-MigrationBatch', identity);
    const csv = serializeMigrationCsv(users);
    try {
      await this.client.invoke('Set-MigrationBatch', { Identity: identity, AddUsers: true, CSVData: csv }, { secrets: users.map((r) => r.password) });
    } finally {
      csv.fill(0);
    }
  }

  removeMigrationBatch(identity: string): Promise<void> {
    return this.run('Remove-MigrationBatch', { Identity: identity, Confirm: false });
  }

  completeMigrationBatch(identity: string): Promise<void> {
    return this.run('Complete-MigrationBatch', { Identity: identity, Confirm: false });
  }

  // Migration users

  async getMigrationUsers(options?: { batchId?: string; statusSummary?: MigrationUserStatusSummary; resultSize?: number }): Promise<MigrationUser[]> {
    const batchId = options?.batchId?.trim();
    const params: Record<string, unknown> = batchId ? { BatchId: batchId } : {};
    if (options?.statusSummary) params.StatusSummary = options.statusSummary;
    try {
      const rows = await this.client.invoke('Get-MigrationUser', params, options?.resultSize ? { resultSize: options.resultSize } : UNLIMITED);
      return rows.map(toMigrationUser);
    } catch (e) {
      if (!(e instanceof IncompleteListError)) throw e;
      // A bounded read that Exchange cut short: what was read, as users.
      if (options?.resultSize) throw withUsers(e);
      // Exchange may refuse every next link (measured app-only: "Expired or Invalid pagination request"),
      // so a list over one page is read in single pages: by StatusSummary group, then by -Status.
      return this.migrationUsersInSinglePages(params, options?.statusSummary);
    }
  }

  /** One page (at most PAGE rows) of Get-MigrationUser; `full` when the page may not hold them all. */
  private async migrationUserPage(params: Record<string, unknown>): Promise<{ users: MigrationUser[]; full: boolean }> {
    try {
      const rows = await this.client.invoke('Get-MigrationUser', params, { resultSize: PAGE });
      return { users: rows.map(toMigrationUser), full: rows.length >= PAGE };
    } catch (e) {
      if (e instanceof IncompleteListError) return { users: (e.partial as WireRow[]).map(toMigrationUser), full: true };
      throw e;
    }
  }

  private async migrationUsersInSinglePages(base: Record<string, unknown>, only?: MigrationUserStatusSummary): Promise<MigrationUser[]> {
    const found = new Map<string, MigrationUser>();
    let complete = true;
    const add = (users: MigrationUser[]) => users.forEach((u) => found.set(u.identity.toLowerCase(), u));
    for (const summary of only ? (only === 'None' ? [] : [only]) : SPLIT_SUMMARIES) {
      const group = await this.migrationUserPage({ ...base, StatusSummary: summary });
      add(group.users);
      if (!group.full) continue;
      for (const status of STATUSES_BY_SUMMARY[summary] ?? []) {
        const part = await this.migrationUserPage({ ...base, Status: status });
        add(part.users);
        if (part.full) complete = false;
      }
    }
    if (!only || only === 'None') {
      // IncrementalSynced belongs to no StatusSummary group (§2.4): asked by -Status.
      const loose = await this.migrationUserPage({ ...base, Status: 'IncrementalSynced' });
      add(loose.users);
      if (loose.full) complete = false;
    }
    const users = [...found.values()];
    if (complete) return users;
    throw new IncompleteListError(
      `Exchange handed over ${users.length} migration users${base.BatchId ? ` of batch ${String(base.BatchId)}` : ''} and refused to page further ` +
        '(Exchange answers at most one page of 1,000 per request). The list is incomplete.',
      'Get-MigrationUser',
      200,
      null,
      users.length,
      users,
    );
  }

  getMigrationUser(identity: string): Promise<MigrationUser | null> {
    return this.getOne('Get-MigrationUser', { Identity: identity }, toMigrationUser, UNLIMITED);
  }

  getMigrationUserStatistics(
    identity: string,
    options?: { includeSkippedItems?: boolean; includeReport?: boolean; diagnosticInfo?: boolean },
  ): Promise<MigrationUserStatistics | null> {
    return this.getOne(
      'Get-MigrationUserStatistics',
      {
        Identity: identity,
        IncludeSkippedItems: options?.includeSkippedItems ? true : undefined,
        IncludeReport: options?.includeReport ? true : undefined,
        // -DiagnosticInfo is a string parameter; "Verbose" is what support asks for.
        DiagnosticInfo: options?.diagnosticInfo ? 'Verbose' : undefined,
      },
      toMigrationUserStatistics,
    );
  }

  removeMigrationUser(identity: string): Promise<void> {
    return this.run('Remove-MigrationUser', { Identity: identity, Confirm: false });
  }

  // Sync requests

  async getSyncRequests(mailbox: string): Promise<SyncRequest[]> {
    if (!mailbox || mailbox.trim() === '') return [];
    try {
      return (await this.client.invoke('Get-SyncRequest', { Mailbox: mailbox }, UNLIMITED)).map(toSyncRequest);
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  }

  getSyncRequestStatistics(identity: string): Promise<SyncRequestStatistics | null> {
    return this.getOne('Get-SyncRequestStatistics', { Identity: identity }, toSyncRequestStatistics);
  }

  // Mailboxes

  getMailbox(identity: string): Promise<Mailbox | null> {
    return this.getOne('Get-Mailbox', { Identity: identity }, toMailbox);
  }

  async getMailboxes(): Promise<Mailbox[]> {
    // Only what the CSV check needs: a big tenant's full rows are heavy.
    try {
      const rows = await this.client.invoke(
        'Get-Mailbox',
        { RecipientTypeDetails: 'UserMailbox' },
        {
          ...UNLIMITED,
          select: [
            'Identity',
            'DisplayName',
            'PrimarySmtpAddress',
            'UserPrincipalName',
            'Guid',
            'RecipientTypeDetails',
            'MaxReceiveSize',
            'MaxSendSize',
            'EmailAddresses',
          ],
        },
      );
      return rows.map(toMailbox);
    } catch (e) {
      // Part of the tenant (Exchange refused the next page): the mailboxes read, as mailboxes.
      if (e instanceof IncompleteListError) {
        throw new IncompleteListError(e.message, e.cmdlet, e.httpStatus, e.errorId, e.rowsRead, (e.partial as WireRow[]).map(toMailbox));
      }
      throw e;
    }
  }

  async setMailboxSizeLimits(identity: string, limits: { maxReceiveSize?: number; maxSendSize?: number }): Promise<void> {
    const parameters: Record<string, unknown> = { Identity: identity };
    if (limits.maxReceiveSize !== undefined) parameters.MaxReceiveSize = formatByteSize(limits.maxReceiveSize);
    if (limits.maxSendSize !== undefined) parameters.MaxSendSize = formatByteSize(limits.maxSendSize);
    if (Object.keys(parameters).length === 1) return;
    await this.run('Set-Mailbox', parameters);
  }

  // Service principal and mailbox permissions (app-only IMAP, reference §4.1)

  getServicePrincipal(identity: string): Promise<ServicePrincipal | null> {
    return this.getOne('Get-ServicePrincipal', { Identity: identity }, toServicePrincipal);
  }

  newServicePrincipal(input: { appId: string; objectId: string; displayName?: string }): Promise<ServicePrincipal> {
    return this.one('New-ServicePrincipal', { AppId: input.appId, ObjectId: input.objectId, DisplayName: input.displayName }, toServicePrincipal);
  }

  removeServicePrincipal(identity: string): Promise<void> {
    return this.run('Remove-ServicePrincipal', { Identity: identity, Confirm: false });
  }

  async addMailboxFullAccess(mailbox: string, user: string): Promise<void> {
    this.requireIdentity('Add-MailboxPermission', mailbox);
    await this.client.invoke('Add-MailboxPermission', {
      Identity: mailbox,
      User: user,
      AccessRights: ['FullAccess'],
      InheritanceType: 'All',
      AutoMapping: false,
    });
  }

  async getMailboxPermissions(mailbox: string, user?: string): Promise<MailboxPermission[]> {
    this.requireIdentity('Get-MailboxPermission', mailbox);
    const rows = await this.client.invoke('Get-MailboxPermission', user ? { Identity: mailbox, User: user } : { Identity: mailbox });
    return rows.map(toMailboxPermission);
  }

  async removeMailboxFullAccess(mailbox: string, user: string): Promise<void> {
    this.requireIdentity('Remove-MailboxPermission', mailbox);
    await this.client.invoke('Remove-MailboxPermission', { Identity: mailbox, User: user, AccessRights: ['FullAccess'], Confirm: false });
  }
}

/** The same incomplete list, its partial rows mapped to migration users. */
function withUsers(e: IncompleteListError): IncompleteListError {
  return new IncompleteListError(e.message, e.cmdlet, e.httpStatus, e.errorId, e.rowsRead, (e.partial as WireRow[]).map(toMigrationUser));
}

export function toServicePrincipal(row: WireRow): ServicePrincipal {
  const objectId = s(row, 'ObjectId') ?? s(row, 'ServiceId') ?? sReq(row, 'Identity');
  return { identity: s(row, 'Identity') ?? objectId, appId: sReq(row, 'AppId'), objectId, displayName: s(row, 'DisplayName') ?? objectId };
}

export function toMailboxPermission(row: WireRow): MailboxPermission {
  return {
    identity: sReq(row, 'Identity'),
    user: sReq(row, 'User'),
    accessRights: arr(row, 'AccessRights'),
    isInherited: field(row, 'IsInherited') === true,
    deny: field(row, 'Deny') === true,
  };
}
