// The local-mode demo's two mailboxes behind the delta pass's ports, in memory, derived from the
// emulator's demo source (imap.contoso.edu): the source holds each demo user's folders, the
// "Exchange" side holds what the emulator's last sync copied, which is everything except mail
// that arrived afterwards (two INBOX messages, one in Sent Items, one without Message-ID in
// Archive/2025) and items over the mailbox's limit. No IMAP server is involved; the cards say so.

import { DEMO_USERS } from '../exchange';
import { countKeys, type MessageMeta } from '../../domain/cutover/delta';
import type { AppendResult, DeltaUser, FolderStatus, IoStats, MailboxAccess, SourceSession, TargetSession } from '../../domain/cutover/mailboxes';

interface DemoFolder {
  messages: MessageMeta[];
}

interface DemoMailbox {
  source: Map<string, DemoFolder>;
  target: Map<string, DemoFolder>;
}

const BASE = Date.UTC(2025, 0, 6, 8, 0, 0);

function meta(alias: string, folder: string, uid: number, extra: Partial<MessageMeta> = {}): MessageMeta {
  const d = new Date(BASE + uid * 3_600_000);
  return {
    uid,
    messageId: `${alias}.${folder.replace(/\W+/g, '-').toLowerCase()}.${uid}@contoso.edu`,
    date: d.toISOString(),
    from: `colleague${uid % 17}@contoso.edu`,
    subject: `${folder} message ${uid}`,
    size: 4000 + ((uid * 7919) % 60_000),
    flags: uid % 5 === 0 ? [] : ['\\Seen'],
    internalDate: d,
    ...extra,
  };
}

function build(alias: string): DemoMailbox | null {
  const user = DEMO_USERS.find((u) => u.alias === alias);
  if (!user) return null;
  const source = new Map<string, DemoFolder>();
  const target = new Map<string, DemoFolder>();
  for (const f of user.folders) {
    const msgs: MessageMeta[] = [];
    for (let uid = 1; uid <= f.itemCount; uid++) msgs.push(meta(alias, f.name, uid));
    source.set(f.name, { messages: msgs });
    target.set(f.name, { messages: msgs.map((m) => ({ ...m })) });
  }
  // Items Exchange skipped for size are on the source only.
  for (const big of user.bigItems) {
    const folder = source.get(big.folderName);
    if (!folder) continue;
    const uid = folder.messages.length + 1;
    const m = meta(alias, big.folderName, uid, { subject: big.subject, from: big.sender, size: big.size, date: big.dateSent?.toISOString() ?? null });
    folder.messages.push(m);
    if (big.size <= 35 * 1024 * 1024) target.get(big.folderName)?.messages.push({ ...m });
  }
  // Mail that reached the old server after the last incremental sync.
  const late = (name: string, extra: Partial<MessageMeta> = {}) => {
    const folder = source.get(name);
    if (!folder) return;
    const uid = folder.messages.length + 1;
    folder.messages.push(meta(alias, name, uid, { subject: `Arrived after the last sync (${name})`, flags: [], ...extra }));
  };
  late('INBOX');
  late('INBOX');
  late('Sent Items', { flags: ['\\Seen'] });
  late('Archive/2025', { messageId: null, subject: 'Scanned form (no Message-ID)' });
  return { source, target };
}

const mailboxes = new Map<string, DemoMailbox>();

function mailboxFor(email: string): DemoMailbox {
  const alias = email.split('@')[0].toLowerCase();
  let box = mailboxes.get(alias);
  if (!box) {
    const built = build(alias);
    if (!built) throw new Error(`the demo source has no mailbox for ${email}`);
    box = built;
    mailboxes.set(alias, box);
  }
  return box;
}

function body(m: MessageMeta): Buffer {
  const head = `From: ${m.from}\r\nSubject: ${m.subject}\r\nDate: ${m.date}\r\n${m.messageId ? `Message-ID: <${m.messageId}>\r\n` : ''}\r\n`;
  const buf = Buffer.alloc(Math.max(m.size, head.length), 0x78);
  buf.write(head, 0, 'latin1');
  return buf;
}

