// After the MX switch the old server may still receive mail (senders with the old MX cached), so
// delta passes repeat on an interval until the final pass (at least 72 h after the switch), and
// the DNS is watched until the new MX is visible from every resolver and the old TTL has run out.
// Runs on the leader instance only (the watcher's lease); what it does is stored on the plan, so
// a restart or a new leader carries on. Results go to the conversation the plan was made in: one
// card per plan for the passes and one for the DNS watch, each updated in place, plus a message
// when the switch is visible everywhere and when the old TTL has run out.

import type { Logger } from '../ports/logger';
import type { Reply } from '../cards/reply';
import type { Clock } from '../ports/clock';
import { oldTtlExpiresAt, type CutoverPlan } from '../domain/cutover/plan';
import type { CutoverService, DeltaPassOptions, DeltaPassSummary } from './cutover';
import type { StoredConversation } from './conversations';
import type { NotificationSink } from './watcher/sink';
import { errorText } from '../lib/errorText';
import { dueSwitchReminder, type SwitchReminderId } from '../domain/cutover/switchReminder';

export interface SchedulerCards {
  passRunning(batch: string): Reply;
  passDone(batch: string, summary: DeltaPassSummary, nextAt: Date | null): Reply;
  passFailed(batch: string, why: string, nextAt: Date | null): Reply;
  dnsWatch(plan: CutoverPlan): Reply;
  dnsEvent(plan: CutoverPlan, kind: 'visible' | 'ttl'): Reply;
  switchReminder(plan: CutoverPlan, reminder: SwitchReminderId): Reply;
}

export interface CutoverSchedulerOptions {
  cutover: CutoverService;
  conversations: { get(id: string): Promise<StoredConversation | null> };
  sink: NotificationSink;
  /** Checked before every pass and every send: only the leader acts. */
  isLeader(): boolean;
  clock: Clock;
  deltaIntervalMs: number;
  dnsIntervalMs: number;
  /** Runs one audited pass (src/commands/cutover.ts runAuditedDeltaPass as the scheduler). */
  runPass(batch: string, options: DeltaPassOptions): Promise<DeltaPassSummary>;
  cards: SchedulerCards;
  log: Logger;
  /** How often it looks for due work (default: the shorter interval, at most 30 s). */
  tickMs?: number;
}

/** When the next scheduled pass is due (null: none, the plan is not switched or has ended). */
export function nextPassAt(plan: CutoverPlan, intervalMs: number): Date | null {
  if (!plan.switchedAt || plan.removed) return null;
  if (plan.steps.find((s) => s.id === 'repeat-delta')?.status === 'done') return null;
  const lastPass = plan.deltaPasses.length ? Date.parse(plan.deltaPasses[plan.deltaPasses.length - 1]) : 0;
  const lastAttempt = plan.scheduled?.lastAttemptAt ? Date.parse(plan.scheduled.lastAttemptAt) : 0;
  return new Date(Math.max(Date.parse(plan.switchedAt), lastPass, lastAttempt) + intervalMs);
}

