// What the watcher needs from the chat side: send a message, update one in place.
// src/teams/notifier.ts implements it with botbuilder's proactive messaging.

import type { Reply } from '../../cards/reply';
import type { ConversationRef } from '../conversations';

export interface NotificationSink {
  /** Posts a new message; resolves with its activity id. */
  send(reference: ConversationRef, reply: Reply): Promise<string>;
  /** Replaces an earlier message (updateActivity). */
  update(reference: ConversationRef, activityId: string, reply: Reply): Promise<void>;
}

/** The bot was removed from the conversation (403) or it no longer exists (404). */
export class ConversationGoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ConversationGoneError';
  }
}
