// An honest finish time: from a short rolling history of what a batch has moved (items, and bytes
// when Exchange says), the observed throughput and a range "expected Synced between … and …".
// The range comes from the rates actually seen in the recent samples and widens when they are
// few or disagree; with too little to go on the answer is "not enough data yet". Pure: no clock.

/** One look at a batch: when, what is done, and the whole it is heading for (null: not known yet). */
export interface ProgressSample {
  /** Exchange's time, ms since the epoch. */
  at: number;
  /** Items copied so far (sum over the batch's users). */
  items: number;
  /** Items to copy in all (the source mailboxes' counts), when every user's is known. */
  totalItems: number | null;
  /** Bytes copied so far, when Exchange reports them. */
  bytes?: number | null;
}

/** Samples kept per batch: at a minute's cadence, the last hours. */
export const HISTORY_LIMIT = 60;
/** The estimate looks at this many recent samples, so a change of pace moves it within a few polls. */
export const ESTIMATE_WINDOW = 8;
/** Fewer samples than this (two intervals) and there is no estimate. */
export const MIN_SAMPLES = 3;

/**
 * Adds a sample to the history, bounded to `limit`. A sample earlier than the last is dropped (a
 * clock that went back); one at the same moment replaces it (Exchange's clock had not moved, its
 * counts had); fewer items than before starts afresh (a new sync pass, or users removed).
 */
export function appendSample(history: readonly ProgressSample[], sample: ProgressSample, limit = HISTORY_LIMIT): ProgressSample[] {
  const last = history[history.length - 1];
  if (last && sample.at < last.at) return history.slice(-limit);
  if (last && sample.items < last.items) return [sample]; // old rates say nothing of a new pass
  if (last && sample.at === last.at) return [...history.slice(0, -1), sample].slice(-Math.max(1, limit));
  return [...history, sample].slice(-Math.max(1, limit));
}

export type FinishEstimate =
  | { kind: 'done' }
  | { kind: 'not-enough-data'; samples: number; reason: string }
  | {
      kind: 'range';
      /** Items per hour over the window. */
      perHour: number;
      perHourLow: number;
      perHourHigh: number;
      /** Items still to copy at the last sample. */
      left: number;
      earliest: Date;
      latest: Date;
      /** Samples and minutes the estimate rests on. */
      samples: number;
      minutes: number;
    };

const HOUR_MS = 3_600_000;

/**
 * The finish range from the recent samples. Rates are per interval between samples; the centre is
 * the window's average rate; the half-width is the spread of the interval rates (standard error,
 * scaled up for small windows) and never less than the centre divided by the number of intervals,
 * so thin data always reads as a wide range.
 */
export function estimateFinish(history: readonly ProgressSample[]): FinishEstimate {
  const last = history[history.length - 1];
  if (!last) return { kind: 'not-enough-data', samples: 0, reason: 'no samples yet' };
  if (last.totalItems !== null && last.items >= last.totalItems) return { kind: 'done' };
  if (last.totalItems === null) return { kind: 'not-enough-data', samples: history.length, reason: 'the size of the source mailboxes is not known yet' };
  // Only samples heading for the same total belong together.
  const same: ProgressSample[] = [];
  for (let i = history.length - 1; i >= 0 && history[i].totalItems === last.totalItems; i--) same.unshift(history[i]);
  const window = same.slice(-ESTIMATE_WINDOW);
  if (window.length < MIN_SAMPLES) return { kind: 'not-enough-data', samples: window.length, reason: `${window.length} of ${MIN_SAMPLES} samples` };
  const first = window[0];
  const spanMs = last.at - first.at;
  const moved = last.items - first.items;
  if (spanMs <= 0 || moved <= 0) return { kind: 'not-enough-data', samples: window.length, reason: 'nothing moved in the recent samples' };
  const rates: number[] = [];
  for (let i = 1; i < window.length; i++) rates.push(((window[i].items - window[i - 1].items) / (window[i].at - window[i - 1].at)) * HOUR_MS);
  const n = rates.length;
  const centre = (moved / spanMs) * HOUR_MS;
  const mean = rates.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, n - 1));
  // ~ a t-quantile: 2 for many intervals, more for few.
  const spread = (sd / Math.sqrt(n)) * (2 + 4 / n);
  const half = Math.max(spread, centre / (n + 1));
  const high = centre + half;
  const low = Math.max(centre - half, centre / 10);
  const left = last.totalItems - last.items;
  return {
    kind: 'range',
    perHour: centre,
    perHourLow: low,
    perHourHigh: high,
    left,
    earliest: new Date(last.at + (left / high) * HOUR_MS),
    latest: new Date(last.at + (left / low) * HOUR_MS),
    samples: window.length,
    minutes: Math.round(spanMs / 60_000),
  };
}

/** Throughput per interval, for the line chart: one point per later sample, minutes before `now`. */
export function throughputSeries(history: readonly ProgressSample[], now: number): { minutesAgo: number; perHour: number }[] {
  const out: { minutesAgo: number; perHour: number }[] = [];
  for (let i = 1; i < history.length; i++) {
    const dt = history[i].at - history[i - 1].at;
    const d = history[i].items - history[i - 1].items;
    if (dt > 0 && d >= 0) out.push({ minutesAgo: (now - history[i].at) / 60_000, perHour: (d / dt) * HOUR_MS });
  }
  return out;
}

const hhmm = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The estimate in words, as the cards show it. */
export function finishText(e: FinishEstimate): string {
  switch (e.kind) {
    case 'done':
      return 'Every item Exchange counted in the source mailboxes is copied.';
    case 'not-enough-data':
      return `Finish time: not enough data yet (${e.reason}).`;
    case 'range':
      return (
        `Throughput ${count(e.perHour)} items per hour (${count(e.perHourLow)}–${count(e.perHourHigh)}), ${count(e.left)} items left. ` +
        `Expected Synced between ${hhmm(e.earliest)} and ${hhmm(e.latest)} (from ${e.samples} samples over ${e.minutes} min).`
      );
  }
}

/**
 * What of an estimate is worth a card update: its kind, the range to 10 minutes and the rate to two
 * significant digits. A poll that only adds a sample to the same picture changes nothing.
 */
export function finishKey(e: FinishEstimate): string {
  if (e.kind !== 'range') return e.kind;
  const ten = (d: Date) => Math.round(d.getTime() / 600_000);
  const sig2 = (n: number) => Number(n.toPrecision(2));
  return `range|${sig2(e.perHour)}|${ten(e.earliest)}|${ten(e.latest)}`;
}
