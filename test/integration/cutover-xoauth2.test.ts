// XOAUTH2 at the protocol level: a tiny loopback IMAP server that, like Exchange Online,
// offers only AUTH=XOAUTH2 with SASL-IR, checks the initial response, and takes an APPEND with
// flags and date. The delta pass's target adapter must sign in with the app-only token.

import * as fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import tls from 'node:tls';
import { ImapMailboxAccess } from '../../src/adapters/imap/mailboxCopier';
import { parseXoauth2, xoauth2InitialResponse } from '../../src/adapters/imap/xoauth2';
import { Secret } from '../../src/domain/secret';
import { selfSignedCertificate } from '../support/tls';

const TOKEN = 'eyJ0eXAi.app-only-token.sig';

/** A self-signed certificate for 127.0.0.1: the app token only travels over verified TLS. */
function testCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xoauth2-'));
  try {
    const { key, cert } = selfSignedCertificate(dir, '127.0.0.1', 'IP:127.0.0.1');
    return { key, cert };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const CERT = testCertificate();

function fakeExchange(): Promise<{ port: number; seen: string[]; connections: () => number; close(): void }> {
  const seen: string[] = [];
  let connections = 0;
  const server = net.createServer((raw) => {
    connections++;
    // Implicit TLS as on port 993; the connection is counted before any handshake.
    const sock = new tls.TLSSocket(raw, { isServer: true, key: CERT.key, cert: CERT.cert });
    let buf = '';
    let literal: { tag: string; left: number } | null = null;
    sock.write('* OK The Microsoft Exchange IMAP4 service is ready.\r\n');
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        if (literal) {
          if (buf.length < literal.left) return;
          buf = buf.slice(literal.left);
          literal = { tag: literal.tag, left: 0 };
          const i = buf.indexOf('\r\n');
          if (i < 0) return;
          buf = buf.slice(i + 2);
          sock.write(`${literal.tag} OK [APPENDUID 14 7] APPEND completed.\r\n`);
          literal = null;
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        seen.push(line);
        const [tag, cmd, ...rest] = line.split(' ');
        const c = (cmd ?? '').toUpperCase();
        if (c === 'CAPABILITY')
          sock.write(
            `* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n${tag} OK CAPABILITY completed.\r\n`,
          );
        else if (c === 'AUTHENTICATE') {
          const p = rest[0]?.toUpperCase() === 'XOAUTH2' ? parseXoauth2(rest[1] ?? '') : null;
          sock.write(p && p.user === 'annb@contoso.edu' && p.token === TOKEN ? `${tag} OK AUTHENTICATE completed.\r\n` : `${tag} NO AUTHENTICATE failed.\r\n`);
        } else if (c === 'ID') sock.write(`* ID NIL\r\n${tag} OK ID completed.\r\n`);
        else if (c === 'NAMESPACE') sock.write(`* NAMESPACE (("" "/")) NIL NIL\r\n${tag} OK NAMESPACE completed.\r\n`);
        else if (c === 'APPEND') {
          const m = /\{(\d+)\+?\}$/.exec(line);
          if (!m) sock.write(`${tag} BAD Command Argument Error. 11\r\n`);
          else {
            if (!/\+\}$/.test(line)) sock.write('+ Ready for additional command text.\r\n');
            literal = { tag, left: Number(m[1]) };
          }
        } else if (c === 'LOGOUT') {
          sock.write(`* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n${tag} OK LOGOUT completed.\r\n`);
          sock.end();
        } else sock.write(`${tag} BAD User is authenticated but not connected.\r\n`);
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, seen, connections: () => connections, close: () => server.close() }),
    ),
  );
}

