// Turns a failed connection/login to the source IMAP server into one of a few kinds an admin
// can act on, each with a plain-language cause and fix. Works on the error's shape only
// (Node socket codes, imapflow flags and IMAP response codes), never on a password.

export type PreflightFailureKind =
  'NameNotFound' | 'ConnectionRefused' | 'Timeout' | 'TlsFailed' | 'AuthenticationFailed' | 'AuthorizationFailed' | 'ProtocolError' | 'Cancelled';

export interface PreflightFailure {
  kind: PreflightFailureKind;
  /** What went wrong, in plain words. */
  cause: string;
  /** What the admin should do. */
  fix: string;
  /** Technical detail (error code, server text). Never holds a password. */
  detail: string;
}

export interface ClassifyContext {
  host: string;
  port: number;
  security: 'None' | 'Tls' | 'Ssl';
  userName?: string;
  timeoutMs?: number;
}

/** The fields of an error object that classification reads. */
export interface ErrorShape {
  code?: unknown;
  message?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  responseText?: unknown;
  tlsFailed?: unknown;
  reason?: unknown;
}

const TLS_CODES =
  /^(ERR_TLS|ERR_SSL|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|EPROTO$)/;
const TIMEOUT_CODES = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'ETIMEDOUT', 'PREFLIGHT_TIMEOUT']);

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function failureKindOf(err: ErrorShape): PreflightFailureKind {
  const code = str(err.code);
  const message = str(err.message);
  const responseCode = str(err.serverResponseCode).toUpperCase();
  if (code === 'ABORT_ERR' || code === 'PREFLIGHT_CANCELLED') return 'Cancelled';
  if (responseCode === 'AUTHORIZATIONFAILED') return 'AuthorizationFailed';
  // [UNAVAILABLE] is the server's own trouble (e.g. its auth backend), not a wrong password.
  if (responseCode === 'UNAVAILABLE' || responseCode === 'LIMIT') return 'ProtocolError';
  if (err.authenticationFailed === true || responseCode === 'AUTHENTICATIONFAILED') return 'AuthenticationFailed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_NONAME') return 'NameNotFound';
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'ConnectionRefused';
  if (TIMEOUT_CODES.has(code)) return 'Timeout';
  if (err.tlsFailed === true || TLS_CODES.test(code) || /\b(SSL|TLS) ?(routines|handshake|alert)|wrong version number|certificate/i.test(message)) {
    return 'TlsFailed';
  }
  return 'ProtocolError';
}

export function classifyFailure(err: unknown, ctx: ClassifyContext, redact: (text: string) => string = (t) => t): PreflightFailure {
  const shape: ErrorShape = typeof err === 'object' && err !== null ? (err as ErrorShape) : { message: String(err) };
  const kind = failureKindOf(shape);
  const where = `${ctx.host}:${ctx.port}`;
  const code = str(shape.code);
  const bits = [code, str(shape.serverResponseCode), str(shape.responseText) || str(shape.message)].filter(Boolean);
  const detail = redact(bits.join(': ').slice(0, 300));
  const who = ctx.userName ? `"${ctx.userName}"` : 'this user';
  const secs = ctx.timeoutMs ? `${Math.round(ctx.timeoutMs / 1000)} s` : 'the time limit';
  switch (kind) {
    case 'NameNotFound':
      return {
        kind,
        cause: `The source server name ${ctx.host} could not be found in DNS.`,
        fix: `Check the spelling of the endpoint's RemoteServer, or publish a DNS record for ${ctx.host} that Exchange Online can resolve from the internet.`,
        detail,
      };
    case 'ConnectionRefused':
      return {
        kind,
        cause: `${where} refused the connection: no IMAP service is listening there, or a firewall rejects it.`,
        fix: `Check the endpoint's port (993 for Ssl, 143 for Tls/None), that the IMAP service is running, and that the firewall lets Exchange Online's addresses in.`,
        detail,
      };
    case 'Timeout':
      return {
        kind,
        cause: `${where} did not answer within ${secs}. A firewall may be dropping the traffic, or the server is overloaded.`,
        fix: `Make sure the IMAP server is reachable from the internet on port ${ctx.port}, and that the port matches the security setting (${ctx.security}).`,
        detail,
      };
    case 'TlsFailed':
      return {
        kind,
        cause: `The TLS handshake with ${where} failed (certificate not trusted, wrong name, or the port does not speak ${ctx.security === 'Ssl' ? 'implicit TLS' : 'STARTTLS'}).`,
        fix: `Install a certificate from a public CA that names ${ctx.host}, enable TLS 1.2, and check that the endpoint's Security (${ctx.security}) matches the port.`,
        detail,
      };
    case 'AuthenticationFailed':
      return {
        kind,
        cause: `The source server rejected the user name or password for ${who}.`,
        fix: `Correct the UserName/Password in the CSV (for an admin login, check the admin password and the format, e.g. user*admin for Dovecot), and check that IMAP is enabled for the account.`,
        detail,
      };
    case 'AuthorizationFailed':
      return {
        kind,
        cause: `The admin credentials were accepted, but ${who} could not be opened: the mailbox does not exist or the admin may not access it.`,
        fix: `Check the user part of UserName against the source server's account list, and the admin's rights over that mailbox.`,
        detail,
      };
    case 'Cancelled':
      return { kind, cause: 'The preflight was cancelled before this user was checked.', fix: 'Run the preflight again.', detail };
    default:
      return {
        kind: 'ProtocolError',
        cause: `${where} broke off the IMAP conversation or sent something that is not IMAP.`,
        fix: `Check that ${where} is an IMAP server (not POP3/SMTP/HTTP) and look at its logs; if it limits connections per user or IP, raise the limit.`,
        detail,
      };
  }
}

const TRANSIENT_CODES = new Set(['EConnectionClosed', 'ECONNRESET', 'EPIPE', 'NoConnection', 'ETHROTTLE', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS']);

/**
 * A dropped or throttled connection that is worth retrying with backoff: the server closed
 * on us, said it was busy, or hit a per-user/IP connection cap.
 */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as ErrorShape;
  const code = str(e.code);
  const responseCode = str(e.serverResponseCode).toUpperCase();
  const text = `${str(e.message)} ${str(e.responseText)} ${str(e.reason)}`;
  if (failureKindOf(e) !== 'ProtocolError') return false;
  return (
    TRANSIENT_CODES.has(code) ||
    responseCode === 'UNAVAILABLE' ||
    responseCode === 'LIMIT' ||
    /too many|maximum number of connections|throttl|try again/i.test(text)
  );
}

/** Replaces every occurrence of each secret with [redacted]. */
export function redactor(secrets: string[]): (text: string) => string {
  const list = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const s of list) out = out.split(s).join('[redacted]');
    return out;
  };
}
