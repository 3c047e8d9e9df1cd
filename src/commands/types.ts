// What a command handler sees and answers. Plain data: the Teams layer turns a
// chat activity into a CommandRequest and a Reply into an activity, so the handlers
// stay free of botbuilder and teams-ai (which can then be swapped).

import type { AdaptiveCard } from '../cards/render';
import type { Clock } from '../ports/clock';
import type { PreflightReport } from '../domain/preflight/report';
import type { ExchangeAdmin } from '../ports/exchange';
import type { PreflightRuns } from '../services/preflightRuns';
import type { CutoverService } from '../services/cutover';
import type { KeyValueStore } from '../ports/store';
import type { GraphPort, GraphUser } from '../ports/graph';
import type { AdminNotifier, GuideProgressStore } from '../services/guideProgress';
import type { GuideOffers } from '../services/guideOffers';
import type { PimImports } from '../services/pimImport';
import type { Subscriptions } from '../services/subscriptions';
import type { BatchHistory } from '../services/batchHistory';
import type { ApprovalCards, Approvals } from '../services/approvals';
import type { WatcherStatus } from '../services/watcher/watcher';
import type { Reply } from '../cards/reply';
import type { CsvMasker } from '../domain/csv/csvMasker';
import type { CsvReadingChoice } from '../domain/csv/readCsv';
import type { AuditPort } from '../ports/audit';
import type { IncomingFile, FileFetcher } from '../ports/fileFetcher';
import type { PimFileReader } from '../ports/pimReader';
import type { ReportDelivery } from '../ports/reportDelivery';

// Moved to their own floors; named here too while handlers still import them from ./types.
export type { Reply } from '../cards/reply';
export type { AuditEntryInput, AuditPort } from '../ports/audit';
export type { IncomingFile, FileFetcher } from '../ports/fileFetcher';
export { FileFetchError } from '../ports/fileFetcher';

export interface Actor {
  /** The channel's id for the person (Teams: 29:...). */
  id: string;
  aadObjectId?: string;
  upn?: string;
  name?: string;
}

export interface Where {
  conversationId: string;
  kind: 'personal' | 'channel' | 'groupChat';
}

/** Updates the message a command or button answered with, in place, while work goes on. */
export interface ProgressSink {
  update(reply: Reply): Promise<void>;
}

/** Long work (a preflight) that keeps running after the turn, updating its first reply. */
export type FollowUp = (sink: ProgressSink) => Promise<void>;

export interface CommandResult {
  replies: Reply[];
  followUp?: FollowUp;
  /** Keep the first reply (a batch progress card) up to date in place while the batch moves. */
  watch?: { batch: string; page?: number };
  /** Store this conversation's reference (someone subscribed it to notifications). */
  rememberConversation?: boolean;
  /** The first reply is this approval request's card: remember where it went, and post it in the batch's channels. */
  approval?: string;
}

export interface ActionResult {
  /** Replaces the card whose button was pressed (or, with keepOriginal, is sent as a new message). */
  card: AdaptiveCard;
  summary: string;
  /** Leave the pressed card as it is, e.g. a progress card whose Remove button asks for confirmation. */
  keepOriginal?: boolean;
  /** Further messages to send in the conversation. */
  replies?: Reply[];
  watch?: { batch: string; page?: number };
  /** With keepOriginal: updates the new message; otherwise the replaced card. */
  followUp?: FollowUp;
  /** The card is this approval request's (see CommandResult.approval). */
  approval?: string;
}

/** A card action's answer from a reply (its card and summary), plus what else the action does. */
export function actionResult(reply: Reply, extra: Partial<ActionResult> = {}): ActionResult {
  return { card: reply.card, summary: reply.summary, ...extra };
}

export interface CommandRequest {
  actor: Actor;
  where: Where;
  text: string;
  files: IncomingFile[];
  /** The sender's Teams time zone (IANA), for times typed in local time ("tomorrow 22:00"). */
  timeZone?: string;
}

export interface ActionRequest {
  actor: Actor;
  where: Where;
  verb: string;
  data: Record<string, unknown>;
}

// The services handlers use. Implementations live in src/services and src/adapters;
// these are the slices the handlers need, so tests can pass real ones built on temp dirs.

export interface PendingBatchInput {
  /** Empty for an upload kept for a preflight. */
  batchName: string;
  /** Empty while the admin adds or picks the endpoint on the card. */
  endpoint: string;
  /** Default 'batch'. */
  purpose?: 'batch' | 'preflight';
  /** The reading the admin chose on the card. */
  reading?: CsvReadingChoice;
  excludeFolders: string[];
  csv: Buffer;
  createdBy: { id: string; name?: string };
  conversationId: string;
  summary: Record<string, unknown>;
  /** The CSV's masker: the summary's strings go through it before they are stored. */
  masker?: CsvMasker;
}

export interface PendingBatchInfo {
  batchName: string;
  endpoint: string;
  purpose?: 'batch' | 'preflight';
  reading?: CsvReadingChoice;
  excludeFolders: string[];
  summary: Record<string, unknown>;
}

export type PendingTake =
  | { status: 'claimed'; csv: Buffer; pending: PendingBatchInfo }
  | { status: 'already-created'; batchName: string; message: string }
  | { status: 'in-progress' | 'expired' | 'cancelled' | 'not-found'; message: string };

