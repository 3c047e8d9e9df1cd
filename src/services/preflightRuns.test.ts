// One preflight at a time per admin and endpoint, and one connection budget per source server.

import type { PreflightReport } from '../domain/preflight/report';
import { SourceConnectionGate } from './preflight';
import { PreflightRuns } from './preflightRuns';

const meta = (startedBy: string, endpoint: string) => ({ startedBy, endpoint, pendingId: null, excludeFolders: [], total: 5 });

describe('PreflightRuns', () => {
  it('gives the running run back to a second click by the same admin on the same endpoint', () => {
    const runs = new PreflightRuns();
    const first = runs.begin(meta('admin-1', 'school'));
    expect(first.alreadyRunning).toBe(false);
    runs.progress(first.run.id, { scanned: 2, total: 5, failures: 1 });
    const again = runs.begin(meta('admin-1', 'School'));
    expect(again).toMatchObject({ alreadyRunning: true, run: { id: first.run.id, progress: { scanned: 2, total: 5, failures: 1 } } });
    expect(runs.begin(meta('admin-1', 'other')).alreadyRunning).toBe(false);
    expect(runs.begin(meta('admin-2', 'school')).alreadyRunning).toBe(false);
  });

  it('a finished, cancelled-and-finished or failed run no longer blocks the next', () => {
    const runs = new PreflightRuns();
    const a = runs.begin(meta('admin-1', 'school')).run;
    runs.finish(a.id, {} as PreflightReport);
    const b = runs.begin(meta('admin-1', 'school'));
    expect(b.alreadyRunning).toBe(false);
    runs.cancel(b.run.id);
    expect(runs.begin(meta('admin-1', 'school')).alreadyRunning).toBe(true); // still winding down
    runs.end(b.run.id);
    expect(runs.begin(meta('admin-1', 'school')).alreadyRunning).toBe(false);
  });
});

describe('SourceConnectionGate', () => {
  it('holds a cap per server across callers, serving waiters in order', async () => {
    const gate = new SourceConnectionGate();
    const key = SourceConnectionGate.key({ remoteServer: 'IMAP.Example.org.', port: 993 });
    expect(key).toBe('imap.example.org:993');
    const held = await Promise.all([gate.acquire(key, 2), gate.acquire(key, 2)]);
    expect(gate.count(key)).toBe(2);
    const order: string[] = [];
    const third = gate.acquire(key, 2).then((r) => (order.push('third'), r));
    const fourth = gate.acquire(key, 2).then((r) => (order.push('fourth'), r));
    expect(await gate.acquire('other:993', 2)).not.toBeNull(); // another server is not held up
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    held[0]!();
    held[0]!(); // releasing twice frees one slot only
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['third']);
    expect(gate.count(key)).toBe(2);
    held[1]!();
    (await third)!();
    (await fourth)!();
    expect(gate.count(key)).toBe(0);
  });

  it('an aborted wait gives its place up; a smaller cap waits without holding up a larger one', async () => {
    const gate = new SourceConnectionGate();
    const a = await gate.acquire('s:143', 1);
    const ac = new AbortController();
    const small = gate.acquire('s:143', 1, ac.signal);
    const large = gate.acquire('s:143', 2);
    expect(await large).not.toBeNull(); // the cap-1 waiter ahead of it does not block it
    ac.abort();
    expect(await small).toBeNull();
    a!();
    expect(gate.count('s:143')).toBe(1);
    expect(await gate.acquire('s:143', 1, AbortSignal.abort())).toBeNull();
  });
});
