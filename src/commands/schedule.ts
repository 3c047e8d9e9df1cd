// schedule: what is planned to start by itself (batches waiting in Created for Exchange's -StartAfter),
// each with a Cancel button. Cancel removes the waiting batch (nothing was copied yet; each user's
// record is kept in the history); create it again when the time is known. Planned MX switches
// (cutover plan batch <name> switch <when>) are listed too; their Cancel clears the planned time
// and its reminders (the plan itself stays).

import { tableCard } from '../cards/table';
import { toPowerShell } from '../domain/exchange/powershell';
import { describeWhen } from '../domain/schedule/when';
import { removeKeepingHistory } from './batchRemoval';
import type { ActionResult, Actor, CommandDeps, Reply } from './types';
import { actionResult } from './types';
import { exchangeErrorReply, formatCount, notice } from './views';
import { errorText } from '../lib/errorText';
import type { CutoverPlan } from '../domain/cutover/plan';

/** Cancel buttons on one card; the rest are listed with their command. */
const BUTTONS = 5;

/** Plans with an MX switch planned and not done yet, soonest first. */
async function plannedSwitches(deps: CommandDeps): Promise<CutoverPlan[]> {
  if (!deps.cutover) return [];
  const plans = await Promise.all((await deps.cutover.planBatches()).map((b) => deps.cutover!.getPlan(b)));
  return plans
    .filter((p): p is CutoverPlan => !!p && !p.removed && !p.switchedAt && !!p.plannedSwitch)
    .sort((x, y) => Date.parse(x.plannedSwitch!.at) - Date.parse(y.plannedSwitch!.at));
}

export async function scheduleReply(deps: CommandDeps, timeZone?: string): Promise<Reply> {
  const ps = toPowerShell('Get-MigrationBatch', { Status: 'Created' });
  try {
    const planned = (await deps.exchange.getMigrationBatches())
      .filter((b) => b.status === 'Created' && b.startAfter)
      .sort((x, y) => x.startAfter!.getTime() - y.startAfter!.getTime());
    const switches = await plannedSwitches(deps);
    const tz = timeZone ?? 'UTC';
    const subtitle = [
      planned.length ? `${planned.length} batch${planned.length === 1 ? '' : 'es'} waiting to start by themselves` : '',
      switches.length ? `${switches.length} MX switch${switches.length === 1 ? '' : 'es'} planned` : '',
    ]
      .filter(Boolean)
      .join('; ');
    const card = tableCard({
      title: 'Planned',
      subtitle,
      columns: [
        { label: 'Batch', width: 2 },
        { label: 'Starts (Exchange -StartAfter)', width: 4 },
        { label: 'Users', width: 1 },
      ],
      rows: [
        ...planned.map((b) => [{ text: b.identity }, { text: describeWhen(b.startAfter!, tz) }, { text: formatCount(b.totalCount) }]),
        ...switches.map((p) => [
          { text: p.batch },
          { text: `MX switch for ${p.domain} ${describeWhen(new Date(p.plannedSwitch!.at), tz)} (reminders 24 h and 1 h before)` },
          { text: '' },
        ]),
      ],
      empty:
        'Nothing is planned. Schedule a batch with: batch new <name> start <when> (attach the CSV), e.g. start tomorrow 22:00; plan an MX switch with: cutover plan batch <name> switch <when>.',
      footer: planned.length > BUTTONS ? `Cancel the others with the button on a later page of this list, after these start or are cancelled.` : '',
      powershell: ps,
      actions: planned
        .slice(0, BUTTONS)
        .map((b) => ({ title: `Cancel ${b.identity}`, verb: 'schedule.cancel', data: { batch: b.identity }, style: 'destructive' as const }))
        .concat(
          switches
            .slice(0, BUTTONS)
            .map((p) => ({ title: `Cancel MX switch ${p.batch}`, verb: 'schedule.cancelSwitch', data: { batch: p.batch }, style: 'destructive' as const })),
        ),
    });
    return { card, summary: `${planned.length + switches.length} planned` };
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

/** Cancel a planned MX switch: the planned time and its reminders go; the plan and its steps stay. */
export async function cancelPlannedSwitch(deps: CommandDeps, actor: Actor, batch: string): Promise<ActionResult> {
  const plan = deps.cutover ? await deps.cutover.getPlan(batch) : null;
  if (!deps.cutover || !plan?.plannedSwitch || plan.switchedAt || plan.removed) {
    await deps.audit.record({ actor, action: 'schedule.cancelSwitch', target: batch, result: 'refused', detail: plan ? 'no planned switch' : 'no plan' });
    return actionResult(
      notice({
        title: `No MX switch is planned for batch ${batch}`,
        tone: 'warn',
        text: plan?.switchedAt ? 'The MX is already switched: see cutover plan batch ' + batch + '.' : 'Type schedule to see what is planned.',
      }),
      { keepOriginal: true },
    );
  }
  const was = plan.plannedSwitch.at;
  await deps.cutover.patchPlan(batch, () => ({ plannedSwitch: undefined }));
  await deps.audit.record({ actor, action: 'schedule.cancelSwitch', target: batch, result: 'ok', detail: `MX switch was planned for ${was}` });
  return actionResult(
    notice({
      title: `Cancelled: the MX switch for batch ${batch} is no longer planned`,
      tone: 'good',
      text: 'No reminders will be posted. Plan it again with: cutover plan batch ' + batch + ' switch <when>.',
    }),
  );
}
