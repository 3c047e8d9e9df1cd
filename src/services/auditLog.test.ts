import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../ports/clock';
import { FileStore } from '../adapters/storage/fileStore';
import { AuditLog, redactObject, redactSecrets } from './auditLog';

class TestClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
}

const admin = { id: '29:admin-aad-id', name: 'Megan Bowen' };

describe('AuditLog', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-audit-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records entries durably and lists them newest first, across days and a restart', async () => {
    const clock = new TestClock(Date.parse('2026-03-01T23:59:00Z'));
    const log = new AuditLog(new FileStore(dir), clock);
    await log.record({ actor: admin, action: 'New-MigrationBatch', target: 'Wave1', result: 'ok' });
    clock.t = Date.parse('2026-03-02T00:01:00Z');
    await log.record({ actor: admin, action: 'Start-MigrationBatch', target: 'Wave1', result: 'failed', detail: 'The batch is already started.' });
    clock.t = Date.parse('2026-03-04T08:00:00Z');
    await log.record({ actor: { id: '29:other' }, action: 'Remove-MigrationBatch', target: 'Wave1', result: 'refused' });

    const reopened = new AuditLog(new FileStore(dir), clock);
    const recent = await reopened.recent(10);
    expect(recent.map((e) => [e.action, e.result, e.at])).toEqual([
      ['Remove-MigrationBatch', 'refused', '2026-03-04T08:00:00.000Z'],
      ['Start-MigrationBatch', 'failed', '2026-03-02T00:01:00.000Z'],
      ['New-MigrationBatch', 'ok', '2026-03-01T23:59:00.000Z'],
    ]);
    expect(recent[1].detail).toBe('The batch is already started.');
    expect(recent[2].actor).toEqual(admin);
    expect((await reopened.recent(2)).map((e) => e.action)).toEqual(['Remove-MigrationBatch', 'Start-MigrationBatch']);
    expect(fs.readdirSync(dir).sort()).toEqual(['audit/2026-03-01/0', 'audit/2026-03-02/0', 'audit/2026-03-04/0'].map((k) => encodeURIComponent(k) + '.json'));
  });

  it('loses nothing when two instances on one store append concurrently, and rolls over full parts', async () => {
    const clock = new TestClock(Date.parse('2026-03-05T10:00:00Z'));
    const store = new FileStore(dir);
    const a = new AuditLog(store, clock, { partSize: 40 });
    const b = new AuditLog(store, clock, { partSize: 40 });
    await a.record({ actor: admin, action: 'seed', result: 'ok' });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      writes.push((i % 2 ? a : b).record({ actor: admin, action: `act-${i}`, result: 'ok' }));
    }
    await Promise.all(writes);
    for (let i = 60; i < 100; i++) await a.record({ actor: admin, action: `act-${i}`, result: 'ok' });
    const all = await a.recent(1000);
    expect(all).toHaveLength(101);
    expect(new Set(all.map((e) => e.action)).size).toBe(101);
    expect(all[0].action).toBe('act-99');
    expect(fs.existsSync(path.join(dir, encodeURIComponent('audit/2026-03-05/2') + '.json'))).toBe(true);
  });

  it('never stores a password, whatever a caller puts in the entry', async () => {
    const clock = new TestClock(Date.parse('2026-03-05T10:00:00Z'));
    const log = new AuditLog(new FileStore(dir), clock);
    await log.record({
      actor: { id: 'x', name: 'password=Sw0rdfish!' },
      action: 'New-MigrationBatch',
      target: 'Wave1',
      result: 'failed',
      detail:
        'CSV was:\nEmailAddress,UserName,Password\nann@contoso.com,ann,Hunter2-Secret!\nbob@contoso.com,bob,p,a;ss\n\n' +
        'retry with {"Password": "Tr0ub4dor&3"} and Password: CorrectHorse',
    });
    const raw = fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    for (const secret of ['Sw0rdfish', 'Hunter2', 'p,a;ss', 'Tr0ub4dor', 'CorrectHorse']) {
      expect(raw).not.toContain(secret);
    }
    const [entry] = await log.recent(1);
    expect(entry.detail).toContain('ann@contoso.com,ann,[redacted]');
    expect(entry.detail).toContain('retry with');
  });

  it('rejects entries without an actor or with an unknown result', async () => {
    const log = new AuditLog(new FileStore(dir), new TestClock(0));
    await expect(log.record({ actor: { id: '' }, action: 'a', result: 'ok' })).rejects.toThrow(/actor/);
    await expect(log.record({ actor: admin, action: 'a', result: 'maybe' as never })).rejects.toThrow(/ok, failed or refused/);
  });
});

describe('redaction', () => {
  it('scrubs key=value, JSON and "Password:" forms but leaves ordinary text', () => {
    expect(redactSecrets('user ann Password=abc;next')).toBe('user ann Password=[redacted];next');
    expect(redactSecrets('{"imapPassword":"a\\"b","n":1}')).toBe('{"imapPassword":"[redacted]","n":1}');
    expect(redactSecrets('3 migration users passed the check')).toBe('3 migration users passed the check');
  });

  it('replaces secret-named fields in objects, keeping counts', () => {
    expect(redactObject({ users: 3, rowsWithoutPassword: 1, sample: [{ EmailAddress: 'a@b.c', Password: 'x' }], note: 'pwd=1' })).toEqual({
      users: 3,
      rowsWithoutPassword: 1,
      sample: [{ EmailAddress: 'a@b.c', Password: '[redacted]' }],
      note: 'pwd=[redacted]',
    });
  });
});
