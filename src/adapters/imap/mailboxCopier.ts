// The delta pass's IMAP ends, on imapflow: the source is read with EXAMINE only (headers and
// attributes first, a body only for a message that must be copied); the target gets APPEND with
// the source's flags and INTERNALDATE (UIDPLUS gives the new UID). The same code writes into
// Exchange Online (XOAUTH2, app-only token) and into a Dovecot standing in for it (LOGIN).
// Passwords and tokens go to imapflow only; errors are redacted before they leave.

import { ImapFlow } from 'imapflow';
import type { FetchMessageObject, Logger } from 'imapflow';
import type { MessageMeta } from '../../domain/cutover/delta';
import { countKeys, isSizeRefusal, normalizeMessageId, throttleBackoffMs } from '../../domain/cutover/delta';
import type { AppendResult, DeltaUser, FolderStatus, IoStats, MailboxAccess, SourceSession, TargetSession } from '../../domain/cutover/mailboxes';
import { redactor } from '../../domain/preflight/classify';
import { imapFlowOptions, type ImapEndpoint } from './imapSource';
import { targetImapAuth, tokenTransportProblem, type TargetAuth } from './xoauth2';
import { serverKey } from '../../ports/connectionBudget';

function countingLogger(stats: IoStats): Logger {
  const noop = () => undefined;
  return {
    trace: noop,
    debug: (obj: { src?: string }) => {
      if (obj && obj.src === 'c') stats.roundTrips++;
    },
    info: noop,
    warn: noop,
    error: noop,
    fatal: noop,
  };
}

export class MailboxAccessError extends Error {
  constructor(
    message: string,
    readonly side: 'source' | 'target',
  ) {
    super(message);
    this.name = 'MailboxAccessError';
  }
}

function errorText(err: unknown): string {
  const e = err as { responseText?: string; message?: string; code?: string; serverResponseCode?: string };
  return [e?.responseText, e?.serverResponseCode, e?.code, e?.message].filter(Boolean).join(' ') || String(err);
}

async function connect(client: ImapFlow, side: 'source' | 'target', redact: (t: string) => string): Promise<void> {
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    const e = err as { authenticationFailed?: boolean };
    const what = e.authenticationFailed ? 'sign-in refused' : 'cannot connect';
    throw new MailboxAccessError(`${side} ${what}: ${redact(errorText(err)).slice(0, 300)}`, side);
  }
}

function segmentsToServer(name: string, delimiter: string): string {
  return name === 'INBOX' ? 'INBOX' : name.split('/').join(delimiter);
}

function metaOf(m: FetchMessageObject): MessageMeta {
  const env = m.envelope;
  const from = env?.from?.[0];
  return {
    uid: m.uid,
    messageId: normalizeMessageId(env?.messageId ?? null),
    date: env?.date ? new Date(env.date as unknown as string).toISOString() : null,
    from: from?.address ?? from?.name ?? '',
    subject: env?.subject ?? '',
    size: m.size ?? 0,
    flags: m.flags ? [...m.flags] : [],
    internalDate: m.internalDate ? new Date(m.internalDate as unknown as string) : null,
  };
}

class ImapSource implements SourceSession {
  private readonly s: IoStats = { roundTrips: 0, bodyBytes: 0 };
  private client!: ImapFlow;
  private paths = new Map<string, string>();

  constructor(
    private readonly endpoint: ImapEndpoint,
    private readonly user: DeltaUser,
    private readonly timeoutMs: number,
  ) {}

  async open(): Promise<this> {
    const password = this.user.password.reveal();
    this.client = new ImapFlow({
      ...imapFlowOptions(this.endpoint, { userName: this.user.userName, password }, this.timeoutMs, countingLogger(this.s)),
      clientInfo: { name: 'Cutover delta pass' },
    });
    await connect(this.client, 'source', redactor([password]));
    return this;
  }

