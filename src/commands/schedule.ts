// schedule: what is planned to start by itself (batches waiting in Created for Exchange's -StartAfter),
// each with a Cancel button. Cancel removes the waiting batch (nothing was copied yet; each user's
// record is kept in the history); create it again when the time is known.

import { tableCard } from '../cards/table';
import { toPowerShell } from '../domain/exchange/powershell';
import { describeWhen } from '../domain/schedule/when';
import { removeKeepingHistory } from './batchRemoval';
import type { ActionResult, Actor, CommandDeps, Reply } from './types';
import { actionResult } from './types';
import { exchangeErrorReply, formatCount, notice } from './views';
import { errorText } from '../lib/errorText';

/** Cancel buttons on one card; the rest are listed with their command. */
const BUTTONS = 5;

export async function scheduleReply(deps: CommandDeps, timeZone?: string): Promise<Reply> {
  const ps = toPowerShell('Get-MigrationBatch', { Status: 'Created' });
  try {
    const planned = (await deps.exchange.getMigrationBatches())
      .filter((b) => b.status === 'Created' && b.startAfter)
      .sort((x, y) => x.startAfter!.getTime() - y.startAfter!.getTime());
    const card = tableCard({
      title: 'Planned',
      subtitle: planned.length ? `${planned.length} batch${planned.length === 1 ? '' : 'es'} waiting to start by themselves` : '',
      columns: [
        { label: 'Batch', width: 2 },
        { label: 'Starts (Exchange -StartAfter)', width: 4 },
        { label: 'Users', width: 1 },
      ],
      rows: planned.map((b) => [{ text: b.identity }, { text: describeWhen(b.startAfter!, timeZone ?? 'UTC') }, { text: formatCount(b.totalCount) }]),
      empty: 'Nothing is planned. Schedule a batch with: batch new <name> start <when> (attach the CSV), e.g. start tomorrow 22:00.',
      footer: planned.length > BUTTONS ? `Cancel the others with the button on a later page of this list, after these start or are cancelled.` : '',
      powershell: ps,
      actions: planned
        .slice(0, BUTTONS)
        .map((b) => ({ title: `Cancel ${b.identity}`, verb: 'schedule.cancel', data: { batch: b.identity }, style: 'destructive' as const })),
    });
    return { card, summary: `${planned.length} planned` };
  } catch (err) {
    return exchangeErrorReply('Reading the planned batches', err, ps);
  }
}

/** Cancel: only a batch still waiting (Created, not started); it is removed with its users' record kept. */
export async function cancelScheduled(deps: CommandDeps, actor: Actor, name: string): Promise<ActionResult> {
  const ps = toPowerShell('Remove-MigrationBatch', { Identity: name, Confirm: false });
  const b = await deps.exchange.getMigrationBatch(name).catch(() => null);
  if (!b || b.status !== 'Created' || !b.startAfter) {
    await deps.audit.record({ actor, action: 'schedule.cancel', target: name, result: 'refused', detail: b ? `status ${b.status}` : 'not found' });
    return actionResult(
      notice({
        title: `Batch ${name} is no longer waiting`,
        tone: 'warn',
        text: b ? `It is ${b.status}: see it with batch show ${name}.` : 'Exchange has no such batch.',
      }),
      { keepOriginal: true },
    );
  }
  try {
    await removeKeepingHistory(deps, actor, name);
    await deps.audit.record({ actor, action: 'schedule.cancel', target: name, result: 'ok', detail: `was to start ${b.startAfter.toISOString()}` });
    return actionResult(
      notice({
        title: `Cancelled: batch ${name} will not start`,
        tone: 'good',
        text: 'The waiting batch is removed from Exchange (nothing had been copied). Create it again with batch new when the time is known.',
        powershell: ps,
      }),
    );
  } catch (err) {
    await deps.audit.record({ actor, action: 'schedule.cancel', target: name, result: 'failed', detail: errorText(err) });
    return actionResult(exchangeErrorReply(`Cancelling batch ${name}`, err, ps), { keepOriginal: true });
  }
}
