// The cut-over of one batch as an ordered plan (Microsoft's order, reference §3.4): lower the MX
// TTL, wait for Synced, switch MX, watch the switch spread, sync now, the delta pass, delta passes
// for at least 72 h, the guide to users, then Remove-MigrationBatch. Pure state machine: the
// service supplies the facts (batch status, DNS visibility, pass times) and stores the result.

import type { PlannedSwitch } from './switchReminder';

export const STEP_IDS = ['lower-ttl', 'wait-synced', 'switch-mx', 'watch-dns', 'sync-now', 'delta-pass', 'repeat-delta', 'guide', 'remove-batch'] as const;
export type StepId = (typeof STEP_IDS)[number];

/** Microsoft: wait at least 72 hours after the MX switch before removing the batch. */
export const WAIT_AFTER_SWITCH_MS = 72 * 3600_000;
/** How often delta passes repeat while the old server may still receive mail. */
export const DELTA_REPEAT_MS = 6 * 3600_000;

export const STEP_TITLES: Record<StepId, string> = {
  'lower-ttl': 'Lower the MX TTL to 3600 s or less, well ahead',
  'wait-synced': 'Wait until the batch is Synced',
  'switch-mx': 'Switch MX to Exchange Online',
  'watch-dns': 'Switch visible from every resolver, old TTL run out',
  'sync-now': 'Incremental sync after the switch (Set-MigrationBatch -SyncNow)',
  'delta-pass': 'Delta pass: copy what the sync would miss',
  'repeat-delta': 'Delta passes every 6 h for at least 72 h after the switch',
  guide: 'Send the guide to users',
  'remove-batch': 'Remove the batch (Remove-MigrationBatch)',
};

export interface StepRecord {
  id: StepId;
  status: 'pending' | 'done';
  doneAt?: string;
  doneBy?: string;
  forced?: boolean;
  note?: string;
}

export interface CutoverPlan {
  batch: string;
  domain: string;
  createdAt: string;
  createdBy: string;
  steps: StepRecord[];
  /** The MX TTL seen when the plan was made (the old TTL that must run out after the switch). */
  initialMxTtl: number | null;
  /** Old MX hosts seen when the plan was made. */
  oldMxHosts: string[];
  switchedAt?: string;
  /** When the switch was first seen from every configured resolver. */
  visibleAt?: string;
  /** Delta passes finished (ISO times), newest last. */
  deltaPasses: string[];
  removed?: boolean;
  /** The conversation the plan was made in: scheduled passes and the DNS watch report there. */
  conversationId?: string;
  /** FullAccess grants Cutover holds for the app-only IMAP copy (removed when the plan ends). */
  grants?: { servicePrincipal: string; mailboxes: string[]; at: string; revokedAt?: string };
  /** Scheduled delta passes: the card updated in place, and the last attempt (ran or failed). */
  scheduled?: { activityId?: string; lastAttemptAt?: string; lastResult?: string };
  /** The planned MX switch time and the reminders posted before it (cleared by Cancel in `schedule`). */
  plannedSwitch?: PlannedSwitch;
  /** The DNS watch after the switch. */
  dnsWatch?: {
    activityId?: string;
    lastPollAt?: string;
    seenBy: string[];
    notYet: string[];
    visibleAt?: string;
    ttlRunOutAt?: string;
    announced: ('visible' | 'ttl')[];
  };
}

export function newPlan(input: { batch: string; domain: string; now: Date; by: string; mxTtl: number | null; oldMxHosts: string[] }): CutoverPlan {
  return {
    batch: input.batch,
    domain: input.domain,
    createdAt: input.now.toISOString(),
    createdBy: input.by,
    steps: STEP_IDS.map((id) => ({ id, status: 'pending' })),
    initialMxTtl: input.mxTtl,
    oldMxHosts: input.oldMxHosts,
    deltaPasses: [],
  };
}

/** What the service has checked right now, for steps whose completion is a fact, not a click. */
export interface StepFacts {
  mxTtl?: number | null;
  batchStatus?: string | null;
  batchLastSynced?: Date | null;
  visibleEverywhere?: boolean;
  notYetVisible?: string[];
}

export type AdvanceResult = { ok: true; plan: CutoverPlan; note?: string } | { ok: false; reason: string; canForce: boolean };

export function currentStep(plan: CutoverPlan): StepId | null {
  return plan.steps.find((s) => s.status === 'pending')?.id ?? null;
}

/** When the old MX TTL has run out after the switch (null before the switch). */
export function oldTtlExpiresAt(plan: CutoverPlan): Date | null {
  if (!plan.switchedAt) return null;
  return new Date(Date.parse(plan.switchedAt) + (plan.initialMxTtl ?? 3600) * 1000);
}

export function removeAllowedAt(plan: CutoverPlan): Date | null {
  return plan.switchedAt ? new Date(Date.parse(plan.switchedAt) + WAIT_AFTER_SWITCH_MS) : null;
}

/** The final delta pass: one that finished at least 72 h after the switch and after the old TTL ran out. */
export function finalDeltaDone(plan: CutoverPlan): boolean {
  const allowed = removeAllowedAt(plan);
  if (!allowed) return false;
  return plan.deltaPasses.some((t) => Date.parse(t) >= allowed.getTime());
}

/**
 * Marks a step done. Out of order (an earlier step still pending) is refused unless forced;
 * so are steps whose fact does not hold yet (batch not Synced, switch not visible, < 72 h).
 */