/** Keeps a CSV sealed between the check and the Create click (src/services/pendingBatches.ts). */
export interface PendingBatchesPort {
  put(input: PendingBatchInput): Promise<string>;
  take(pendingId: string, by: { id: string; name?: string }): Promise<PendingTake>;
  complete(pendingId: string, result: { batchName: string }): Promise<void>;
  fail(pendingId: string, message: string, masker?: CsvMasker): Promise<void>;
  cancel(pendingId: string): Promise<unknown>;
  /** The sealed CSV and its entry without claiming it (to page through problems). */
  peek(pendingId: string): Promise<{ csv: Buffer; pending: PendingBatchInfo } | null>;
  /** Sets the endpoint or the chosen reading of an upload still waiting; false when it no longer is. */
  amend(pendingId: string, patch: { endpoint?: string; reading?: CsvReadingChoice; summary?: Record<string, unknown> }, masker?: CsvMasker): Promise<boolean>;
}

export interface ConfirmationsPort {
  create(input: { action: string; target: string; requestedBy: string }): Promise<string>;
  consume(
    id: string,
    by: string,
    action: string,
  ): Promise<{ status: 'ok'; confirmation: { target: string } } | { status: 'not-found' | 'expired' | 'used' | 'someone-else' }>;
}

/** Runs a preflight; index.ts picks live IMAP, or the demo source for the demo hosts in local mode. */
export interface PreflightPort {
  run(input: {
    rows: { emailAddress: string; userName: string; password: { reveal(): string } }[];
    server: { remoteServer: string; port: number; security: 'None' | 'Ssl' | 'Tls' };
    limitFor(email: string): Promise<number>;
    maxConcurrent: number;
    onProgress(p: { scanned: number; total: number; failures: number }): void;
    signal: AbortSignal;
  }): Promise<PreflightReport>;
}

export interface AccessSettings {
  mode: 'local' | 'production';
  /** Lower-cased Entra object ids or UPNs. */
  admins: string[];
  /** Lower-cased Entra tenant ids whose people are served; absent: no tenant check (unit tests). */
  tenants?: string[];
  /** UPN-listed admins resolved to object ids (Graph), cached and refreshed. */
  directory?: AdminDirectory;
}

/** Object ids of the admins listed by UPN, as the directory last said. */
export interface AdminDirectory {
  /** Lower-cased object ids, as of the last refresh. */
  objectIds(): ReadonlySet<string>;
  /** Refreshes when stale; bounded in time, never throws. */
  fresh(): Promise<void>;
}

export interface CommandDeps {
  exchange: ExchangeAdmin;
  pending: PendingBatchesPort;
  audit: AuditPort;
  /** Per-user files go to the asker's personal chat only (src/teams/fileHandover.ts); set once the Teams adapter exists. */
  reports?: ReportDelivery;
  files: FileFetcher;
  confirmations: ConfirmationsPort;
  preflight: PreflightPort;
  preflightRuns: PreflightRuns;
  /** Cut-over plans, DNS checks, delta passes and proof (src/services/cutover.ts). */
  cutover?: CutoverService;
  /** End-user guide and contacts/calendar import through Graph (src/commands/guide.ts). */
  guide?: GuideDeps;
  /** Subscriptions, the watcher's status and conversation references (src/commands/subscriptions.ts). */
  notifications?: NotificationDeps;
  /** For small short-lived state of a handler's own (a form waiting for its button). */
  store: KeyValueStore;
  clock: Clock;
  /** Exchange's own time, for what cards say about batches (the emulator's simulated clock in local mode). */
  exchangeClock?: Clock;
  /** Four eyes (CUTOVER_APPROVERS); absent or no approvers: the single confirmation. */
  approvals?: ApprovalDeps;
  /** Each user's final record of batches Exchange forgot (src/services/batchHistory.ts). */
  history?: Pick<BatchHistory, 'list' | 'byName' | 'users' | 'forUser' | 'keepBeforeRemoval'>;
  /** When an admin last acted on each batch through Cutover (Exchange's 60-day clock). */
  adminActions?: { lastFor(batch: string): Promise<string | null> };
  access: AccessSettings;
}

/** Approval requests, their cards everywhere, and who may approve (src/commands/approvals.ts). */
export interface ApprovalDeps {
  requests: Pick<Approvals, 'create' | 'get' | 'decide' | 'setOutcome'>;
  cards?: Pick<ApprovalCards, 'updateAll'>;
  /** Lower-cased Entra object ids or UPNs (CUTOVER_APPROVERS). */
  approvers: string[];
  /** Approvers listed by UPN, resolved to object ids. */
  directory?: AdminDirectory;
}

/** What the end-user guide needs (src/commands/guide.ts). */
export interface GuideDeps {
  graph: GraphPort;
  progress: GuideProgressStore;
  imports: PimImports;
  /** Reads an attached .vcf/.ics off the turn's event loop, with a deadline (adapters/pim). */
  reader: PimFileReader;
  /** The subscribed admin channels; absent: help requests are kept for guide status only. */
  notifier?: AdminNotifier;
  /** Sends the guide to a person who has the app (a stored conversation); absent: they get it when they next open Cutover. */
  delivery?: { sendGuide(user: GraphUser): Promise<boolean> };
  /** The Teams app's id in the org catalog, for installs through Graph. */
  teamsAppId: string;
  /** Installing the app for people needs TeamsAppInstallation.ReadWriteSelfForUser.All. */
  canInstallApps: boolean;
  /** Whether the watcher offered the guide by itself (first sync landed), for guide status. */
  offers?: Pick<GuideOffers, 'recordOf'>;
}

/** Subscriptions and the watcher's state (src/commands/subscriptions.ts). */
export interface NotificationDeps {
  subscriptions: Subscriptions;
  /** The watcher's last status as stored by whichever instance leads. */
  watcherStatus(): Promise<WatcherStatus | null>;
  /** Whether this instance runs the watcher, and which lease it holds. */
  leadership(): { leading: boolean; instanceId: string; kind: 'blob-lease' | 'single-instance' };
}
