// cutover check | plan | delta | proof, and the plan card's step buttons (cutover.*).
// The plan is the CutoverService's; this file turns it into cards and audits who did what.

import { sourceVsTargetBars } from '../cards/charts';
import { cutoverPlanCard, STEP_BUTTONS } from '../cards/cutoverPlan';
import type { Tone } from '../cards/notice';
import { validateMigrationCsv } from '../domain/csv/migrationCsv';
import { isStepId, oldTtlExpiresAt, STEP_IDS, STEP_TITLES, type CutoverPlan, type StepId } from '../domain/cutover/plan';
import { exchangeMxTarget, isDomainName } from '../domain/cutover/dnsReadiness';
import { proofCsv } from '../domain/cutover/proof';
import { CSV_CONTENT_TYPE } from '../domain/export/csv';
import { handOver, handoverText } from './handover';
import { CutoverError, type CutoverService, type DeltaPassOptions, type DeltaPassSummary, type GrantOutcome } from '../services/cutover';
import {
  actionResult,
  type ActionResult,
  type Actor,
  type CommandDeps,
  type CommandResult,
  type FileFetcher,
  type FollowUp,
  type IncomingFile,
  type Reply,
  type Where,
} from './types';
import { formatDate, notice } from './views';
import { readBatchUsers } from './batchUsers';
import { removeKeepingHistory } from './batchRemoval';
import { approvalsRequired, requestApproval } from './approvals';
import { toPowerShell } from '../domain/exchange/powershell';
import { errorText } from '../lib/errorText';
import { describeWhen } from '../domain/schedule/when';
import type { SwitchReminderId } from '../domain/cutover/switchReminder';

export type CutoverDeps = CommandDeps & { cutover?: CutoverService };

const BUTTONS = STEP_BUTTONS;

const who = (a: Actor) => a.name ?? a.upn ?? a.id;
const one = (r: Reply): CommandResult => ({ replies: [r] });

function unavailable(): Reply {
  return notice({ title: 'Cut-over is not set up here', tone: 'warn', text: 'This Cutover has no cut-over service configured.' });
}

function failed(what: string, err: unknown): Reply {
  if (err instanceof CutoverError) return notice({ title: `${what}: not possible yet`, tone: 'warn', text: err.message });
  throw err;
}

export async function cutoverCheck(deps: CutoverDeps, domain: string): Promise<Reply> {
  if (!deps.cutover) return unavailable();
  if (!isDomainName(domain))
    return notice({ title: 'That is not a domain', tone: 'warn', text: `"${domain}" is not a domain name.`, usage: ['cutover check <domain>'] });
  const check = await deps.cutover.checkDomain(domain);
  const lines: string[] = [];
  for (const p of check.perResolver) {
    lines.push(`From ${p.resolver}:`);
    for (const c of p.readiness.checks) {
      lines.push(`${c.state === 'ready' ? '✓' : c.state === 'warn' ? '!' : '✗'} ${c.title} — found: ${c.found}${c.fix ? ` — set: ${c.fix}` : ''}`);
    }
  }
  const first = check.perResolver[0]?.readiness;
  const switched = check.visibility.visibleEverywhere;
  const tone = switched && first?.switched ? 'good' : first?.readyToSwitch ? '' : 'warn';
  const title = switched
    ? `${check.domain}: MX points at Exchange Online from every resolver`
    : first?.mx.state === 'mid-switch'
      ? `${check.domain}: the MX switch is half done`
      : first?.readyToSwitch
        ? `${check.domain}: ready for the MX switch`
        : `${check.domain}: not ready for the MX switch yet`;
  return notice({
    title,
    tone,
    facts: [
      { title: 'Exchange MX', value: `${exchangeMxTarget(check.domain)} (or the newer ….mx.microsoft form)` },
      { title: 'MX TTL', value: first?.mx.ttl === null || first?.mx.ttl === undefined ? 'unknown' : `${first.mx.ttl} s` },
      { title: 'Switch seen by', value: check.visibility.seenBy.join(', ') || 'no resolver yet' },
    ],
    lines,
  });
}

async function readCsv(files: FileFetcher, incoming: IncomingFile[], pasted?: string): Promise<Buffer | undefined> {
  if (pasted) return Buffer.from(pasted, 'utf8');
  const csv = incoming.find((f) => /\.csv$/i.test(f.name) || /csv/i.test(f.fileType ?? ''));
  return csv ? files.fetch(csv) : undefined;
}

