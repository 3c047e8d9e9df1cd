// Which conversations want to hear about which batches: `subscribe [batch <name>|all]`.
// One document in the shared store, changed with eTag-checked writes, so instances
// never lose each other's changes.

import type { Clock } from '../ports/clock';
import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';
import { channelOf } from './conversations';

export interface Subscription {
  conversationId: string;
  /** Every batch, now and later. */
  all: boolean;
  /** Lower-cased batch names, when not all. */
  batches: string[];
  by: { id: string; name?: string };
  at: string;
}

const KEY = 'subscriptions/index';

interface Doc {
  subs: Record<string, Subscription>;
}

export class Subscriptions {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  async subscribe(conversationId: string, target: { all: true } | { batch: string }, by: { id: string; name?: string }): Promise<Subscription> {
    const id = channelOf(conversationId);
    let result!: Subscription;
    await mutate<Doc>(
      this.store,
      KEY,
      (cur) => {
        const subs = { ...(cur?.subs ?? {}) };
        const old = subs[id];
        const all = 'all' in target ? true : (old?.all ?? false);
        const batches = 'batch' in target ? [...new Set([...(old?.batches ?? []), target.batch.toLowerCase()])] : [];
        result = { conversationId: id, all, batches: all ? [] : batches, by: { id: by.id, name: by.name }, at: this.clock.now().toISOString() };
        subs[id] = result;
        return { subs };
      },
      { attempts: 50 },
    );
    return result;
  }

  /** Removes one batch, or everything (target all). Resolves what is left (null: nothing). */
  async unsubscribe(conversationId: string, target: { all: true } | { batch: string }): Promise<{ before: Subscription | null; after: Subscription | null }> {
    const id = channelOf(conversationId);
    let before: Subscription | null = null;
    let after: Subscription | null = null;
    await mutate<Doc>(
      this.store,
      KEY,
      (cur) => {
        const old = cur?.subs[id];
        before = old ?? null;
        if (!old) return undefined;
        const subs = { ...cur!.subs };
        if ('all' in target || old.all) {
          // "unsubscribe batch x" under "all" cannot carve one out: say so to the person rather than guess.
          if ('batch' in target && old.all) {
            after = old;
            return undefined;
          }
          delete subs[id];
        } else {
          const batches = old.batches.filter((b) => b !== target.batch.toLowerCase());
          if (batches.length === 0) delete subs[id];
          else subs[id] = after = { ...old, batches };
        }
        return Object.keys(subs).length ? { subs } : DELETE_ITEM;
      },
      { attempts: 50 },
    );
    return { before, after };
  }

  async get(conversationId: string): Promise<Subscription | null> {
    return (await this.all()).find((s) => s.conversationId === channelOf(conversationId)) ?? null;
  }

  async all(): Promise<Subscription[]> {
    const doc = (await this.store.read([KEY]))[KEY] as Doc | undefined;
    return Object.values(doc?.subs ?? {});
  }
}

export function wants(s: Subscription, batch: string): boolean {
  return s.all || s.batches.includes(batch.toLowerCase());
}
