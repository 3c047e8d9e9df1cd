// Each person's guide progress, kept in the state store so the guide resumes where they
// left it, and an index of everyone who started it for the admin's guide status.

import { DELETE_ITEM, mutate, type KeyValueStore } from '../ports/store';
import type { Clock } from '../ports/clock';
import { newProgress, type GuideProgress } from '../domain/guide/steps';

export interface GuidePerson {
  /** Entra object id when known (Graph user id), else the Teams id. */
  key: string;
  name?: string;
  email?: string;
}

export interface GuideRecord extends GuidePerson {
  progress: GuideProgress;
}

/** Tells the admins (the subscribed admin channels) that someone needs help. */
export interface AdminNotifier {
  /** true when at least one admin channel was told. */
  notifyAdmins(message: { title: string; text: string; facts: { title: string; value: string }[] }): Promise<boolean>;
}

const INDEX = 'guide:index';
const keyOf = (k: string) => `guide:user:${k.toLowerCase()}`;

export class GuideProgressStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  async get(key: string): Promise<GuideProgress | undefined> {
    const found = (await this.store.read([keyOf(key)]))[keyOf(key)] as (GuideRecord & { eTag?: string }) | undefined;
    return found?.progress;
  }

  async update(person: GuidePerson, fn: (p: GuideProgress) => GuideProgress): Promise<GuideProgress> {
    let result: GuideProgress | undefined;
    await mutate<GuideRecord>(this.store, keyOf(person.key), (cur) => {
      const progress = fn(cur?.progress ?? newProgress(this.clock.now()));
      result = progress;
      return { key: person.key, name: person.name ?? cur?.name, email: person.email ?? cur?.email, progress };
    });
    await mutate<{ people: Record<string, { name?: string; email?: string }> }>(this.store, INDEX, (cur) => {
      const people = { ...(cur?.people ?? {}) };
      const k = person.key.toLowerCase();
      const before = people[k];
      const next = { name: person.name ?? before?.name, email: person.email ?? before?.email };
      if (before && before.name === next.name && before.email === next.email) return undefined;
      people[k] = next;
      return { people };
    });
    return result!;
  }

  /** Everyone who started the guide (or was sent it). */
  async all(): Promise<GuideRecord[]> {
    const index = ((await this.store.read([INDEX]))[INDEX] as { people?: Record<string, { name?: string; email?: string }> } | undefined)?.people ?? {};
    const keys = Object.keys(index);
    const out: GuideRecord[] = [];
    // Read in slices so a large school does not open thousands of files at once.
    for (let i = 0; i < keys.length; i += 100) {
      const slice = keys.slice(i, i + 100);
      const got = await this.store.read(slice.map(keyOf));
      for (const k of slice) {
        const r = got[keyOf(k)] as GuideRecord | undefined;
        if (r) out.push({ key: r.key, name: r.name ?? index[k].name, email: r.email ?? index[k].email, progress: r.progress });
      }
    }
    return out;
  }

  async forget(key: string): Promise<void> {
    await this.store.delete([keyOf(key)]);
    await mutate<{ people: Record<string, unknown> }>(this.store, INDEX, (cur) => {
      if (!cur?.people?.[key.toLowerCase()]) return undefined;
      const people = { ...cur.people };
      delete people[key.toLowerCase()];
      return Object.keys(people).length ? { people } : DELETE_ITEM;
    });
  }
}