async function defaultDomain(deps: CommandDeps, batch: string): Promise<string | null> {
  // The most common domain: the users Exchange hands over are enough to guess it (the admin can name it).
  const { users } = await readBatchUsers(deps.exchange, batch);
  const counts = new Map<string, number>();
  for (const u of users) {
    const d = u.emailAddress.split('@')[1]?.toLowerCase();
    if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

export async function cutoverPlanCommand(
  deps: CutoverDeps,
  actor: Actor,
  c: { batch: string; domain?: string; pastedCsv?: string; switchAt?: Date; timeZone?: string },
  files: IncomingFile[],
  where?: Where,
): Promise<CommandResult> {
  if (!deps.cutover) return one(unavailable());
  const batch = await deps.exchange.getMigrationBatch(c.batch);
  if (!batch) return one(notice({ title: `There is no batch ${c.batch}`, tone: 'warn', text: 'Type batch list to see the batches.' }));
  let csv: Buffer | undefined;
  try {
    csv = await readCsv(deps.files, files, c.pastedCsv);
    if (csv) {
      const v = validateMigrationCsv(csv);
      if (v.fatal || v.rows.length === 0)
        return one(
          notice({
            title: 'That CSV cannot be used',
            tone: 'bad',
            text: "Attach the batch's migration CSV (EmailAddress,UserName,Password) so the delta pass can read the source mailboxes.",
          }),
        );
    }
    const domain = c.domain ?? (await defaultDomain(deps, c.batch));
    if (!domain)
      return one(
        notice({
          title: 'Which domain?',
          tone: 'warn',
          text: 'The batch has no users to take the domain from.',
          usage: ['cutover plan batch <name> domain <domain>'],
        }),
      );
    const made = await deps.cutover.plan(c.batch, { domain, by: who(actor), csv, conversationId: where?.conversationId });
    const { created } = made;
    let plan = made.plan;
    if (c.switchAt) {
      if (plan.switchedAt)
        return one(
          notice({ title: `MX for batch ${c.batch} is already switched`, tone: 'warn', text: `It was switched ${formatDate(new Date(plan.switchedAt))}.` }),
        );
      // Reminders come before it; the passes still wait for the switch to be seen in DNS.
      const at = c.switchAt.toISOString();
      plan = (await deps.cutover.patchPlan(c.batch, () => ({ plannedSwitch: { at, by: who(actor), timeZone: c.timeZone ?? 'UTC', reminded: [] } }))) ?? plan;
      await deps.audit.record({ actor, action: 'cutover.switch.plan', target: c.batch, result: 'ok', detail: `MX switch planned for ${at}` });
    }
    await deps.audit.record({
      actor,
      action: created ? 'cutover.plan' : 'cutover.plan.show',
      target: c.batch,
      result: 'ok',
      detail: csv ? 'migration CSV sealed for the delta pass' : undefined,
    });
    // Scheduled delta passes and the DNS watch report to this conversation: keep its reference.
    return { replies: [await planCard(deps, plan)], rememberConversation: !!where };
  } finally {
    csv?.fill(0);
  }
}

export async function planCard(deps: CutoverDeps, plan: CutoverPlan, extra?: { title?: string; tone?: Tone; text?: string }): Promise<Reply> {
  const svc = deps.cutover!;
  const check = await svc.checkDomain(plan.domain).catch(() => null);
  const mx = check?.perResolver[0]?.readiness.mx;
  let accessText = 'not configured';
  try {
    const access = await svc.accessFor(plan.batch);
    accessText = access.kind === 'demo' ? `demo mailboxes (${access.description})` : `real IMAP: ${access.description}`;
  } catch (err) {
    accessText = err instanceof Error ? err.message : 'not configured';
  }
  return cutoverPlanCard({
    plan,
    ...extra,
    facts: [
      {
        title: 'MX now',
        value: mx
          ? `${[...mx.exchangeHosts, ...mx.otherHosts].join(', ') || 'none'}${mx.ttl !== null ? ` (TTL ${mx.ttl} s)` : ''} from ${check!.perResolver[0].resolver}`
          : 'unknown',
      },
      { title: 'Exchange MX', value: exchangeMxTarget(plan.domain) },
      { title: 'Switch seen by', value: check ? check.visibility.seenBy.join(', ') || 'no resolver yet' : 'unknown' },
      { title: 'Delta pass', value: accessText },
      {
        title: 'Delta passes',
        value: plan.deltaPasses.length ? `${plan.deltaPasses.length}, last ${formatDate(new Date(plan.deltaPasses[plan.deltaPasses.length - 1]))}` : 'none yet',
      },
      ...(plan.plannedSwitch && !plan.switchedAt ? [{ title: 'MX switch planned', value: plannedSwitchText(plan) }] : []),
      { title: 'Scheduled passes', value: scheduleText(plan, svc.deltaIntervalMs) },
      { title: 'DNS watch', value: dnsWatchText(plan) },
      { title: 'Mailbox access', value: grantsText(plan) },
    ],
  });
}

function hours(ms: number): string {
  return ms % 3600_000 === 0 ? `${ms / 3600_000} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function scheduleText(plan: CutoverPlan, intervalMs: number): string {
  if (plan.removed) return 'ended (batch removed)';
  if (!plan.switchedAt) return `every ${hours(intervalMs)} from the MX switch until the final pass`;
  if (plan.steps.find((s) => s.id === 'repeat-delta')?.status === 'done') return 'done (final pass recorded)';
  const last = Math.max(
    plan.deltaPasses.length ? Date.parse(plan.deltaPasses[plan.deltaPasses.length - 1]) : 0,
    plan.scheduled?.lastAttemptAt ? Date.parse(plan.scheduled.lastAttemptAt) : 0,
  );
  const next = last ? new Date(last + intervalMs) : new Date(Date.parse(plan.switchedAt));
  return `every ${hours(intervalMs)}, next ${formatDate(next)}${plan.scheduled?.lastResult ? `; last: ${plan.scheduled.lastResult}` : ''}`;
}

export function dnsWatchText(plan: CutoverPlan): string {
  const w = plan.dnsWatch;
  if (!plan.switchedAt) return 'starts when MX is switched';
  if (!w) return 'watching (first check within a minute)';
  const ttl = oldTtlExpiresAt(plan);
  const parts = [
    w.visibleAt
      ? `new MX seen by every resolver since ${formatDate(new Date(w.visibleAt))}`
      : `new MX seen by ${w.seenBy.join(', ') || 'no resolver yet'}${w.notYet.length ? `; not yet by ${w.notYet.join(', ')}` : ''}`,
    w.ttlRunOutAt ? `old TTL ran out ${formatDate(new Date(w.ttlRunOutAt))}` : ttl ? `old TTL runs out ${formatDate(ttl)}` : '',
  ].filter(Boolean);
  return parts.join('; ') + (w.visibleAt && w.ttlRunOutAt ? ' — done' : w.lastPollAt ? ` (checked ${formatDate(new Date(w.lastPollAt))})` : '');
}

function grantsText(plan: CutoverPlan): string {
  const g = plan.grants;
  if (!g) return 'no grants held (made before the first app-only pass)';
  if (g.revokedAt) return `FullAccess grants removed ${formatDate(new Date(g.revokedAt))}`;
  return `service principal ${g.servicePrincipal} holds FullAccess on ${g.mailboxes.length} mailboxes (until the plan ends)`;
}

function grantLine(g: GrantOutcome | undefined): string | null {
  if (!g) return null;
  if (g.kind === 'skipped') return `Mailbox access: ${g.note}.`;
  return `Mailbox access: ${g.registered ? 'New-ServicePrincipal registered it; ' : ''}FullAccess for ${g.servicePrincipal} on ${g.added.length + g.kept} mailboxes (${g.added.length} added${g.removed.length ? `, ${g.removed.length} no longer in the batch removed` : ''}).`;
}

/** Audits the grants a pass made or removed (who asked: an admin, or the scheduler). */
async function auditGrants(deps: CommandDeps, actor: Actor, batch: string, g: GrantOutcome | undefined): Promise<void> {
  if (!g || g.kind !== 'granted' || (!g.registered && g.added.length === 0 && g.removed.length === 0)) return;
  await deps.audit.record({
    actor,
    action: 'cutover.grant',
    target: batch,
    result: 'ok',
    detail: `${g.registered ? `New-ServicePrincipal ${g.servicePrincipal}; ` : ''}Add-MailboxPermission FullAccess: ${g.added.slice(0, 20).join(', ') || 'none'}${g.added.length > 20 ? '…' : ''}${g.removed.length ? `; Remove-MailboxPermission: ${g.removed.join(', ')}` : ''}`,
  });
}

/** The card for a finished pass (also the scheduler's). */
export function deltaSummaryReply(batchName: string, s: DeltaPassSummary, extra?: { title?: string; lines?: string[] }): Reply {
  const rt = s.roundTrips.length ? Math.max(...s.roundTrips.map((r) => r.source + r.target)) : 0;
  return notice({
    title: extra?.title ?? `Delta pass for ${batchName}: ${s.copied} copied${s.skipped ? `, ${s.skipped} not copied` : ''}`,
    tone: s.failedUsers.length || s.skipped ? 'warn' : 'good',
    text: s.kind === 'demo' ? `Ran on the demo mailboxes in memory (local mode): ${s.description}.` : `Ran over real IMAP: ${s.description}.`,
    facts: [
      { title: 'Users', value: String(s.users) },
      { title: 'Folders read / unchanged', value: `${s.foldersRead} / ${s.foldersUnchanged}` },
      { title: 'Bodies read', value: `${s.bodyBytes.toLocaleString('en-US')} bytes` },
      { title: 'Most round trips for one user', value: String(rt) },
      { title: 'Took', value: `${(s.durationMs / 1000).toFixed(1)} s` },
    ],
    lines: [
      ...(extra?.lines ?? []),
      ...[grantLine(s.grants)].filter((l): l is string => !!l),
      ...s.failedUsers.map((f) => `✗ ${f.email}: ${f.why}`),
      ...s.notes.slice(0, 10),
    ],
    actions: [
      { title: 'Proof', verb: 'cutover.proof', data: { batch: batchName } },
      { title: 'Plan', verb: 'cutover.plan', data: { batch: batchName } },
    ],
  });
}

/** Runs a pass and audits it (and its grants) for `actor`; exported for the scheduler. */
export async function runAuditedDeltaPass(deps: CutoverDeps, actor: Actor, batchName: string, options: DeltaPassOptions = {}): Promise<DeltaPassSummary> {
  try {
    const s = await deps.cutover!.runDeltaPass(batchName, options);
    await auditGrants(deps, actor, batchName, s.grants);
    await deps.audit.record({
      actor,
      action: 'cutover.delta',
      target: batchName,
      result: s.failedUsers.length ? 'failed' : 'ok',
      detail: `copied ${s.copied}, skipped ${s.skipped}, ${s.failedUsers.length} users failed (${s.kind})`,
    });
    return s;
  } catch (err) {
    await deps.audit.record({
      actor,
      action: 'cutover.delta',
      target: batchName,
      result: err instanceof CutoverError ? 'refused' : 'failed',
      detail: errorText(err).slice(0, 300),
    });
    throw err;
  }
}

async function deltaReply(
  deps: CutoverDeps,
  actor: Actor,
  batchName: string,
  onProgress?: (p: { done: number; total: number; copied: number }) => void,
): Promise<Reply> {
  try {
    const s = await runAuditedDeltaPass(deps, actor, batchName, { onProgress });
    return deltaSummaryReply(batchName, s);
  } catch (err) {
    return failed('Delta pass', err);
  }
}

/** A delta pass can take longer than a chat turn: answer at once, then update that card as it goes. */
export function cutoverDelta(deps: CutoverDeps, actor: Actor, batch: string): CommandResult {
  if (!deps.cutover) return { replies: [unavailable()] };
  const running = (done: number, total: number, copied: number) =>
    notice({
      title: `Delta pass for ${batch} running`,
      text: "Comparing each user's source folders with Exchange by Message-ID and copying what is missing.",
      facts: [
        { title: 'Users done', value: total ? `${done} of ${total}` : 'starting' },
        { title: 'Copied so far', value: String(copied) },
      ],
    });
  const followUp: FollowUp = async (sink) => {
    let last = 0;
    let chain: Promise<void> = Promise.resolve();
    const final = await deltaReply(deps, actor, batch, (p) => {
      if (Date.now() - last < 1500 || p.done === p.total) return;
      last = Date.now();
      chain = chain.then(() => sink.update(running(p.done, p.total, p.copied))).catch(() => undefined);
    });
    await chain;
    await sink.update(final);
  };
  return { replies: [running(0, 0, 0)], followUp };
}

export async function cutoverProof(deps: CutoverDeps, actor: Actor, batch: string): Promise<Reply> {
  if (!deps.cutover) return unavailable();
  try {
    const { proof, reports } = await deps.cutover.proof(batch);
    const handover = await handOver(deps, actor, [
      {
        fileName: `cutover-proof-${batch.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
        contentType: CSV_CONTENT_TYPE,
        body: proofCsv(reports),
        description: `Cut-over proof of batch ${batch}, per user and folder`,
      },
    ]);
    await deps.audit.record({
      actor,
      action: 'cutover.proof',
      target: batch,
      result: 'ok',
      detail: proof.verified ? 'verified' : `${proof.notReconciled.length} users do not reconcile`,
    });
    // Per-user lines only where the files went too (the asker's personal chat); a channel hears the totals.
    const shown = handover.status === 'sent' && handover.to === 'this-chat' ? proof.users.slice(0, 20) : [];
    return notice({
      title: proof.verified
        ? `Batch ${batch} is verified: every user reconciles`
        : `Batch ${batch} is not verified: ${proof.notReconciled.length} of ${proof.users.length} users do not reconcile`,
      tone: proof.verified ? 'good' : 'warn',
      text: shown.length
        ? 'Per user: source count, Exchange count, copied by Cutover, not copied, last pass.'
        : `${proof.users.length} users; the per-user proof is in the file.`,
      lines: [
        ...shown.map(
          (u) =>
            `${u.reconciled ? '✓' : '✗'} ${u.email}: source ${u.sourceCount}, Exchange ${u.targetCount ?? '—'}, copied ${u.copied}, not copied ${u.skipped}, last pass ${u.lastPassAt ? formatDate(new Date(u.lastPassAt)) : 'never'}${u.why ? ` — ${u.why}` : ''}`,
        ),
        ...(proof.users.length > shown.length ? [`…and ${proof.users.length - shown.length} more in the CSV.`] : []),
        handoverText(handover),
      ],
      actions: [{ title: 'Run delta pass', verb: 'cutover.delta', data: { batch } }],
      // Source vs target where they differ, for the users shown (the asker's personal chat only).
      charts: shown.some((u) => u.targetCount !== null && u.targetCount !== u.sourceCount)
        ? [sourceVsTargetBars(shown.flatMap((u) => (u.targetCount === null ? [] : [{ email: u.email, source: u.sourceCount, target: u.targetCount }])))]
        : [],
    });
  } catch (err) {
    return failed('Proof', err);
  }
}

