// Reading one source mailbox for a preflight: log in as the CSV row says, list its folders with
// counts and sizes, and describe messages over a byte limit. src/adapters/imap/imapSource.ts does it
// over IMAP; local mode's demo source does it from the emulator's demo mailboxes.

import type { EndpointSecurity } from '../domain/exchange/types';
import type { PreflightFailure } from '../domain/preflight/classify';

export interface ImapEndpoint {
  host: string;
  port: number;
  security: EndpointSecurity;
  acceptUntrustedCertificates?: boolean;
  /** Extra trusted CA certificates (PEM), e.g. a private CA. */
  ca?: string | string[];
}

export interface ImapLogin {
  /** As in the CSV's UserName, admin forms included (`alice*migadmin`, `dom/admin/user`). */
  userName: string;
  password: string;
  /** SASL PLAIN authorization identity: log in as userName, open authzid's mailbox. */
  authzid?: string;
}

export type SizingMethod = 'list-status' | 'status' | 'fetch';

export interface ScannedFolder {
  /** Full path with '/' between levels (decoded from modified UTF-7). */
  name: string;
  /** Path segments as the server has them (a segment may itself hold '/' when the delimiter is '.'). */
  segments: string[];
  /** The server's own path, for EXAMINE. */
  serverPath: string;
  delimiter: string;
  itemCount: number;
  sizeBytes: number;
  specialUse?: string;
}

export interface ScannedLargeItem {
  folderName: string;
  uid: number;
  size: number;
  subject: string;
  sender: string;
  dateSent: Date | null;
}

export type MailboxScan =
  | {
      ok: true;
      folders: ScannedFolder[];
      /** Messages strictly larger than the limit, largest first. */
      largeItems: ScannedLargeItem[];
      method: SizingMethod;
      roundTrips: number;
      durationMs: number;
    }
  | {
      ok: false;
      failure: PreflightFailure;
      /** Dropped/throttled: worth another attempt after a pause. */
      transient: boolean;
      roundTrips: number;
      durationMs: number;
    };

export interface ScanOptions {
  /** Describe messages strictly larger than this (bytes). Omit to skip the search. */
  largeItemLimitBytes?: number;
  /** Inactivity / connect / greeting timeout per connection. Default 15 s (Exchange's own). */
  timeoutMs?: number;
  /** Hard ceiling for the whole scan of one mailbox. Default 10 × timeoutMs. */
  deadlineMs?: number;
  /** Case-insensitive folder names to leave out ('Folder/*' = its subfolders too). */
  excludeFolders?: string[];
  signal?: AbortSignal;
  /** Force a sizing method (tests/bench); by default the best the server offers. */
  forceMethod?: SizingMethod;
}

/** Scans one mailbox. Never throws: a failure is a classified result. */
export type MailboxScanner = (endpoint: ImapEndpoint, login: ImapLogin, options?: ScanOptions) => Promise<MailboxScan>;
