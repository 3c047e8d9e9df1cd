// Chart elements for the cards (Teams' Chart.* elements, Microsoft Learn "Charts in Adaptive Cards").
// Pure builders: each returns the chart element with a `fallback`, the readable layout that hosts
// without charts (older clients, Outlook, the Agents Playground) render instead, or "drop" when
// the card already says the same in words. Property names are the documented ones; the test
// (render.test.ts) checks every chart a card carries against that list.

import { formatBytes } from '../domain/sizes';
import { formatCount } from './format';

/** A plain Adaptive Card element (the fallback layouts: ColumnSet, TextBlock, Container…). */
export type CardElement = { type: string } & Record<string, unknown>;
/** What a host without the chart renders: an element, or nothing. */
export type ChartFallback = CardElement | 'drop';

/** The documented chart colour names (Adaptive Cards chart colors reference). */
export type ChartColor =
  'good' | 'warning' | 'attention' | 'neutral' | 'categoricalBlue' | 'categoricalTeal' | 'categoricalPurple' | 'categoricalMarigold' | 'categoricalRed';

interface ChartBase {
  title?: string;
  spacing?: 'None' | 'Small' | 'Default' | 'Medium' | 'Large';
  fallback: ChartFallback;
}

export interface DonutChart extends ChartBase {
  type: 'Chart.Donut';
  data: { legend: string; value: number; color?: ChartColor }[];
}

export interface StackedBarChart extends ChartBase {
  type: 'Chart.HorizontalBar.Stacked';
  data: { title: string; data: { legend: string; value: number; color?: ChartColor }[] }[];
}

export interface HorizontalBarChart extends ChartBase {
  type: 'Chart.HorizontalBar';
  xAxisTitle?: string;
  yAxisTitle?: string;
  color?: ChartColor;
  data: { x: string; y: number; color?: ChartColor }[];
}

export interface GroupedBarChart extends ChartBase {
  type: 'Chart.VerticalBar.Grouped';
  xAxisTitle?: string;
  yAxisTitle?: string;
  data: { legend: string; color?: ChartColor; values: { x: string; y: number }[] }[];
}

export interface GaugeChart extends ChartBase {
  type: 'Chart.Gauge';
  min: number;
  max: number;
  value: number;
  valueFormat: 'Percentage' | 'Fraction';
  subLabel?: string;
  showMinMax?: boolean;
  showLegend?: boolean;
  segments: { legend: string; size: number; color?: ChartColor }[];
}

export interface LineChart extends ChartBase {
  type: 'Chart.Line';
  xAxisTitle?: string;
  yAxisTitle?: string;
  color?: ChartColor;
  data: { legend: string; color?: ChartColor; values: { x: number | string; y: number }[] }[];
}

export type ChartElement = DonutChart | StackedBarChart | HorizontalBarChart | GroupedBarChart | GaugeChart | LineChart;

/**
 * The properties Microsoft documents for each chart element (plus the common element properties),
 * and for its data points: what the card test holds every chart to.
 */
export const CHART_PROPERTIES: Record<
  ChartElement['type'] | 'Chart.Pie' | 'Chart.VerticalBar',
  { element: readonly string[]; data: readonly string[]; nested?: readonly string[] }
> = {
  'Chart.Donut': { element: ['title', 'colorSet', 'data'], data: ['legend', 'value', 'color'] },
  'Chart.Pie': { element: ['title', 'colorSet', 'data'], data: ['legend', 'value', 'color'] },
  'Chart.Gauge': {
    element: ['title', 'colorSet', 'min', 'max', 'subLabel', 'showMinMax', 'showLegend', 'segments', 'value', 'valueFormat'],
    data: ['legend', 'size', 'color'],
  },
  'Chart.Line': { element: ['title', 'colorSet', 'xAxisTitle', 'yAxisTitle', 'color', 'data'], data: ['legend', 'values', 'color'], nested: ['x', 'y'] },
  'Chart.HorizontalBar': { element: ['title', 'colorSet', 'xAxisTitle', 'yAxisTitle', 'color', 'data', 'displayMode'], data: ['x', 'y', 'color'] },
  'Chart.HorizontalBar.Stacked': {
    element: ['title', 'colorSet', 'xAxisTitle', 'yAxisTitle', 'color', 'data'],
    data: ['title', 'data'],
    nested: ['legend', 'value', 'color'],
  },
  'Chart.VerticalBar': { element: ['title', 'colorSet', 'xAxisTitle', 'yAxisTitle', 'data', 'color', 'showBarValues'], data: ['x', 'y', 'color'] },
  'Chart.VerticalBar.Grouped': {
    element: ['title', 'colorSet', 'xAxisTitle', 'yAxisTitle', 'color', 'stacked', 'data', 'showBarValues'],
    data: ['legend', 'values', 'color'],
    nested: ['x', 'y'],
  },
};

