// The guide status card (adaptiveCards/guideStatus.json): who is how far through the guide.

import type { CardAction, Fact } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface GuideStatusInput {
  title: string;
  text: string;
  totals: Fact[];
  people: { name: string; progress: string; help: string }[];
  lines: string[];
  actions: CardAction[];
}

export function guideStatusCard(input: GuideStatusInput): AdaptiveCard {
  return renderCard('guideStatus', input);
}
