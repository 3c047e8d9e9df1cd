// Activity ⇄ command model. The only place that knows how Teams spells a person,
// a conversation, a mention or an attached file.

import { CardFactory, MessageFactory, type Activity, type Attachment, type TurnContext } from 'botbuilder';
import type { Actor, IncomingFile, Reply, Where } from '../commands/types';
import type { Origin } from '../commands/access';

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

export function actorOf(activity: Partial<Activity>): Actor {
  const from = activity.from ?? { id: 'unknown', name: '' };
  return {
    id: from.id,
    aadObjectId: from.aadObjectId,
    name: from.name || undefined,
  };
}

export function whereOf(activity: Partial<Activity>): Where {
  const type = activity.conversation?.conversationType;
  return {
    conversationId: activity.conversation?.id ?? '',
    kind: type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal',
  };
}

/**
 * Where the activity came from, as plain values for the commands layer: the Bot Framework channel
 * and the Entra tenant. Teams names the tenant twice, channelData.tenant.id and conversation.tenantId
 * (the Agents Playground too); either will do, and two different ones name no tenant at all.
 */
export function originOf(activity: Partial<Activity>): Origin {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const fromConversation = activity.conversation?.tenantId;
  const named = [fromChannelData, fromConversation].filter((t): t is string => typeof t === 'string' && t.trim() !== '').map((t) => t.trim().toLowerCase());
  const tenantId = named.length > 0 && named.every((t) => t === named[0]) ? named[0] : undefined;
  return { tenantId, channelId: typeof activity.channelId === 'string' ? activity.channelId : undefined };
}

/** Teams file attachments (personal chat with supportsFiles) carry a pre-authenticated download URL. */
export function filesOf(activity: Partial<Activity>): IncomingFile[] {
  const out: IncomingFile[] = [];
  for (const a of activity.attachments ?? []) {
    if (a.contentType !== FILE_DOWNLOAD_INFO) continue;
    const content = (a.content ?? {}) as { downloadUrl?: unknown; fileType?: unknown };
    if (typeof content.downloadUrl !== 'string') continue;
    out.push({ name: a.name ?? 'file', downloadUrl: content.downloadUrl, fileType: typeof content.fileType === 'string' ? content.fileType : undefined });
  }
  return out;
}

/**
 * The command text. teams-ai already removed the bot's own @mention; Teams may still
 * send HTML line breaks or entities when a CSV is pasted under the command.
 * Every pattern is linear in the message: a tag cannot contain '<' ([^<>]* rather than
 * [^>]+, which rescans to the end from every '<' of a text with no '>'), so a hostile
 * 1 MB message costs milliseconds, not minutes, of everyone's turn.
 */
/**
 * The sender's time zone (IANA, e.g. "Europe/Berlin"): Teams sends it as the activity's localTimezone,
 * and in the clientInfo entity's timezone. Undefined when neither came (times are then read as UTC).
 */
export function timeZoneOf(activity: Partial<Activity>): string | undefined {
  const direct = (activity as { localTimezone?: unknown }).localTimezone;
  if (typeof direct === 'string' && direct.length > 0 && direct.length <= 64) return direct;
  const info = (activity.entities ?? []).find((e) => e?.type === 'clientInfo') as { timezone?: unknown } | undefined;
  return typeof info?.timezone === 'string' && info.timezone.length > 0 && info.timezone.length <= 64 ? info.timezone : undefined;
}

export function textOf(activity: Partial<Activity>): string {
  let text = activity.text ?? '';
  if (/<(p|br|div)\b/i.test(text) || /&(amp|lt|gt|quot|nbsp);/.test(text)) {
    text = text
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div)>/gi, '\n')
      .replace(/<[^<>]*>/g, '')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  }
  // Any leftover <at>…</at> (someone else mentioned first) is not part of the command.
  return text.replace(/<at>[^<]*<\/at>/gi, '').trim();
}

export function cardAttachment(reply: Reply): Attachment {
  return CardFactory.adaptiveCard(reply.card);
}

export function replyActivity(reply: Reply): Partial<Activity> {
  const activity = MessageFactory.attachment(cardAttachment(reply));
  activity.summary = reply.summary;
  return activity;
}

export async function sendReplies(context: TurnContext, replies: Reply[]): Promise<(string | undefined)[]> {
  const ids: (string | undefined)[] = [];
  for (const r of replies) {
    const res = await context.sendActivity(replyActivity(r));
    ids.push(res?.id);
  }
  return ids;
}
