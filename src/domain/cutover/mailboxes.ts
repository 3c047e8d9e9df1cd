// The two sides of a delta pass as ports: the source mailbox (old IMAP server, read-only) and the
// target mailbox (Exchange Online over IMAP with app-only XOAUTH2; a Dovecot in tests; an
// in-memory demo mailbox in local mode). Folder names use '/' between levels on both sides.

import type { MessageMeta } from './delta';

export interface FolderStatus {
  name: string;
  uidValidity: number;
  uidNext: number;
  messages: number;
}

export interface IoStats {
  /** Commands sent (each tagged command or continuation counts as one round trip). */
  roundTrips: number;
  /** Message bytes read (bodies only). */
  bodyBytes: number;
}

export interface SourceSession {
  /** Every selectable folder with UIDVALIDITY, UIDNEXT and MESSAGES (LIST-STATUS where offered). */
  folders(): Promise<FolderStatus[]>;
  /** Headers and attributes of messages with UID ≥ fromUid plus the listed UIDs; never bodies. */
  list(folder: string, fromUid: number, extraUids: number[]): Promise<MessageMeta[]>;
  /** How many messages below `belowUid` carry this Message-ID (to count duplicates). */
  countMessageId(folder: string, messageId: string, belowUid: number): Promise<number>;
  body(folder: string, uid: number): Promise<Buffer>;
  stats(): IoStats;
  close(): Promise<void>;
}

export type AppendResult =
  { ok: true; uid?: number } | { ok: false; kind: 'too-large' | 'refused'; text: string } | { ok: false; kind: 'throttled'; text: string; backoffMs: number };

export interface TargetSession {
  /** Creates the folder when missing; true when it had to be created. */
  ensureFolder(name: string): Promise<boolean>;
  /** Per message key, how many the folder holds; `keys` (when given) limits the search to those Message-IDs. */
  keyCounts(folder: string, onlyMessageIds?: string[]): Promise<Map<string, number>>;
  count(folder: string): Promise<number>;
  append(folder: string, body: Buffer, flags: string[], internalDate: Date | null): Promise<AppendResult>;
  /** Largest message the target accepts (bytes). */
  readonly maxMessageBytes: number;
  stats(): IoStats;
  close(): Promise<void>;
}

/** One migration user as the pass sees them: the source login comes from the batch's sealed CSV. */
export interface DeltaUser {
  email: string;
  userName: string;
  password: { reveal(): string };
}

export interface MailboxAccess {
  /** 'IMAP' (real servers) or 'demo' (the emulator's demo mailboxes, in memory). */
  readonly kind: 'IMAP' | 'demo';
  /** Describes both ends for the card, e.g. "imap.contoso.edu:993 → outlook.office365.com:993 (XOAUTH2)". */
  readonly description: string;
  /** The target signs in app-only (XOAUTH2): the service principal needs FullAccess on each mailbox. */
  readonly appOnly?: boolean;
  /** host:port of each end that is a real server, so connections to it can be budgeted across instances. */
  readonly servers?: { source: string; target: string };
  source(user: DeltaUser): Promise<SourceSession>;
  target(user: DeltaUser): Promise<TargetSession>;
}
