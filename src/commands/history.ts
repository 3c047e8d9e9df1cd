// batch history [name] · user history <email>: what Cutover kept of batches Exchange no longer has
// (removed, or purged 90 days after they stopped), and the CSV of it through the one CSV writer,
// handed to the admin who asked like every per-user file.

import { detailsCard } from '../cards/details';
import { tableCard } from '../cards/table';
import { CSV_CONTENT_TYPE, exportCsv } from '../domain/export/csv';
import { HISTORY_CSV_HEADER, HOW_TEXT, historyCsvRows, kindsText, type BatchHistoryEntry, type UserFinalRecord } from '../domain/history/record';
import { formatBytes } from '../domain/sizes';
import { handOver, handoverText } from './handover';
import type { Actor, CommandDeps, Reply } from './types';
import { formatCount, formatDate, notice } from './views';

const BATCHES_SHOWN = 25;
const USERS_SHOWN = 20;
/** A comment, not a cmdlet: Exchange has forgotten what these cards show. */
const KEPT_BY_CUTOVER =
  '# Kept by Cutover: Exchange no longer has this history (Remove-MigrationBatch deletes it; Stopped and Failed batches are purged after 90 days).';

function unavailable(): Reply {
  return notice({ title: 'History is not kept here', tone: 'warn', text: 'This Cutover has no history store configured.' });
}

const when = (iso: string | null): string => (iso ? formatDate(new Date(iso)) : '—');

function userLine(u: UserFinalRecord): string {
  const parts = [`${u.status}`, `${formatCount(u.syncedItems)} items synced`];
  if (u.bytesTransferred !== null) parts.push(formatBytes(u.bytesTransferred));
  if (u.skippedItems) parts.push(`${formatCount(u.skippedItems)} skipped${Object.keys(u.skippedByKind).length ? ` (${kindsText(u.skippedByKind)})` : ''}`);
  parts.push(`last sync ${when(u.lastSuccessfulSync)}`);
  if (u.error) parts.push(`error: ${u.error.slice(0, 200)}`);
  return parts.join(' · ');
}

export async function batchHistory(deps: CommandDeps, name?: string): Promise<Reply> {
  if (!deps.history) return unavailable();
  if (!name) {
    const all = await deps.history.list();
    const shown = all.slice(0, BATCHES_SHOWN);
    const card = tableCard({
      title: 'Batch history',
      subtitle: all.length ? `${all.length} batches kept${all.length > shown.length ? `, newest ${shown.length} shown` : ''}` : '',
      columns: [
        { label: 'Batch', width: 2 },
        { label: 'What happened', width: 3 },
        { label: 'When', width: 2 },
        { label: 'Users', width: 1 },
      ],
      rows: shown.map((e) => [
        { text: e.name },
        { text: `${e.status}, ${HOW_TEXT[e.how]}${e.removedBy ? ` by ${e.removedBy}` : ''}` },
        { text: when(e.removedAt ?? e.keptAt) },
        { text: formatCount(e.totalUsers) },
      ]),
      empty: "No batch has left Exchange yet. Cutover keeps each user's final record when it removes a batch, and when Exchange stops, purges or loses one.",
      footer: all.length ? 'One batch and its users: batch history <name>. One person: user history <email>.' : '',
      powershell: KEPT_BY_CUTOVER,
    });
    return { card, summary: `${all.length} batches in the history` };
  }
  const entries = await deps.history.byName(name);
  if (entries.length === 0) {
    return notice({
      title: `No history for batch ${name}`,
      tone: 'warn',
      text: 'Cutover keeps a batch when it removes it, or when the watcher sees it stop, fail or vanish. See every batch kept: batch history.',
    });
  }
  const [entry, ...older] = entries;
  const users = await deps.history.users(entry);
  const shownUsers = [...users]
    .sort((a, b) => Number(b.statusSummary === 'Failed') - Number(a.statusSummary === 'Failed') || a.email.localeCompare(b.email))
    .slice(0, USERS_SHOWN);
  const card = detailsCard({
    title: `History of batch ${entry.name}`,
    subtitle: `${entry.status}, ${HOW_TEXT[entry.how]}`,
    subtitleColor: entry.how === 'ended' ? 'Warning' : 'Default',
    sections: [
      {
        heading: 'Batch',
        facts: [
          { title: 'Endpoint', value: entry.endpoint ?? '—' },
          { title: 'Created', value: `${when(entry.createdAt)}${entry.createdBy ? ` by ${entry.createdBy}` : ''}` },
          {
            title: entry.how === 'ended' ? 'Still in Exchange' : 'Left Exchange',
            value: entry.how === 'ended' ? `kept ${when(entry.keptAt)}` : `${when(entry.removedAt)}${entry.removedBy ? ` by ${entry.removedBy}` : ''}`,
          },
          { title: 'Last synced', value: when(entry.lastSyncedAt) },
          { title: 'Users', value: formatCount(entry.totalUsers) },
          ...(older.length ? [{ title: 'Earlier batches of this name', value: older.map((o) => when(o.removedAt ?? o.keptAt)).join(', ') }] : []),
        ],
        powershell: KEPT_BY_CUTOVER,
      },
      {
        heading: users.length > shownUsers.length ? `Users (failed first, ${shownUsers.length} of ${users.length}; all in the CSV)` : 'Users',
        facts: shownUsers.map((u) => ({ title: u.email, value: userLine(u) })),
      },
    ],
    actions: [{ title: 'Export CSV', verb: 'history.export', data: { batch: entry.name } }],
  });
  return { card, summary: `History of batch ${entry.name}: ${entry.totalUsers} users, ${HOW_TEXT[entry.how]}` };
}

