// The second half of a destructive command: the confirmation card's button.
// One place makes sure it runs once, only for the person asked, and is audited.

import { toPowerShell } from '../domain/exchange/powershell';
import type { ActionResult, Actor, CommandDeps } from './types';
import { exchangeErrorReply, notice, type NoticeInput } from './views';
import { errorText } from '../lib/errorText';

export interface ConfirmedAction {
  /** The audit and confirmation action name, e.g. 'batch.remove'. */
  action: string;
  cmdlet: string;
  /** What failed, for the error card: "Removing batch pilot". */
  what(target: string): string;
  run(target: string): Promise<void>;
  done(target: string): Omit<NoticeInput, 'powershell'>;
}

export function confirmationProblem(status: 'not-found' | 'expired' | 'used' | 'someone-else'): ActionResult {
  const text = {
    'not-found': 'This confirmation is not known (it may have been cancelled, or be from another Cutover installation). Ask again with the command.',
    expired: 'This confirmation expired. Ask again with the command.',
    used: 'This card was already answered (confirmed or kept); nothing was done twice.',
    'someone-else': 'Only the person who asked can confirm this.',
  }[status];
  const reply = notice({ title: 'Nothing done', tone: 'warn', text });
  return { card: reply.card, summary: reply.summary };
}

export async function runConfirmed(deps: CommandDeps, actor: Actor, confirmationId: string, spec: ConfirmedAction): Promise<ActionResult> {
  const r = await deps.confirmations.consume(confirmationId, actor.id, spec.action);
  if (r.status !== 'ok') return confirmationProblem(r.status);
  const target = r.confirmation.target;
  const ps = toPowerShell(spec.cmdlet, { Identity: target, Confirm: false });
  try {
    await spec.run(target);
    await deps.audit.record({ actor, action: spec.action, target, result: 'ok' });
    const reply = notice({ ...spec.done(target), powershell: ps });
    return { card: reply.card, summary: reply.summary };
  } catch (err) {
    await deps.audit.record({ actor, action: spec.action, target, result: 'failed', detail: errorText(err) });
    const reply = exchangeErrorReply(spec.what(target), err, ps);
    return { card: reply.card, summary: reply.summary };
  }
}

/** "Keep it": uses up the confirmation so the Remove button on the same card stops working. */
export async function cancelConfirmation(deps: CommandDeps, actor: Actor, confirmationId: string, action: string): Promise<ActionResult> {
  await deps.confirmations.consume(confirmationId, actor.id, action);
  const reply = notice({ title: 'Nothing changed', text: 'Kept as it was.' });
  return { card: reply.card, summary: reply.summary };
}
