import { appendSample, estimateFinish, finishKey, finishText, HISTORY_LIMIT, throughputSeries, type FinishEstimate, type ProgressSample } from './eta';

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T08:00:00Z');
/** Samples every `everyMin` minutes at `perMin` items a minute, from `items` on. */
const run = (n: number, perMin: number, opts: { from?: number; items?: number; total?: number | null; everyMin?: number } = {}): ProgressSample[] =>
  Array.from({ length: n }, (_, i) => ({
    at: (opts.from ?? T0) + i * (opts.everyMin ?? 5) * MIN,
    items: (opts.items ?? 0) + i * (opts.everyMin ?? 5) * perMin,
    totalItems: opts.total === undefined ? 10_000 : opts.total,
  }));
const range = (e: FinishEstimate) => {
  if (e.kind !== 'range') throw new Error(`expected a range, got ${JSON.stringify(e)}`);
  return e;
};
const width = (e: FinishEstimate) => range(e).latest.getTime() - range(e).earliest.getTime();

describe('finish estimate', () => {
  it('says "not enough data yet" rather than invent one: no samples, two samples, an unknown total, nothing moving', () => {
    expect(estimateFinish([])).toMatchObject({ kind: 'not-enough-data' });
    expect(estimateFinish(run(2, 10))).toMatchObject({ kind: 'not-enough-data', samples: 2 });
    expect(estimateFinish(run(5, 10, { total: null }))).toMatchObject({ kind: 'not-enough-data', reason: expect.stringMatching(/not known/) });
    expect(estimateFinish(run(5, 0))).toMatchObject({ kind: 'not-enough-data', reason: expect.stringMatching(/nothing moved/) });
    expect(finishText(estimateFinish(run(2, 10)))).toMatch(/^Finish time: not enough data yet/);
  });

  it('at a steady pace, the range holds the true finish and tightens as samples come', () => {
    // 10 items a minute, 10,000 items: the truth is 1,000 minutes after T0.
    const truth = T0 + 1000 * MIN;
    const widths: number[] = [];
    for (const n of [3, 4, 6, 8]) {
      const e = range(estimateFinish(run(n, 10)));
      expect(e.earliest.getTime()).toBeLessThanOrEqual(truth);
      expect(e.latest.getTime()).toBeGreaterThanOrEqual(truth);
      expect(e.perHour).toBeCloseTo(600);
      widths.push(width(e));
    }
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThan(widths[i - 1]);
  });

  it('widens when the observed rates disagree, and moves to a new pace within the window', () => {
    const steady = run(8, 10);
    const lastSteady = steady[steady.length - 1];
    // The pace halves: 5 items a minute from here on.
    const slower = run(9, 5, { from: lastSteady.at, items: lastSteady.items }).slice(1);
    let h: ProgressSample[] = [];
    for (const s of steady) h = appendSample(h, s);
    const before = range(estimateFinish(h));
    h = appendSample(h, slower[0]);
    h = appendSample(h, slower[1]);
    const mixed = range(estimateFinish(h));
    expect(width(mixed)).toBeGreaterThan(width(before));
    for (const s of slower.slice(2)) h = appendSample(h, s);
    const after = range(estimateFinish(h));
    expect(after.perHour).toBeCloseTo(300);
    expect(after.earliest.getTime()).toBeGreaterThan(before.latest.getTime());
    // The truth at 5 a minute from the last sample.
    const last = h[h.length - 1];
    const truth = last.at + ((10_000 - last.items) / 5) * MIN;
    expect(after.earliest.getTime()).toBeLessThanOrEqual(truth);
    expect(after.latest.getTime()).toBeGreaterThanOrEqual(truth);
  });

  it('is done when every counted item is copied', () => {
    expect(estimateFinish([{ at: T0, items: 10, totalItems: 10 }])).toEqual({ kind: 'done' });
  });
});

describe('the rolling history', () => {
  it('is bounded, keeps the newest counts of a moment seen twice, drops an earlier moment, and starts afresh when the count goes back (a new pass)', () => {
    let h: ProgressSample[] = [];
    for (const s of run(HISTORY_LIMIT + 20, 1)) h = appendSample(h, s);
    expect(h).toHaveLength(HISTORY_LIMIT);
    const last = h[h.length - 1];
    // The same moment again (Exchange's clock stood still, its counts did not): the newer counts replace the last.
    const same = appendSample(h, { ...last, items: last.items + 5 });
    expect(same).toHaveLength(HISTORY_LIMIT);
    expect(same[same.length - 1].items).toBe(last.items + 5);
    expect(appendSample(h, { ...last, at: last.at - MIN, items: last.items + 5 })).toEqual(h);
    expect(appendSample(h, { at: last.at + MIN, items: 0, totalItems: 10_000 })).toEqual([{ at: last.at + MIN, items: 0, totalItems: 10_000 }]);
  });

  it('gives the throughput per interval for the line chart', () => {
    expect(throughputSeries(run(3, 10), T0 + 10 * MIN)).toEqual([
      { minutesAgo: 5, perHour: 600 },
      { minutesAgo: 0, perHour: 600 },
    ]);
  });
});

describe('when a card is worth updating', () => {
  it('not for one more sample of the same pace, but when the pace or the range moves', () => {
    const h = run(8, 10);
    const next = [...h, { at: h[7].at + 5 * MIN, items: h[7].items + 50, totalItems: 10_000 }];
    expect(finishKey(estimateFinish(next))).toBe(finishKey(estimateFinish(h)));
    const slower = [...next, { at: next[8].at + 5 * MIN, items: next[8].items + 5, totalItems: 10_000 }];
    expect(finishKey(estimateFinish(slower))).not.toBe(finishKey(estimateFinish(next)));
    expect(finishKey(estimateFinish(run(2, 10)))).toBe('not-enough-data');
  });
});
