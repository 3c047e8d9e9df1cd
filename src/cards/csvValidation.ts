// The CSV validation card (adaptiveCards/csvValidation.json): a migration CSV checked row
// by row before Exchange sees it, problems by kind and one page of them, and the buttons
// that create the batch, run preflight or page through the problems.

import type { CardAction, Fact } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface CsvValidationInput {
  /** Bold warning under the title (e.g. the endpoint sends passwords in clear). */
  warning?: string;
  batch: string;
  headline: string;
  headlineColor: string;
  facts: Fact[];
  byKind: { label: string; count: string }[];
  page: { from: number; to: number; total: string };
  problems: { where: string; message: string; fix: string }[];
  note: string;
  powershell: string;
  actions: CardAction[];
}

export function csvValidationCard(input: CsvValidationInput): AdaptiveCard {
  return renderCard('csvValidation', input);
}
