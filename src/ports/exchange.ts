import type {
  ImapServer,
  Mailbox,
  MigrationBatch,
  MigrationEndpoint,
  MigrationUser,
  MigrationUserStatistics,
  MigrationUserStatusSummary,
  NewImapBatchInput,
  NewImapEndpointInput,
  ServerAvailabilityResult,
  SyncRequest,
  SyncRequestStatistics,
} from '../domain/exchange/types';
import type { MigrationCsvRow } from '../domain/csv/migrationRow';

/**
 * What Cutover asks of Exchange Online, one method per cmdlet it uses.
 * Implemented by the InvokeCommand REST adapter; in local mode the same adapter
 * talks to the built-in emulator, so there is no second implementation.
 *
 * Every method either resolves or throws an ExchangeError (below).
 * "Get" methods for a single object resolve null when Exchange says it was not found.
 */
export interface ExchangeAdmin {
  // Endpoints
  getMigrationEndpoints(): Promise<MigrationEndpoint[]>;
  getMigrationEndpoint(identity: string): Promise<MigrationEndpoint | null>;
  newImapMigrationEndpoint(input: NewImapEndpointInput): Promise<MigrationEndpoint>;
  removeMigrationEndpoint(identity: string): Promise<void>;
  testImapServerAvailability(input: ImapServer & { acceptUntrustedCertificates?: boolean }): Promise<ServerAvailabilityResult>;
  testEndpointAvailability(endpoint: string): Promise<ServerAvailabilityResult>;

  // Batches
  getMigrationBatches(): Promise<MigrationBatch[]>;
  getMigrationBatch(identity: string): Promise<MigrationBatch | null>;
  newImapMigrationBatch(input: NewImapBatchInput): Promise<MigrationBatch>;
  startMigrationBatch(identity: string): Promise<void>;
  stopMigrationBatch(identity: string): Promise<void>;
  /** Set-MigrationBatch -SyncNow: an incremental sync now instead of in ~24 h. */
  syncMigrationBatchNow(identity: string): Promise<void>;
  /** Set-MigrationBatch -AddUsers -CSVData (the adapter writes the CSV from the rows). */
  addUsersToMigrationBatch(identity: string, rows: readonly MigrationCsvRow[]): Promise<void>;
  removeMigrationBatch(identity: string): Promise<void>;
  completeMigrationBatch(identity: string): Promise<void>;

  // Migration users
  /** statusSummary → -StatusSummary; resultSize → -ResultSize (the first N in Exchange's order; default Unlimited). */
  getMigrationUsers(options?: { batchId?: string; statusSummary?: MigrationUserStatusSummary; resultSize?: number }): Promise<MigrationUser[]>;
  getMigrationUser(identity: string): Promise<MigrationUser | null>;
  getMigrationUserStatistics(
    identity: string,
    options?: { includeSkippedItems?: boolean; includeReport?: boolean; diagnosticInfo?: boolean },
  ): Promise<MigrationUserStatistics | null>;
  removeMigrationUser(identity: string): Promise<void>;

  // Sync requests (IMAP migration users run as sync requests)
  getSyncRequests(mailbox: string): Promise<SyncRequest[]>;
  getSyncRequestStatistics(identity: string): Promise<SyncRequestStatistics | null>;

  // Mailboxes
  getMailbox(identity: string): Promise<Mailbox | null>;
  /** Get-Mailbox -ResultSize Unlimited (user mailboxes): for checking a large CSV in one go. */
  getMailboxes(): Promise<Mailbox[]>;
  setMailboxSizeLimits(identity: string, limits: { maxReceiveSize?: number; maxSendSize?: number }): Promise<void>;

  // App-only IMAP access (reference §4.1): the Entra app's service principal and its FullAccess grants
  /** Get-ServicePrincipal -Identity (ObjectId, AppId or display name); null when not registered. */
  getServicePrincipal(identity: string): Promise<ServicePrincipal | null>;
  /** New-ServicePrincipal -AppId -ObjectId (the Enterprise application's object id) [-DisplayName]. */
  newServicePrincipal(input: { appId: string; objectId: string; displayName?: string }): Promise<ServicePrincipal>;
  removeServicePrincipal(identity: string): Promise<void>;
  /** Add-MailboxPermission -AccessRights FullAccess -InheritanceType All -AutoMapping $false. */
  addMailboxFullAccess(mailbox: string, user: string): Promise<void>;
  /** Get-MailboxPermission -Identity [-User]. */
  getMailboxPermissions(mailbox: string, user?: string): Promise<MailboxPermission[]>;
  /** Remove-MailboxPermission -AccessRights FullAccess -Confirm:$false (a missing entry is only a warning in Exchange). */
  removeMailboxFullAccess(mailbox: string, user: string): Promise<void>;
}

/** Get-ServicePrincipal's row. */
export interface ServicePrincipal {
  identity: string;
  appId: string;
  objectId: string;
  displayName: string;
}

/** Get-MailboxPermission's row. */
export interface MailboxPermission {
  identity: string;
  user: string;
  accessRights: string[];
  isInherited: boolean;
  deny: boolean;
}

/**
 * A cmdlet failed. `message` is Exchange's own text (details[0].message's third part),
 * safe to show an admin; `errorId`/`exceptionType` are kept for logic and logs.
 */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly cmdlet: string,
    readonly httpStatus: number,
    readonly code: string,
    readonly errorId: string | null,
    readonly exceptionType: string | null,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }

  get isNotFound(): boolean {
    return this.httpStatus === 404 || /ManagementObjectNotFoundException/.test(this.exceptionType ?? '');
  }

  get isThrottled(): boolean {
    return this.httpStatus === 429;
  }
}

/**
 * A list Exchange could not hand over whole: a page failed, paging stopped (expired continuation,
 * or a next link to another host), or Exchange warned that more results exist. `rowsRead` rows were
 * read; callers must say the list is incomplete, never show the part as the whole.
 */
export class IncompleteListError extends ExchangeError {
  constructor(
    message: string,
    cmdlet: string,
    httpStatus: number,
    errorId: string | null,
    readonly rowsRead: number,
    /** What could be read, when the method can hand it over (getMigrationUsers does): never the whole list. */
    readonly partial: readonly unknown[] = [],
  ) {
    super(message, cmdlet, httpStatus, 'IncompleteResults', errorId, null);
    this.name = 'IncompleteListError';
  }
}

export function isIncompleteList(e: unknown): e is IncompleteListError {
  return e instanceof IncompleteListError;
}
