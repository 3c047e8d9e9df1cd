// The delta pass for real: a Dovecot as the old server, a second Dovecot standing in for the
// Exchange mailbox (same IMAP adapter, LOGIN instead of XOAUTH2), mail delivered to the source
// after the last sync with dovecot-lda, a pass killed half-way, a message over the limit, a
// message without Message-ID. Each test builds on the previous one's state, like a real cut-over.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapMailboxAccess } from '../../src/adapters/imap/mailboxCopier';
import { FileStore } from '../../src/adapters/storage/fileStore';
import { CutoverService } from '../../src/services/cutover';
import type { ExchangeAdmin } from '../../src/ports/exchange';
import type { MigrationBatch, MigrationEndpoint } from '../../src/domain/exchange/types';
import { describeWithDovecot, mailboxView, startDovecot, type DovecotInstance, type FixtureUser } from '../support/dovecot';
import { buildMessage } from '../support/mailFixtures';

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const users = (): FixtureUser[] => [
  {
    login: ALICE,
    password: 'alice-Src-pw!',
    folders: [
      { name: 'INBOX', messages: 30 },
      { name: 'Sent', messages: 10 },
      { name: 'Projects/Q1', messages: 5 },
    ],
    seed: 11,
  },
  {
    login: BOB,
    password: 'bob-Src-pw!',
    folders: [
      { name: 'INBOX', messages: 20 },
      { name: 'Trash', messages: 3 },
    ],
    seed: 12,
  },
];
const CSV = `EmailAddress,UserName,Password\n${ALICE},${ALICE},alice-Src-pw!\n${BOB},${BOB},bob-Src-pw!\n`;

function mail(id: string | null, subject: string, size = 2000): Buffer {
  const m = buildMessage(size, {
    subject,
    from: 'Late Sender <late@old.test>',
    to: 'x <x@example.test>',
    date: new Date('2025-06-01T10:00:00Z'),
    id: id ?? 'x',
  });
  return id ? m : Buffer.from(m.toString('latin1').replace(/^Message-ID: .*\r\n/m, ''), 'latin1');
}