export async function cutoverStepAction(deps: CutoverDeps, actor: Actor, batch: string, step: string, force: boolean, approved = false): Promise<ActionResult> {
  const asResult = (r: Reply): ActionResult => actionResult(r);
  if (!deps.cutover) return asResult(unavailable());
  if (!isStepId(step)) return asResult(notice({ title: 'This button is out of date', tone: 'warn', text: `There is no step "${step}".` }));
  const svc = deps.cutover;
  // Steps that do something in Exchange or copy mail do it before they are marked done.
  const plan0 = await svc.getPlan(batch);
  const pendingBefore = plan0 ? plan0.steps.slice(0, STEP_IDS.indexOf(step)).some((s) => s.status !== 'done') : false;
  // Four eyes: with approvers listed, removing the batch is asked for (once it would run: earlier steps done, or forced); it runs here again once approved.
  if (step === 'remove-batch' && plan0 && !plan0.removed && (!pendingBefore || force) && !approved && approvalsRequired(deps)) {
    const ps = toPowerShell('Remove-MigrationBatch', { Identity: batch, Confirm: false });
    const asked = await requestApproval(deps, actor, {
      action: 'cutover.remove-batch',
      target: batch,
      params: { force },
      what: `remove batch ${batch} (cut-over plan's last step${force ? ', forced past its guard' : ''})`,
      powershell: ps,
      batch,
    });
    return actionResult(asked, { keepOriginal: true, approval: asked.approval });
  }
  let did = '';
  if (plan0 && (!pendingBefore || force)) {
    if (step === 'sync-now') {
      await deps.exchange.syncMigrationBatchNow(batch);
      did = 'Set-MigrationBatch -SyncNow sent. ';
    } else if (step === 'delta-pass' || step === 'repeat-delta') {
      // A pass can outlast the chat turn: answer at once, then update this card as it goes.
      return deltaStepFollowUp(deps, actor, batch, step, force);
    } else if (step === 'remove-batch') {
      const guard = await svc.step(batch, step, who(actor), false);
      if (!guard.ok && !force) return refusal(deps, actor, batch, step, guard.reason, guard.canForce);
      await removeKeepingHistory(deps, actor, batch);
      did = "Remove-MigrationBatch sent (each user's final record kept: batch history " + batch + '). ';
      if (guard.ok) {
        await deps.audit.record({ actor, action: `cutover.step.${step}`, target: batch, result: 'ok', detail: 'Remove-MigrationBatch' });
        did += await auditRevoke(deps, actor, batch, guard.revoked);
        return asResult(await planCard(deps, guard.plan, { text: did }));
      }
    }
  }
  const r = await svc.step(batch, step, who(actor), force);
  if (!r.ok) return refusal(deps, actor, batch, step, r.reason, r.canForce, did);
  if (step === 'remove-batch') did += await auditRevoke(deps, actor, batch, r.revoked);
  await deps.audit.record({ actor, action: `cutover.step.${step}`, target: batch, result: 'ok', detail: `${did}${r.note ?? ''}`.trim() || undefined });
  return asResult(await planCard(deps, r.plan, { text: `${did}${STEP_TITLES[step]}: done${r.note ? ` (${r.note})` : ''}.` }));
}

