// The cut-over plan card (adaptiveCards/cutoverPlan.json): the steps from MX switch to
// batch removal, the current one marked, with the facts that decide them.

import type { CardAction, Fact, Tone } from './notice';
import { renderCard, type AdaptiveCard } from './render';

export interface CutoverPlanStep {
  n: number;
  id: string;
  batch: string;
  title: string;
  status: string;
  current: boolean;
  mark: string;
  when: string;
  /** The step's button title. */
  button: string;
}

export interface CutoverPlanInput {
  title: string;
  tone: Tone;
  text: string;
  facts: Fact[];
  steps: CutoverPlanStep[];
  lines: string[];
  powershell: string;
  actions: CardAction[];
}

export function cutoverPlanCard(input: CutoverPlanInput): AdaptiveCard {
  return renderCard('cutoverPlan', input);
}
