// The guide step card (adaptiveCards/guideStep.json): one step of a person's move to
// Exchange, the steps done so far, how to do it in their mail program.

import type { CardAction, Tone } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface GuideStepInput {
  heading: string;
  title: string;
  tone: Tone;
  text: string;
  warnings: string[];
  how: string[];
  steps: { mark: string; name: string }[];
  lines: string[];
  actions: CardAction[];
}

export function guideStepCard(input: GuideStepInput): AdaptiveCard {
  return renderCard('guideStep', input);
}