async function auditRevoke(
  deps: CommandDeps,
  actor: Actor,
  batch: string,
  revoked: { removed: string[]; failed: { email: string; why: string }[] } | null | undefined,
): Promise<string> {
  if (!revoked) return '';
  await deps.audit.record({
    actor,
    action: 'cutover.grant.remove',
    target: batch,
    result: revoked.failed.length ? 'failed' : 'ok',
    detail: `Remove-MailboxPermission FullAccess: ${revoked.removed.length} removed${revoked.failed.length ? `; still held: ${revoked.failed.map((f) => `${f.email} (${f.why})`).join(', ')}` : ''}`,
  });
  return revoked.failed.length
    ? `FullAccess grants: ${revoked.removed.length} removed, ${revoked.failed.length} could not be (see audit). `
    : `FullAccess grants removed from ${revoked.removed.length} mailboxes. `;
}

/** The delta-pass / repeat-delta buttons: the pass runs after the turn, then the step is marked done. */
function deltaStepFollowUp(deps: CutoverDeps, actor: Actor, batch: string, step: StepId, force: boolean): ActionResult {
  const running = (done: number, total: number, copied: number) =>
    notice({
      title: `Delta pass for ${batch} running`,
      text: `${STEP_TITLES[step]}: comparing each user's source folders with Exchange and copying what is missing.`,
      facts: [
        { title: 'Users done', value: total ? `${done} of ${total}` : 'starting' },
        { title: 'Copied so far', value: String(copied) },
      ],
    });
  const first = running(0, 0, 0);
  const followUp: FollowUp = async (sink) => {
    let last = 0;
    let chain: Promise<void> = Promise.resolve();
    const r = await deltaReply(deps, actor, batch, (p) => {
      if (Date.now() - last < 1500 || p.done === p.total) return;
      last = Date.now();
      chain = chain.then(() => sink.update(running(p.done, p.total, p.copied))).catch(() => undefined);
    });
    await chain;
    const did = `${r.summary}. `;
    const res = await deps.cutover!.step(batch, step, who(actor), force);
    if (!res.ok) {
      const refused = await refusal(deps, actor, batch, step, res.reason, res.canForce, did);
      await sink.update({ card: refused.card, summary: refused.summary });
      return;
    }
    await deps.audit.record({ actor, action: `cutover.step.${step}`, target: batch, result: 'ok', detail: `${did}${res.note ?? ''}`.trim() });
    await sink.update(await planCard(deps, res.plan, { text: `${did}${STEP_TITLES[step]}: done${res.note ? ` (${res.note})` : ''}.` }));
  };
  return actionResult(first, { followUp });
}

