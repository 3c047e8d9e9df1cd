import { InProcessWorkQueue } from './inProcessQueue';

type Item = { id: string };

describe('InProcessWorkQueue', () => {
  it('runs every item with at most `width` at once', async () => {
    const q = new InProcessWorkQueue<Item>({ width: 2 });
    let active = 0;
    let peak = 0;
    const done: string[] = [];
    await q.start({
      run: async (i) => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        done.push(i.id);
      },
      poisoned: async () => undefined,
    });
    await q.enqueue(Array.from({ length: 6 }, (_, n) => ({ id: `i${n}` })));
    while (q.size > 0) await new Promise((r) => setTimeout(r, 5));
    expect(done.sort()).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
    expect(peak).toBe(2);
    await q.stop();
  });

  it('retries a failing item and poisons it after maxAttempts with the last error', async () => {
    const q = new InProcessWorkQueue<Item>({ maxAttempts: 3, retryDelayMs: 1 });
    const attempts: number[] = [];
    const poisoned: [Item, string, number][] = [];
    await q.start({
      run: async (_, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error(`failed on try ${ctx.attempt}`);
      },
      poisoned: async (i, why, n) => void poisoned.push([i, why, n]),
    });
    await q.enqueue([{ id: 'bad' }]);
    while (q.size > 0) await new Promise((r) => setTimeout(r, 5));
    expect(attempts).toEqual([1, 2, 3]);
    expect(poisoned).toEqual([[{ id: 'bad' }, 'failed on try 3', 3]]);
    expect(q.poison).toEqual([{ id: 'bad' }]);
  });

  it('an item that succeeds on a retry is not poisoned', async () => {
    const q = new InProcessWorkQueue<Item>({ maxAttempts: 3, retryDelayMs: 1 });
    const poisoned: string[] = [];
    let n = 0;
    await q.start({
      run: async () =>
        void (
          ++n < 2 &&
          (() => {
            throw new Error('once');
          })()
        ),
      poisoned: async (i) => void poisoned.push(i.id),
    });
    await q.enqueue([{ id: 'flaky' }]);
    while (q.size > 0) await new Promise((r) => setTimeout(r, 5));
    expect(n).toBe(2);
    expect(poisoned).toEqual([]);
  });

  it('takes ids only: a big or nested item is refused', async () => {
    const q = new InProcessWorkQueue<Record<string, string>>();
    await expect(q.enqueue([{ id: 'x'.repeat(1100) }])).rejects.toThrow(/ids only/);
    await expect(q.enqueue([{ id: { nested: true } } as unknown as Record<string, string>])).rejects.toThrow(/string, number or boolean/);
  });
});

import { queueEndpointOf } from './azureQueue';

describe('queueEndpointOf', () => {
  it('names the queue service a connection string points at, or none when it lists the blob endpoint alone', () => {
    expect(queueEndpointOf('UseDevelopmentStorage=true')).toBe('http://127.0.0.1:10001/devstoreaccount1');
    expect(
      queueEndpointOf('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;BlobEndpoint=http://127.0.0.1:1/a;QueueEndpoint=http://127.0.0.1:2/a;'),
    ).toBe('http://127.0.0.1:2/a');
    expect(queueEndpointOf('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;BlobEndpoint=http://127.0.0.1:1/a;')).toBeNull();
    expect(queueEndpointOf('DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=k;EndpointSuffix=core.usgovcloudapi.net')).toBe(
      'https://acct.queue.core.usgovcloudapi.net',
    );
  });
});
