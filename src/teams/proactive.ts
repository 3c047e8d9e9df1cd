// Work in a conversation outside a user's turn (card updates, notifications).
// Errors are caught inside the turn and rethrown to the caller: left to the adapter they
// would reach the app's onTurnError, which would try to apologise in a conversation that
// may be the very thing that failed (bot removed: 403).

import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';

export async function runProactive(
  adapter: CloudAdapter,
  botAppId: string,
  reference: Partial<ConversationReference>,
  work: (ctx: TurnContext) => Promise<void>,
): Promise<void> {
  let failure: unknown = null;
  await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
    try {
      await work(ctx);
    } catch (err) {
      failure = err;
    }
  });
  if (failure) throw failure;
}