export class CutoverScheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private running = false;

  constructor(private readonly o: CutoverSchedulerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const every = this.o.tickMs ?? Math.min(30_000, this.o.deltaIntervalMs, this.o.dnsIntervalMs);
    const loop = () => {
      if (!this.running) return;
      this.ticking = this.tick()
        .catch((err) => this.o.log.warn('cut-over scheduler tick failed', { error: errorText(err) }))
        .finally(() => {
          this.ticking = null;
          if (this.running) {
            this.timer = setTimeout(loop, every);
            this.timer.unref();
          }
        });
    };
    loop();
  }

  /** Stops looking for work; passes in flight are stopped (the next leader resumes them without duplicates). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const f of this.inFlight.values()) f.abort.abort();
    await this.ticking;
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  /** Passes still running (tests wait on them). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  async tick(): Promise<void> {
    if (!this.o.isLeader()) return;
    for (const batch of await this.o.cutover.planBatches()) {
      if (!this.o.isLeader()) return;
      const plan = await this.o.cutover.getPlan(batch);
      if (!plan || plan.removed) continue;
      if (!plan.switchedAt) {
        // A planned switch only brings reminders; the passes wait for the switch itself.
        await this.remind(plan).catch((err) => this.o.log.warn('switch reminder not delivered', { batch, error: errorText(err) }));
        continue;
      }
      try {
        await this.watchDns(plan);
      } catch (err) {
        this.o.log.warn('DNS watch failed', { batch, error: errorText(err) });
      }
      await this.maybePass(batch);
    }
  }

  /** The reminder due before a planned MX switch, posted once (recorded on the plan, so a restart or a new leader does not repeat it). */
  private async remind(plan: CutoverPlan): Promise<void> {
    const due = dueSwitchReminder(plan.plannedSwitch, { now: this.o.clock.now(), switched: !!plan.switchedAt });
    if (!due) return;
    const conv = plan.conversationId ? await this.o.conversations.get(plan.conversationId) : null;
    // No stored conversation yet (its reference is saved after the turn that made the plan): try at
    // the next tick rather than record a reminder nobody received.
    if (!conv || !this.o.isLeader()) return;
    await this.o.sink.send(conv.reference, this.o.cards.switchReminder(plan, due.id));
    await this.o.cutover.patchPlan(plan.batch, (cur) =>
      cur.plannedSwitch && cur.plannedSwitch.at === plan.plannedSwitch?.at
        ? { plannedSwitch: { ...cur.plannedSwitch, reminded: [...new Set([...cur.plannedSwitch.reminded, ...due.mark])] } }
        : undefined,
    );
  }

  private async watchDns(plan: CutoverPlan): Promise<void> {
    const w = plan.dnsWatch;
    if (w?.visibleAt && w.ttlRunOutAt) return;
    const now = this.o.clock.now();
    if (w?.lastPollAt && now.getTime() - Date.parse(w.lastPollAt) < this.o.dnsIntervalMs) return;
    const check = await this.o.cutover.checkDomain(plan.domain);
    const ttl = oldTtlExpiresAt(plan);
    const events: ('visible' | 'ttl')[] = [];
    const next = await this.o.cutover.patchPlan(plan.batch, (cur) => {
      const prev = cur.dnsWatch ?? { seenBy: [], notYet: [], announced: [] };
      const watch = { ...prev, lastPollAt: now.toISOString(), seenBy: check.visibility.seenBy, notYet: check.visibility.notYet };
      if (check.visibility.visibleEverywhere && !watch.visibleAt) watch.visibleAt = now.toISOString();
      if (ttl && ttl.getTime() <= now.getTime() && !watch.ttlRunOutAt) watch.ttlRunOutAt = ttl.toISOString();
      return { dnsWatch: watch };
    });
    if (!next?.dnsWatch) return;
    if (next.dnsWatch.visibleAt && !next.dnsWatch.announced.includes('visible')) events.push('visible');
    if (next.dnsWatch.ttlRunOutAt && !next.dnsWatch.announced.includes('ttl')) events.push('ttl');
    const conv = next.conversationId ? await this.o.conversations.get(next.conversationId) : null;
    if (!conv || !this.o.isLeader()) return;
    const card = this.o.cards.dnsWatch(next);
    if (next.dnsWatch.activityId) await this.o.sink.update(conv.reference, next.dnsWatch.activityId, card);
    else {
      const activityId = await this.o.sink.send(conv.reference, card);
      await this.o.cutover.patchPlan(plan.batch, (cur) => ({ dnsWatch: { ...cur.dnsWatch!, activityId } }));
    }
    for (const e of events) {
      if (!this.o.isLeader()) return;
      await this.o.sink.send(conv.reference, this.o.cards.dnsEvent(next, e));
      // Said once: a new leader reads this and does not say it again.
      await this.o.cutover.patchPlan(plan.batch, (cur) => ({
        dnsWatch: { ...cur.dnsWatch!, announced: [...new Set([...(cur.dnsWatch?.announced ?? []), e])] },
      }));
    }
  }

  private async maybePass(batch: string): Promise<void> {
    if (this.inFlight.has(batch)) return;
    const plan = await this.o.cutover.getPlan(batch);
    const due = plan ? nextPassAt(plan, this.o.deltaIntervalMs) : null;
    if (!plan || !due || due.getTime() > this.o.clock.now().getTime()) return;
    // A pass started by an admin (or on another instance) is not overlapped; it counts as the pass.
    if (await this.o.cutover.passRunning(batch)) return;
    if (!this.o.isLeader()) return;
    const at = this.o.clock.now().toISOString();
    await this.o.cutover.patchPlan(batch, (cur) => ({ scheduled: { ...cur.scheduled, lastAttemptAt: at } }));
    const abort = new AbortController();
    const done = this.runPass(plan, abort).finally(() => this.inFlight.delete(batch));
    this.inFlight.set(batch, { abort, done });
  }

  private async runPass(plan: CutoverPlan, abort: AbortController): Promise<void> {
    const batch = plan.batch;
    const conv = plan.conversationId ? await this.o.conversations.get(plan.conversationId).catch(() => null) : null;
    let activityId = plan.scheduled?.activityId;
    const post = async (reply: Reply) => {
      if (!conv || !this.o.isLeader()) return;
      try {
        if (activityId) await this.o.sink.update(conv.reference, activityId, reply);
        else {
          const id = await this.o.sink.send(conv.reference, reply);
          activityId = id;
          await this.o.cutover.patchPlan(batch, (cur) => ({ scheduled: { ...cur.scheduled, activityId: id } }));
        }
      } catch (err) {
        this.o.log.warn('scheduled delta pass card not delivered', { batch, error: errorText(err) });
      }
    };
    await post(this.o.cards.passRunning(batch));
    let result: string;
    try {
      const summary = await this.o.runPass(batch, { signal: abort.signal });
      result = `${summary.copied} copied${summary.skipped ? `, ${summary.skipped} not copied` : ''}${summary.failedUsers.length ? `, ${summary.failedUsers.length} users failed` : ''}`;
      const after = await this.o.cutover.patchPlan(batch, (cur) => ({ scheduled: { ...cur.scheduled, activityId, lastResult: result } }));
      await post(this.o.cards.passDone(batch, summary, after ? nextPassAt(after, this.o.deltaIntervalMs) : null));
    } catch (err) {
      if (abort.signal.aborted) return;
      const why = errorText(err).slice(0, 300);
      result = `failed: ${why}`;
      const after = await this.o.cutover.patchPlan(batch, (cur) => ({ scheduled: { ...cur.scheduled, activityId, lastResult: result } }));
      await post(this.o.cards.passFailed(batch, why, after ? nextPassAt(after, this.o.deltaIntervalMs) : null));
    }
  }
}
