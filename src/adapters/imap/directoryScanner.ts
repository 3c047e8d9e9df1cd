// Preflight through a SourceMailboxDirectory instead of a live IMAP connection:
// in local mode the demo source (imap.contoso.edu) has no server behind it, so the
// preflight reads the same demo mailboxes the Exchange emulator migrates from.

import type { SourceFailureKind, SourceMailboxDirectory } from '../../domain/source/mailboxDirectory';
import { classifyFailure, type ErrorShape } from '../../domain/preflight/classify';
import type { MailboxScanner } from '../../ports/mailboxScanner';

export type { MailboxScanner };

// Each port failure kind as the error shape the classifier already knows.
const SHAPES: Record<SourceFailureKind, ErrorShape> = {
  NameNotFound: { code: 'ENOTFOUND' },
  ConnectionRefused: { code: 'ECONNREFUSED' },
  Timeout: { code: 'ETIMEDOUT' },
  TlsFailed: { tlsFailed: true },
  AuthenticationFailed: { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' },
  ProtocolError: { code: 'EPROTOCOL' },
};

export function scannerFromDirectory(directory: SourceMailboxDirectory): MailboxScanner {
  return async (endpoint, login, options = {}) => {
    const started = Date.now();
    const server = {
      remoteServer: endpoint.host,
      port: endpoint.port,
      security: endpoint.security,
      acceptUntrustedCertificates: endpoint.acceptUntrustedCertificates,
    };
    const r = await directory.open(
      server,
      { userName: login.userName, password: login.password },
      {
        largeItemLimitBytes: options.largeItemLimitBytes ?? Number.MAX_SAFE_INTEGER,
        excludeFolders: options.excludeFolders,
      },
    );
    if (!r.ok) {
      const failure = classifyFailure(
        { ...SHAPES[r.failure], message: r.detail },
        { host: endpoint.host, port: endpoint.port, security: endpoint.security, userName: login.userName },
      );
      return { ok: false, failure, transient: false, roundTrips: 0, durationMs: Date.now() - started };
    }
    return {
      ok: true,
      method: 'list-status',
      roundTrips: 0,
      durationMs: Date.now() - started,
      folders: r.folders.map((f) => ({
        name: f.name,
        segments: f.name.split('/'),
        serverPath: f.name,
        delimiter: '/',
        itemCount: f.itemCount,
        sizeBytes: f.sizeBytes,
      })),
      largeItems: r.largeItems
        .map((i, n) => ({ folderName: i.folderName, uid: n + 1, size: i.size, subject: i.subject, sender: i.sender, dateSent: i.dateSent }))
        .sort((a, b) => b.size - a.size),
    };
  };
}
