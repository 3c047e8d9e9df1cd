// Four eyes (CUTOVER_APPROVERS): with approvers listed, batch remove, user remove, batch stop of a
// batch with synced users and the cut-over plan's remove step are asked for on an approval card
// instead of run; Approve runs the step under the approver's name, once, before the request expires.
// With no approvers listed, nothing here is used: today's single confirmation stays.

import { approvalCard } from '../cards/approval';
import type { Approval, ApprovalParty } from '../services/approvals';
import { isAdmin } from './access';
import { removeKeepingHistory } from './batchRemoval';
import type { ActionResult, Actor, CommandDeps, Reply } from './types';
import { notice } from './views';
import { errorText } from '../lib/errorText';

export function approvalsRequired(deps: Pick<CommandDeps, 'approvals'>): boolean {
  return !!deps.approvals && deps.approvals.approvers.length > 0;
}

export function partyName(p: ApprovalParty | Actor): string {
  return p.name ?? p.upn ?? p.id;
}

function party(a: Actor): ApprovalParty {
  return { id: a.id, ...(a.aadObjectId ? { aadObjectId: a.aadObjectId } : {}), ...(a.upn ? { upn: a.upn } : {}), ...(a.name ? { name: a.name } : {}) };
}

/** The card for a request as it stands now. */
export function approvalReply(a: Approval, now: Date): Reply {
  return approvalCard({
    id: a.id,
    what: a.what,
    powershell: a.powershell,
    requestedBy: partyName(a.requestedBy),
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    status: a.status,
    decidedBy: a.decidedBy ? partyName(a.decidedBy) : undefined,
    decidedAt: a.decidedAt,
    outcome: a.outcome,
    now,
  });
}

export interface ApprovalSpec {
  action: 'batch.remove' | 'user.remove' | 'batch.stop' | 'cutover.remove-batch' | 'mailbox.limits';
  target: string;
  params?: Approval['params'];
  what: string;
  powershell: string;
  batch: string | null;
}

/** Asks for approval: the card (posted here, then in the channels subscribed to the batch) and its id. */
export async function requestApproval(deps: CommandDeps, actor: Actor, spec: ApprovalSpec): Promise<Reply & { approval: string }> {
  const a = await deps.approvals!.requests.create({
    action: spec.action,
    target: spec.target,
    params: spec.params ?? {},
    what: spec.what,
    powershell: spec.powershell,
    batch: spec.batch,
    requestedBy: party(actor),
  });
  await deps.audit.record({
    actor,
    action: 'approval.request',
    target: spec.target,
    result: 'ok',
    detail: `${spec.action}: ${spec.what} (request ${a.id}, expires ${a.expiresAt})`,
  });
  return { ...approvalReply(a, deps.clock.now()), approval: a.id };
}

const REFUSED: Record<'expired' | 'decided' | 'own-request' | 'not-approver' | 'not-found', (a?: Approval) => string> = {
  expired: () => 'This request expired before anyone approved it; nothing was done. Ask again with the command.',
  decided: (a) => `This request was already ${a?.status ?? 'decided'}${a?.decidedBy ? ` by ${partyName(a.decidedBy)}` : ''}; nothing was done twice.`,
  'own-request': () => 'You asked for this, so you cannot approve it: another approver must.',
  'not-approver': () => 'Only the approvers your Exchange team listed (CUTOVER_APPROVERS) can approve or reject this.',
  'not-found': () => 'This request is not known (it may be from another Cutover installation). Ask again with the command.',
};

/** Approve or Reject on the card: once, by an approver who did not ask, before expiry; then every copy of the card says so. */
/** Steps that live in handlers which themselves ask for approval (passed in by the router). */
export interface ApprovedSteps {
  cutoverRemove(approver: Actor, batch: string, force: boolean): Promise<ActionResult>;
}