async function refusal(deps: CutoverDeps, actor: Actor, batch: string, step: StepId, reason: string, canForce: boolean, did = ''): Promise<ActionResult> {
  await deps.audit.record({ actor, action: `cutover.step.${step}`, target: batch, result: 'refused', detail: reason });
  const r = notice({
    title: `Not yet: ${STEP_TITLES[step]}`,
    tone: 'warn',
    text: `${did}${reason}`,
    actions: [
      ...(canForce ? [{ title: `Force: ${BUTTONS[step]}`, verb: 'cutover.step', data: { batch, step, force: true }, style: 'destructive' as const }] : []),
      { title: 'Plan', verb: 'cutover.plan', data: { batch } },
    ],
  });
  return actionResult(r, { keepOriginal: true });
}

export async function cutoverPlanAction(deps: CutoverDeps, batch: string): Promise<ActionResult> {
  const plan = deps.cutover ? await deps.cutover.getPlan(batch) : null;
  const r = plan ? await planCard(deps, plan) : notice({ title: `No cut-over plan for ${batch}`, tone: 'warn', usage: ['cutover plan batch <name>'] });
  return actionResult(r);
}

/** Who the scheduled passes are in the audit log. */
export const SCHEDULER_ACTOR: Actor = { id: 'cutover-scheduler', name: 'Cutover (scheduled)' };

