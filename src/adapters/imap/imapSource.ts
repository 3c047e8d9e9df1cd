// Reads a source mailbox over IMAP (imapflow): log in as the CSV row says, list every folder
// with its count and size in as few round trips as the server allows, and describe messages
// over a byte limit (never their bodies). Read-only: EXAMINE, never SELECT.
// The password goes to imapflow only; no log, error text or result carries it.

import { ImapFlow } from 'imapflow';
import type { ImapFlowOptions, ListResponse, Logger } from 'imapflow';
import type { ImapEndpoint, ImapLogin, MailboxScan, ScannedFolder, ScannedLargeItem, ScanOptions, SizingMethod } from '../../ports/mailboxScanner';
import { classifyFailure, isTransient, PreflightFailure, redactor } from '../../domain/preflight/classify';
import { folderExcluded } from '../../domain/exchange/folderExclusion';

export type { ImapEndpoint, ImapLogin, MailboxScan, ScannedFolder, ScannedLargeItem, ScanOptions, SizingMethod } from '../../ports/mailboxScanner';

const DEFAULT_TIMEOUT_MS = 15_000;

/** A logger that only counts the commands imapflow writes (each tagged command or continuation = one round trip). */
function countingLogger(counter: { n: number }): Logger {
  const noop = () => undefined;
  return {
    trace: noop,
    debug: (obj: { src?: string }) => {
      if (obj && obj.src === 'c') counter.n++;
    },
    info: noop,
    warn: noop,
    error: noop,
    fatal: noop,
  };
}

export function imapFlowOptions(endpoint: ImapEndpoint, login: ImapLogin, timeoutMs: number, logger: Logger): ImapFlowOptions {
  const tls: ImapFlowOptions['tls'] = { rejectUnauthorized: !endpoint.acceptUntrustedCertificates, minVersion: 'TLSv1.2' };
  if (endpoint.ca) tls.ca = endpoint.ca;
  return {
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'Ssl',
    // Exchange's Tls = STARTTLS required; None = cleartext even when STARTTLS is offered.
    doSTARTTLS: endpoint.security === 'Tls' ? true : endpoint.security === 'None' ? false : undefined,
    tls,
    auth: {
      user: login.userName,
      pass: login.password,
      authzid: login.authzid,
      // LOGIN is one round trip; AUTHENTICATE PLAIN without SASL-IR is two. SASL authzid needs PLAIN.
      loginMethod: login.authzid ? 'AUTH=PLAIN' : 'LOGIN',
    },
    logger,
    disableAutoIdle: true,
    disableAutoEnable: true,
    disableCompression: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    clientInfo: { name: 'Cutover preflight' },
  };
}

function addressText(list: { name?: string; address?: string }[] | undefined): string {
  const a = list?.[0];
  if (!a) return '';
  return a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name ?? '');
}