export async function userHistory(deps: CommandDeps, email: string): Promise<Reply> {
  if (!deps.history) return unavailable();
  const rows = await deps.history.forUser(email);
  if (rows.length === 0) {
    return notice({
      title: `No history for ${email}`,
      tone: 'warn',
      text: `Cutover kept no batch that held ${email}. A batch still in Exchange: user show ${email}.`,
    });
  }
  const card = detailsCard({
    title: `History of ${email}`,
    subtitle: `In ${rows.length} batch${rows.length === 1 ? '' : 'es'} Cutover kept`,
    sections: rows.slice(0, BATCHES_SHOWN).map(({ entry, user }) => ({
      heading: `Batch ${entry.name}: ${HOW_TEXT[entry.how]} ${entry.how === 'ended' ? when(entry.keptAt) : when(entry.removedAt)}`,
      facts: [
        { title: 'Status', value: `${user.status} (${user.statusSummary})` },
        { title: 'Items synced', value: formatCount(user.syncedItems) },
        { title: 'Bytes synced', value: user.bytesTransferred === null ? 'not reported by Exchange' : formatBytes(user.bytesTransferred) },
        {
          title: 'Skipped items',
          value: `${formatCount(user.skippedItems)}${Object.keys(user.skippedByKind).length ? ` (${kindsText(user.skippedByKind)})` : ''}`,
        },
        { title: 'Last successful sync', value: when(user.lastSuccessfulSync) },
        ...(user.error ? [{ title: 'Error', value: user.error.slice(0, 300) }] : []),
        { title: 'Created', value: `${when(entry.createdAt)}${entry.createdBy ? ` by ${entry.createdBy}` : ''}` },
        ...(entry.removedBy ? [{ title: 'Removed by', value: entry.removedBy }] : []),
      ],
    })),
    actions: [{ title: 'Export CSV', verb: 'history.export', data: { email } }],
  });
  return { card, summary: `History of ${email}: ${rows.length} batches` };
}

/** The history of one batch or one person as CSV, to the asker's personal chat. */
export async function exportHistory(deps: CommandDeps, actor: Actor, target: { batch?: string; email?: string }): Promise<Reply> {
  if (!deps.history) return unavailable();
  let rows: { entry: BatchHistoryEntry; user: UserFinalRecord }[] = [];
  let label = '';
  if (target.email) {
    rows = await deps.history.forUser(target.email);
    label = target.email.toLowerCase();
  } else if (target.batch) {
    const [entry] = await deps.history.byName(target.batch);
    if (entry) rows = (await deps.history.users(entry)).map((user) => ({ entry, user }));
    label = target.batch;
  }
  if (rows.length === 0)
    return notice({ title: `No history for ${label || 'that'}`, tone: 'warn', text: 'Nothing kept to export. See every batch kept: batch history.' });
  const csv = exportCsv(HISTORY_CSV_HEADER, historyCsvRows(rows));
  const base = label.replace(/[^a-z0-9@._-]/gi, '_');
  const handover = await handOver(deps, actor, [
    { fileName: `${base}-history.csv`, contentType: CSV_CONTENT_TYPE, body: csv, description: `Migration history of ${label}` },
  ]);
  await deps.audit.record({ actor, action: 'history.export', target: label, result: 'ok', detail: `${rows.length} rows` });
  return notice({ title: `History of ${label} as CSV`, tone: 'good', text: handoverText(handover) });
}
