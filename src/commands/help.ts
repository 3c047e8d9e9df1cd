import { helpCard } from '../cards/help';
import { isAdmin, openAccessNote } from './access';
import { COMMANDS } from './catalog';
import type { Actor, CommandDeps, Reply } from './types';

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

export function helpReply(actor: Actor, deps: Pick<CommandDeps, 'access'>): Reply {
  const admin = isAdmin(actor, deps.access);
  const visible = COMMANDS.filter((c) => admin || !c.adminOnly);
  const titleOf = (family: string) => GROUP_TITLES[family] ?? family;
  const titles = [...new Set(visible.map((c) => titleOf(c.family)))];
  const card = helpCard({
    isAdmin: admin,
    modeNote: openAccessNote(deps.access),
    groups: titles.map((title) => ({
      title,
      commands: visible.filter((c) => titleOf(c.family) === title).map((c) => ({ usage: c.usage, description: c.description })),
    })),
  });
  return { card, summary: 'Cutover: what I can do' };
}