describe('XOAUTH2 app-only sign-in to the target', () => {
  it('builds the SASL initial response Exchange expects', () => {
    expect(Buffer.from(xoauth2InitialResponse('annb@contoso.edu', 'tok'), 'base64').toString()).toBe('user=annb@contoso.edu\x01auth=Bearer tok\x01\x01');
    expect(() => xoauth2InitialResponse('a\x01b', 'tok')).toThrow();
  });

  it('signs in with one AUTHENTICATE XOAUTH2 line and APPENDs with flags and INTERNALDATE', async () => {
    const srv = await fakeExchange();
    try {
      const access = new ImapMailboxAccess({
        source: { host: '127.0.0.1', port: 1, security: 'None' },
        target: { host: '127.0.0.1', port: srv.port, security: 'Ssl', ca: CERT.cert },
        targetAuth: { kind: 'xoauth2', tokens: { getToken: async () => TOKEN }, hosts: ['127.0.0.1'] },
        limitFor: async () => 36 * 1024 * 1024,
      });
      const target = await access.target({ email: 'annb@contoso.edu', userName: 'ann.beebe', password: new Secret('x') });
      const r = await target.append('INBOX', Buffer.from('Subject: hi\r\n\r\nbody\r\n'), ['\\Seen'], new Date('2025-05-01T10:00:00Z'));
      expect(r).toEqual({ ok: true, uid: 7 });
      await target.close();
      const auth = srv.seen.find((l) => / AUTHENTICATE /i.test(l))!;
      expect(auth).toMatch(/^\S+ AUTHENTICATE XOAUTH2 \S+$/);
      expect(parseXoauth2(auth.split(' ')[3])).toEqual({ user: 'annb@contoso.edu', token: TOKEN });
      expect(srv.seen.find((l) => / APPEND /.test(l))).toMatch(/APPEND INBOX \(\\Seen\) " 1-May-2025 10:00:00 \+0000" \{21\+?\}/);
    } finally {
      srv.close();
    }
  });

  it.each([
    ['in clear (security None)', { security: 'None' as const }, ['127.0.0.1'], /without TLS \(security None\): use ssl \(port 993\) or tls/],
    ['with an unchecked certificate', { security: 'Ssl' as const, acceptUntrustedCertificates: true }, ['127.0.0.1'], /certificate is not checked/],
    ['to a host the token is not for', { security: 'Ssl' as const }, ['outlook.office365.com'], /token is for outlook\.office365\.com, not 127\.0\.0\.1/],
  ])('never sends the app token %s: no token fetched, no connection made', async (_what, transport, hosts, message) => {
    const srv = await fakeExchange();
    try {
      let fetched = 0;
      const access = new ImapMailboxAccess({
        source: { host: '127.0.0.1', port: 1, security: 'None' },
        target: { host: '127.0.0.1', port: srv.port, ca: CERT.cert, ...transport },
        targetAuth: { kind: 'xoauth2', tokens: { getToken: async () => (fetched++, TOKEN) }, hosts },
        limitFor: async () => 1000,
      });
      const err = await access.target({ email: 'annb@contoso.edu', userName: 'x', password: new Secret('x') }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/^target refused: /);
      expect((err as Error).message).toMatch(message);
      expect(fetched).toBe(0);
      expect(srv.connections()).toBe(0);
    } finally {
      srv.close();
    }
  });

  it('a refused token fails the sign-in without echoing the token', async () => {
    const srv = await fakeExchange();
    try {
      const access = new ImapMailboxAccess({
        source: { host: '127.0.0.1', port: 1, security: 'None' },
        target: { host: '127.0.0.1', port: srv.port, security: 'Ssl', ca: CERT.cert },
        targetAuth: { kind: 'xoauth2', tokens: { getToken: async () => 'wrong-token-value' }, hosts: ['127.0.0.1'] },
        limitFor: async () => 1000,
      });
      const err = await access.target({ email: 'annb@contoso.edu', userName: 'x', password: new Secret('x') }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/target sign-in refused/);
      expect((err as Error).message).not.toMatch(/wrong-token-value/);
    } finally {
      srv.close();
    }
  });
});
