// The Teams bot: a teams-ai Application whose routes hand each message and card
// button to the CommandRouter, and send back what it answers. botbuilder and
// teams-ai stay inside src/teams, so this layer can be swapped for their successors.

import { ActivityTypes, TeamsInfo, TurnContext } from 'botbuilder';
import { AdaptiveCardActionExecuteResponseType, Application, TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import type { CommandRouter, Logger } from '../commands/router';
import { admission, identify } from '../commands/access';
import type { AccessSettings, ActionResult, Actor, FollowUp, Reply } from '../commands/types';
import { actorOf, cardAttachment, filesOf, originOf, replyActivity, sendReplies, textOf, timeZoneOf, whereOf } from './activityMapping';
import type { LiveCards } from './liveCards';
import type { NotificationSink } from '../services/watcher/sink';
import type { ConversationRef } from '../services/conversations';
import type { FileHandover, Turn } from './fileHandover';
import { errorText } from '../lib/errorText';

export interface ConversationRegistry {
  /** Remember where the bot is installed (proactive messages need the reference). */
  remember(reference: Partial<import('botbuilder').ConversationReference>, event: string): Promise<void>;
}

export interface BotOptions {
  adapter: TeamsAdapter;
  router: CommandRouter;
  live: LiveCards | null;
  conversations?: ConversationRegistry;
  /** Every in-place card update (follow-ups) goes through this one path: the notifier's, paced, 429s retried honouring Retry-After. */
  cards: Pick<NotificationSink, 'update'>;
  log: Logger;
  /** Per-user files to the asker's personal chat, and the file consent answers (src/teams/fileHandover.ts). */
  files?: FileHandover;
  /** Who is served (tenants, channel) and who is an admin (UPNs need the member lookup); absent: everyone, as sent. */
  access?: AccessSettings;
  /** Approval cards (CUTOVER_APPROVERS): where each was posted, so it is posted in the batch's channels and updated everywhere. */
  approvals?: { posted(id: string, reference: ConversationRef, activityId: string | undefined): Promise<void> };
}

/** Senders' UPNs from Teams' member lookup, kept an hour (at most 1,000 people), so each message does not ask again. */
class MemberUpns {
  private readonly known = new Map<string, { upn: string | undefined; at: number }>();
  async of(context: TurnContext): Promise<string | undefined> {
    const id = context.activity.from?.id;
    if (!id) return undefined;
    const hit = this.known.get(id);
    if (hit && Date.now() - hit.at < 3_600_000) return hit.upn;
    if (this.known.size >= 1_000) this.known.delete(this.known.keys().next().value as string);
    try {
      const member = await TeamsInfo.getMember(context, id);
      const upn = typeof member.userPrincipalName === 'string' && member.userPrincipalName.includes('@') ? member.userPrincipalName : undefined;
      this.known.set(id, { upn, at: Date.now() });
      return upn;
    } catch (err) {
      // Not in the roster, or Teams did not answer: no UPN, asked again in 5 minutes rather than on every message.
      this.known.set(id, { upn: undefined, at: Date.now() - 3_600_000 + 300_000 });
      throw err;
    }
  }
}

export function createBot(options: BotOptions): Application<TurnState> {
  const { adapter, router, live, log } = options;
  // The turn's work and its follow-ups know who asked where (reports go to that person's personal chat);
  // files for the chat itself are sent after the answer (flush).
  const files = options.files;
  const turnOf = (context: TurnContext): Turn | null => files?.turn(context.activity) ?? null;
  const within = <T>(turn: Turn | null, work: () => Promise<T>): Promise<T> => (files && turn ? files.run(turn, work) : work());
  const flush = async (turn: Turn | null) => (files && turn ? files.flush(turn) : undefined);
  const app = new Application<TurnState>({
    adapter,
    startTypingTimer: false,
    removeRecipientMention: true,
    adaptiveCards: { actionExecuteResponseType: AdaptiveCardActionExecuteResponseType.REPLACE_FOR_ALL },
  });

  // Only the configured tenants, on Teams: anyone else gets one polite refusal and nothing runs
  // (no command, no stored conversation, no notification, no file consent).
  const access = options.access;
  app.turn('beforeTurn', async (context) => {
    if (!access) return true;
    const origin = originOf(context.activity);
    const refused = admission(origin, access);
    if (!refused) return true;
    log.warn('activity not served', { reason: refused.reason, tenant: origin.tenantId, channel: origin.channelId, type: context.activity.type });
    if (context.activity.type === ActivityTypes.Message) {
      await sendReplies(context, [refused.reply]);
    } else if (context.activity.type === ActivityTypes.Invoke) {
      const card = context.activity.name === 'adaptiveCard/action';
      await context.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: {
          status: 200,
          body: card ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: cardAttachment(refused.reply).content } : undefined,
        },
      });
    }
    return false;
  });

  const upns = new MemberUpns();
  const actorFor = async (context: TurnContext): Promise<Actor> => {
    const actor = actorOf(context.activity);
    return access ? identify(actor, access, () => upns.of(context)) : actor;
  };

  app.activity(ActivityTypes.Message, async (context) => {
    const turn = turnOf(context);
    const actor = await actorFor(context);
    const result = await within(turn, () =>
      router.handleMessage({
        actor,
        where: whereOf(context.activity),
        text: textOf(context.activity),
        files: filesOf(context.activity),
        timeZone: timeZoneOf(context.activity),
      }),
    );
    if (result.rememberConversation) await remember(context, 'subscribe');
    const ids = await sendReplies(context, result.replies);
    if (result.approval) await approvalPosted(context, result.approval, ids[0]);
    await flush(turn);
    if (result.watch && live) live.watch(context, ids[0], result.watch.batch, result.watch.page ?? 0);
    if (result.followUp) runFollowUp(context, ids[0], result.followUp, turn);
  });

  app.adaptiveCards.actionExecute(/.*/, async (context, _state, data) => {
    const action = (context.activity.value ?? {}) as { action?: { verb?: string; data?: Record<string, unknown> } };
    const verb = action.action?.verb ?? '';
    const turn = turnOf(context);
    const actor = await actorFor(context);
    const result: ActionResult = await within(turn, () =>
      router.handleAction({
        actor,
        where: whereOf(context.activity),
        verb,
        data: (data ?? action.action?.data ?? {}) as Record<string, unknown>,
      }),
    );
    if (result.keepOriginal) {
      // Leave the pressed card alone (a progress card); the answer goes below it.
      const sent = await context.sendActivity(replyActivity({ card: result.card, summary: result.summary }));
      if (result.approval) await approvalPosted(context, result.approval, sent?.id);
      if (result.replies?.length) await sendReplies(context, result.replies);
      await flush(turn);
      if (result.followUp) runFollowUp(context, sent?.id, result.followUp, turn);
      return result.summary;
    }
    if (result.replies?.length) await sendReplies(context, result.replies);
    // The pressed card is replaced by the invoke's answer, after this returns: its files come first.
    await flush(turn);
    if (result.followUp) runFollowUp(context, context.activity.replyToId, result.followUp, turn);
    if (result.watch && live && context.activity.replyToId) live.watch(context, context.activity.replyToId, result.watch.batch, result.watch.page ?? 0);
    return cardAttachment({ card: result.card, summary: result.summary }).content;
  });

  const approvalPosted = async (context: TurnContext, id: string, activityId: string | undefined) => {
    if (!options.approvals) return;
    try {
      await options.approvals.posted(id, TurnContext.getConversationReference(context.activity) as ConversationRef, activityId);
    } catch (err) {
      log.warn('approval card not posted everywhere', { error: errorText(err) });
    }
  };

  // Long work (a preflight) goes on after the turn and updates its card in place.
  const runFollowUp = (context: TurnContext, activityId: string | undefined, followUp: FollowUp, turn: Turn | null) => {
    const reference = TurnContext.getConversationReference(context.activity);
    const sink = {
      update: async (reply: Reply) => {
        if (!activityId) return;
        await options.cards.update(reference as ConversationRef, activityId, reply);
      },
    };
    void within(turn, () => followUp(sink)).catch((err) => log.error('follow-up failed', { error: errorText(err) }));
  };

  const remember = async (context: TurnContext, event: string) => {
    if (!options.conversations) return;
    try {
      await options.conversations.remember(TurnContext.getConversationReference(context.activity), event);
    } catch (err) {
      log.warn('could not store conversation reference', { error: errorText(err) });
    }
  };
  app.activity(ActivityTypes.InstallationUpdate, async (context) => remember(context, 'installationUpdate'));
  app.conversationUpdate('membersAdded', async (context) => remember(context, 'membersAdded'));

  if (files) {
    app.fileConsentAccept((context, _state, value) => files.accept(context, value as never));
    app.fileConsentDecline((context, _state, value) => files.decline(context, value as never));
  }

  app.error(async (context, error) => {
    log.error('turn failed', { error: error.message, type: context.activity.type });
    try {
      await context.sendActivity('Cutover hit an unexpected error on this message. Try again; nothing was changed twice.');
    } catch {
      // The connector may be the thing that failed.
    }
  });
  return app;
}
