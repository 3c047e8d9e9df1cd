// Pending confirmations for destructive actions (batch remove, user remove).
// The card's button carries only an id; what it confirms is kept here, so a
// confirmation survives a restart, works once, and only for the person asked.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { mutate, type KeyValueStore } from '../ports/store';

export interface Confirmation {
  action: string;
  target: string;
  requestedBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
}

export type ConsumeResult = { status: 'ok'; confirmation: Confirmation } | { status: 'not-found' | 'expired' | 'used' | 'someone-else' };

const PREFIX = 'confirmations/';

export class Confirmations {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly ttlMs = 15 * 60 * 1000,
  ) {}

  async create(input: { action: string; target: string; requestedBy: string }): Promise<string> {
    const id = randomBytes(12).toString('base64url');
    const now = this.clock.now();
    const c: Confirmation = {
      ...input,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
    };
    await this.store.write({ [PREFIX + id]: c });
    return id;
  }

  /** Marks the confirmation used; a second press (or Teams delivering the activity twice) gets 'used'. */
  async consume(id: string, by: string, action: string): Promise<ConsumeResult> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return { status: 'not-found' };
    let outcome: ConsumeResult = { status: 'not-found' };
    await mutate<Confirmation>(this.store, PREFIX + id, (c) => {
      if (!c || c.action !== action) {
        outcome = { status: 'not-found' };
        return undefined;
      }
      if (c.usedAt) {
        outcome = { status: 'used' };
        return undefined;
      }
      if (new Date(c.expiresAt).getTime() < this.clock.now().getTime()) {
        outcome = { status: 'expired' };
        return undefined;
      }
      if (c.requestedBy !== by) {
        outcome = { status: 'someone-else' };
        return undefined;
      }
      const used = { ...c, usedAt: this.clock.now().toISOString() };
      outcome = { status: 'ok', confirmation: used };
      return used;
    });
    return outcome;
  }
}
