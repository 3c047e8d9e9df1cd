import { UpnAdminDirectory } from './adminDirectory';

function clockAt(ms: number) {
  const c = { t: ms, now: () => new Date(c.t) };
  return c;
}

describe('UpnAdminDirectory', () => {
  it('resolves listed UPNs to object ids, ignores object-id entries, and caches until stale', async () => {
    const clock = clockAt(0);
    const asked: string[] = [];
    const dir = new UpnAdminDirectory({
      admins: ['alexw@contoso.edu', '00000000-0000-0000-0000-0000000000a2', 'nobody@contoso.edu'],
      clock,
      refreshMs: 60_000,
      lookup: async (upn) => {
        asked.push(upn);
        return upn === 'alexw@contoso.edu' ? { id: 'AAAA-1' } : null;
      },
    });
    expect(dir.objectIds().size).toBe(0);
    await dir.fresh();
    expect([...dir.objectIds()]).toEqual(['aaaa-1']);
    expect(asked.sort()).toEqual(['alexw@contoso.edu', 'nobody@contoso.edu']);
    await dir.fresh();
    expect(asked).toHaveLength(2);
    clock.t = 60_001;
    await dir.fresh();
    expect(asked).toHaveLength(4);
  });

  it('drops a person the directory no longer has, and keeps the known id while the directory fails', async () => {
    const clock = clockAt(0);
    let answer: 'user' | 'gone' | 'fail' = 'user';
    const dir = new UpnAdminDirectory({
      admins: ['alexw@contoso.edu'],
      clock,
      refreshMs: 1_000,
      retryMs: 100,
      lookup: async () => {
        if (answer === 'fail') throw new Error('Graph 503');
        return answer === 'user' ? { id: 'aaaa-1' } : null;
      },
    });
    await dir.fresh();
    expect(dir.objectIds().has('aaaa-1')).toBe(true);
    answer = 'fail';
    clock.t = 2_000;
    await dir.fresh();
    expect(dir.objectIds().has('aaaa-1')).toBe(true);
    answer = 'gone';
    clock.t = 2_101; // retried sooner after a failure
    await dir.fresh();
    expect(dir.objectIds().size).toBe(0);
  });

  it('does not hold a turn longer than waitMs, and runs one refresh at a time', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const dir = new UpnAdminDirectory({
      admins: ['alexw@contoso.edu'],
      clock: clockAt(0),
      waitMs: 50,
      lookup: () => {
        calls++;
        return new Promise((r) => (release = () => r({ id: 'aaaa-1' })));
      },
    });
    const started = Date.now();
    await Promise.all([dir.fresh(), dir.fresh()]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toBe(1);
    expect(dir.objectIds().size).toBe(0);
    release();
    await dir.refresh();
    expect(dir.objectIds().has('aaaa-1')).toBe(true);
  });
});
