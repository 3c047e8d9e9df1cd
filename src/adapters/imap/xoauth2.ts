// SASL XOAUTH2 for Exchange Online's IMAP with an app-only token (reference §4.1):
// base64("user=" mailbox ^A "auth=Bearer " token ^A ^A), sent as `AUTHENTICATE XOAUTH2 <b64>`
// (SASL-IR, one line). imapflow builds the same payload from auth.accessToken; this module
// says what goes in it, and how the token is fetched, without ever logging it.

import type { TokenSource } from '../exchange/tokenSource';

/** The XOAUTH2 initial response for `mailbox` (base64). Refuses control characters that would split fields. */
export function xoauth2InitialResponse(mailbox: string, accessToken: string): string {
  if (/[\x00-\x1f\x7f]/.test(mailbox) || /[\x00-\x1f\x7f]/.test(accessToken)) throw new Error('XOAUTH2: the mailbox or token holds control characters.');
  return Buffer.from(`user=${mailbox}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
}

/** Decodes an XOAUTH2 initial response (the server side, for tests and diagnostics). */
export function parseXoauth2(b64: string): { user: string; token: string } | null {
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const m = /^user=([^\x01]*)\x01auth=Bearer ([^\x01]*)\x01\x01$/.exec(text);
  return m ? { user: m[1], token: m[2] } : null;
}

/** How the target is signed in to: app-only OAuth (Exchange Online) or a password (Dovecot in tests). */
export type TargetAuth =
  /** hosts: where this token may go (its audience's IMAP host, e.g. outlook.office365.com); nowhere else. */
  | { kind: 'xoauth2'; tokens: TokenSource; hosts: readonly string[] }
  /** userTemplate: "{email}*migadmin" (Dovecot master user) or "{email}". */
  | { kind: 'password'; userTemplate: string; password: string };

/**
 * Why an app token must not go to this IMAP endpoint, or null when it may: only over TLS (implicit or
 * STARTTLS required) with a verified certificate, and only to a host the token is for. Checked when the
 * configuration is read and again before every sign-in.
 */
export function tokenTransportProblem(
  endpoint: { host: string; port: number; security: 'None' | 'Tls' | 'Ssl'; acceptUntrustedCertificates?: boolean },
  hosts: readonly string[],
): string | null {
  const where = `${endpoint.host}:${endpoint.port}`;
  if (endpoint.security !== 'Ssl' && endpoint.security !== 'Tls') {
    return `Cutover does not send its Exchange app token to ${where} without TLS (security ${endpoint.security}): use ssl (port 993) or tls (STARTTLS, port 143).`;
  }
  if (endpoint.acceptUntrustedCertificates) {
    return `Cutover does not send its Exchange app token to ${where} when the server's certificate is not checked: trust its CA instead of accepting untrusted certificates.`;
  }
  const host = endpoint.host.toLowerCase().replace(/\.$/, '');
  if (!hosts.some((h) => h.toLowerCase() === host)) {
    return `Cutover's Exchange app token is for ${hosts.join(', ') || 'no IMAP host'}, not ${endpoint.host}; it is not sent there. For another IMAP server, sign in with a password (CUTOVER_TARGET_IMAP_PASSWORD).`;
  }
  return null;
}

export async function targetImapAuth(
  auth: TargetAuth,
  mailbox: string,
  forceRefresh = false,
): Promise<{ user: string; accessToken?: string; pass?: string; loginMethod?: string }> {
  if (auth.kind === 'xoauth2') {
    // One token for every mailbox the service principal holds FullAccess on.
    const token = await auth.tokens.getToken({ forceRefresh });
    return { user: mailbox, accessToken: token };
  }
  return { user: auth.userTemplate.replace('{email}', mailbox), pass: auth.password, loginMethod: 'LOGIN' };
}
