import { randomUUID } from 'node:crypto';

/**
 * Builders for the activities Teams sends a bot, shaped like real msteams traffic
 * (from.aadObjectId, conversation.tenantId, channelData.tenant, mention entities), so
 * tests don't hand-write activity JSON. Plain JSON on purpose: no botbuilder types here.
 */

export type Activity = Record<string, any>;

export interface TestUser {
  /** Teams user id as the bot sees it ("29:..."). */
  id: string;
  name: string;
  aadObjectId: string;
}

export interface BotAccount {
  id: string;
  name: string;
}

// The Agents Playground's tenant (.m365agentsplayground.yml), one of those local mode serves.
export const TENANT_ID = '00000000-0000-0000-0000-0000000000001';

/** Same person as the capture connector's default member. */
export const ALEX: TestUser = { id: '29:user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000a1' };
export const MEGAN: TestUser = { id: '29:user-id-1', name: 'Megan Bowen', aadObjectId: '00000000-0000-0000-0000-0000000000a2' };
export const BOT: BotAccount = { id: '28:00000000-0000-0000-0000-0000000000b0', name: 'Cutover' };

export const DEFAULT_TEAM_ID = '19:team-general@thread.tacv2';
export const DEFAULT_CHANNEL_ID = '19:team-general@thread.tacv2';

export type Scope = 'personal' | 'groupChat' | 'channel';

export interface ActivityOptions {
  /** Where the bot sends replies: the capture connector's or the Playground's URL. */
  serviceUrl: string;
  user?: TestUser;
  bot?: BotAccount;
  tenantId?: string;
  /** Default 'personal' (channelMessage: 'channel'). */
  scope?: Scope;
  /** Personal: 'a:personal-<user>'; group chat: '19:groupchat@thread.v2'; channel: '<channelId>;messageid=<id>'. */
  conversationId?: string;
  /** Channel scope: the team (General channel id) and the channel. */
  teamId?: string;
  channelId?: string;
  /** Channel scope: the root post of the thread; defaults to this activity's id (a new post). */
  threadId?: string;
  id?: string;
  replyToId?: string;
  locale?: string;
}

function base(type: string, o: ActivityOptions): Activity {
  const user = o.user ?? ALEX;
  const bot = o.bot ?? BOT;
  const tenantId = o.tenantId ?? TENANT_ID;
  const scope = o.scope ?? 'personal';
  const id = o.id ?? randomUUID();
  const now = new Date();
  const channelData: Activity = { tenant: { id: tenantId } };
  let conversation: Activity;
  if (scope === 'personal') {
    conversation = { conversationType: 'personal', tenantId, id: o.conversationId ?? `a:personal-${user.aadObjectId}` };
  } else if (scope === 'groupChat') {
    conversation = { isGroup: true, conversationType: 'groupChat', tenantId, id: o.conversationId ?? '19:groupchat@thread.v2' };
  } else {
    const teamId = o.teamId ?? DEFAULT_TEAM_ID;
    const channelId = o.channelId ?? DEFAULT_CHANNEL_ID;
    conversation = {
      isGroup: true,
      conversationType: 'channel',
      tenantId,
      id: o.conversationId ?? `${channelId};messageid=${o.threadId ?? id}`,
    };
    Object.assign(channelData, {
      teamsTeamId: teamId,
      teamsChannelId: channelId,
      team: { id: teamId, name: 'My Team' },
      channel: { id: channelId, name: channelId === teamId ? 'General' : undefined },
    });
  }
  const a: Activity = {
    type,
    id,
    timestamp: now.toISOString(),
    localTimestamp: now.toISOString(),
    serviceUrl: o.serviceUrl,
    channelId: 'msteams',
    from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
    conversation,
    recipient: { id: bot.id, name: bot.name },
    locale: o.locale ?? 'en-US',
    channelData,
  };
  if (o.replyToId) a.replyToId = o.replyToId;
  return a;
}

