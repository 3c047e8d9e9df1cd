import { validateAdaptiveCard } from '../../test/support/adaptiveCardSchema';
import type { ProgressSample } from '../domain/progress/eta';
import { cardBytes, TEAMS_CARD_BYTE_LIMIT } from './render';
import { statusCard, statusFinishView } from './status';

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T08:00:00Z');
const steady = (n: number, perMin: number, total = 10_000): ProgressSample[] =>
  Array.from({ length: n }, (_, i) => ({ at: T0 + i * 5 * MIN, items: i * 5 * perMin, totalItems: total }));

describe('status across batches', () => {
  const now = new Date(T0 + 60 * MIN);

  it('sums the throughput of the batches with an estimate, gives the last finish range, and names those without', () => {
    const view = statusFinishView(
      [
        { batch: 'pilot', samples: steady(8, 10) },
        { batch: 'wave2', samples: steady(8, 20) },
        { batch: 'wave3', samples: steady(2, 5) },
      ],
      now,
    );
    expect(view.eta).toMatch(
      /^Across 2 syncing batches: 1,800 items per hour; the last expected Synced between 2026-05-0\d \d\d:\d\d UTC and 2026-05-0\d \d\d:\d\d UTC\./,
    );
    expect(view.eta).toMatch(/Finish time not enough data yet for wave3\./);
    expect(view.extraCharts?.[0]).toMatchObject({ type: 'Chart.Line', data: [{ legend: 'pilot' }, { legend: 'wave2' }, { legend: 'wave3' }].slice(0, 2) });
  });

  it('says nothing when nothing is sampled, and a status card with 5 lines of history stays valid and small', () => {
    expect(statusFinishView([], now)).toEqual({});
    const histories = Array.from({ length: 40 }, (_, i) => ({ batch: `wave-${i}-${'x'.repeat(40)}`, samples: steady(60, 10 + i) }));
    const card = statusCard({ batches: [], exchangeProblem: '', watcher: [], throttling: '', ...statusFinishView(histories, now) }).card;
    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_BYTE_LIMIT);
    expect(JSON.stringify(card)).toContain('"Chart.Line"');
  });
});
