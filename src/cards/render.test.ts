import * as fs from 'node:fs';
import * as path from 'node:path';
import { chartsIn, validateAdaptiveCard } from '../../test/support/adaptiveCardSchema';
import * as charts from './charts';
import { cardBytes, renderCard, TEAMS_CARD_BYTE_LIMIT, TEMPLATES, templateDir, type TemplateName } from './render';

/** What these tests read of an expanded card. */
interface Expanded {
  actions?: { data?: unknown }[];
  body?: unknown[];
}

const templates = fs
  .readdirSync(templateDir())
  .filter((f) => f.endsWith('.json') && !f.endsWith('.data.json'))
  .map((f) => f.replace(/\.json$/, '') as TemplateName);

describe('card templates', () => {
  it('finds the templates, each one named in TEMPLATES (so each has its typed module)', () => {
    expect(templates).toEqual(expect.arrayContaining(['help', 'notice']));
    expect([...templates].sort()).toEqual([...TEMPLATES].sort());
  });

  it.each(templates)('%s expands with its sample data, fully bound and under the Teams size limit', (name) => {
    const dataFile = path.join(templateDir(), `${name}.data.json`);
    expect(fs.existsSync(dataFile)).toBe(true);
    const card = renderCard(name, JSON.parse(fs.readFileSync(dataFile, 'utf8')));
    const json = JSON.stringify(card);
    expect(json).not.toContain('${');
    expect(card.type).toBe('AdaptiveCard');
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_BYTE_LIMIT);
    expect(validateAdaptiveCard(card)).toEqual([]);
  });

  it('binds action data objects and drops empty action lists', () => {
    const card = renderCard('notice', {
      title: 'Remove?',
      tone: 'warn',
      text: '',
      facts: [],
      lines: [],
      usage: [],
      powershell: '',
      actions: [{ title: 'Remove', verb: 'batch.remove', data: { batch: 'pilot' }, style: 'destructive' }],
    }) as unknown as Expanded;
    expect(card.actions).toEqual([{ type: 'Action.Execute', title: 'Remove', verb: 'batch.remove', data: { batch: 'pilot' }, style: 'destructive' }]);
    const none = renderCard('notice', { title: 'x', tone: '', text: '', facts: [], lines: [], usage: [], powershell: '', actions: [] }) as unknown as Expanded;
    expect(none.actions).toBeUndefined();
    expect(none.body).toHaveLength(1);
  });

  it('shows usage placeholders as ‹name› (some clients drop <name> as a tag), leaving button data alone', () => {
    const card = renderCard('notice', {
      title: 'Usage',
      tone: '',
      text: 'Send batch new <name> to <admin@contoso.edu>',
      facts: [],
      lines: [],
      usage: ['mailbox limit <email> <size>'],
      powershell: '',
      actions: [{ title: 'Go', verb: 'x', data: { raw: '<name>' } }],
    }) as unknown as Expanded;
    const json = JSON.stringify(card);
    expect(json).toContain('batch new ‹name› to <admin@contoso.edu>');
    expect(json).toContain('mailbox limit ‹email› ‹size›');
    expect(card.actions?.[0].data).toEqual({ raw: '<name>' });
  });
});

const asCard = (...body: unknown[]) => ({ type: 'AdaptiveCard', version: '1.5', body });
const text = (t: string): charts.CardElement => ({ type: 'TextBlock', text: t, wrap: true });