export async function decideApproval(
  deps: CommandDeps,
  actor: Actor,
  id: string,
  decision: 'approved' | 'rejected',
  steps?: ApprovedSteps,
): Promise<ActionResult> {
  const ap = deps.approvals;
  if (!ap) {
    const r = notice({ title: 'Approvals are not configured', tone: 'warn' });
    return { card: r.card, summary: r.summary, keepOriginal: true };
  }
  await ap.directory?.fresh();
  const approver = isAdmin(actor, { mode: 'production', admins: ap.approvers, directory: ap.directory });
  const r = await ap.requests.decide(id, party(actor), decision, approver);
  if (r.status !== 'ok') {
    const a = 'approval' in r ? r.approval : undefined;
    await deps.audit.record({
      actor,
      action: decision === 'approved' ? 'approval.approve' : 'approval.reject',
      target: a?.target ?? id,
      result: 'refused',
      detail: r.status,
    });
    // An expired request's cards say so everywhere; other refusals leave the card for the right person.
    if (r.status === 'expired') await ap.cards?.updateAll(id);
    const text = REFUSED[r.status](a);
    const reply = notice({ title: 'Nothing done', tone: 'warn', text });
    return { card: reply.card, summary: reply.summary, keepOriginal: true };
  }
  let a = r.approval;
  await deps.audit.record({
    actor,
    action: decision === 'approved' ? 'approval.approve' : 'approval.reject',
    target: a.target,
    result: 'ok',
    detail: `${a.action} asked by ${partyName(a.requestedBy)} (request ${a.id})`,
  });
  if (decision === 'approved') {
    const outcome = await runApproved(deps, actor, a, steps);
    a = (await ap.requests.setOutcome(id, outcome)) ?? { ...a, outcome };
  }
  await ap.cards?.updateAll(id);
  const reply = approvalReply(a, deps.clock.now());
  return { card: reply.card, summary: reply.summary };
}

/** The step itself, under the approver's name, audited like the step run directly. */
async function runApproved(deps: CommandDeps, approver: Actor, a: Approval, steps?: ApprovedSteps): Promise<{ ok: boolean; text: string }> {
  const detail = `approved; asked by ${partyName(a.requestedBy)} (request ${a.id})`;
  try {
    let text: string;
    switch (a.action) {
      case 'batch.remove':
        await removeKeepingHistory(deps, approver, a.target);
        text = `Remove-MigrationBatch sent; each user's final record is kept (batch history ${a.target}).`;
        break;
      case 'user.remove':
        await deps.exchange.removeMigrationUser(a.target);
        text = 'Remove-MigrationUser sent.';
        break;
      case 'batch.stop':
        await deps.exchange.stopMigrationBatch(a.target);
        text = 'Stop-MigrationBatch sent; migrated mail stays.';
        break;
      case 'mailbox.limits': {
        // "email=bytes" pairs, as asked; each Set-Mailbox audited under the approver.
        const pairs = (Array.isArray(a.params.limits) ? a.params.limits : [])
          .map((x) => x.split('='))
          .filter((p) => p.length === 2 && Number.isInteger(Number(p[1])));
        let raised = 0;
        const failed: string[] = [];
        for (const [email, bytes] of pairs) {
          try {
            await deps.exchange.setMailboxSizeLimits(email, { maxReceiveSize: Number(bytes), maxSendSize: Number(bytes) });
            raised++;
            await deps.audit.record({ actor: approver, action: 'mailbox.limit', target: email, result: 'ok', detail: `${detail}; to ${bytes} bytes` });
          } catch (err) {
            failed.push(email);
            await deps.audit.record({ actor: approver, action: 'mailbox.limit', target: email, result: 'failed', detail: `${detail}; ${errorText(err)}` });
          }
        }
        return {
          ok: failed.length === 0,
          text: `Raised the limits of ${raised} ${raised === 1 ? 'user' : 'users'}${failed.length ? `; ${failed.length} failed (${failed.slice(0, 5).join(', ')}${failed.length > 5 ? '…' : ''})` : ''}.`,
        };
      }
      case 'cutover.remove-batch': {
        // The cut-over plan's own step, with its guards, run as approved (the router passes it in: no import circle).
        if (!steps?.cutoverRemove) throw new Error('The cut-over plan is not available here.');
        const done = await steps.cutoverRemove(approver, a.target, a.params.force === true);
        const ok = !/not done|refused|can't|cannot|failed/i.test(done.summary);
        await deps.audit.record({
          actor: approver,
          action: a.action,
          target: a.target,
          result: ok ? 'ok' : 'failed',
          detail: `${detail}; ${done.summary.slice(0, 200)}`,
        });
        return { ok, text: done.summary.slice(0, 300) };
      }
      default:
        throw new Error(`Cutover does not know the step "${a.action}".`);
    }
    await deps.audit.record({ actor: approver, action: a.action, target: a.target, result: 'ok', detail });
    return { ok: true, text };
  } catch (err) {
    await deps.audit.record({ actor: approver, action: a.action, target: a.target, result: 'failed', detail: `${detail}; ${errorText(err)}` });
    return { ok: false, text: errorText(err).slice(0, 300) };
  }
}
