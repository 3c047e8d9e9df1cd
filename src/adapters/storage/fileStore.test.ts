import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isConflict, mutate, StoreConflictError } from '../../ports/store';
import { FileStore } from './fileStore';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-filestore-'));
}

describe('FileStore', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = tempDir();
    dir = path.join(root, 'data');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates its directory 0700 and files 0600', async () => {
    const store = new FileStore(dir);
    await store.write({ 'batch/one': { name: 'one' } });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const files = fs.readdirSync(dir);
    expect(files).toEqual([encodeURIComponent('batch/one') + '.json']);
    expect(fs.statSync(path.join(dir, files[0])).mode & 0o777).toBe(0o600);
  });

  it('reads back what was written with a fresh eTag; missing keys are absent', async () => {
    const store = new FileStore(dir);
    await store.write({ a: { n: 1, nested: { x: [1, 2] } } });
    const got = await store.read(['a', 'missing']);
    expect(Object.keys(got)).toEqual(['a']);
    expect(got.a).toMatchObject({ n: 1, nested: { x: [1, 2] } });
    expect(typeof got.a.eTag).toBe('string');
    await store.write({ a: { ...got.a, n: 2 } });
    const again = await store.read(['a']);
    expect(again.a.n).toBe(2);
    expect(again.a.eTag).not.toBe(got.a.eTag);
  });

  it('rejects a stale eTag with a StoreConflictError, and accepts * and no eTag', async () => {
    const store = new FileStore(dir);
    await store.write({ k: { v: 1 } });
    const first = (await store.read(['k'])).k;
    await store.write({ k: { v: 2, eTag: first.eTag } });
    const err = await store.write({ k: { v: 3, eTag: first.eTag } }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreConflictError);
    expect(isConflict(err)).toBe(true);
    expect((await store.read(['k'])).k.v).toBe(2);
    await store.write({ k: { v: 4, eTag: '*' } });
    await store.write({ k: { v: 5 } });
    expect((await store.read(['k'])).k.v).toBe(5);
  });

  it('treats an eTag on a missing key as a conflict', async () => {
    const store = new FileStore(dir);
    await expect(store.write({ gone: { v: 1, eTag: 'abc' } })).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('survives a restart: a new instance on the same dir sees the data and eTags', async () => {
    const store = new FileStore(dir);
    await store.write({ 'msteams/bot/conversations/a:1x': { turn: 7 } });
    const before = (await store.read(['msteams/bot/conversations/a:1x']))['msteams/bot/conversations/a:1x'];
    const reopened = new FileStore(dir);
    const after = (await reopened.read(['msteams/bot/conversations/a:1x']))['msteams/bot/conversations/a:1x'];
    expect(after).toEqual(before);
  });

  it('serializes concurrent eTag-checked updates in one process: exactly one of two racers wins', async () => {
    const store = new FileStore(dir);
    await store.write({ c: { n: 0 } });
    const seen = (await store.read(['c'])).c;
    const results = await Promise.allSettled([store.write({ c: { n: 1, eTag: seen.eTag } }), store.write({ c: { n: 2, eTag: seen.eTag } })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('serializes across two FileStore instances opened on the same dir', async () => {
    const a = new FileStore(dir);
    const b = new FileStore(dir);
    await a.write({ c: { n: 0 } });
    const seen = (await a.read(['c'])).c;
    const results = await Promise.allSettled([a.write({ c: { n: 1, eTag: seen.eTag } }), b.write({ c: { n: 2, eTag: seen.eTag } })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('loses no increments when many mutate() calls race', async () => {
    const store = new FileStore(dir);
    // Seeded first: creating a missing key is unconditional by contract.
    await store.write({ seeded: { n: 0 } });
    await Promise.all(Array.from({ length: 25 }, () => mutate<{ n: number }>(store, 'seeded', (cur) => ({ n: (cur?.n ?? 0) + 1 }), { attempts: 100 })));
    expect((await store.read(['seeded'])).seeded.n).toBe(25);
  });

  it('maps awkward keys to distinct safe file names, hashing long ones', async () => {
    const store = new FileStore(dir);
    const long = 'x/'.repeat(300);
    const keys = ['..', '.', 'a/b', 'a%2Fb', long, long + 'y'];
    await store.write(Object.fromEntries(keys.map((k, i) => [k, { i }])));
    const got = await store.read(keys);
    keys.forEach((k, i) => expect(got[k].i).toBe(i));
    for (const f of fs.readdirSync(dir)) {
      expect(f.length).toBeLessThan(255);
      expect(f).not.toContain('/');
    }
    expect(fs.readdirSync(root)).toEqual(['data']);
  });

  it('deletes, and deleting a missing key is fine; leaves no temp files', async () => {
    const store = new FileStore(dir);
    await store.write({ d: { v: 1 } });
    await store.delete(['d', 'never']);
    expect(await store.read(['d'])).toEqual({});
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
