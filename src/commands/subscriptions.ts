// subscribe [batch <name>|all] · unsubscribe [batch <name>|all] · subscriptions
// A conversation (personal chat, group chat or channel) asks to be told about batches:
// the watcher keeps one progress card per batch there and posts what needs a person.

import type { Subscription } from '../services/subscriptions';
import type { Actor, CommandDeps, CommandResult, NotificationDeps, Reply, Where } from './types';

export type { NotificationDeps };
import { notice } from './views';

export type SubscriptionTarget = { all: true } | { batch: string };

function describe(s: Subscription | null): string {
  if (!s) return 'nothing';
  return s.all ? 'every batch' : s.batches.map((b) => `batch ${b}`).join(', ');
}

function unavailable(): Reply {
  return notice({
    title: 'Notifications are not set up',
    tone: 'warn',
    text: 'This Cutover instance runs without the watcher, so it cannot subscribe conversations.',
  });
}

const where = (w: Where) => (w.kind === 'channel' ? 'this channel' : w.kind === 'groupChat' ? 'this group chat' : 'this chat');

export async function subscribe(deps: CommandDeps, actor: Actor, w: Where, target: SubscriptionTarget): Promise<CommandResult> {
  const n = deps.notifications;
  if (!n) return { replies: [unavailable()] };
  if ('batch' in target) {
    // A batch that does not exist yet is allowed (it may be created next), but say so.
    const batch = await deps.exchange.getMigrationBatch(target.batch).catch(() => null);
    const s = await n.subscriptions.subscribe(w.conversationId, target, actor);
    await deps.audit.record({ actor, action: 'subscribe', target: `batch ${target.batch}`, result: 'ok' });
    return {
      rememberConversation: true,
      replies: [
        notice({
          title: `Subscribed ${where(w)} to batch ${target.batch}`,
          tone: 'good',
          text:
            `${batch ? '' : `There is no batch ${target.batch} yet; notifications start when it appears. `}` +
            'You get one progress card per batch, updated in place, and a separate message only when a user fails, the batch completes or fails, or Exchange is about to stop it.',
          facts: [{ title: 'Subscribed to', value: describe(s) }],
          usage: ['unsubscribe [batch <name>|all]', 'subscriptions'],
        }),
      ],
    };
  }
  const s = await n.subscriptions.subscribe(w.conversationId, target, actor);
  await deps.audit.record({ actor, action: 'subscribe', target: 'all batches', result: 'ok' });
  return {
    rememberConversation: true,
    replies: [
      notice({
        title: `Subscribed ${where(w)} to every batch`,
        tone: 'good',
        text: 'One progress card per batch, updated in place as counts move, and a separate message only when something needs a person.',
        facts: [{ title: 'Subscribed to', value: describe(s) }],
        usage: ['unsubscribe [batch <name>|all]', 'subscriptions'],
      }),
    ],
  };
}

export async function unsubscribe(deps: CommandDeps, actor: Actor, w: Where, target: SubscriptionTarget): Promise<Reply> {
  const n = deps.notifications;
  if (!n) return unavailable();
  const { before, after } = await n.subscriptions.unsubscribe(w.conversationId, target);
  if (!before)
    return notice({
      title: `${where(w)[0].toUpperCase()}${where(w).slice(1)} is not subscribed`,
      text: 'Nothing to stop. Subscribe with: subscribe [batch <name>|all]',
    });
  if ('batch' in target && before.all) {
    return notice({
      title: 'Subscribed to every batch',
      tone: 'warn',
      text: `${where(w)} gets notifications for every batch, so one cannot be left out. Use "unsubscribe all", then subscribe to the batches you want.`,
    });
  }
  await deps.audit.record({ actor, action: 'unsubscribe', target: 'batch' in target ? `batch ${target.batch}` : 'all batches', result: 'ok' });
  return notice({
    title: after ? `Unsubscribed from batch ${(target as { batch: string }).batch}` : `Unsubscribed ${where(w)}`,
    tone: 'good',
    text: after ? `Still subscribed to ${describe(after)}.` : 'No more notifications here. Progress cards already posted stay as they are.',
  });
}

export async function listSubscriptions(deps: CommandDeps, w: Where): Promise<Reply> {
  const n = deps.notifications;
  if (!n) return unavailable();
  const all = await n.subscriptions.all();
  const here = all.find((s) => s.conversationId === w.conversationId.replace(/;messageid=.*$/i, '')) ?? null;
  return notice({
    title: 'Subscriptions',
    text: here
      ? `${where(w)[0].toUpperCase()}${where(w).slice(1)} gets notifications for ${describe(here)}.`
      : `${where(w)[0].toUpperCase()}${where(w).slice(1)} is not subscribed.`,
    facts: [
      { title: 'Here', value: describe(here) },
      { title: 'Conversations subscribed', value: String(all.length) },
      ...(here ? [{ title: 'Since', value: `${here.at.slice(0, 16).replace('T', ' ')} UTC by ${here.by.name ?? here.by.id}` }] : []),
    ],
    usage: ['subscribe [batch <name>|all]', 'unsubscribe [batch <name>|all]'],
  });
}
