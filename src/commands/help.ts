import { helpCard } from '../cards/help';
import { isAdmin, openAccessNote } from './access';
import { COMMANDS } from './catalog';
import type { Actor, CommandDeps, Reply } from './types';

export function helpReply(actor: Actor, deps: Pick<CommandDeps, 'access'>): Reply {
  const admin = isAdmin(actor, deps.access);
  const card = helpCard({
    isAdmin: admin,
    modeNote: openAccessNote(deps.access),
    commands: COMMANDS.filter((c) => admin || !c.adminOnly),
  });
  return { card, summary: 'Cutover: what I can do' };
}
