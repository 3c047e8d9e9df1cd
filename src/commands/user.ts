// user show | report | remove — one migration user, with statistics and sync request.

import { detailsCard } from '../cards/details';
import type { MigrationUserStatistics } from '../domain/exchange/types';
import { toPowerShell } from '../domain/exchange/powershell';
import { formatBytes } from '../domain/sizes';
import { CSV_CONTENT_TYPE, exportCsv } from '../domain/export/csv';
import { handOver, handoverText } from './handover';
import { runConfirmed } from './confirmed';
import { approvalsRequired, requestApproval } from './approvals';
import type { ActionResult, Actor, CommandDeps, Reply } from './types';
import { exchangeErrorReply, formatCount, formatDate, notice } from './views';

const SKIPPED_SHOWN = 8;

function statusColor(summary: string): string {
  return summary === 'Synced' ? 'Good' : summary === 'Failed' ? 'Attention' : summary === 'Stopped' ? 'Warning' : 'Accent';
}

export async function showUser(deps: CommandDeps, email: string): Promise<Reply> {
  const psUser = toPowerShell('Get-MigrationUser', { Identity: email });
  const psStats = toPowerShell('Get-MigrationUserStatistics', { Identity: email, IncludeSkippedItems: true });
  const psSync = toPowerShell('Get-SyncRequest', { Mailbox: email });
  try {
    const [user, stats, syncRequests] = await Promise.all([
      deps.exchange.getMigrationUser(email),
      deps.exchange.getMigrationUserStatistics(email, { includeSkippedItems: true }),
      deps.exchange.getSyncRequests(email).catch(() => []),
    ]);
    if (!user) {
      return notice({
        title: `${email} is not a migration user`,
        tone: 'warn',
        text: 'No batch holds this address. Add it to a batch with: batch new <name> (attach the CSV).',
        powershell: psUser,
      });
    }
    const sections = [
      {
        heading: 'Migration user',
        text: '',
        facts: [
          { title: 'Batch', value: user.batchId },
          { title: 'Status', value: `${user.status} (${user.statusSummary})` },
          { title: 'Synced items', value: formatCount(user.syncedItemCount) },
          { title: 'Skipped items', value: formatCount(user.skippedItemCount) },
          { title: 'Last successful sync', value: user.lastSuccessfulSyncTime ? formatDate(user.lastSuccessfulSyncTime) : 'not yet' },
        ],
        powershell: psUser,
      },
    ];
    if (stats) sections.push(statsSection(stats, psStats));
    const syncFacts = [];
    for (const sr of syncRequests.slice(0, 3)) {
      syncFacts.push({ title: sr.identity, value: `${sr.status} from ${sr.remoteServerName}` });
    }
    if (syncRequests.length > 0) {
      const srStats = await deps.exchange.getSyncRequestStatistics(syncRequests[0].identity).catch(() => null);
      if (srStats) {
        syncFacts.push({ title: 'Detail', value: srStats.statusDetail || srStats.status });
        syncFacts.push({ title: 'Items transferred', value: formatCount(srStats.itemsTransferred) });
        if (srStats.dataConsistencyScore) syncFacts.push({ title: 'Data consistency', value: srStats.dataConsistencyScore });
      }
    }
    sections.push({
      heading: 'Sync request',
      text: syncRequests.length ? '' : 'Exchange shows no sync request for this mailbox yet (it appears once the user starts syncing).',
      facts: syncFacts,
      powershell: psSync,
    });
    const card = detailsCard({
      title: email,
      subtitle: `${user.status} in batch ${user.batchId}`,
      subtitleColor: statusColor(user.statusSummary),
      sections,
      actions: [
        { title: 'Report (JSON and CSV)', verb: 'user.report', data: { email } },
        { title: 'Remove from batch…', verb: 'user.remove', data: { email }, style: 'destructive' },
      ],
    });
    return { card, summary: `${email}: ${user.status} in batch ${user.batchId}` };
  } catch (err) {
    return exchangeErrorReply(`Reading ${email}`, err, psUser);
  }
}

function statsSection(stats: MigrationUserStatistics, powershell: string) {
  const facts = [
    { title: 'Items in source', value: formatCount(stats.totalItemsInSourceMailboxCount) },
    { title: 'Percent complete', value: `${stats.percentageComplete}%` },
  ];
  if (stats.error) facts.push({ title: 'Error', value: stats.error });
  for (const item of stats.skippedItems.slice(0, SKIPPED_SHOWN)) {
    facts.push({
      title: `Skipped: ${item.folderName}`,
      value: `${item.subject || '(no subject)'} · ${formatBytes(item.messageSize)} · ${item.dateSent ? item.dateSent.toISOString().slice(0, 10) : 'no date'} · ${item.kind}`,
    });
  }
  const large = stats.skippedItems.filter((i) => i.kind === 'LargeItem').length;
  return {
    heading: 'Statistics',
    text:
      (stats.skippedItems.length > SKIPPED_SHOWN ? `Showing ${SKIPPED_SHOWN} of ${stats.skippedItems.length} skipped items; the report has them all. ` : '') +
      (large > 0
        ? `Items over the mailbox's receive limit are skipped: raise it with mailbox limit ${stats.emailAddress} 150MB, then batch sync ${stats.batchId}.`
        : ''),
    facts,
    powershell,
  };
}

