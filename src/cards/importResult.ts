// The import result card (adaptiveCards/importResult.json): what a .vcf/.ics import created,
// found already there, and could not copy.

import type { CardAction, Fact, Tone } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface ImportResultInput {
  title: string;
  tone: Tone;
  text: string;
  facts: Fact[];
  sampleTitle: string;
  sample: string[];
  problemsTitle: string;
  problems: string[];
  notes: string[];
  actions: CardAction[];
}

export function importResultCard(input: ImportResultInput): AdaptiveCard {
  return renderCard('importResult', input);
}
