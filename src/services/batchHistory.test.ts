import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStore } from '../adapters/storage/fileStore';
import type { ExchangeAdmin } from '../ports/exchange';
import type { MigrationBatch, MigrationUser, MigrationUserStatistics } from '../domain/exchange/types';
import type { BatchSnapshot } from '../domain/notifications/events';
import { BatchHistory } from './batchHistory';

const DAY = 86_400_000;

function batch(name: string, guid: string, status: MigrationBatch['status'] = 'Synced'): MigrationBatch {
  return {
    identity: name,
    status,
    batchGuid: guid,
    migrationType: 'IMAP',
    sourceEndpoint: 'school',
    notificationEmails: [],
    excludedFolders: [],
    submittedByUser: null,
    totalCount: 2,
    activeCount: 0,
    stoppedCount: 0,
    syncedCount: 2,
    finalizedCount: 0,
    failedCount: 0,
    failedInitialSyncCount: 0,
    failedIncrementalSyncCount: 0,
    pendingCount: 0,
    provisionedCount: 0,
    creationDateTime: new Date('2026-01-01T00:00:00Z'),
    startDateTime: null,
    initialSyncDateTime: null,
    lastSyncedDateTime: new Date('2026-02-01T00:00:00Z'),
    message: null,
  };
}

function user(email: string, batchId: string, skipped = 0): MigrationUser {
  return {
    identity: email,
    guid: email,
    batchId,
    emailAddress: email,
    recipientType: 'Mailbox',
    status: 'Synced',
    statusSummary: 'Synced',
    syncedItemCount: 100,
    skippedItemCount: skipped,
    mailboxGuid: null,
    requestGuid: null,
    lastSuccessfulSyncTime: new Date('2026-02-01T00:00:00Z'),
    lastSubscriptionCheckTime: null,
    errorSummary: null,
  };
}

function snapshot(name: string, guid: string, status: BatchSnapshot['status']): BatchSnapshot {
  return {
    name,
    guid,
    status,
    total: 1,
    active: 0,
    synced: 0,
    failed: 0,
    stopped: 1,
    pending: 0,
    creationDateTime: null,
    startDateTime: null,
    initialSyncDateTime: null,
    lastSyncedDateTime: null,
    message: null,
  };
}

describe('BatchHistory', () => {
  let dir: string;
  let store: FileStore;
  let now: Date;
  let batches: Map<string, MigrationBatch>;
  const exchange = {
    getMigrationBatch: async (n: string) => batches.get(n) ?? null,
    getMigrationUsers: async (o: { batchId: string }) => [user('anna@contoso.edu', o.batchId, 2), user('ben@contoso.edu', o.batchId)],
    getMigrationUserStatistics: async (email: string) =>
      ({
        ...user(email, 'x'),
        skippedItems: email.startsWith('anna')
          ? [
              {
                kind: 'LargeItem',
                folderName: 'Inbox',
                subject: 'Secret merger plans',
                sender: 'ceo@contoso.edu',
                dateSent: null,
                messageSize: 1,
                failure: null,
              },
              { kind: 'CorruptItem', folderName: 'Inbox', subject: 'x', sender: 'y', dateSent: null, messageSize: 1, failure: null },
            ]
          : [],
        error: null,
      }) as unknown as MigrationUserStatistics,
    getSyncRequests: async () => [],
    getSyncRequestStatistics: async () => null,
  } as unknown as ExchangeAdmin;
  const history = (days = 730) => new BatchHistory({ store, clock: { now: () => now }, exchange, retentionDays: days });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'history-'));
    store = new FileStore(dir);
    now = new Date('2026-03-01T00:00:00Z');
    batches = new Map([['pilot', batch('pilot', 'g-1')]]);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps each user before removal, with skipped counts by kind and never a subject or sender; undo takes it back', async () => {
    const h = history();
    await h.noteCreated('pilot', 'Alex Wilber');
    const kept = await h.keepBeforeRemoval('pilot', 'Megan Bowen');
    expect(kept?.entry).toMatchObject({ name: 'pilot', how: 'removed', removedBy: 'Megan Bowen', createdBy: 'Alex Wilber', totalUsers: 2 });
    const [anna] = await h.forUser('ANNA@contoso.edu');
    expect(anna.user).toMatchObject({ syncedItems: 100, skippedItems: 2, skippedByKind: { LargeItem: 1, CorruptItem: 1 } });
    const stored = fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    expect(stored).not.toMatch(/Secret merger plans|ceo@contoso\.edu/);
    await kept!.undo();
    expect(await h.list()).toEqual([]);
    expect(await h.forUser('anna@contoso.edu')).toEqual([]);
  });

  it('drops records older than the retention, counted from when the batch left Exchange', async () => {
    const h = history(30);
    await h.keepBeforeRemoval('pilot', 'alex');
    now = new Date(now.getTime() + 29 * DAY);
    expect(await h.list()).toHaveLength(1);
    now = new Date(now.getTime() + 2 * DAY);
    expect(await h.list()).toEqual([]);
    expect(await h.forUser('ben@contoso.edu')).toEqual([]);
  });

  it('keeps a batch when it stops, forgets that when it resumes, and calls it purged when it vanishes stopped', async () => {
    const h = history();
    batches.set('pilot', batch('pilot', 'g-1', 'Stopped'));
    await h.watcherSaw([snapshot('pilot', 'g-1', 'Stopped')]);
    expect((await h.byName('pilot'))[0]).toMatchObject({ how: 'ended', removedAt: null });
    // Started again: the "ended" record goes.
    await h.watcherSaw([snapshot('pilot', 'g-1', 'Syncing')]);
    expect(await h.byName('pilot')).toEqual([]);
    await h.watcherSaw([snapshot('pilot', 'g-1', 'Stopped')]);
    now = new Date(now.getTime() + 90 * DAY);
    await h.watcherSaw([]);
    expect((await h.byName('pilot'))[0]).toMatchObject({ how: 'purged', removedAt: now.toISOString(), totalUsers: 2 });
  });

  it('keeps what the watcher last saw of a batch removed elsewhere', async () => {
    const h = history();
    await h.watcherLost([
      { batch: snapshot('other', 'g-2', 'Synced'), users: [{ email: 'cara@contoso.edu', status: 'Synced', summary: 'Synced', syncedItems: 7, error: null }] },
    ]);
    const [e] = await h.byName('other');
    expect(e).toMatchObject({ how: 'vanished', totalUsers: 1 });
    expect((await h.users(e))[0]).toMatchObject({ email: 'cara@contoso.edu', syncedItems: 7 });
  });
});
