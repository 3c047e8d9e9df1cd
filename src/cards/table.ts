// The table card (adaptiveCards/table.json): a titled list with columns (batch list, endpoints, audit).

import type { CardAction } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface TableCell {
  text: string;
  /** An Adaptive Card colour: Default, Good, Warning, Attention, Accent. */
  color?: string;
}

export interface TableInput {
  title: string;
  subtitle?: string;
  /** Bold warning under the title (e.g. passwords crossing the network in clear). */
  warning?: string;
  /** Column labels with their relative widths. */
  columns: { label: string; width: number }[];
  /** One array of cells per row, in column order. */
  rows: TableCell[][];
  /** Shown when there are no rows. */
  empty: string;
  footer?: string;
  powershell: string;
  actions?: CardAction[];
}

export function tableCard(input: TableInput): AdaptiveCard {
  return renderCard('table', {
    ...(input.warning ? { warning: input.warning } : {}),
    title: input.title,
    subtitle: input.subtitle ?? '',
    columns: input.columns,
    rows: input.rows.map((cells) => ({ cells: cells.map((c, i) => ({ text: c.text, color: c.color ?? 'Default', width: input.columns[i]?.width ?? 1 })) })),
    empty: input.empty,
    footer: input.footer ?? '',
    powershell: input.powershell,
    actions: input.actions ?? [],
  });
}