/** Properties every element may carry (Adaptive Cards 1.5 element base, as the chart pages list them). */
export const ELEMENT_COMMON_PROPERTIES = [
  'type',
  'id',
  'fallback',
  'height',
  'horizontalAlignment',
  'isVisible',
  'requires',
  'separator',
  'spacing',
  'targetWidth',
  'lang',
  'grid.area',
  '$when',
] as const;

const small = (text: string, extra: Record<string, unknown> = {}): CardElement => ({ type: 'TextBlock', text, wrap: true, size: 'Small', ...extra });

/** Today's progress bar: two coloured columns sized by the share done, and its caption. */
export function barFallback(percent: number, caption: string): CardElement {
  const p = Math.min(100, Math.max(0, Math.round(percent)));
  return {
    type: 'Container',
    spacing: 'Small',
    items: [
      {
        type: 'ColumnSet',
        minHeight: '8px',
        columns: [
          { type: 'Column', width: Math.max(p, 1), style: 'good', minHeight: '8px', items: [] },
          { type: 'Column', width: Math.max(100 - p, 1), style: 'emphasis', minHeight: '8px', items: [] },
        ],
      },
      small(caption, { isSubtle: true, spacing: 'None' }),
    ],
  };
}

export interface CountCell {
  label: string;
  value: number;
  /** TextBlock colour: Default, Good, Accent, Attention, Warning. */
  color: string;
}

/** Today's counts row: one column per count, the number large over its label. */
export function countsFallback(cells: CountCell[]): CardElement {
  return {
    type: 'ColumnSet',
    spacing: 'Medium',
    columns: cells.map((c) => ({
      type: 'Column',
      width: 'stretch',
      items: [
        { type: 'TextBlock', text: formatCount(c.value), size: 'Large', weight: 'Bolder', horizontalAlignment: 'Center', color: c.color },
        { type: 'TextBlock', text: c.label, size: 'Small', isSubtle: true, horizontalAlignment: 'Center', spacing: 'None' },
      ],
    })),
  };
}

export interface UserStates {
  synced: number;
  syncing: number;
  queued: number;
  failed: number;
  stopped: number;
}

const STATE_COLORS: Record<keyof UserStates, ChartColor> = {
  synced: 'good',
  syncing: 'categoricalBlue',
  queued: 'neutral',
  failed: 'attention',
  stopped: 'warning',
};
const STATE_LABELS: Record<keyof UserStates, string> = { synced: 'Synced', syncing: 'Syncing', queued: 'Queued', failed: 'Failed', stopped: 'Stopped' };

/** The batch's users by state; states with nobody are left out of the ring (a zero slice draws nothing). */
export function usersByStateDonut(states: UserStates, fallback: ChartFallback): DonutChart {
  const keys = Object.keys(STATE_LABELS) as (keyof UserStates)[];
  return {
    type: 'Chart.Donut',
    title: 'Users by state',
    spacing: 'Medium',
    data: keys.filter((k) => states[k] > 0).map((k) => ({ legend: STATE_LABELS[k], value: states[k], color: STATE_COLORS[k] })),
    fallback,
  };
}

/** Done vs left as one stacked bar (items or bytes); `unit` names what is counted. */
export function doneVsLeftBar(
  input: { title: string; done: number; left: number; unit: 'items' | 'bytes' | 'users' },
  fallback: ChartFallback,
): StackedBarChart {
  const fmt = (n: number) => (input.unit === 'bytes' ? formatBytes(n) : `${formatCount(n)} ${input.unit}`);
  return {
    type: 'Chart.HorizontalBar.Stacked',
    title: input.title,
    spacing: 'Small',
    data: [
      {
        title: `${fmt(input.done)} done, ${fmt(input.left)} left`,
        data: [
          { legend: 'Done', value: Math.max(0, input.done), color: 'good' },
          { legend: 'Left', value: Math.max(0, input.left), color: 'neutral' },
        ],
      },
    ],
    fallback,
  };
}

export interface BatchBar {
  name: string;
  synced: number;
  syncing: number;
  queued: number;
  failed: number;
  stopped: number;
}

/** `status`: one stacked bar per batch (users by state). The fallback is the card's batch table, so "drop". */
export function batchesStackedBars(batches: BatchBar[]): StackedBarChart {
  const keys = Object.keys(STATE_LABELS) as (keyof UserStates)[];
  return {
    type: 'Chart.HorizontalBar.Stacked',
    title: 'Users by state, per batch',
    spacing: 'Medium',
    data: batches.map((b) => ({
      title: b.name,
      data: keys.filter((k) => b[k] > 0).map((k) => ({ legend: STATE_LABELS[k], value: b[k], color: STATE_COLORS[k] })),
    })),
    fallback: 'drop',
  };
}

/** Exchange Online runs at most 300 migrations at once per tenant (reference/exchange-online.md). */
export const TENANT_CONCURRENT_MIGRATIONS = 300;

/**
 * Concurrent migrations in use against the endpoint's limit (MaxConcurrentMigrations) and the
 * tenant's. The scale ends at the tenant's limit; the first segment is what the endpoints allow.
 */
