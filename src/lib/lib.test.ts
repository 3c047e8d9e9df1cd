import { errorText } from './errorText';
import { forEachLimited, mapLimited } from './pool';
import { backoffMs, retryAfterMs } from './retryAfter';
import { agedPollMs, sleep } from './sleep';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  test.each([
    ['2', 2000],
    ['0.5', 500],
    [' 10 ', 10_000],
    ['Thu, 03 Dec 2026 10:00:30 GMT', 30_000],
    ['Thu, 03 Dec 2026 09:00:00 GMT', 0],
  ])('%s → %d ms', (header, ms) => expect(retryAfterMs(header, now)).toBe(ms));
  test.each([[null], [undefined], [''], ['soon'], ['-1'], ['1e9']])('%p is no advice', (header) => expect(retryAfterMs(header, now)).toBeNull());
  test('a long hostile header is rejected quickly', () => {
    const t = Date.now();
    expect(retryAfterMs('1'.repeat(100_000) + 'x', now)).toBeNull();
    expect(Date.now() - t).toBeLessThan(200);
  });
});

describe('backoffMs', () => {
  test('grows by powers of two up to the cap, with jitter in the upper half', () => {
    expect(backoffMs(0, 100, 10_000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffMs(3, 100, 10_000, () => 0)).toBe(400);
    expect(backoffMs(20, 100, 10_000, () => 1)).toBe(10_000);
  });
});

describe('pool', () => {
  test('never runs more than the width at once and keeps results in input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(n * 2);
      running--;
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
  });
  test('one failure does not stop the others; the first error is thrown after all settle', async () => {
    const done: number[] = [];
    await expect(
      forEachLimited([1, 2, 3, 4], 2, async (n) => {
        if (n === 2) throw new Error('two');
        await sleep(1);
        done.push(n);
      }),
    ).rejects.toThrow('two');
    expect(done.sort()).toEqual([1, 3, 4]);
  });
  test('an aborted signal starts no new item', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    await forEachLimited(
      [1, 2, 3, 4],
      1,
      async (n) => {
        seen.push(n);
        if (n === 2) ac.abort();
      },
      { signal: ac.signal },
    );
    expect(seen).toEqual([1, 2]);
  });
  test('stop() is asked before each item', async () => {
    const seen: number[] = [];
    await forEachLimited([1, 2, 3], 1, async (n) => void seen.push(n), { stop: () => seen.length >= 2 });
    expect(seen).toEqual([1, 2]);
  });
});

describe('sleep', () => {
  test('ends early when the signal aborts', async () => {
    const ac = new AbortController();
    const t = Date.now();
    setTimeout(() => ac.abort(), 10);
    await sleep(5_000, ac.signal);
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});

describe('errorText', () => {
  test('reads errors, strings and anything else, bounded', () => {
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(42)).toBe('42');
    expect(
      errorText({
        toString: () => {
          throw new Error('x');
        },
      }),
    ).toBe('unknown error');
    expect(errorText('x'.repeat(5_000)).length).toBe(2_001);
  });
});

describe('agedPollMs', () => {
  it('is the base at first, a thirtieth of the age later, and never over 8× the base', () => {
    expect(agedPollMs(500, 0)).toBe(500);
    expect(agedPollMs(500, 60_000)).toBe(2_000);
    expect(agedPollMs(500, 3_600_000)).toBe(4_000);
  });
});