describeWithDovecot()('delta pass between two Dovecots', () => {
  let source: DovecotInstance;
  let target: DovecotInstance;
  let service: CutoverService;
  let dir: string;
  let limit = 100_000;
  const endpoint = () => ({ identity: 'old', remoteServer: '127.0.0.1', port: source.imapPort, security: 'None' }) as MigrationEndpoint;

  beforeAll(async () => {
    // The target starts as Exchange's sync left it: the same mail as the source.
    [source, target] = await Promise.all([startDovecot({ users: users() }), startDovecot({ users: users() })]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-delta-'));
    const exchange = {
      getMigrationBatch: async (id: string) =>
        id === 'pilot'
          ? ({
              identity: 'pilot',
              status: 'Synced',
              sourceEndpoint: 'old',
              excludedFolders: ['Trash'],
              lastSyncedDateTime: new Date(),
            } as unknown as MigrationBatch)
          : null,
      getMigrationEndpoint: async () => endpoint(),
    } as unknown as ExchangeAdmin;
    service = new CutoverService({
      store: new FileStore(dir),
      clock: { now: () => new Date() },
      exchange,
      resolvers: [],
      key: Buffer.alloc(32, 3),
      mailboxes: (ep) =>
        new ImapMailboxAccess({
          source: { host: ep.remoteServer, port: ep.port, security: ep.security },
          target: { host: target.host, port: target.imapPort, security: 'None' },
          targetAuth: { kind: 'password', userTemplate: `{email}*${target.masterUser}`, password: target.masterPassword },
          limitFor: async () => limit,
        }),
    });
    await service.plan('pilot', { domain: 'example.test', by: 'test', csv: Buffer.from(CSV) });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('first pass: the target already holds everything, nothing is copied, and the batch reconciles', async () => {
    const s = await service.runDeltaPass('pilot');
    expect(s.failedUsers).toEqual([]);
    expect(s.copied).toBe(0);
    expect(s.bodyBytes).toBe(0);
    const { proof } = await service.proof('pilot');
    expect(proof.verified).toBe(true);
    expect(proof.users.find((u) => u.email === ALICE)).toMatchObject({ sourceCount: 45, targetCount: 45, copied: 0 });
  });

  it('copies mail delivered after the last sync, across folders, once, with flags and date; reports the one over the limit', async () => {
    source.deliver(ALICE, 'INBOX', mail('late-1@old.test', 'Late one'));
    source.deliver(ALICE, 'INBOX', mail('late-2@old.test', 'Late two'));
    source.deliver(ALICE, 'Sent', mail('late-3@old.test', 'Late sent'));
    source.deliver(ALICE, 'Projects/Q1', mail(null, 'No id at all'));
    source.deliver(ALICE, 'INBOX', mail('big-1@old.test', 'Too big', 150_000));
    const s = await service.runDeltaPass('pilot');
    expect(s.failedUsers).toEqual([]);
    expect(s.copied).toBe(4);
    expect(s.skipped).toBe(1);
    // Only the copied bodies were read; the oversize one never was.
    expect(s.bodyBytes).toBeLessThan(4 * 2100);
    const inbox = await mailboxView(target, ALICE, 'INBOX');
    expect(inbox.filter((m) => m.subject === 'Late one')).toHaveLength(1);
    expect(inbox.filter((m) => m.subject === 'Too big')).toHaveLength(0);
    const q1 = await mailboxView(target, ALICE, 'Projects/Q1');
    expect(q1.filter((m) => m.subject === 'No id at all')).toHaveLength(1);
    // INTERNALDATE kept (dovecot-lda stamped delivery time on the source; the copy carries the same).
    const sourceInbox = await mailboxView(source, ALICE, 'INBOX');
    const src = sourceInbox.find((m) => m.subject === 'Late one')!;
    expect(inbox.find((m) => m.subject === 'Late one')!.internalDate.getTime()).toBe(src.internalDate.getTime());

    const { proof } = await service.proof('pilot');
    expect(proof.verified).toBe(false);
    const a = proof.notReconciled.find((u) => u.email === ALICE)!;
    expect(a.why).toMatch(/INBOX: 1 missing \(over-size-limit\)/);
    expect(proof.users.find((u) => u.email === BOB)!.reconciled).toBe(true);
  });

  it('a second pass with nothing new copies nothing and reads no bodies; the oversize message is still reported', async () => {
    const s = await service.runDeltaPass('pilot');
    expect(s.copied).toBe(0);
    expect(s.skipped).toBe(1);
    expect(s.bodyBytes).toBe(0);
    const bob = s.roundTrips.find((r) => r.email === BOB)!;
    expect(bob.target).toBe(0);
    const inbox = await mailboxView(target, ALICE, 'INBOX');
    expect(inbox.filter((m) => m.subject === 'Late two')).toHaveLength(1);
  });

  it('a pass killed half-way resumes without duplicates or gaps', async () => {
    for (let i = 1; i <= 8; i++) source.deliver(BOB, 'INBOX', mail(`bob-late-${i}@old.test`, `Bob late ${i}`));
    let appended = 0;
    const killed = await service.runDeltaPass('pilot', {
      afterAppend: () => {
        // Dies after the 3rd APPEND reached the target but before its checkpoint was saved.
        if (++appended === 3) throw new Error('process killed');
      },
    });
    expect(killed.failedUsers.map((f) => f.email)).toEqual([BOB]);
    const again = await service.runDeltaPass('pilot');
    expect(again.failedUsers).toEqual([]);
    expect(again.copied).toBe(5);
    const inbox = await mailboxView(target, BOB, 'INBOX');
    for (let i = 1; i <= 8; i++) expect(inbox.filter((m) => m.subject === `Bob late ${i}`)).toHaveLength(1);
    expect(inbox).toHaveLength(28);
  });

  it('after the limit is raised the next pass copies the large message and the batch is verified', async () => {
    limit = 1_000_000;
    const s = await service.runDeltaPass('pilot');
    expect(s.copied).toBe(1);
    const { proof } = await service.proof('pilot');
    expect(proof.notReconciled).toEqual([]);
    expect(proof.verified).toBe(true);
  });

  it('a folder whose UIDVALIDITY changed is compared again in full, without copying twice', async () => {
    // Dovecot gives a folder a new UIDVALIDITY when its uidlist is gone.
    const uidlist = path.join(source.dir, 'mail', ALICE, '.Sent', 'dovecot-uidlist');
    fs.rmSync(uidlist, { force: true });
    for (const f of fs.readdirSync(path.join(source.dir, 'mail', ALICE, '.Sent')))
      if (f.startsWith('dovecot.index')) fs.rmSync(path.join(source.dir, 'mail', ALICE, '.Sent', f));
    source.deliver(ALICE, 'Sent', mail('after-reset@old.test', 'After reset'));
    const s = await service.runDeltaPass('pilot');
    expect(s.copied).toBe(1);
    expect(s.notes.join('\n')).toMatch(/Sent: UIDVALIDITY changed/);
    const sent = await mailboxView(target, ALICE, 'Sent');
    expect(sent.filter((m) => m.subject === 'Late sent')).toHaveLength(1);
    expect(sent).toHaveLength(12);
  });

  it('keeps the source passwords only sealed in its store', () => {
    const all: string[] = [];
    const walk = (d: string) =>
      fs
        .readdirSync(d, { withFileTypes: true })
        .forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : all.push(fs.readFileSync(path.join(d, e.name), 'latin1'))));
    walk(dir);
    expect(all.length).toBeGreaterThan(0);
    for (const secret of ['alice-Src-pw!', 'bob-Src-pw!']) expect(all.some((t) => t.includes(secret))).toBe(false);
  });
});