export async function reportUser(deps: CommandDeps, actor: Actor, email: string): Promise<Reply> {
  const ps = toPowerShell('Get-MigrationUserStatistics', { Identity: email, IncludeSkippedItems: true, IncludeReport: true, DiagnosticInfo: 'Verbose' });
  try {
    const stats = await deps.exchange.getMigrationUserStatistics(email, { includeSkippedItems: true, includeReport: true, diagnosticInfo: true });
    if (!stats) return notice({ title: `${email} is not a migration user`, tone: 'warn', powershell: ps });
    const json = JSON.stringify(
      {
        emailAddress: stats.emailAddress,
        batch: stats.batchId,
        status: stats.status,
        statusSummary: stats.statusSummary,
        syncedItemCount: stats.syncedItemCount,
        skippedItemCount: stats.skippedItemCount,
        totalItemsInSourceMailboxCount: stats.totalItemsInSourceMailboxCount,
        percentageComplete: stats.percentageComplete,
        error: stats.error,
        lastSuccessfulSyncTime: stats.lastSuccessfulSyncTime,
        skippedItems: stats.skippedItems,
        report: stats.report,
        diagnosticInfo: stats.diagnosticInfo,
      },
      null,
      2,
    );
    const csv = exportCsv(
      ['Kind', 'FolderName', 'Subject', 'Sender', 'DateSent', 'MessageSize', 'Failure'],
      stats.skippedItems.map((i) => [i.kind, i.folderName, i.subject, i.sender, i.dateSent, i.messageSize, i.failure]),
    );
    const base = email.replace(/[^a-z0-9@._-]/gi, '_');
    const handover = await handOver(deps, actor, [
      {
        fileName: `${base}-migration-report.json`,
        contentType: 'application/json',
        body: Buffer.from(json, 'utf8'),
        description: `Migration report of ${email}`,
      },
      { fileName: `${base}-skipped-items.csv`, contentType: CSV_CONTENT_TYPE, body: csv, description: `Skipped items of ${email}` },
    ]);
    await deps.audit.record({ actor, action: 'user.report', target: email, result: 'ok' });
    const card = detailsCard({
      title: `Report for ${email}`,
      subtitle: `${stats.status}, ${formatCount(stats.skippedItems.length)} skipped items`,
      subtitleColor: statusColor(stats.statusSummary),
      sections: [
        {
          heading: 'Files',
          text: handoverText(handover),
          facts: [],
          powershell: ps,
        },
      ],
      actions: [],
    });
    return { card, summary: `Report for ${email}` };
  } catch (err) {
    return exchangeErrorReply(`Reading the report of ${email}`, err, ps);
  }
}

export async function askRemoveUser(deps: CommandDeps, actor: Actor, email: string): Promise<Reply & { approval?: string }> {
  const ps = toPowerShell('Remove-MigrationUser', { Identity: email, Confirm: false });
  try {
    const user = await deps.exchange.getMigrationUser(email);
    if (!user) return notice({ title: `${email} is not a migration user`, tone: 'warn', powershell: toPowerShell('Get-MigrationUser', { Identity: email }) });
    if (approvalsRequired(deps)) {
      return requestApproval(deps, actor, {
        action: 'user.remove',
        target: email,
        what: `remove ${email} from batch ${user.batchId} (${user.status})`,
        powershell: ps,
        batch: user.batchId,
      });
    }
    const id = await deps.confirmations.create({ action: 'user.remove', target: email, requestedBy: actor.id });
    return notice({
      title: `Remove ${email} from batch ${user.batchId}?`,
      tone: 'warn',
      text: `Status ${user.status}. Mail already migrated stays in the mailbox; syncing for this user stops. You can then put the user in another batch.`,
      powershell: ps,
      actions: [
        { title: `Remove ${email}`, verb: 'user.remove.confirm', data: { confirmation: id, email }, style: 'destructive' },
        { title: 'Keep', verb: 'confirm.cancel', data: { confirmation: id, action: 'user.remove' } },
      ],
    });
  } catch (err) {
    return exchangeErrorReply(`Reading ${email}`, err, ps);
  }
}

export function confirmRemoveUser(deps: CommandDeps, actor: Actor, confirmationId: string): Promise<ActionResult> {
  return runConfirmed(deps, actor, confirmationId, {
    action: 'user.remove',
    cmdlet: 'Remove-MigrationUser',
    what: (email) => `Removing ${email}`,
    run: (email) => deps.exchange.removeMigrationUser(email),
    done: (email) => ({
      title: `${email} is being removed from its batch`,
      tone: 'good',
      text: 'Once Exchange has removed the migration user (a minute or two), put the user in another batch with batch new.',
    }),
  });
}
