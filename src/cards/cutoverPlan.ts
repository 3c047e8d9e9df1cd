// The cut-over plan card (adaptiveCards/cutoverPlan.json): the steps from MX switch to
// batch removal in order, the current one marked with its button, and the facts that decide them.

import { currentStep, stepSchedule, STEP_IDS, STEP_TITLES, type CutoverPlan, type StepId } from '../domain/cutover/plan';
import { formatDate } from './format';
import type { Fact, Tone } from './notice';
import { renderCard } from './render';
import type { Reply } from './reply';

/** Each step's button: what the admin says is done (or asks Cutover to do). */
export const STEP_BUTTONS: Record<StepId, string> = {
  'lower-ttl': 'TTL lowered',
  'wait-synced': 'Check Synced',
  'switch-mx': 'MX switched',
  'watch-dns': 'Check DNS',
  'sync-now': 'Sync now',
  'delta-pass': 'Run delta pass',
  'repeat-delta': 'Final pass done',
  guide: 'Guide sent',
  'remove-batch': 'Remove batch',
};

export interface CutoverPlanInput {
  plan: CutoverPlan;
  /** What the handler knows about the domain and the plan's machinery (MX now, delta passes, DNS watch…). */
  facts: Fact[];
  /** Replaces the default title (the batch and domain), tone and text (the current step). */
  title?: string;
  tone?: Tone;
  text?: string;
}

export function cutoverPlanCard(input: CutoverPlanInput): Reply {
  const { plan } = input;
  const schedule = stepSchedule(plan);
  const cur = currentStep(plan);
  const steps = plan.steps.map((s, i) => {
    const at = schedule[s.id];
    const when =
      s.status === 'done'
        ? `done ${formatDate(new Date(s.doneAt!))} by ${s.doneBy}${s.forced ? ' (forced)' : ''}`
        : at
          ? `from ${formatDate(at)}`
          : 'when the step before is done';
    return {
      n: i + 1,
      id: s.id,
      batch: plan.batch,
      title: STEP_TITLES[s.id],
      status: s.status,
      current: s.id === cur,
      mark: s.status === 'done' ? '✓' : s.id === cur ? '→' : '·',
      when,
      button: STEP_BUTTONS[s.id],
    };
  });
  const done = plan.steps.filter((s) => s.status === 'done').length;
  const card = renderCard('cutoverPlan', {
    title: input.title ?? `Cut-over plan for batch ${plan.batch} (${plan.domain})`,
    tone: input.tone ?? (cur === null ? 'good' : ''),
    text: input.text ?? (cur ? `Step ${done + 1} of ${STEP_IDS.length}: ${STEP_TITLES[cur]}.` : 'Every step is done.'),
    facts: input.facts,
    steps,
    lines: ['Steps go in order; a step out of order, or before its condition holds, asks you to force it. Who did what goes to the audit log.'],
    powershell: `Get-MigrationBatch -Identity '${plan.batch}'`,
    actions: [
      ...(cur ? [{ title: STEP_BUTTONS[cur], verb: 'cutover.step', data: { batch: plan.batch, step: cur }, style: 'positive' }] : []),
      { title: 'Refresh', verb: 'cutover.plan', data: { batch: plan.batch } },
      { title: 'Proof', verb: 'cutover.proof', data: { batch: plan.batch } },
    ],
  });
  return { card, summary: `Cut-over plan for ${plan.batch}: ${done} of ${STEP_IDS.length} steps done` };
}
