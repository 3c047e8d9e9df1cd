// The help card (adaptiveCards/help.json): the commands a person may use, grouped.

import { renderCard, type AdaptiveCard } from './render';

export interface HelpInput {
  isAdmin: boolean;
  /** Said when everyone is an admin (open access); '' otherwise. */
  modeNote: string;
  groups: { title: string; commands: { usage: string; description: string }[] }[];
}

export function helpCard(input: HelpInput): AdaptiveCard {
  return renderCard('help', input);
}
