// audit [count]: the admin actions Cutover recorded, newest first.

import { tableCard } from '../cards/table';
import type { CommandDeps, Reply } from './types';

export async function auditReply(deps: CommandDeps, limit: number): Promise<Reply> {
  const entries = await deps.audit.recent(limit);
  const widths = [3, 3, 3, 3, 2];
  const card = tableCard({
    title: 'Audit log',
    subtitle: `The last ${entries.length} admin actions, newest first`,
    columns: ['When (UTC)', 'Who', 'Action', 'Target', 'Result'].map((label, i) => ({ label, width: widths[i] })),
    rows: entries.map((e) => [
      { text: e.at.replace('T', ' ').slice(0, 19) },
      { text: e.actor.name ?? e.actor.id },
      { text: e.action },
      { text: e.target ?? '' },
      { text: e.result, color: e.result === 'ok' ? 'Good' : e.result === 'failed' ? 'Attention' : 'Warning' },
    ]),
    empty: 'Nothing recorded yet.',
    footer: "Kept in Cutover's store; Exchange keeps its own admin audit log as well.",
    powershell: 'Search-UnifiedAuditLog -StartDate (Get-Date).AddDays(-7) -EndDate (Get-Date) -Operations New-MigrationBatch,Remove-MigrationBatch,Set-Mailbox',
  });
  return { card, summary: `Audit log: ${entries.length} entries` };
}
