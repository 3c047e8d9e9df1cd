// The help card (adaptiveCards/help.json): the commands a person may use, grouped by family.

import { renderCard, type AdaptiveCard } from './render';

const GROUP_TITLES: Record<string, string> = {
  help: 'Getting started',
  endpoint: 'Endpoints (the old IMAP server)',
  batch: 'Migration batches',
  user: 'Migration users',
  mailbox: 'Target mailboxes',
  preflight: 'Before you migrate',
  csv: 'Before you migrate',
  audit: 'Audit',
};

export interface HelpInput {
  isAdmin: boolean;
  /** Said when everyone is an admin (open access); '' otherwise. */
  modeNote: string;
  /** The commands this person may use, in catalog order. */
  commands: { family: string; usage: string; description: string }[];
}

export function helpCard(input: HelpInput): AdaptiveCard {
  const titleOf = (family: string) => GROUP_TITLES[family] ?? family;
  const titles = [...new Set(input.commands.map((c) => titleOf(c.family)))];
  return renderCard('help', {
    isAdmin: input.isAdmin,
    modeNote: input.modeNote,
    groups: titles.map((title) => ({
      title,
      commands: input.commands.filter((c) => titleOf(c.family) === title).map((c) => ({ usage: c.usage, description: c.description })),
    })),
  });
}