  async folders(): Promise<FolderStatus[]> {
    const listed = await this.client.list({ statusQuery: { messages: true, uidNext: true, uidValidity: true } });
    const out: FolderStatus[] = [];
    for (const e of listed) {
      if (e.flags.has('\\Noselect') || e.flags.has('\\NonExistent')) continue;
      const delimiter = e.delimiter || '/';
      const name = e.path === 'INBOX' || !delimiter ? e.path : e.path.split(delimiter).join('/');
      this.paths.set(name, e.path);
      const st = e.status as { messages?: number; uidNext?: number; uidValidity?: bigint | number } | undefined;
      out.push({ name, uidValidity: Number(st?.uidValidity ?? 0), uidNext: Number(st?.uidNext ?? 0), messages: st?.messages ?? 0 });
    }
    return out;
  }

  private async examine(folder: string): Promise<number> {
    const path = this.paths.get(folder) ?? folder;
    if (this.client.mailbox === false || this.client.mailbox.path !== path) {
      const box = await this.client.mailboxOpen(path, { readOnly: true });
      return box.exists;
    }
    return this.client.mailbox.exists;
  }

  async list(folder: string, fromUid: number, extraUids: number[]): Promise<MessageMeta[]> {
    const exists = await this.examine(folder);
    if (exists === 0) return [];
    const query = { uid: true, flags: true, internalDate: true, size: true, envelope: true } as const;
    const range = [`${Math.max(1, fromUid)}:*`, ...extraUids.filter((u) => u < fromUid)].join(',');
    const msgs = await this.client.fetchAll(range, query, { uid: true });
    // "n:*" names the last message even when n is past it (RFC 3501), so filter.
    const extra = new Set(extraUids);
    return msgs.filter((m) => m.uid >= fromUid || extra.has(m.uid)).map(metaOf);
  }

  async countMessageId(folder: string, messageId: string, belowUid: number): Promise<number> {
    if (belowUid <= 1) return 0;
    await this.examine(folder);
    const uids = (await this.client.search({ header: { 'message-id': `<${messageId}>` }, uid: `1:${belowUid - 1}` }, { uid: true })) || [];
    return uids.filter((u) => u < belowUid).length;
  }

  async body(folder: string, uid: number): Promise<Buffer> {
    await this.examine(folder);
    const m = await this.client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!m || !m.source) throw new Error(`source message UID ${uid} in ${folder} is gone`);
    this.s.bodyBytes += m.source.length;
    return m.source;
  }

  stats(): IoStats {
    return { ...this.s };
  }

  async close(): Promise<void> {
    await this.client.logout().catch(() => this.client.close());
  }
}

class ImapTarget implements TargetSession {
  private readonly s: IoStats = { roundTrips: 0, bodyBytes: 0 };
  private client!: ImapFlow;
  private delimiter = '/';
  private existing: Set<string> | null = null;
  private redact: (t: string) => string = (t) => t;

  constructor(
    private readonly endpoint: ImapEndpoint,
    private readonly auth: TargetAuth,
    private readonly mailbox: string,
    readonly maxMessageBytes: number,
    private readonly timeoutMs: number,
  ) {}

  async open(): Promise<this> {
    // Defence in depth (config.ts refuses the same): the app token never goes out in clear, nor to another host.
    const problem = this.auth.kind === 'xoauth2' ? tokenTransportProblem(this.endpoint, this.auth.hosts) : null;
    if (problem) throw new MailboxAccessError(`target refused: ${problem}`, 'target');
    const a = await targetImapAuth(this.auth, this.mailbox);
    const base = imapFlowOptions(this.endpoint, { userName: a.user, password: a.pass ?? '' }, this.timeoutMs, countingLogger(this.s));
    this.client = new ImapFlow({
      ...base,
      auth: a.accessToken ? { user: a.user, accessToken: a.accessToken } : { user: a.user, pass: a.pass ?? '', loginMethod: 'LOGIN' },
      clientInfo: { name: 'Cutover delta pass' },
    });
    this.redact = redactor([a.pass ?? '', a.accessToken ?? ''].filter(Boolean));
    await connect(this.client, 'target', this.redact);
    return this;
  }

  private serverPath(name: string): string {
    return segmentsToServer(name, this.delimiter);
  }

  async ensureFolder(name: string): Promise<boolean> {
    if (!this.existing) {
      const listed = await this.client.list();
      this.delimiter = listed.find((e) => e.delimiter)?.delimiter ?? '/';
      this.existing = new Set(
        listed
          .filter((e) => !e.flags.has('\\Noselect') && !e.flags.has('\\NonExistent'))
          .map((e) => (e.path === 'INBOX' ? 'INBOX' : e.path.split(this.delimiter).join('/'))),
      );
    }
    if (name === 'INBOX' || this.existing.has(name)) return false;
    await this.client.mailboxCreate(this.serverPath(name));
    this.existing.add(name);
    return true;
  }

