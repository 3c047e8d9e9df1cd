// The CSV build card (adaptiveCards/csvBuild.json): asks for the source server's admin
// credential (and the domain or user-name pattern) to build a migration CSV.

import type { CardAction, Fact } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface CsvBuildInput {
  title: string;
  text: string;
  facts: Fact[];
  lines: string[];
  /** Ask for the Exchange domain (format exchange). */
  askDomain: boolean;
  /** Ask for a user-name pattern (format custom). */
  askPattern: boolean;
  powershell: string;
  actions: CardAction[];
}

export function csvBuildCard(input: CsvBuildInput): AdaptiveCard {
  return renderCard('csvBuild', input);
}