describe('chart builders', () => {
  const samples: [string, charts.ChartElement][] = [
    [
      'usersByStateDonut',
      charts.usersByStateDonut(
        { synced: 3, syncing: 2, queued: 1, failed: 1, stopped: 0 },
        charts.countsFallback([{ label: 'Synced', value: 3, color: 'Good' }]),
      ),
    ],
    [
      'doneVsLeftBar (items)',
      charts.doneVsLeftBar({ title: 'Items moved', done: 1200, left: 800, unit: 'items' }, charts.barFallback(60, '60% of users synced')),
    ],
    ['doneVsLeftBar (bytes)', charts.doneVsLeftBar({ title: 'Data moved', done: 5e9, left: 2e9, unit: 'bytes' }, 'drop')],
    [
      'batchesStackedBars',
      charts.batchesStackedBars([
        { name: 'pilot', synced: 2, syncing: 1, queued: 0, failed: 1, stopped: 0 },
        { name: 'wave2', synced: 0, syncing: 0, queued: 500, failed: 0, stopped: 0 },
      ]),
    ],
    ['concurrencyGauge', charts.concurrencyGauge({ used: 120, endpointLimit: 100 })],
    ['concurrencyGauge (no endpoint)', charts.concurrencyGauge({ used: 0, endpointLimit: null })],
    [
      'sizeByFolderKindBars',
      charts.sizeByFolderKindBars([
        { kind: 'Inbox', bytes: 3e9 },
        { kind: 'Sent', bytes: 1e9 },
        { kind: 'Other', bytes: 0 },
      ]),
    ],
    ['oversizeItemsBars', charts.oversizeItemsBars([{ email: 'annb@contoso.edu', count: 3 }])],
    [
      'sourceVsTargetBars',
      charts.sourceVsTargetBars([
        { email: 'annb@contoso.edu', source: 1200, target: 1198 },
        { email: 'terrya@contoso.edu', source: 5, target: 5 },
      ]),
    ],
    [
      'throughputLine',
      charts.throughputLine(
        [
          { minutesAgo: 60, perHour: 1000 },
          { minutesAgo: 30, perHour: 1500 },
          { minutesAgo: 0, perHour: 1400 },
        ],
        'items',
        'Throughput: 1,400 items per hour.',
      ),
    ],
  ];

  it.each(samples)('%s is a documented chart element with a fallback, valid in a 1.5 card', (_name, chart) => {
    expect(chart.fallback).toBeDefined();
    const card = asCard(chart);
    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(chartsIn(card)).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(TEAMS_CARD_BYTE_LIMIT);
  });

  it('leaves out what is not there: empty donut slices, equal source and target, empty folder kinds', () => {
    expect(charts.usersByStateDonut({ synced: 3, syncing: 0, queued: 0, failed: 1, stopped: 0 }, 'drop').data.map((d) => d.legend)).toEqual([
      'Synced',
      'Failed',
    ]);
    expect(
      charts.sourceVsTargetBars([
        { email: 'a@x', source: 5, target: 5 },
        { email: 'b@x', source: 5, target: 4 },
      ]).data[0].values,
    ).toEqual([{ x: 'b@x', y: 5 }]);
    expect(charts.sizeByFolderKindBars([{ kind: 'Other', bytes: 0 }]).data).toEqual([]);
  });

  it("measures concurrency against the endpoint's limit inside the tenant's 300", () => {
    const g = charts.concurrencyGauge({ used: 120, endpointLimit: 100 });
    expect(g).toMatchObject({ min: 0, max: 300, value: 120, valueFormat: 'Fraction' });
    expect(g.segments).toEqual([
      { legend: 'Within the endpoint limit', size: 100, color: 'good' },
      { legend: 'Up to the tenant limit', size: 200, color: 'warning' },
    ]);
  });
});

describe('the card validator', () => {
  it('finds what Teams would refuse or not draw: unknown elements and properties, a chart without fallback, undocumented chart properties, template leftovers', () => {
    expect(validateAdaptiveCard(asCard(text('ok')))).toEqual([]);
    expect(validateAdaptiveCard(asCard({ type: 'Chart.Donut', data: [{ legend: 'a', value: 1 }] }))).toEqual([expect.stringMatching(/needs a fallback/)]);
    expect(validateAdaptiveCard(asCard({ type: 'Chart.Donut', data: [{ label: 'a', value: 1 }], fallback: 'drop' }))).toEqual([
      expect.stringMatching(/"label" is not in the schema/),
    ]);
    expect(validateAdaptiveCard(asCard({ type: 'Chart.Gauge', value: 1, maxValue: 3, fallback: 'drop' }))).toEqual([expect.stringMatching(/"maxValue"/)]);
    expect(validateAdaptiveCard(asCard({ type: 'Chart.Sparkle', data: [], fallback: 'drop' }))).toEqual([expect.stringMatching(/unknown chart type/)]);
    expect(validateAdaptiveCard(asCard({ type: 'TextBlock', text: 'x', colour: 'Good' }))).toEqual([expect.stringMatching(/"colour"/)]);
    expect(validateAdaptiveCard(asCard({ type: 'TextBlock', text: 'x', $when: '${a}' }))).toContainEqual(expect.stringMatching(/template expression/));
    expect(
      validateAdaptiveCard(asCard({ type: 'Chart.Line', data: [{ legend: 'x', values: [{ x: 1, y: 'a' }] }], fallback: { type: 'TextBlok', text: 'x' } })),
    ).toHaveLength(2);
    expect(validateAdaptiveCard({ type: 'AdaptiveCard', version: '1.6', body: [] })).toEqual([expect.stringMatching(/version/)]);
  });
});
