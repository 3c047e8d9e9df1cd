import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../ports/clock';
import { FileStore } from '../adapters/storage/fileStore';
import { PendingBatches, PendingBatchInput } from './pendingBatches';
import { MASK, validateMigrationCsv } from '../domain/csv/migrationCsv';

class TestClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const PASSWORD = 'Hunter2-Secret!xyz';
const csv = Buffer.from(`EmailAddress,UserName,Password\nann@contoso.com,ann,${PASSWORD}\nbob@contoso.com,bob,Pa55word\n`);
const admin = { id: '29:megan', name: 'Megan Bowen' };
const other = { id: '29:alex', name: 'Alex Wilber' };
const MIN = 60_000;

function input(extra: Partial<PendingBatchInput> = {}): PendingBatchInput {
  return {
    batchName: 'Wave1',
    endpoint: 'IMAP-contoso',
    excludeFolders: ['Junk'],
    csv,
    createdBy: admin,
    conversationId: 'a:1conv',
    summary: { migrationUsers: 2, domains: ['contoso.com'] },
    ...extra,
  };
}

function filesText(dir: string): string {
  return fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

describe('PendingBatches', () => {
  let dir: string;
  let clock: TestClock;
  let key: Buffer;
  let pending: PendingBatches;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-pending-'));
    clock = new TestClock(Date.parse('2026-03-05T10:00:00Z'));
    key = randomBytes(32);
    pending = new PendingBatches({ store: new FileStore(dir), key, clock });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores the CSV only sealed: no password in clear (or base64) in any file', async () => {
    const id = await pending.put(input({ summary: { migrationUsers: 2, firstRow: { Password: PASSWORD } } }));
    const text = filesText(dir);
    expect(text).toContain(id);
    for (const needle of [PASSWORD, Buffer.from(PASSWORD).toString('base64').slice(0, 16), 'Pa55word', 'EmailAddress']) {
      expect(text).not.toContain(needle);
    }
    const view = await pending.get(id);
    expect(view).toMatchObject({ id, state: 'pending', batchName: 'Wave1', endpoint: 'IMAP-contoso', excludeFolders: ['Junk'], createdBy: admin });
    expect(view).not.toHaveProperty('sealedCsv');
    expect(view!.summary).toEqual({ migrationUsers: 2, firstRow: { Password: '[redacted]' } });
    expect(view!.expiresAt).toBe('2026-03-05T10:30:00.000Z');
  });

  it('gives the CSV to the first claim only; a double click sees in-progress', async () => {
    const id = await pending.put(input());
    const first = await pending.take(id, admin);
    expect(first.status).toBe('claimed');
    if (first.status !== 'claimed') return;
    expect(first.csv.equals(csv)).toBe(true);
    expect(first.pending).toMatchObject({ state: 'creating', claimedBy: admin });
    const second = await pending.take(id, other);
    expect(second).toMatchObject({ status: 'in-progress', claimedBy: admin });
    expect((await pending.get(id))!.state).toBe('creating');
  });

  it('lets exactly one of two instances on the same store win a simultaneous claim', async () => {
    const store = new FileStore(dir);
    const a = new PendingBatches({ store, key, clock });
    const b = new PendingBatches({ store: new FileStore(dir), key, clock });
    const id = await a.put(input());
    const results = await Promise.all([a.take(id, admin), b.take(id, other), a.take(id, admin), b.take(id, other)]);
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'in-progress')).toHaveLength(3);
  });

  it('complete wipes the CSV and answers later clicks with "already created"', async () => {
    const id = await pending.put(input());
    await pending.take(id, admin);
    await pending.complete(id, { batchName: 'Wave1' });
    expect(filesText(dir)).not.toContain('sealedCsv');
    expect(await pending.take(id, other)).toEqual({ status: 'already-created', batchName: 'Wave1', message: 'Already created: Wave1' });
    expect(await pending.cancel(id)).toMatchObject({ status: 'already-created' });
    expect((await pending.get(id))!.createdBatch).toBe('Wave1');
  });

  it('fail returns the upload to pending with the reason, and a retry gets the CSV again', async () => {
    const id = await pending.put(input());
    await pending.take(id, admin);
    await pending.fail(id, "The migration endpoint 'IMAP-contoso' couldn't be found.");
    const view = await pending.get(id);
    expect(view).toMatchObject({ state: 'pending', lastError: "The migration endpoint 'IMAP-contoso' couldn't be found." });
    expect(view).not.toHaveProperty('claimedBy');
    const retry = await pending.take(id, other);
    expect(retry.status).toBe('claimed');
    expect(retry.status === 'claimed' && retry.csv.equals(csv)).toBe(true);
  });

  it("stores the failure reason and the summary through the CSV's masker", async () => {
    const masker = validateMigrationCsv(csv).masker;
    const id = await pending.put(input({ summary: { fileName: `rows of ${PASSWORD}` }, masker }));
    await pending.take(id, admin);
    // Exchange's answer may quote the CSV it was given.
    await pending.fail(id, `Row 1: the password ${PASSWORD} was refused`, masker);
    const view = await pending.get(id);
    expect(view?.lastError).toBe(`Row 1: the password ${MASK} was refused`);
    expect(view?.summary.fileName).toBe(`rows of ${MASK}`);
    expect(filesText(dir)).not.toContain(PASSWORD);
  });

  it('refuses an expired upload with a clear message and wipes its CSV', async () => {
    const id = await pending.put(input());
    clock.advance(30 * MIN);
    expect(await pending.take(id, admin)).toEqual({
      status: 'expired',
      message: 'This upload expired after 30 minutes; attach the CSV again.',
    });
    expect(filesText(dir)).not.toContain('sealedCsv');
    expect((await pending.get(id))!.state).toBe('expired');
  });

  it('does not hand back an expired upload through fail()', async () => {
    const id = await pending.put(input());
    await pending.take(id, admin);
    clock.advance(31 * MIN);
    await pending.fail(id, 'timeout');
    expect((await pending.get(id))!.state).toBe('expired');
    expect(filesText(dir)).not.toContain('sealedCsv');
  });

  it('sweepExpired wipes lapsed CSVs, keeps fresh ones, and forgets old outcomes', async () => {
    const old = await pending.put(input());
    clock.advance(20 * MIN);
    const fresh = await pending.put(input({ batchName: 'Wave2' }));
    clock.advance(10 * MIN);
    expect(await pending.sweepExpired()).toBe(1);
    expect((await pending.get(old))!.state).toBe('expired');
    expect((await pending.get(fresh))!.state).toBe('pending');
    expect(await pending.sweepExpired()).toBe(0);
    clock.advance(20 * MIN);
    expect(await pending.sweepExpired()).toBe(1);
    expect((await pending.get(fresh))!.state).toBe('expired');
    clock.advance(24 * 60 * MIN);
    expect(await pending.sweepExpired()).toBe(0);
    expect(await pending.get(old)).toBeNull();
    expect(await pending.take(old, admin)).toMatchObject({ status: 'not-found' });
    expect(fs.readdirSync(dir)).toEqual([encodeURIComponent('pending-batch/index') + '.json']);
    expect(JSON.parse(filesText(dir)).value.ids).toEqual({});
  });

  it('cancel wipes a pending upload but not one being created', async () => {
    const id = await pending.put(input());
    expect(await pending.cancel(id)).toEqual({ status: 'cancelled' });
    expect(filesText(dir)).not.toContain('sealedCsv');
    expect(await pending.take(id, admin)).toMatchObject({ status: 'cancelled' });

    const busy = await pending.put(input());
    await pending.take(busy, admin);
    expect(await pending.cancel(busy)).toMatchObject({ status: 'in-progress' });
    expect(await pending.cancel('nonsense/../id')).toMatchObject({ status: 'not-found' });
  });

  it('lets another admin re-claim a claim abandoned by a crashed instance', async () => {
    const id = await pending.put(input());
    await pending.take(id, admin);
    clock.advance(11 * MIN);
    const again = await pending.take(id, other);
    expect(again.status).toBe('claimed');
  });

  it('fails loudly when the key changed instead of returning garbage', async () => {
    const id = await pending.put(input());
    const wrongKey = new PendingBatches({ store: new FileStore(dir), key: randomBytes(32), clock });
    await expect(wrongKey.take(id, admin)).rejects.toThrow(/failed authentication/);
  });

  it('keeps an upload whose endpoint is still to be chosen: nothing to create until amend sets it; the chosen reading is kept, card junk is not', async () => {
    const id = await pending.put(input({ endpoint: '' }));
    expect((await pending.get(id))!.endpoint).toBe('');
    expect(await pending.take(id, admin)).toMatchObject({ status: 'not-found', message: expect.stringMatching(/Choose the IMAP endpoint/) });
    const masker = validateMigrationCsv(csv).masker;
    const reading = { encoding: 'windows-1252', separator: ';', extra: 'x' } as never;
    expect(await pending.amend(id, { endpoint: 'school', reading, summary: { note: `pw ${PASSWORD}` } }, masker)).toBe(true);
    const view = await pending.get(id);
    expect(view).toMatchObject({ endpoint: 'school', reading: { encoding: 'windows-1252', separator: ';' }, purpose: 'batch' });
    expect(view!.reading).toEqual({ encoding: 'windows-1252', separator: ';' });
    expect(JSON.stringify(view!.summary)).not.toContain(PASSWORD);
    expect((await pending.peek(id))!.pending.reading).toEqual({ encoding: 'windows-1252', separator: ';' });
    const taken = await pending.take(id, admin);
    expect(taken.status).toBe('claimed');
    // Not pending any more: amend says so and changes nothing.
    expect(await pending.amend(id, { endpoint: 'other' })).toBe(false);
    clock.advance(31 * MIN);
    const lapsed = await pending.put(input({ endpoint: '' }));
    clock.advance(31 * MIN);
    expect(await pending.amend(lapsed, { endpoint: 'school' })).toBe(false);
  });

  it('an upload kept for a preflight has no batch name and is never taken for a batch', async () => {
    const id = await pending.put(input({ batchName: '', endpoint: '', purpose: 'preflight' }));
    await pending.amend(id, { endpoint: 'school' });
    expect(await pending.take(id, admin)).toMatchObject({ status: 'not-found' });
    expect((await pending.peek(id))!.pending).toMatchObject({ purpose: 'preflight', endpoint: 'school' });
    await expect(pending.put(input({ batchName: '' }))).rejects.toThrow(/batch name/);
  });
});
