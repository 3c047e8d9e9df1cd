// Rules of the preflight's planner that need no IMAP server: rows sharing a login travel in one
// item, the sealed rows never hold a password in clear, and a run whose items the queue lost ends
// with those mailboxes blocked (it does not wait for ever).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../adapters/storage/fileStore';
import { Secret } from '../domain/secret';
import type { MailboxScanner } from '../ports/mailboxScanner';
import type { WorkQueue } from '../ports/workQueue';
import { SourceConnectionGate } from './preflight';
import { PreflightWork, type PreflightWorkItem } from './preflightWork';

const rows = [
  { emailAddress: 'a@x.test', userName: 'shared', password: new Secret('pw-one-Secret') },
  { emailAddress: 'b@x.test', userName: 'b', password: new Secret('pw-two-Secret') },
  { emailAddress: 'c@x.test', userName: 'SHARED', password: new Secret('pw-three-Secret') },
];
const never: MailboxScanner = async () => Promise.reject(new Error('not scanned in this test'));

describe('preflight planner', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-work-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('one item per login (ids and limits only); a lost item leaves its rows blocked; nothing stays behind', async () => {
    const enqueued: PreflightWorkItem[] = [];
    let storedWhileRunning = '';
    const lost: WorkQueue<PreflightWorkItem> = {
      description: 'a cleared queue',
      enqueue: async (items) => {
        enqueued.push(...items);
        storedWhileRunning = fs
          .readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .map((f) => (fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f), 'utf8') : ''))
          .join('\n');
      },
      start: async () => undefined,
      stop: async () => undefined,
      pending: async () => 0,
    };
    const work = new PreflightWork({
      store: new FileStore(dir),
      key: Buffer.alloc(32, 1),
      work: lost,
      connections: new SourceConnectionGate(),
      scannerFor: () => never,
      resultsPollMs: 10,
      lostCheckMs: 30,
    });
    const report = await work.run({
      rows,
      server: { remoteServer: 'imap.x.test', port: 993, security: 'Ssl' },
      limitFor: async (e) => (e === 'b@x.test' ? 2048 : 1024),
    });
    expect(enqueued.map((i) => [i.rows, i.limits]).sort()).toEqual([
      ['0,2', '1024,1024'],
      ['1', '2048'],
    ]);
    expect(report.users.map((u) => u.status)).toEqual(['Blocked', 'Blocked', 'Blocked']);
    expect(report.users[0].failure?.cause).toMatch(/work item was lost/);
    expect(storedWhileRunning).toContain('preflight');
    for (const r of rows) expect(storedWhileRunning).not.toContain(r.password.reveal());
    // The run's record and results are gone (the result blobs in the background); so is the index entry.
    const until = Date.now() + 3_000;
    const left = () =>
      fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => /preflight/.test(decodeURIComponent(f)) && fs.statSync(path.join(dir, f)).isFile());
    while (left().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(
      fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => /preflight/.test(decodeURIComponent(f)) && fs.statSync(path.join(dir, f)).isFile()),
    ).toEqual([]);
  });
});
