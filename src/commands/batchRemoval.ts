// Removing a batch through Cutover, by any path (batch remove, an approved request, the cut-over
// plan's remove step): each user's final record is kept first, since Exchange deletes it with the batch.

import type { Actor, CommandDeps } from './types';

/** Who did it, as the history and audit name a person. */
export function actorName(actor: Actor): string {
  return actor.upn ?? actor.name ?? actor.id;
}

/**
 * Remove-MigrationBatch deletes the batch's per-user history with it: Cutover keeps each user's
 * final record first (src/services/batchHistory.ts), and does not remove when it cannot keep it.
 */
export async function removeKeepingHistory(deps: Pick<CommandDeps, 'exchange' | 'history'>, actor: Actor, name: string): Promise<void> {
  const kept = deps.history ? await deps.history.keepBeforeRemoval(name, actorName(actor)) : null;
  try {
    await deps.exchange.removeMigrationBatch(name);
  } catch (err) {
    await kept?.undo().catch(() => undefined);
    throw err;
  }
}
