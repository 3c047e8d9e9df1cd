// The work queue on Azurite's queue service and the connection budget on its blob service:
// items spread over two consumers, an item that outlives its visibility timeout is not handed to
// anyone else while it runs (renewed), an item that always fails ends in the poison queue with its
// error, an item whose worker died is delivered again, and a budget cap holds across instances.

import { QueueServiceClient } from '@azure/storage-queue';
import { AzureWorkQueue } from '../../src/adapters/queue/azureQueue';
import { BlobLeaseBudget } from '../../src/adapters/storage/blobLeaseBudget';
import { startAzurite, type RunningAzurite } from '../support/azurite';

type Item = { id: string; n: number };

describe('work queue on Azure Storage Queues (Azurite)', () => {
  let azurite: RunningAzurite;
  const queues: AzureWorkQueue<Item>[] = [];
  const make = (name: string, o: Partial<ConstructorParameters<typeof AzureWorkQueue>[0]> = {}) => {
    const q = new AzureWorkQueue<Item>({ connectionString: azurite.connectionString, queueName: name, idlePollMs: 50, retryDelaySeconds: 0, ...o });
    queues.push(q);
    return q;
  };

  beforeAll(async () => {
    azurite = await startAzurite({ queue: true });
  }, 30_000);
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.stop()));
    await azurite?.close();
  });

  it('two consumers share the items; each runs once', async () => {
    const seen: string[] = [];
    const a = make('share');
    const b = make('share');
    const by = { a: 0, b: 0 };
    const run = (who: 'a' | 'b') => async (item: Item) => {
      await new Promise((r) => setTimeout(r, 30));
      seen.push(item.id);
      by[who]++;
    };
    await a.enqueue(Array.from({ length: 40 }, (_, n) => ({ id: `i${n}`, n })));
    await Promise.all([a.start({ run: run('a'), poisoned: async () => undefined }), b.start({ run: run('b'), poisoned: async () => undefined })]);
    const deadline = Date.now() + 20_000;
    while (seen.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `i${n}`).sort());
    expect(by.a).toBeGreaterThan(0);
    expect(by.b).toBeGreaterThan(0);
  }, 30_000);

  it('renews the visibility timeout while an item runs, so nobody else takes it', async () => {
    const runs: number[] = [];
    const a = make('renew', { visibilityTimeoutSeconds: 3 });
    const b = make('renew', { visibilityTimeoutSeconds: 3 });
    const handler = {
      run: async (_: Item, ctx: { attempt: number }) => {
        runs.push(ctx.attempt);
        await new Promise((r) => setTimeout(r, 5_000));
      },
      poisoned: async () => undefined,
    };
    await a.enqueue([{ id: 'slow', n: 1 }]);
    await a.start(handler);
    await new Promise((r) => setTimeout(r, 400));
    await b.start(handler);
    await new Promise((r) => setTimeout(r, 6_500));
    expect(runs).toEqual([1]);
  }, 20_000);

  it('an item that always fails goes to the poison queue after maxAttempts, with its error', async () => {
    const poisoned: { item: Item; why: string; attempts: number }[] = [];
    let tries = 0;
    const q = make('always-fails', { maxAttempts: 3 });
    await q.enqueue([{ id: 'bad', n: 7 }]);
    await q.start({
      run: async () => {
        tries++;
        throw new Error('mailbox row 7 is not in the sealed CSV');
      },
      poisoned: async (item, why, attempts) => void poisoned.push({ item, why, attempts }),
    });
    const deadline = Date.now() + 15_000;
    while (poisoned.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(tries).toBe(3);
    expect(poisoned).toEqual([{ item: { id: 'bad', n: 7 }, why: 'mailbox row 7 is not in the sealed CSV', attempts: 3 }]);
    expect(await q.poisoned()).toEqual([{ id: 'bad', n: 7 }]);
  }, 20_000);

  it('an item whose worker died holding it is delivered again, and poisoned when that keeps happening', async () => {
    const q = make('dies', { maxAttempts: 1 });
    await q.enqueue([{ id: 'orphan', n: 1 }]);
    // A worker that received it and died: no delete, no renewal.
    const raw = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('dies');
    const taken = await raw.receiveMessages({ visibilityTimeout: 1 });
    expect(taken.receivedMessageItems).toHaveLength(1);
    const poisoned: string[] = [];
    const ran: string[] = [];
    await q.start({ run: async (i) => void ran.push(i.id), poisoned: async (_, why) => void poisoned.push(why) });
    const deadline = Date.now() + 10_000;
    while (poisoned.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual([]);
    expect(poisoned).toEqual(['its worker stopped before finishing once']);
  }, 20_000);

  it('counts items not yet acknowledged, running ones included, and 0 once all are done', async () => {
    const q = make('count');
    expect(await q.pending()).toBe(0);
    await q.enqueue([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
    expect(await q.pending()).toBe(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    await q.start({ run: async (i) => (await gate, void done.push(i.id)), poisoned: async () => undefined });
    // Both received and running (invisible to other consumers): still counted.
    const started = Date.now() + 10_000;
    while (q['running'].size < 2 && Date.now() < started) await new Promise((r) => setTimeout(r, 50));
    expect(q['running'].size).toBe(2);
    expect(await q.pending()).toBe(2);
    release();
    const deadline = Date.now() + 10_000;
    while ((await q.pending()) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(done.sort()).toEqual(['a', 'b']);
    expect(await q.pending()).toBe(0);
  }, 20_000);

  it('refuses an item that is not a few ids', async () => {
    const q = make('small');
    await expect(q.enqueue([{ id: 'x'.repeat(2000), n: 1 }])).rejects.toThrow(/ids only/);
  });

  it('a slot given back is kept a moment for this instance, then freed for the others', async () => {
    const one = new BlobLeaseBudget({ connectionString: azurite.connectionString, container: 'state', waitMs: 10, keepMs: 1_500 });
    const two = new BlobLeaseBudget({ connectionString: azurite.connectionString, container: 'state', waitMs: 10 });
    const first = await one.acquire('keep.test:993', 1);
    first!();
    // Kept: this instance takes it again at once; the other instance cannot have it meanwhile.
    const again = await one.acquire('keep.test:993', 1, AbortSignal.timeout(200));
    expect(typeof again).toBe('function');
    again!();
    expect(await two.acquire('keep.test:993', 1, AbortSignal.timeout(500))).toBeNull();
    // Then freed: the other instance gets it.
    const t0 = Date.now();
    const theirs = await two.acquire('keep.test:993', 1, AbortSignal.timeout(10_000));
    expect(typeof theirs).toBe('function');
    expect(Date.now() - t0).toBeLessThan(5_000);
    theirs!();
    two.close();
    one.close();
  }, 20_000);

  it('a connection budget holds its cap across instances and frees a slot on release', async () => {
    const one = new BlobLeaseBudget({ connectionString: azurite.connectionString, container: 'state', waitMs: 10 });
    const two = new BlobLeaseBudget({ connectionString: azurite.connectionString, container: 'state', waitMs: 10 });
    const held = [await one.acquire('imap.test:993', 3), await two.acquire('imap.test:993', 3), await two.acquire('imap.test:993', 3)];
    expect(held.every((r) => typeof r === 'function')).toBe(true);
    const timeout = AbortSignal.timeout(1_000);
    expect(await one.acquire('imap.test:993', 3, timeout)).toBeNull();
    const waiting = one.acquire('imap.test:993', 3);
    held[1]!();
    const got = await waiting;
    expect(typeof got).toBe('function');
    got!();
    held[0]!();
    held[2]!();
  }, 20_000);
});