function toDate(v: Date | string | undefined): Date | null {
  if (!v) return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

class ScanError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Connects, logs in and describes one mailbox. Never throws: failures come back classified. */
export async function scanMailbox(endpoint: ImapEndpoint, login: ImapLogin, options: ScanOptions = {}): Promise<MailboxScan> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const counter = { n: 0 };
  const redact = redactor([login.password]);
  const ctx = { host: endpoint.host, port: endpoint.port, security: endpoint.security, userName: login.userName, timeoutMs };
  const fail = (err: unknown): MailboxScan => ({
    ok: false,
    failure: classifyFailure(err, ctx, redact),
    transient: isTransient(err),
    roundTrips: counter.n,
    durationMs: Date.now() - started,
  });
  if (options.signal?.aborted) return fail(new ScanError('cancelled', 'PREFLIGHT_CANCELLED'));

  const client = new ImapFlow(imapFlowOptions(endpoint, login, timeoutMs, countingLogger(counter)));
  // imapflow emits 'error' on socket trouble; without a listener Node would crash the process.
  client.on('error', () => undefined);

  let stopReason: ScanError | null = null;
  const stopWith = (reason: ScanError) => {
    if (!stopReason) stopReason = reason;
    client.close();
  };
  const deadline = setTimeout(
    () => stopWith(new ScanError(`no result within ${options.deadlineMs ?? timeoutMs * 10} ms`, 'PREFLIGHT_TIMEOUT')),
    options.deadlineMs ?? timeoutMs * 10,
  );
  const onAbort = () => stopWith(new ScanError('cancelled', 'PREFLIGHT_CANCELLED'));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await client.connect();
    const caps = client.capabilities; // after login: Dovecot adds LIST-STATUS, STATUS=SIZE only now
    const method: SizingMethod = options.forceMethod ?? (caps.has('STATUS=SIZE') ? (caps.has('LIST-STATUS') ? 'list-status' : 'status') : 'fetch');

    const listed: ListResponse[] = method === 'fetch' ? await client.list() : await client.list({ statusQuery: { messages: true, size: true } });

    const folders: ScannedFolder[] = [];
    const exclude = options.excludeFolders ?? [];
    const sizesByFolder = new Map<string, { uid: number; size: number }[]>();
    for (const entry of listed) {
      if (entry.flags.has('\\Noselect') || entry.flags.has('\\NonExistent')) continue;
      const delimiter = entry.delimiter || '/';
      const segments = entry.path === 'INBOX' || !delimiter ? [entry.path] : entry.path.split(delimiter);
      const name = segments.join('/');
      if (folderExcluded(name, exclude)) continue;
      let itemCount = 0;
      let sizeBytes = 0;
      if (method === 'fetch') {
        const box = await client.mailboxOpen(entry.path, { readOnly: true });
        itemCount = box.exists;
        if (box.exists > 0) {
          const msgs = await client.fetchAll('1:*', { uid: true, size: true });
          const list = msgs.map((m) => ({ uid: m.uid, size: m.size ?? 0 }));
          sizeBytes = list.reduce((a, m) => a + m.size, 0);
          sizesByFolder.set(entry.path, list);
        }
      } else {
        const st = entry.status as { messages?: number; size?: number; error?: unknown } | undefined;
        if (!st || st.error || typeof st.messages !== 'number' || typeof st.size !== 'number') {
          throw new ScanError(`STATUS for a folder gave no MESSAGES/SIZE`, 'STATUS_INCOMPLETE');
        }
        itemCount = st.messages;
        sizeBytes = st.size;
      }
      folders.push({ name, segments, serverPath: entry.path, delimiter, itemCount, sizeBytes, specialUse: entry.specialUse });
    }

    const largeItems: ScannedLargeItem[] = [];
    const limit = options.largeItemLimitBytes;
    if (limit !== undefined) {
      for (const folder of folders) {
        // A folder whose total is not over the limit cannot hold a message that is.
        if (folder.itemCount === 0 || folder.sizeBytes <= limit) continue;
        let uids: number[];
        const known = sizesByFolder.get(folder.serverPath);
        if (known) {
          uids = known.filter((m) => m.size > limit).map((m) => m.uid);
          if (uids.length === 0) continue;
          if (client.mailbox === false || client.mailbox.path !== folder.serverPath) {
            await client.mailboxOpen(folder.serverPath, { readOnly: true });
          }
        } else {
          await client.mailboxOpen(folder.serverPath, { readOnly: true });
          uids = ((await client.search({ larger: limit }, { uid: true })) || []) as number[];
        }
        if (uids.length === 0) continue;
        const msgs = await client.fetchAll(uids.join(','), { uid: true, size: true, envelope: true }, { uid: true });
        for (const m of msgs) {
          if ((m.size ?? 0) <= limit) continue;
          largeItems.push({
            folderName: folder.name,
            uid: m.uid,
            size: m.size ?? 0,
            subject: m.envelope?.subject ?? '',
            sender: addressText(m.envelope?.from),
            dateSent: toDate(m.envelope?.date),
          });
        }
      }
      largeItems.sort((a, b) => b.size - a.size);
    }

    await endSession(client, () => client.logout());
    if (stopReason) return fail(stopReason);
    return { ok: true, folders, largeItems, method, roundTrips: counter.n, durationMs: Date.now() - started };
  } catch (err) {
    await endSession(client, async () => client.close());
    return fail(stopReason ?? err);
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Ends the session and waits until the socket is really closed (at most 2 s), so the connection
 * slot the caller gives back is free on the server too: a per-server cap counts sockets, and a
 * closing one still counts there.
 */
async function endSession(client: ImapFlow, end: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 2_000);
    client.once('close', () => resolve());
  });
  await end().catch(() => client.close());
  await closed;
  clearTimeout(timer);
}

/** Connects (TLS as configured) and reads the greeting, without logging in. */
export async function probeEndpoint(
  endpoint: ImapEndpoint,
  options: { timeoutMs?: number } = {},
): Promise<{ ok: true; capabilities: string[] } | { ok: false; failure: PreflightFailure }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // No credentials: imapflow connects, upgrades as configured, then fails login, which is "reachable".
  const client = new ImapFlow({
    ...imapFlowOptions(endpoint, { userName: 'cutover-probe', password: 'x' }, timeoutMs, countingLogger({ n: 0 })),
    auth: undefined,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { ok: true, capabilities: [...client.capabilities.keys()] };
  } catch (err) {
    const e = err as { message?: string };
    // "Please configure the login" means transport, TLS and greeting all worked.
    if (/configure the login/i.test(e.message ?? '')) return { ok: true, capabilities: [...client.capabilities.keys()] };
    return { ok: false, failure: classifyFailure(err, { host: endpoint.host, port: endpoint.port, security: endpoint.security, timeoutMs }) };
  } finally {
    client.close();
  }
}