class DemoSource implements SourceSession {
  private s: IoStats = { roundTrips: 1, bodyBytes: 0 };
  constructor(private readonly box: DemoMailbox) {}
  async folders(): Promise<FolderStatus[]> {
    this.s.roundTrips++;
    return [...this.box.source].map(([name, f]) => ({ name, uidValidity: 1, uidNext: f.messages.length + 1, messages: f.messages.length }));
  }
  async list(folder: string, fromUid: number, extra: number[]): Promise<MessageMeta[]> {
    this.s.roundTrips += 2;
    return (this.box.source.get(folder)?.messages ?? []).filter((m) => m.uid >= fromUid || extra.includes(m.uid)).map((m) => ({ ...m }));
  }
  async countMessageId(folder: string, id: string, below: number): Promise<number> {
    this.s.roundTrips++;
    return (this.box.source.get(folder)?.messages ?? []).filter((m) => m.uid < below && m.messageId === id).length;
  }
  async body(folder: string, uid: number): Promise<Buffer> {
    this.s.roundTrips++;
    const m = this.box.source.get(folder)?.messages.find((x) => x.uid === uid);
    if (!m) throw new Error(`UID ${uid} is gone`);
    const b = body(m);
    this.s.bodyBytes += b.length;
    return b;
  }
  stats(): IoStats {
    return { ...this.s };
  }
  async close(): Promise<void> {}
}

class DemoTarget implements TargetSession {
  private s: IoStats = { roundTrips: 1, bodyBytes: 0 };
  constructor(
    private readonly box: DemoMailbox,
    readonly maxMessageBytes: number,
  ) {}
  async ensureFolder(name: string): Promise<boolean> {
    if (this.box.target.has(name)) return false;
    this.box.target.set(name, { messages: [] });
    return true;
  }
  async keyCounts(folder: string, only?: string[]): Promise<Map<string, number>> {
    this.s.roundTrips++;
    const msgs = this.box.target.get(folder)?.messages ?? [];
    return countKeys(only ? msgs.filter((m) => m.messageId && only.includes(m.messageId)) : msgs);
  }
  async count(folder: string): Promise<number> {
    this.s.roundTrips++;
    return this.box.target.get(folder)?.messages.length ?? 0;
  }
  async append(folder: string, b: Buffer, flags: string[], internalDate: Date | null): Promise<AppendResult> {
    this.s.roundTrips++;
    if (b.length > this.maxMessageBytes) return { ok: false, kind: 'too-large', text: 'Maximum size of appendable message has been exceeded' };
    const head = b.subarray(0, 2048).toString('latin1');
    const get = (h: string) => new RegExp(`^${h}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? '';
    const list = this.box.target.get(folder)!.messages;
    const id = /<([^>]+)>/.exec(get('Message-ID'))?.[1] ?? null;
    list.push({
      uid: list.length + 1,
      messageId: id,
      date: get('Date') || null,
      from: get('From'),
      subject: get('Subject'),
      size: b.length,
      flags,
      internalDate,
    });
    return { ok: true, uid: list.length };
  }
  stats(): IoStats {
    return { ...this.s };
  }
  async close(): Promise<void> {}
}

/** The demo mailboxes; `limitFor` reads the target mailbox's MaxReceiveSize from the emulator. */
export function demoMailboxAccess(limitFor: (email: string) => Promise<number>): MailboxAccess {
  return {
    kind: 'demo',
    description: "the emulator's demo mailboxes in memory (imap.contoso.edu → contoso.edu on the emulator); no IMAP server",
    source: async (user: DeltaUser) => new DemoSource(mailboxFor(user.email)),
    target: async (user: DeltaUser) => new DemoTarget(mailboxFor(user.email), await limitFor(user.email)),
  };
}