export function completeStep(plan: CutoverPlan, id: StepId, ctx: { now: Date; by: string; force?: boolean; facts?: StepFacts }): AdvanceResult {
  const index = STEP_IDS.indexOf(id);
  if (index < 0) return { ok: false, reason: `There is no step "${id}".`, canForce: false };
  const step = plan.steps[index];
  if (step.status === 'done') return { ok: false, reason: `"${STEP_TITLES[id]}" is already done (${step.doneAt} by ${step.doneBy}).`, canForce: false };
  const force = ctx.force === true;
  const earlier = plan.steps.slice(0, index).filter((s) => s.status !== 'done');
  if (earlier.length > 0 && !force) {
    return { ok: false, reason: `Do "${STEP_TITLES[earlier[0].id]}" first: steps go in order.`, canForce: true };
  }
  const guard = factGuard(plan, id, ctx.now, ctx.facts ?? {});
  if (guard && !force) return { ok: false, reason: guard, canForce: true };

  const now = ctx.now.toISOString();
  const next: CutoverPlan = {
    ...plan,
    steps: plan.steps.map((s) =>
      s.id === id
        ? {
            ...s,
            status: 'done',
            doneAt: now,
            doneBy: ctx.by,
            forced: force && (earlier.length > 0 || !!guard) ? true : undefined,
            note: guard && force ? `forced: ${guard}` : undefined,
          }
        : s,
    ),
  };
  if (id === 'switch-mx') next.switchedAt = now;
  if (id === 'watch-dns' && !next.visibleAt) next.visibleAt = now;
  if (id === 'remove-batch') next.removed = true;
  return { ok: true, plan: next, note: guard && force ? `Forced past: ${guard}` : undefined };
}

function factGuard(plan: CutoverPlan, id: StepId, now: Date, facts: StepFacts): string | null {
  switch (id) {
    case 'lower-ttl':
      if (facts.mxTtl !== undefined && facts.mxTtl !== null && facts.mxTtl > 3600) return `The MX TTL is still ${facts.mxTtl} s; lower it to 3600 s or less.`;
      return null;
    case 'wait-synced':
      if (facts.batchStatus !== 'Synced' && facts.batchStatus !== 'SyncedWithErrors') {
        return `Batch ${plan.batch} is ${facts.batchStatus ?? 'not found'}, not Synced yet.`;
      }
      return null;
    case 'watch-dns': {
      if (facts.visibleEverywhere !== true) {
        return `The switch is not visible yet from ${facts.notYetVisible?.length ? facts.notYetVisible.join(', ') : 'every resolver'}.`;
      }
      const expires = oldTtlExpiresAt(plan);
      if (expires && expires.getTime() > now.getTime())
        return `The old MX TTL runs out at ${expires.toISOString()}; senders may still use the old server until then.`;
      return null;
    }
    case 'switch-mx':
    case 'sync-now':
    case 'guide':
      return null;
    case 'delta-pass':
      return plan.deltaPasses.some((t) => plan.switchedAt && Date.parse(t) >= Date.parse(plan.switchedAt)) ? null : 'No delta pass has run since the switch.';
    case 'repeat-delta': {
      const allowed = removeAllowedAt(plan);
      if (!allowed || allowed.getTime() > now.getTime()) return `Keep the delta passes going until ${allowed?.toISOString() ?? '72 h after the switch'}.`;
      return finalDeltaDone(plan) ? null : 'Run the final delta pass (72 h or more after the switch) first.';
    }
    default: {
      // remove-batch
      if (!finalDeltaDone(plan)) return 'The final delta pass (72 h or more after the switch) has not run: removing the batch now can lose mail.';
      if (facts.batchLastSynced && plan.switchedAt && facts.batchLastSynced.getTime() < Date.parse(plan.switchedAt)) {
        return `The batch last synced ${facts.batchLastSynced.toISOString()}, before the switch: sync it once more first.`;
      }
      return null;
    }
  }
}

/** Planned times for the card: when each step can be done at the earliest. */
export function stepSchedule(plan: CutoverPlan): Record<StepId, Date | null> {
  const created = new Date(plan.createdAt);
  const ttlStep = plan.steps[0];
  const ttlLowered = ttlStep.doneAt ? new Date(ttlStep.doneAt) : null;
  const earliestSwitch = ttlLowered ? new Date(ttlLowered.getTime() + (plan.initialMxTtl ?? 3600) * 1000) : null;
  const sw = plan.switchedAt ? new Date(plan.switchedAt) : null;
  const lastPass = plan.deltaPasses.length > 0 ? new Date(plan.deltaPasses[plan.deltaPasses.length - 1]) : null;
  return {
    'lower-ttl': created,
    'wait-synced': null,
    'switch-mx': earliestSwitch,
    'watch-dns': oldTtlExpiresAt(plan),
    'sync-now': sw,
    'delta-pass': sw,
    'repeat-delta': lastPass ? new Date(lastPass.getTime() + DELTA_REPEAT_MS) : sw ? new Date(sw.getTime() + DELTA_REPEAT_MS) : null,
    guide: sw,
    'remove-batch': removeAllowedAt(plan),
  };
}

/** A delta pass finished: remembered for the 72-hour rule (keeps the last 100). */
export function recordDeltaPass(plan: CutoverPlan, at: Date): CutoverPlan {
  return { ...plan, deltaPasses: [...plan.deltaPasses, at.toISOString()].slice(-100) };
}

export function isStepId(text: string): text is StepId {
  return (STEP_IDS as readonly string[]).includes(text);
}
