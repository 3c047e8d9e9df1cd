// The delta pass through a work queue in one process: many mailboxes finishing at the same moment
// all land in the summary (results are eTag-checked updates of shards the planner made first; two
// first writes to one shard used to race and lose a result, leaving the pass waiting for ever).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessWorkQueue } from '../adapters/queue/inProcessQueue';
import { FileStore } from '../adapters/storage/fileStore';
import type { MailboxAccess, SourceSession } from '../domain/cutover/mailboxes';
import type { MigrationBatch, MigrationEndpoint } from '../domain/exchange/types';
import type { ExchangeAdmin } from '../ports/exchange';
import type { WorkQueue } from '../ports/workQueue';
import { CutoverService, type CutoverServiceOptions, type CutoverWorkItem } from './cutover';

const USERS = 64;

/** A service on a file store in `dir`, whose Exchange knows any batch with source endpoint imap.test. */
function serviceOn(dir: string, o: Pick<CutoverServiceOptions, 'work' | 'mailboxes' | 'lostCheckMs'>): CutoverService {
  return new CutoverService({
    store: new FileStore(dir),
    clock: { now: () => new Date() },
    exchange: {
      getMigrationBatch: async (id: string) => ({ identity: id, sourceEndpoint: 'old', excludedFolders: [] }) as unknown as MigrationBatch,
      getMigrationEndpoint: async () => ({ identity: 'old', remoteServer: 'imap.test', port: 143, security: 'None' }) as MigrationEndpoint,
    } as unknown as ExchangeAdmin,
    resolvers: [],
    key: Buffer.alloc(32, 5),
    resultsPollMs: 10,
    ...o,
  });
}

describe('delta pass items through the in-process queue', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-work-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every mailbox of a wide pass has its one result in the summary', async () => {
    const emptySource: SourceSession = {
      folders: async () => [],
      list: async () => [],
      countMessageId: async () => 0,
      body: async () => Buffer.alloc(0),
      stats: () => ({ roundTrips: 1, bodyBytes: 0 }),
      close: async () => undefined,
    };
    const access: MailboxAccess = {
      kind: 'IMAP',
      description: 'fake',
      source: async () => emptySource,
      target: async () => {
        throw new Error('not needed');
      },
    };
    const queue = new InProcessWorkQueue<CutoverWorkItem>({ width: 16 });
    const service = serviceOn(dir, { work: queue, mailboxes: () => access });
    const csv = ['EmailAddress,UserName,Password', ...Array.from({ length: USERS }, (_, i) => `u${i}@wide.test,u${i},pw-${i}`)].join('\n');
    await service.plan('wide', { domain: 'wide.test', by: 'test', csv: Buffer.from(csv) });
    await service.startWorkers();
    const s = await Promise.race([
      service.runDeltaPass('wide'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the pass never finished: a result was lost')), 8_000)),
    ]);
    await service.stopWorkers();
    expect(s.users).toBe(USERS);
    expect(new Set(s.roundTrips.map((r) => r.email)).size).toBe(USERS);
    expect(s.failedUsers).toEqual([]);
  }, 15_000);
});

describe('a pass whose items are lost', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-lost-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ends with those mailboxes failed (the queue says nothing is left), instead of waiting for ever', async () => {
    // A queue whose items vanish (cleared by hand): it holds nothing, and says so.
    const lost: WorkQueue<CutoverWorkItem> = {
      description: 'a cleared queue',
      enqueue: async () => undefined,
      start: async () => undefined,
      stop: async () => undefined,
      pending: async () => 0,
    };
    const service = serviceOn(dir, {
      work: lost,
      lostCheckMs: 50,
      mailboxes: () => ({
        kind: 'IMAP',
        description: 'fake',
        source: async () => Promise.reject(new Error('unused')),
        target: async () => Promise.reject(new Error('unused')),
      }),
    });
    await service.plan('gone', {
      domain: 'gone.test',
      by: 'test',
      csv: Buffer.from('EmailAddress,UserName,Password\na@gone.test,a,pw-a\nb@gone.test,b,pw-b\n'),
    });
    const s = await service.runDeltaPass('gone');
    expect(s.users).toBe(2);
    expect(s.failedUsers.map((f) => f.email)).toEqual(['a@gone.test', 'b@gone.test']);
    expect(s.failedUsers[0].why).toMatch(/work item was lost/);
    expect(await service.passRunning('gone')).toBe(false);
  });
});
