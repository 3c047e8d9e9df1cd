import type { NotificationEvent } from '../domain/notifications/events';
import { cardText } from '../../test/support/cutover';
import { eventCard, eventsCard } from './notificationEvent';

const failed = (n: number): NotificationEvent => ({
  kind: 'user.failed',
  key: `user.failed/g1/u${n}@contoso.edu/Failed/0`,
  batch: 'wave1',
  needsPerson: true,
  user: `u${n}@contoso.edu`,
  error: `We had trouble signing in to this account (${n}).`,
});
const syncedWithErrors: NotificationEvent = {
  kind: 'batch.syncedWithErrors',
  key: 'batch.syncedWithErrors/g1/t',
  batch: 'wave1',
  needsPerson: true,
  status: 'SyncedWithErrors',
};

const actions = (card: unknown) => ((card as { actions?: { title: string; verb: string }[] }).actions ?? []).map((a) => `${a.title}:${a.verb}`);

describe('eventsCard: one message per batch and poll', () => {
  it('is the plain event card for a single event', () => {
    expect(eventsCard([failed(1)])).toEqual(eventCard(failed(1)));
  });

  it('puts the most urgent event in the title and names every failed user with its error, up to ten', () => {
    const events = [...Array.from({ length: 12 }, (_, i) => failed(i)), syncedWithErrors];
    const reply = eventsCard(events);
    const text = cardText(reply.card);
    expect(text.split('\n')[0]).toBe('Batch wave1 synced with errors');
    expect(text).toMatch(/12 users failed: u0@contoso.edu, u1@contoso.edu, u2@contoso.edu, …\./);
    for (let i = 0; i < 10; i++) expect(text).toContain(`u${i}@contoso.edu\nWe had trouble signing in to this account (${i}).`);
    expect(text).not.toContain('u10@contoso.edu\n');
    expect(text).toMatch(/2 more\nbatch show wave1/);
    // The same button once, not once per event.
    expect(actions(reply.card)).toEqual(['Retry failed users:batch.start']);
    expect(reply.summary).toMatch(/^Batch wave1 synced with errors\./);
  });

  it('says which user failed when it is one, and titles users-only digests by their count', () => {
    expect(cardText(eventsCard([failed(1), syncedWithErrors]).card)).toMatch(/u1@contoso.edu failed\./);
    const onlyUsers = cardText(eventsCard([failed(1), failed(2)]).card);
    expect(onlyUsers.split('\n')[0]).toBe('2 users failed in batch wave1');
    expect(onlyUsers).toContain('u2@contoso.edu\nWe had trouble signing in to this account (2).');
  });
});