  async keyCounts(folder: string, onlyMessageIds?: string[]): Promise<Map<string, number>> {
    const path = this.serverPath(folder);
    const box =
      this.client.mailbox !== false && this.client.mailbox.path === path ? this.client.mailbox : await this.client.mailboxOpen(path, { readOnly: true });
    if (box.exists === 0) return new Map();
    if (onlyMessageIds) {
      const counts = new Map<string, number>();
      for (const id of onlyMessageIds) {
        // HEADER search is a substring match: confirm on the envelope.
        const uids = (await this.client.search({ header: { 'message-id': `<${id}>` } }, { uid: true })) || [];
        if (uids.length === 0) continue;
        const found = await this.client.fetchAll(uids.join(','), { uid: true, envelope: true, size: true }, { uid: true });
        const n = found.filter((m) => normalizeMessageId(m.envelope?.messageId ?? null) === id).length;
        if (n > 0) counts.set(`mid:${id}`, n);
      }
      return counts;
    }
    const msgs = await this.client.fetchAll('1:*', { uid: true, envelope: true, size: true }, { uid: true });
    return countKeys(msgs.map(metaOf));
  }

  async count(folder: string): Promise<number> {
    const st = await this.client.status(this.serverPath(folder), { messages: true });
    return st ? (st.messages ?? 0) : 0;
  }

  async append(folder: string, body: Buffer, flags: string[], internalDate: Date | null): Promise<AppendResult> {
    if (body.length > this.maxMessageBytes)
      return { ok: false, kind: 'too-large', text: `${body.length} bytes is over the mailbox's ${this.maxMessageBytes}-byte limit` };
    try {
      const r = await this.client.append(this.serverPath(folder), body, flags, internalDate ?? undefined);
      if (!r) return { ok: false, kind: 'refused', text: 'the connection is not signed in' };
      return { ok: true, uid: r.uid };
    } catch (err) {
      const text = this.redact(errorText(err)).slice(0, 300);
      const backoff = throttleBackoffMs(text);
      if (backoff !== null || !this.client.usable) return { ok: false, kind: 'throttled', text, backoffMs: backoff ?? 2000 };
      return { ok: false, kind: isSizeRefusal(text) ? 'too-large' : 'refused', text };
    }
  }

  get usable(): boolean {
    return this.client.usable;
  }

  stats(): IoStats {
    return { ...this.s };
  }

  async close(): Promise<void> {
    await this.client.logout().catch(() => this.client.close());
  }
}

export interface ImapMailboxAccessOptions {
  source: ImapEndpoint;
  target: ImapEndpoint;
  targetAuth: TargetAuth;
  /** The target mailbox's receive limit (Get-Mailbox MaxReceiveSize). */
  limitFor(email: string): Promise<number>;
  timeoutMs?: number;
}

export class ImapMailboxAccess implements MailboxAccess {
  readonly kind = 'IMAP' as const;
  readonly description: string;
  readonly appOnly: boolean;
  readonly servers: { source: string; target: string };

  constructor(private readonly o: ImapMailboxAccessOptions) {
    this.appOnly = o.targetAuth.kind === 'xoauth2';
    this.servers = { source: serverKey(o.source.host, o.source.port), target: serverKey(o.target.host, o.target.port) };
    const auth = o.targetAuth.kind === 'xoauth2' ? 'XOAUTH2 app-only' : 'password';
    this.description = `${o.source.host}:${o.source.port} → ${o.target.host}:${o.target.port} (${auth})`;
  }

  source(user: DeltaUser): Promise<SourceSession> {
    return new ImapSource(this.o.source, user, this.o.timeoutMs ?? 30_000).open();
  }

  async target(user: DeltaUser): Promise<TargetSession> {
    const limit = await this.o.limitFor(user.email);
    return new ImapTarget(this.o.target, this.o.targetAuth, user.email, limit, this.o.timeoutMs ?? 30_000).open();
  }
}