/** The cards the cut-over scheduler posts to a plan's conversation (src/services/cutoverScheduler.ts). */
export function schedulerCards(deps: CutoverDeps) {
  const next = (at: Date | null) =>
    at ? `Next scheduled pass: ${formatDate(at)}.` : 'No further scheduled pass: the final pass is recorded or the plan has ended.';
  return {
    passRunning: (batch: string): Reply =>
      notice({
        title: `Scheduled delta pass for ${batch} running`,
        text: 'The old server may still receive mail after the MX switch: Cutover copies what reached it since the last pass.',
      }),
    passDone: (batch: string, s: DeltaPassSummary, nextAt: Date | null): Reply =>
      deltaSummaryReply(batch, s, {
        title: `Scheduled delta pass for ${batch}: ${s.copied} copied${s.skipped ? `, ${s.skipped} not copied` : ''} (${formatDate(new Date(s.finishedAt))})`,
        lines: [next(nextAt)],
      }),
    passFailed: (batch: string, why: string, nextAt: Date | null): Reply =>
      notice({
        title: `Scheduled delta pass for ${batch} did not run`,
        tone: 'warn',
        text: why,
        lines: [next(nextAt)],
        actions: [{ title: 'Plan', verb: 'cutover.plan', data: { batch } }],
      }),
    dnsWatch: (plan: CutoverPlan): Reply =>
      notice({
        title: `DNS watch for ${plan.domain} (batch ${plan.batch})`,
        tone: plan.dnsWatch?.visibleAt && plan.dnsWatch.ttlRunOutAt ? 'good' : '',
        text: dnsWatchText(plan),
        facts: [
          { title: 'Seen by', value: plan.dnsWatch?.seenBy.join(', ') || 'no resolver yet' },
          { title: 'Not yet', value: plan.dnsWatch?.notYet.join(', ') || '—' },
          { title: 'Resolvers', value: deps.cutover?.resolverLabels.join(', ') ?? '' },
        ],
        actions: [{ title: 'Plan', verb: 'cutover.plan', data: { batch: plan.batch } }],
      }),
    dnsEvent: (plan: CutoverPlan, kind: 'visible' | 'ttl'): Reply =>
      kind === 'visible'
        ? notice({
            title: `${plan.domain}: the new MX is visible from every resolver`,
            tone: 'good',
            text: `Seen by ${plan.dnsWatch?.seenBy.join(', ')}.`,
            actions: [{ title: 'Plan', verb: 'cutover.plan', data: { batch: plan.batch } }],
          })
        : notice({
            title: `${plan.domain}: the old MX TTL has run out`,
            tone: 'good',
            text: `Senders that cached the old MX have had ${plan.initialMxTtl ?? 3600} s to refresh it; mail now reaches Exchange Online. Delta passes go on until the final pass.`,
            actions: [{ title: 'Plan', verb: 'cutover.plan', data: { batch: plan.batch } }],
          }),
    switchReminder: (plan: CutoverPlan, reminder: SwitchReminderId): Reply =>
      notice({
        title: `Reminder: MX switch for ${plan.domain} (batch ${plan.batch}) ${reminder === '24h' ? 'tomorrow' : 'within the hour'}`,
        text: `Planned for ${plannedSwitchText(plan)}. Switch MX to ${exchangeMxTarget(plan.domain)} then, and press MX switched on the plan: the sync and the delta passes start when the switch is seen in DNS, not at the planned minute.`,
        actions: [{ title: 'Plan', verb: 'cutover.plan', data: { batch: plan.batch } }],
      }),
  };
}

export function plannedSwitchText(plan: CutoverPlan): string {
  const p = plan.plannedSwitch;
  return p ? describeWhen(new Date(p.at), p.timeZone) : 'not planned';
}
