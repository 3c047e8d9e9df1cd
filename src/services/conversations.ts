// Where the bot can speak unprompted: the conversation reference Teams gave when the
// app was installed, a member was added, or someone subscribed. Kept in the shared
// KeyValueStore (file or Azure Blob), so any instance can send proactive messages.

import { createHash } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';

/** A Bot Framework conversation reference as plain JSON (no botbuilder types here). */
export interface ConversationRef {
  conversation?: { id?: string; conversationType?: string; tenantId?: string; isGroup?: boolean; [k: string]: unknown };
  serviceUrl?: string;
  channelId?: string;
  bot?: { id?: string; name?: string };
  [k: string]: unknown;
}

export interface StoredConversation {
  id: string;
  reference: ConversationRef;
  event: string;
  at: string;
}

const PREFIX = 'conversations/';
const INDEX = 'conversations/_index';
const BY_USER = 'conversations-by-user/';

/**
 * A channel message's conversation id names its thread (`19:…;messageid=…`). Notifications
 * go to the channel itself, as new posts, so the thread part is dropped.
 */
export function channelOf(conversationId: string): string {
  return conversationId.replace(/;messageid=.*$/i, '');
}

export function keyOf(prefix: string, conversationId: string): string {
  return prefix + createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}

export class Conversations {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  async remember(reference: ConversationRef, event: string): Promise<string | null> {
    const raw = reference.conversation?.id;
    if (!raw || !reference.serviceUrl) return null;
    const id = channelOf(raw);
    // Only the fields a proactive send needs; never the activity itself.
    const ref: ConversationRef = {
      channelId: reference.channelId,
      serviceUrl: reference.serviceUrl,
      bot: reference.bot ? { id: reference.bot.id, name: reference.bot.name } : undefined,
      conversation: { ...reference.conversation, id },
    };
    const entry: StoredConversation = { id, reference: ref, event, at: this.clock.now().toISOString() };
    await this.store.write({ [keyOf(PREFIX, id)]: entry });
    // A personal chat is how the bot reaches one person later (the guide): index it by their Entra id.
    const user = reference.user as { aadObjectId?: string } | undefined;
    if (reference.conversation?.conversationType === 'personal' && user?.aadObjectId) {
      await this.store.write({ [keyOf(BY_USER, user.aadObjectId.toLowerCase())]: { id } });
    }
    await mutate<{ ids: string[] }>(
      this.store,
      INDEX,
      (cur) => {
        const ids = cur?.ids ?? [];
        return ids.includes(id) ? undefined : { ids: [...ids, id] };
      },
      { attempts: 50 },
    );
    return id;
  }

  async get(id: string): Promise<StoredConversation | null> {
    const key = keyOf(PREFIX, channelOf(id));
    const found = (await this.store.read([key]))[key] as StoredConversation | undefined;
    return found ? { id: found.id, reference: found.reference, event: found.event, at: found.at } : null;
  }

  /** The personal chat with this person (Entra object id), if the bot has one. */
  async findPersonal(aadObjectId: string): Promise<StoredConversation | null> {
    const key = keyOf(BY_USER, aadObjectId.toLowerCase());
    const found = (await this.store.read([key]))[key] as { id: string } | undefined;
    return found ? this.get(found.id) : null;
  }

  async getMany(ids: string[]): Promise<Map<string, StoredConversation>> {
    const keys = ids.map((id) => keyOf(PREFIX, id));
    const found = await this.store.read(keys);
    const out = new Map<string, StoredConversation>();
    for (const id of ids) {
      const f = found[keyOf(PREFIX, id)] as StoredConversation | undefined;
      if (f) out.set(id, f);
    }
    return out;
  }

  async list(): Promise<string[]> {
    return ((await this.store.read([INDEX]))[INDEX]?.ids as string[] | undefined) ?? [];
  }

  /** The bot was removed there: drop the reference. */
  async forget(id: string): Promise<void> {
    const cid = channelOf(id);
    await this.store.delete([keyOf(PREFIX, cid)]);
    await mutate<{ ids: string[] }>(
      this.store,
      INDEX,
      (cur) => {
        if (!cur || !cur.ids.includes(cid)) return undefined;
        const ids = cur.ids.filter((x) => x !== cid);
        return ids.length ? { ids } : DELETE_ITEM;
      },
      { attempts: 50 },
    );
  }
}
