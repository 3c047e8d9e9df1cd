// The source mailboxes Exchange's IMAP migration reads from, as the Exchange emulator asks for them.
// The built-in demo source answers for the demo hosts (imap.contoso.edu);
// a real-IMAP implementation (src/adapters/imap) answers for any reachable server,
// so the emulator's counts, sizes and skipped items come from real mailboxes.

import type { ImapServer } from '../exchange/types';

export interface SourceServer extends ImapServer {
  acceptUntrustedCertificates?: boolean;
}

export interface SourceLargeItem {
  folderName: string;
  subject: string;
  sender: string;
  dateSent: Date | null;
  size: number; // bytes, RFC822.SIZE
}

export interface SourceFolder {
  name: string; // full path with '/' as separator, decoded from modified UTF-7
  itemCount: number;
  sizeBytes: number;
}

export type SourceFailureKind = 'NameNotFound' | 'ConnectionRefused' | 'Timeout' | 'TlsFailed' | 'AuthenticationFailed' | 'ProtocolError';

export type SourceProbeResult = { ok: true } | { ok: false; failure: SourceFailureKind; detail: string };

export type SourceMailboxResult =
  | {
      ok: true;
      folders: SourceFolder[];
      /** Messages strictly larger than the limit asked for. */
      largeItems: SourceLargeItem[];
    }
  | { ok: false; failure: SourceFailureKind; detail: string };

export interface SourceMailboxDirectory {
  /** Does this directory answer for the server at all? (The composite picks the first that does.) */
  handles(server: SourceServer): boolean;
  /** Can a connection (and TLS, as configured) be made? Test-MigrationServerAvailability uses this. */
  probe(server: SourceServer): Promise<SourceProbeResult>;
  /** Log in as the CSV row says and describe the mailbox. The password is never logged or echoed. */
  open(
    server: SourceServer,
    credentials: { userName: string; password: string; userRoot?: string },
    options: { largeItemLimitBytes: number; excludeFolders?: string[] },
  ): Promise<SourceMailboxResult>;
}
