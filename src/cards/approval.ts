// The approval card (four eyes, CUTOVER_APPROVERS): who asks, what exactly, the PowerShell line and
// the expiry, with Approve / Reject (Action.Execute) while it waits; once decided or expired, the same
// card in every conversation says who decided, when, and how the step went. Drawn on the notice template.

import { formatDate } from './format';
import { notice, type Fact } from './notice';
import type { Reply } from './reply';

export interface ApprovalCardInput {
  id: string;
  what: string;
  powershell: string;
  requestedBy: string;
  createdAt: string;
  expiresAt: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  decidedAt?: string;
  outcome?: { ok: boolean; text: string };
  /** Now, to tell a pending request from an expired one. */
  now: Date;
}

export function approvalCard(a: ApprovalCardInput): Reply {
  const expired = a.status === 'pending' && Date.parse(a.expiresAt) <= a.now.getTime();
  const facts: Fact[] = [
    { title: 'Asked by', value: a.requestedBy },
    { title: 'Asked', value: formatDate(new Date(a.createdAt)) },
    { title: a.status === 'pending' && !expired ? 'Expires' : 'Expired', value: formatDate(new Date(a.expiresAt)) },
  ];
  if (a.status !== 'pending')
    facts.push({
      title: a.status === 'approved' ? 'Approved by' : 'Rejected by',
      value: `${a.decidedBy ?? 'unknown'}, ${a.decidedAt ? formatDate(new Date(a.decidedAt)) : ''}`.replace(/, $/, ''),
    });
  if (a.outcome) facts.push({ title: 'Result', value: a.outcome.text });
  if (a.status === 'pending' && !expired) {
    return notice({
      title: `Approval needed: ${a.what}`,
      tone: 'warn',
      text: "One approver other than the person asking must approve this before it runs. It runs under the approver's name.",
      facts,
      powershell: a.powershell,
      actions: [
        { title: 'Approve', verb: 'approval.approve', data: { approval: a.id }, style: 'positive' },
        { title: 'Reject', verb: 'approval.reject', data: { approval: a.id }, style: 'destructive' },
      ],
    });
  }
  const title = expired
    ? `Expired, nothing done: ${a.what}`
    : a.status === 'rejected'
      ? `Rejected, nothing done: ${a.what}`
      : a.outcome && !a.outcome.ok
        ? `Approved, but it failed: ${a.what}`
        : `Approved and done: ${a.what}`;
  const tone = expired || a.status === 'rejected' ? 'warn' : a.outcome && !a.outcome.ok ? 'bad' : 'good';
  return notice({ title, tone, facts, powershell: a.powershell, text: expired ? 'Nobody approved it in time. Ask again with the command.' : '' });
}