/** A 1:1 chat message to the bot (default scope personal). */
export function personalMessage(text: string, o: ActivityOptions): Activity {
  return {
    ...base('message', { scope: 'personal', ...o }),
    text,
    textFormat: 'plain',
    entities: [{ type: 'clientInfo', locale: o.locale ?? 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' }],
  };
}

export interface ChannelMessageOptions extends ActivityOptions {
  /** Teams delivers channel posts to a bot only when it is @mentioned; default true. */
  mentionBot?: boolean;
}

/** A channel post (or group-chat message with scope 'groupChat'), `<at>Bot</at> text`. */
export function channelMessage(text: string, o: ChannelMessageOptions): Activity {
  const a = base('message', { scope: 'channel', ...o });
  const bot = o.bot ?? BOT;
  const mentionText = `<at>${bot.name}</at>`;
  const mention = o.mentionBot !== false;
  return {
    ...a,
    text: mention ? `${mentionText} ${text}` : text,
    textFormat: 'plain',
    entities: mention ? [{ type: 'mention', mentioned: { id: bot.id, name: bot.name }, text: mentionText }] : [],
  };
}

/** Action.Submit from an Adaptive Card: a message with `value` and no text. */
export function cardSubmit(value: Record<string, unknown>, o: ActivityOptions): Activity {
  return { ...base('message', o), value, textFormat: 'plain' };
}

/** Action.Execute (Universal Actions): invoke `adaptiveCard/action`. */
export function cardExecute(verb: string, data: Record<string, unknown>, o: ActivityOptions): Activity {
  return {
    ...base('invoke', o),
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', id: randomUUID(), verb, data }, trigger: 'manual' },
  };
}

export interface FileMessageOptions extends ActivityOptions {
  name: string;
  downloadUrl: string;
  /** Defaults to the file name's extension. */
  fileType?: string;
  uniqueId?: string;
  text?: string;
}

/** A file the user attached in a 1:1 chat, as Teams delivers it (file.download.info). */
export function fileMessage(o: FileMessageOptions): Activity {
  const fileType = o.fileType ?? (o.name.includes('.') ? o.name.split('.').pop()!.toLowerCase() : '');
  const uniqueId = o.uniqueId ?? randomUUID().toUpperCase();
  return {
    ...base('message', o),
    text: o.text ?? '',
    textFormat: 'plain',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.teams.file.download.info',
        // Teams' contentUrl is the SharePoint item; a bot must download content.downloadUrl.
        contentUrl: `https://contoso.sharepoint.example/personal/files/${encodeURIComponent(o.name)}`,
        name: o.name,
        content: { downloadUrl: o.downloadUrl, uniqueId, fileType },
      },
    ],
  };
}

/** The app was installed ('add') or removed ('remove') in this scope. */
export function installationUpdate(action: 'add' | 'remove', o: ActivityOptions): Activity {
  const a = base('installationUpdate', o);
  return { ...a, action, channelData: { ...a.channelData, source: { name: 'message' } } };
}

export interface ConversationUpdateOptions extends ActivityOptions {
  /** Default: the bot itself was added (what Teams sends on install in a team). */
  membersAdded?: Array<{ id: string; name?: string; aadObjectId?: string }>;
  membersRemoved?: Array<{ id: string; name?: string; aadObjectId?: string }>;
  eventType?: string;
}

export function conversationUpdate(o: ConversationUpdateOptions): Activity {
  const a = base('conversationUpdate', o);
  const bot = o.bot ?? BOT;
  const out: Activity = { ...a, channelData: { ...a.channelData, eventType: o.eventType ?? (o.membersRemoved ? 'teamMemberRemoved' : 'teamMemberAdded') } };
  if (o.membersRemoved) out.membersRemoved = o.membersRemoved;
  else out.membersAdded = o.membersAdded ?? [{ id: bot.id }];
  // A conversationUpdate is not "from" the user in a meaningful way, but Teams still fills it.
  return out;
}

export interface PostResult {
  status: number;
  /** Parsed JSON (or raw text) of the bot's HTTP answer; undefined when empty. */

  body: any;
  /** With expectReplies: the bot's reply activities from the body. */
  replies: Activity[];
}

/**
 * POSTs an activity to the bot's /api/messages (botUrl may be the base URL or the full
 * endpoint). expectReplies asks botbuilder to return the replies in the HTTP body instead
 * of posting them to serviceUrl; for an invoke the body is the invoke response.
 */
export async function postActivity(botUrl: string, activity: Activity, o: { expectReplies?: boolean; timeoutMs?: number } = {}): Promise<PostResult> {
  const url = /\/api\/messages\/?$/.test(botUrl) ? botUrl : `${botUrl.replace(/\/$/, '')}/api/messages`;
  const payload = o.expectReplies ? { ...activity, deliveryMode: 'expectReplies' } : activity;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(o.timeoutMs ?? 15000),
  });
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const replies = o.expectReplies && body && typeof body === 'object' && Array.isArray((body as Activity).activities) ? (body as Activity).activities : [];
  return { status: res.status, body, replies };
}
