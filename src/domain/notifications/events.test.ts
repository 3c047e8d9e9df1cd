import {
  batchChanged,
  changedUsers,
  daysUntilStop,
  diffBatch,
  firstSyncedUsers,
  mergeGroupRead,
  syncOverdue,
  userReadPlan,
  type BatchSnapshot,
  type UserSnapshot,
} from './events';

const DAY = 86_400_000;
const base: BatchSnapshot = {
  name: 'pilot',
  guid: 'g1',
  status: 'Syncing',
  total: 2,
  active: 2,
  synced: 0,
  failed: 0,
  stopped: 0,
  pending: 0,
  creationDateTime: '2026-01-01T00:00:00.000Z',
  startDateTime: '2026-01-01T00:00:00.000Z',
  initialSyncDateTime: null,
  lastSyncedDateTime: null,
  message: null,
};
const user = (email: string, summary: UserSnapshot['summary'], status: UserSnapshot['status']): UserSnapshot => ({
  email,
  summary,
  status,
  syncedItems: 0,
  error: null,
});

describe('notification events', () => {
  it('asks for users only when the batch moved', () => {
    expect(batchChanged(base, { ...base })).toBe(false);
    expect(batchChanged(base, { ...base, synced: 1 })).toBe(true);
    expect(batchChanged(undefined, base)).toBe(true);
    expect(changedUsers({ a: user('a', 'Active', 'Syncing') }, [user('a', 'Active', 'Syncing'), user('b', 'Failed', 'Failed')]).map((u) => u.email)).toEqual([
      'b',
    ]);
  });

  it('turns a failure and a finished sync into once-keyed events that need a person', () => {
    const next = { ...base, status: 'SyncedWithErrors' as const, synced: 1, failed: 1, active: 0, lastSyncedDateTime: '2026-01-01T02:00:00.000Z' };
    const events = diffBatch({
      prev: base,
      next,
      prevUsers: { a: user('a', 'Active', 'Syncing') },
      nextUsers: [{ ...user('a', 'Failed', 'Failed'), error: 'bad login' }],
      now: new Date('2026-01-01T03:00:00Z'),
    });
    expect(events.map((e) => [e.kind, e.needsPerson])).toEqual([
      ['batch.syncedWithErrors', true],
      ['user.failed', true],
    ]);
    const again = diffBatch({
      prev: base,
      next,
      prevUsers: { a: user('a', 'Active', 'Syncing') },
      nextUsers: [{ ...user('a', 'Failed', 'Failed'), error: 'bad login' }],
      now: new Date('2026-01-01T03:00:00Z'),
    });
    expect(again.map((e) => e.key)).toEqual(events.map((e) => e.key));
    // Nothing new when nothing moved.
    expect(diffBatch({ prev: next, next, prevUsers: undefined, nextUsers: undefined, now: new Date('2026-01-01T03:00:00Z') })).toEqual([]);
  });

  it('warns 7 days and 1 day before the 60-day stop of an untouched Synced batch', () => {
    const synced = { ...base, status: 'Synced' as const, initialSyncDateTime: '2026-01-01T00:00:00.000Z', lastSyncedDateTime: '2026-01-01T00:00:00.000Z' };
    const at = (days: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + days * DAY);
    expect(daysUntilStop(synced, at(53))).toBe(7);
    const keyAt = (d: number) =>
      diffBatch({ prev: synced, next: { ...synced, lastSyncedDateTime: at(d).toISOString() }, prevUsers: undefined, nextUsers: undefined, now: at(d) }).filter(
        (e) => e.kind === 'batch.expiring',
      );
    expect(keyAt(50)).toEqual([]);
    expect(keyAt(53)[0].key).toMatch(/\/7d\//);
    expect(keyAt(55)[0].key).toBe(keyAt(53)[0].key);
    expect(keyAt(59)[0].key).toMatch(/\/1d\//);
    expect(daysUntilStop({ ...synced, status: 'Syncing' }, at(59))).toBeNull();
  });

  it('restarts the 60-day clock at the last admin action, not at incremental syncs', () => {
    const synced = { ...base, status: 'Synced' as const, initialSyncDateTime: '2026-01-02T00:00:00.000Z', lastSyncedDateTime: '2026-02-20T00:00:00.000Z' };
    const at = (days: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + days * DAY);
    // Started on day 0, synced daily since: still 60 days from the start.
    expect(daysUntilStop(synced, at(59))).toBe(1);
    // A sync now on day 40 through Cutover: 60 days from then.
    expect(daysUntilStop(synced, at(59), at(40).toISOString())).toBe(41);
    const warn = (admin: string | null) =>
      diffBatch({ prev: synced, next: synced, prevUsers: undefined, nextUsers: undefined, now: at(99), lastAdminAction: admin }).filter(
        (e) => e.kind === 'batch.expiring',
      );
    expect(warn(at(40).toISOString())[0].key).toMatch(/\/1d\//);
    // A later action makes a new clock, so its warnings are new events (two days left: the 7-day one).
    expect(warn(at(41).toISOString())[0].key).toMatch(/\/7d\//);
    expect(warn(at(41).toISOString())[0].key).not.toBe(warn(at(40).toISOString())[0].key);
    expect(warn(at(99 - 60 + 8).toISOString())).toEqual([]);
  });

  it('calls an incremental overdue after ~26 h without a sync on a Synced batch', () => {
    const synced = { ...base, status: 'Synced' as const, lastSyncedDateTime: '2026-01-01T00:00:00.000Z' };
    expect(syncOverdue(synced, new Date('2026-01-02T01:59:00Z'))).toBe(false);
    expect(syncOverdue(synced, new Date('2026-01-02T02:01:00Z'))).toBe(true);
    expect(syncOverdue({ ...synced, status: 'Stopped' }, new Date('2026-01-05T00:00:00Z'))).toBe(false);
  });

  it('finds the users whose first sync just landed, once, and none from a batch it never saw', () => {
    const prev = { a: user('a', 'Active', 'Syncing'), b: user('b', 'Synced', 'Synced'), c: user('c', 'Failed', 'Failed') };
    const next = [
      user('a', 'Synced', 'Synced'),
      user('b', 'Synced', 'IncrementalSyncing'),
      user('c', 'Synced', 'Synced'),
      user('d', 'Synced', 'Synced'),
      user('e', 'Active', 'Syncing'),
    ];
    // a finished its initial sync, c was retried and synced, d is new and synced; b synced long ago.
    expect(firstSyncedUsers(prev, next)).toEqual(['a', 'c', 'd']);
    expect(firstSyncedUsers(undefined, next)).toEqual([]);
    expect(firstSyncedUsers({}, [user('a', 'Synced', 'Synced')])).toEqual(['a']);
  });

  it('reads only the groups not Synced of a large known batch, when that takes fewer calls', () => {
    const big = { ...base, total: 5000, active: 0, synced: 4990, failed: 10 };
    const known = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`u${i}`, user(`u${i}`, 'Synced', 'Synced')]));
    expect(userReadPlan(big, big, known)).toEqual(['Failed']);
    // 5 pages of all users against 3 + 1 pages of groups: fewer; against 4 + 1: not.
    expect(userReadPlan(big, { ...big, active: 2500, synced: 2490 }, known)).toEqual(['Active', 'Failed']);
    expect(userReadPlan(big, { ...big, active: 3500, synced: 1490 }, known)).toBe('all');
    // Unknown users, users added, another batch of the same name, or a small batch: all of them.
    expect(userReadPlan(big, big, undefined)).toBe('all');
    expect(userReadPlan(big, { ...big, total: 5001, synced: 4991 }, known)).toBe('all');
    expect(userReadPlan(big, { ...big, guid: 'g2' }, known)).toBe('all');
    expect(userReadPlan(undefined, big, known)).toBe('all');
    const small = { ...base, total: 3, synced: 2, failed: 1, active: 0 };
    expect(userReadPlan(small, small, { a: user('a', 'Synced', 'Synced'), b: user('b', 'Synced', 'Synced'), c: user('c', 'Failed', 'Failed') })).toBe('all');
  });

  it('rebuilds the batch from a group read, or says it cannot', () => {
    const prev = {
      a: user('a', 'Active', 'Syncing'),
      b: user('b', 'Synced', 'IncrementalSyncing'),
      c: user('c', 'Failed', 'Failed'),
      d: user('d', 'Active', 'Syncing'),
    };
    const next = { ...base, total: 4, active: 1, synced: 2, failed: 1 };
    const merged = mergeGroupRead(prev, [user('d', 'Active', 'Syncing'), { ...user('b', 'Failed', 'IncrementalFailed'), error: 'mailbox full' }], next)!;
    expect(Object.fromEntries(merged.map((u) => [u.email, `${u.summary}/${u.status}/${u.error ?? ''}`]))).toEqual({
      a: 'Synced/Synced/', // finished its initial sync
      b: 'Failed/IncrementalFailed/mailbox full',
      c: 'Synced/Synced/', // retried and synced
      d: 'Active/Syncing/',
    });
    expect(firstSyncedUsers(prev, merged)).toEqual(['a', 'c']);
    // The counters do not match what came back (the batch moved between the calls): read all.
    expect(mergeGroupRead(prev, [user('d', 'Active', 'Syncing')], next)).toBeNull();
    // A user the last poll did not know: read all.
    expect(mergeGroupRead(prev, [user('d', 'Active', 'Syncing'), user('x', 'Failed', 'Failed')], next)).toBeNull();
  });
});
