// The one warning for an IMAP endpoint with security None: Exchange Online signs in to the source
// server with every user's password in clear. Shown on the endpoint cards (add, list, test) and on
// the validation card of a batch that would use it.

import type { ImapServer } from './types';

export interface EndpointTransport extends ImapServer {
  identity?: string;
}

/** The warning for an endpoint with security None; null for Ssl and Tls. */
export function cleartextPasswordWarning(e: EndpointTransport): string | null {
  if (e.security !== 'None') return null;
  const name = e.identity ?? '<name>';
  return (
    `Endpoint ${name} uses security None: every user's password crosses the network to ${e.remoteServer}:${e.port} in clear, readable by anyone on the way. ` +
    `If the server offers TLS, use it: endpoint remove ${name}, then endpoint add ${name} ${e.remoteServer} 993 ssl ` +
    `(or ${e.remoteServer} 143 tls for STARTTLS).`
  );
}