export function concurrencyGauge(input: { used: number; endpointLimit: number | null; tenantLimit?: number }): GaugeChart {
  const tenant = input.tenantLimit ?? TENANT_CONCURRENT_MIGRATIONS;
  const endpoint = input.endpointLimit === null ? null : Math.min(Math.max(0, input.endpointLimit), tenant);
  const words = `${formatCount(input.used)} migrations running; endpoint limit ${endpoint === null ? 'unknown' : formatCount(endpoint)}, tenant limit ${formatCount(tenant)}.`;
  return {
    type: 'Chart.Gauge',
    title: 'Concurrent migrations',
    min: 0,
    max: tenant,
    value: Math.min(Math.max(0, input.used), tenant),
    valueFormat: 'Fraction',
    subLabel: endpoint === null ? 'tenant limit' : `endpoint limit ${endpoint}`,
    showMinMax: true,
    showLegend: true,
    segments:
      endpoint === null
        ? [{ legend: 'Tenant limit', size: tenant, color: 'good' }]
        : [
            { legend: 'Within the endpoint limit', size: endpoint, color: 'good' },
            ...(tenant - endpoint > 0 ? [{ legend: 'Up to the tenant limit', size: tenant - endpoint, color: 'warning' as const }] : []),
          ],
    fallback: small(words, { spacing: 'Small' }),
  };
}

/** Preflight: where the data is, bytes by folder kind (Inbox, Sent, Archive, Other…). */
export function sizeByFolderKindBars(kinds: { kind: string; bytes: number }[]): HorizontalBarChart {
  const rows = kinds.filter((k) => k.bytes > 0);
  return {
    type: 'Chart.HorizontalBar',
    title: 'Size by folder kind (MB)',
    xAxisTitle: 'Folder kind',
    yAxisTitle: 'MB',
    color: 'categoricalBlue',
    data: rows.map((k) => ({ x: k.kind, y: Math.round((k.bytes / (1024 * 1024)) * 10) / 10 })),
    fallback: { type: 'FactSet', facts: rows.map((k) => ({ title: k.kind, value: formatBytes(k.bytes) })) },
  };
}

/** Preflight: the items over the target's size limit, per user. */
export function oversizeItemsBars(users: { email: string; count: number }[]): HorizontalBarChart {
  const rows = users.filter((u) => u.count > 0);
  return {
    type: 'Chart.HorizontalBar',
    title: "Items over the target's size limit",
    xAxisTitle: 'User',
    yAxisTitle: 'Items',
    color: 'attention',
    data: rows.map((u) => ({ x: u.email, y: u.count })),
    fallback: { type: 'FactSet', facts: rows.map((u) => ({ title: u.email, value: `${formatCount(u.count)} items` })) },
  };
}

/** Cut-over proof: source vs target message counts for the users where they differ. */
export function sourceVsTargetBars(users: { email: string; source: number; target: number }[]): GroupedBarChart {
  const rows = users.filter((u) => u.source !== u.target);
  return {
    type: 'Chart.VerticalBar.Grouped',
    title: 'Source vs target, where they differ',
    xAxisTitle: 'User',
    yAxisTitle: 'Messages',
    data: [
      { legend: 'Source', color: 'categoricalBlue', values: rows.map((u) => ({ x: u.email, y: u.source })) },
      { legend: 'Target', color: 'categoricalTeal', values: rows.map((u) => ({ x: u.email, y: u.target })) },
    ],
    fallback: {
      type: 'FactSet',
      facts: rows.map((u) => ({
        title: u.email,
        value: `source ${formatCount(u.source)}, target ${formatCount(u.target)} (${u.target - u.source > 0 ? '+' : ''}${formatCount(u.target - u.source)})`,
      })),
    },
  };
}

/** Throughput over time (one point per sample, x as minutes before now so the axis reads as a time series). */
export function throughputLine(points: { minutesAgo: number; perHour: number }[], unit: string, fallbackText: string): LineChart {
  return {
    type: 'Chart.Line',
    title: `Throughput (${unit} per hour)`,
    xAxisTitle: 'Minutes ago',
    yAxisTitle: `${unit}/h`,
    color: 'categoricalBlue',
    data: [{ legend: `${unit} per hour`, values: points.map((p) => ({ x: -Math.round(p.minutesAgo), y: Math.round(p.perHour * 10) / 10 })) }],
    fallback: small(fallbackText, { isSubtle: true }),
  };
}

/** Throughput over time for several batches (`status`): one line each. */
export function throughputLines(
  series: { legend: string; points: { minutesAgo: number; perHour: number }[] }[],
  unit: string,
  fallbackText: string,
): LineChart {
  return {
    type: 'Chart.Line',
    title: `Throughput per batch (${unit} per hour)`,
    xAxisTitle: 'Minutes ago',
    yAxisTitle: `${unit}/h`,
    data: series.map((s) => ({ legend: s.legend, values: s.points.map((p) => ({ x: -Math.round(p.minutesAgo), y: Math.round(p.perHour * 10) / 10 })) })),
    fallback: small(fallbackText, { isSubtle: true }),
  };
}
