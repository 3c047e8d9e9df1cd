// The details card (adaptiveCards/details.json): a title, a coloured subtitle and sections of
// facts, each with its PowerShell line (mailbox show, user show and report, preflight result).

import type { CardAction, Fact } from './notice';
import type { ChartElement } from './charts';
import { renderCard, type AdaptiveCard } from './render';

export interface DetailsSection {
  heading: string;
  text?: string;
  facts?: Fact[];
  powershell?: string;
}

export interface DetailsInput {
  title: string;
  subtitle?: string;
  /** An Adaptive Card colour for the subtitle. */
  subtitleColor?: string;
  sections: DetailsSection[];
  actions?: CardAction[];
  /** Charts after the sections (each with its readable fallback). */
  charts?: ChartElement[];
}

export function detailsCard(input: DetailsInput): AdaptiveCard {
  return renderCard('details', {
    title: input.title,
    subtitle: input.subtitle ?? '',
    subtitleColor: input.subtitleColor ?? 'Default',
    sections: input.sections.map((s) => ({ heading: s.heading, text: s.text ?? '', facts: s.facts ?? [], powershell: s.powershell ?? '' })),
    actions: input.actions ?? [],
    ...(input.charts?.length ? { charts: input.charts } : {}),
  });
}
