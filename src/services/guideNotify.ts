// "I need help" from the guide, delivered to the admin channels that subscribed to
// notifications (subscribe / src/services/subscriptions.ts), through the same proactive
// sink the batch watcher uses. Any subscription counts: every admin channel hears about help.

import { notice } from '../cards/notice';
import type { ConversationRef } from './conversations';
import type { AdminNotifier } from './guideProgress';
import { errorText } from '../lib/errorText';

export interface SubscribedAdminNotifierDeps {
  subscriptions: { all(): Promise<{ conversationId: string }[]> };
  conversations: { get(id: string): Promise<{ reference: ConversationRef } | null> };
  sink: { send(reference: ConversationRef, reply: ReturnType<typeof notice>): Promise<string> };
  log?: { warn(message: string, fields?: Record<string, unknown>): void };
}

export function subscribedAdminNotifier(d: SubscribedAdminNotifierDeps): AdminNotifier {
  return {
    async notifyAdmins(message) {
      let told = 0;
      for (const s of await d.subscriptions.all()) {
        try {
          const conv = await d.conversations.get(s.conversationId);
          if (!conv) continue;
          await d.sink.send(conv.reference, notice({ title: message.title, tone: 'warn', text: message.text, facts: message.facts }));
          told++;
        } catch (err) {
          d.log?.warn('help request not delivered to an admin channel', { error: errorText(err) });
        }
      }
      return told > 0;
    },
  };
}
