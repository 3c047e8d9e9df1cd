// The Exchange emulator's source for real IMAP servers: when an endpoint points at a reachable
// server, the emulator logs in with the batch's credentials and takes each user's folders,
// totals and skipped (too large) items from the real mailbox.

import type { SourceFailureKind, SourceMailboxDirectory, SourceMailboxResult, SourceProbeResult, SourceServer } from '../../domain/source/mailboxDirectory';
import type { PreflightFailure } from '../../domain/preflight/classify';
import { ImapEndpoint, probeEndpoint, scanMailbox } from './imapSource';

export interface ImapSourceMailboxDirectoryOptions {
  /** True for hosts another directory answers for (the demo source). */
  isDemoHost: (host: string) => boolean;
  timeoutMs?: number;
  /** Extra trusted CA (PEM) for servers with a private CA. */
  ca?: string | string[];
}

// The port's failure kinds have no AuthorizationFailed: to Exchange both are "couldn't sign in".
function toSourceKind(f: PreflightFailure): SourceFailureKind {
  if (f.kind === 'AuthorizationFailed') return 'AuthenticationFailed';
  if (f.kind === 'Cancelled') return 'Timeout';
  return f.kind;
}

export class ImapSourceMailboxDirectory implements SourceMailboxDirectory {
  constructor(private readonly options: ImapSourceMailboxDirectoryOptions) {}

  handles(server: SourceServer): boolean {
    return !this.options.isDemoHost(server.remoteServer.trim().toLowerCase());
  }

  private endpoint(server: SourceServer): ImapEndpoint {
    return {
      host: server.remoteServer.trim(),
      port: server.port,
      security: server.security,
      acceptUntrustedCertificates: server.acceptUntrustedCertificates,
      ca: this.options.ca,
    };
  }

  async probe(server: SourceServer): Promise<SourceProbeResult> {
    const r = await probeEndpoint(this.endpoint(server), { timeoutMs: this.options.timeoutMs });
    if (r.ok) return { ok: true };
    return { ok: false, failure: toSourceKind(r.failure), detail: `${r.failure.cause} ${r.failure.detail}`.trim() };
  }

  async open(
    server: SourceServer,
    credentials: { userName: string; password: string; userRoot?: string },
    options: { largeItemLimitBytes: number; excludeFolders?: string[] },
  ): Promise<SourceMailboxResult> {
    const scan = await scanMailbox(
      this.endpoint(server),
      { userName: credentials.userName, password: credentials.password },
      { largeItemLimitBytes: options.largeItemLimitBytes, excludeFolders: options.excludeFolders, timeoutMs: this.options.timeoutMs },
    );
    if (!scan.ok) return { ok: false, failure: toSourceKind(scan.failure), detail: `${scan.failure.cause} ${scan.failure.detail}`.trim() };
    // UserRoot (Courier-style shared folders): only the subtree under it is the user's mailbox.
    const root = credentials.userRoot?.replace(/^\/+|\/+$/g, '');
    const inRoot = (name: string) => !root || name === root || name.startsWith(root + '/');
    const strip = (name: string) => (root && name.startsWith(root + '/') ? name.slice(root.length + 1) : name);
    return {
      ok: true,
      folders: scan.folders.filter((f) => inRoot(f.name)).map((f) => ({ name: strip(f.name), itemCount: f.itemCount, sizeBytes: f.sizeBytes })),
      largeItems: scan.largeItems
        .filter((i) => inRoot(i.folderName))
        .map((i) => ({ folderName: strip(i.folderName), subject: i.subject, sender: i.sender, dateSent: i.dateSent, size: i.size })),
    };
  }
}
