// The import preview card (adaptiveCards/importPreview.json): what an attached .vcf/.ics
// file holds, what cannot be converted, and the button that copies it into Exchange.

import type { CardAction, Fact, Tone } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface ImportPreviewInput {
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

export function importPreviewCard(input: ImportPreviewInput): AdaptiveCard {
  return renderCard('importPreview', input);
}
