// The watcher's message for events that need a person (adaptiveCards/notificationEvent.json):
// one event as its own card, several of one batch and poll as one digest.

import type { NotificationEvent } from '../domain/notifications/events';
import { when } from './format';
import { renderCard } from './render';
import type { Reply } from './reply';

/** The notificationEvent template's data. */
export interface NotificationEventData {
  title: string;
  color: string;
  text: string;
  facts: { title: string; value: string }[];
  next: string;
  powershell: string;
  actions: { title: string; verb: string; data: Record<string, unknown>; style?: string }[];
}

export function eventCard(e: NotificationEvent): Reply {
  const p = eventParts(e);
  const card = renderCard('notificationEvent', p satisfies NotificationEventData);
  return { card, summary: `${p.title}. ${p.text}` };
}

function eventParts(e: NotificationEvent): NotificationEventData {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const batchFact = { title: 'Batch', value: e.batch };
  let title: string;
  let color = 'Attention';
  let text: string;
  let next = '';
  let powershell = `Get-MigrationBatch -Identity ${q(e.batch)}`;
  const facts = [batchFact];
  const actions: { title: string; verb: string; data: Record<string, unknown>; style?: string }[] = [];
  switch (e.kind) {
    case 'user.failed':
      title = `${e.user} failed in batch ${e.batch}`;
      text = 'Exchange stopped syncing this migration user. The other users keep syncing.';
      facts.push({ title: 'User', value: e.user ?? '' }, { title: 'Error', value: e.error ?? 'Exchange gave no error text.' });
      next = `Fix the cause, then retry with batch start ${e.batch}, or take the user out (user remove ${e.user}) and put them in a new batch.`;
      powershell = `Get-MigrationUserStatistics -Identity ${q(e.user ?? '')}`;
      actions.push({ title: 'Retry failed users', verb: 'batch.start', data: { batch: e.batch }, style: 'positive' });
      break;
    case 'batch.syncedWithErrors':
      title = `Batch ${e.batch} synced with errors`;
      color = 'Warning';
      text = 'The initial sync finished, but some users failed. Their errors are on the progress card.';
      next = `Retry them with batch start ${e.batch}.`;
      actions.push({ title: 'Retry failed users', verb: 'batch.start', data: { batch: e.batch }, style: 'positive' });
      break;
    case 'batch.completed':
      title = `Batch ${e.batch} is ${e.status}`;
      color = e.status === 'Completed' ? 'Good' : 'Warning';
      text = 'Exchange finished the batch.';
      next = `When you no longer need it: batch remove ${e.batch}.`;
      break;
    case 'batch.failed':
      title = `Batch ${e.batch} failed`;
      text = e.error ? `Exchange says: ${e.error}` : 'Exchange marked the whole batch as failed.';
      next = `Look at it with batch show ${e.batch}; batch start ${e.batch} retries it.`;
      actions.push({ title: 'Start again', verb: 'batch.start', data: { batch: e.batch }, style: 'positive' });
      break;
    case 'batch.expiring':
      title = `Batch ${e.batch} stops in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'}`;
      color = 'Warning';
      text = 'Exchange stops a Synced batch after 60 days without admin action; new mail would no longer be copied.';
      next = `If the MX switch is done and a sync ran after it, remove the batch (batch remove ${e.batch}); otherwise sync it now to keep it going.`;
      actions.push({ title: 'Sync now', verb: 'batch.sync', data: { batch: e.batch } });
      break;
    case 'batch.syncOverdue':
      title = `Batch ${e.batch}: the daily incremental sync is overdue`;
      color = 'Warning';
      text = `The last sync was ${when(e.lastSyncedDateTime)}; Exchange syncs about every 24 hours.`;
      facts.push({ title: 'Last synced', value: when(e.lastSyncedDateTime) });
      next = `Sync it now (batch sync ${e.batch}); if that does not land, check the endpoint with endpoint test.`;
      powershell = `Set-MigrationBatch -Identity ${q(e.batch)} -SyncNow`;
      actions.push({ title: 'Sync now', verb: 'batch.sync', data: { batch: e.batch } });
      break;
    case 'batch.started':
      title = `Batch ${e.batch} started`;
      color = 'Accent';
      text = 'Exchange is copying mail.';
      break;
    case 'batch.synced':
      title = `Batch ${e.batch} synced`;
      color = 'Good';
      text = 'Every user finished the initial sync.';
      break;
  }
  return { title, color, text, facts, next, powershell, actions };
}

/** Most urgent first: the digest's title is the first of these it holds. */
const URGENCY: NotificationEvent['kind'][] = [
  'batch.failed',
  'batch.syncedWithErrors',
  'batch.expiring',
  'batch.syncOverdue',
  'batch.completed',
  'user.failed',
  'batch.synced',
  'batch.started',
];
const MAX_USERS_LISTED = 10;

/**
 * The one message a conversation gets for one batch in one poll: a single event as its own
 * card; several (users failing as the batch settles) as one digest, so a channel is not
 * flooded with a message per user. Every event is still named, each user with its error.
 */
export function eventsCard(events: NotificationEvent[]): Reply {
  if (events.length === 1) return eventCard(events[0]);
  const sorted = [...events].sort((a, b) => URGENCY.indexOf(a.kind) - URGENCY.indexOf(b.kind));
  const batch = sorted[0].batch;
  const users = sorted.filter((e) => e.kind === 'user.failed');
  const others = sorted.filter((e) => e.kind !== 'user.failed');
  const parts = others.map(eventParts);
  const failedLine =
    users.length === 1
      ? `${users[0].user} failed.`
      : users.length
        ? `${users.length} users failed: ${users
            .slice(0, 3)
            .map((u) => u.user)
            .join(', ')}${users.length > 3 ? ', …' : ''}.`
        : '';
  const main = parts[0] ?? { ...eventParts(users[0]), title: `${users.length} users failed in batch ${batch}` };
  const text = [...parts.map((p) => p.text), failedLine].filter(Boolean).join(' ');
  const facts = [
    { title: 'Batch', value: batch },
    ...users.slice(0, MAX_USERS_LISTED).map((u) => ({ title: u.user ?? '', value: u.error ?? 'Exchange gave no error text.' })),
    ...(users.length > MAX_USERS_LISTED ? [{ title: `${users.length - MAX_USERS_LISTED} more`, value: `batch show ${batch}` }] : []),
    ...parts.flatMap((p) => p.facts.filter((f) => f.title !== 'Batch')),
  ];
  const next = [
    ...new Set(
      [
        ...parts.map((p) => p.next),
        users.length
          ? `Fix the cause, then retry the failed users with batch start ${batch}, or take a user out (user remove ‹email›) and put them in a new batch.`
          : '',
      ].filter(Boolean),
    ),
  ].join(' ');
  const actions = [...parts.flatMap((p) => p.actions), ...(users.length ? eventParts(users[0]).actions : [])].filter(
    (a, i, all) => all.findIndex((b) => b.verb === a.verb) === i,
  );
  const powershell = users.length ? `Get-MigrationUser -BatchId '${batch.replace(/'/g, "''")}' -Status Failed | Get-MigrationUserStatistics` : main.powershell;
  const card = renderCard('notificationEvent', {
    title: main.title,
    color: main.color,
    text,
    facts,
    next,
    powershell,
    actions,
  } satisfies NotificationEventData);
  return { card, summary: `${main.title}. ${text}` };
}
