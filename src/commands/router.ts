// One entry for chat messages and one for card buttons. Checks who may do what,
// sends each command family to its handler, and turns any unexpected failure into
// a short card (never a stack trace in the chat).

import type { Logger } from '../ports/logger';
import * as fs from 'node:fs';
import { isAdmin } from './access';
import { askRemoveBatch, changeBatch, confirmRemoveBatch, listBatches, showBatch } from './batch';
import { cancelBatch, createBatch, newBatch, pastedCsvOutsidePersonalChat, SAMPLE_CSV, validationCard } from './batchNew';
import { checkCsvAgainstExchange, endpointOfKept, readKeptCsv } from './csvCheck';
import { addEndpoint, listEndpoints, removeEndpoint, testEndpoint } from './endpoint';
import { helpReply } from './help';
import { setMailboxLimit, showMailbox } from './mailbox';
import { auditReply } from './audit';
import { statusReply } from './status';
import { listSubscriptions, subscribe, unsubscribe } from './subscriptions';
import { cutoverCheck, cutoverDelta, cutoverPlanAction, cutoverPlanCommand, cutoverProof, cutoverStepAction } from './cutover';
import { cancelConfirmation } from './confirmed';
import { csvBuildAction, csvBuildCommand } from './csvBuild';
import { parseCommand } from './parse';
import { guideAction, guideCommand, guideSendBatch, guideStatus, hasPimFile, importFiles } from './guide';
import { cancelPreflight, createFromPreflight, preflightCommand, preflightPending, raiseLimitsFromPreflight } from './preflight';
import { chooseReading, endpointForUpload } from './pendingUpload';
import { actionResult, type ActionRequest, type ActionResult, type CommandDeps, type CommandRequest, type CommandResult, type Reply } from './types';
import { askRemoveUser, confirmRemoveUser, reportUser, showUser } from './user';
import { batchHistory, exportHistory, userHistory } from './history';
import { decideApproval } from './approvals';
import { parseWhen } from '../domain/schedule/when';
import { cancelPlannedSwitch, cancelScheduled, scheduleReply } from './schedule';
import { notice, usageReply } from './views';
import { errorText } from '../lib/errorText';

export type { Logger } from '../ports/logger';

function one(reply: Reply): CommandResult {
  return { replies: [reply] };
}

/** A confirmation card, or an approval request's card (then remembered and posted in the batch's channels). */
function asked(reply: Reply & { approval?: string }): CommandResult {
  return { replies: [{ card: reply.card, summary: reply.summary }], ...(reply.approval ? { approval: reply.approval } : {}) };
}

function askedAction(reply: Reply & { approval?: string }): ActionResult {
  return { card: reply.card, summary: reply.summary, keepOriginal: true, ...(reply.approval ? { approval: reply.approval } : {}) };
}

function refusal(): Reply {
  return notice({
    title: 'That is for Cutover admins',
    tone: 'warn',
    text: 'Migration commands are open only to the admins your Exchange team listed. Type help to see what you can do.',
  });
}

function oops(): Reply {
  return notice({
    title: 'Something went wrong on my side',
    tone: 'bad',
    text: 'Cutover hit an unexpected error and did not finish. Nothing secret was logged. Try again; if it keeps happening, tell your Cutover operator the time of this message.',
  });
}

export class CommandRouter {
  constructor(
    private readonly deps: CommandDeps,
    private readonly log: Logger,
  ) {}

  async handleMessage(req: CommandRequest): Promise<CommandResult> {
    try {
      return await this.dispatch(req);
    } catch (err) {
      this.log.error('command failed', { error: errorText(err), family: req.text.split(/\s/)[0]?.slice(0, 20) });
      return one(oops());
    }
  }

  async handleAction(req: ActionRequest): Promise<ActionResult> {
    try {
      return await this.dispatchAction(req);
    } catch (err) {
      this.log.error('card action failed', { error: errorText(err), verb: req.verb });
      const r = oops();
      return actionResult(r);
    }
  }

  private async dispatch(req: CommandRequest): Promise<CommandResult> {
    const { deps } = this;
    const text = req.text.trim();
    // A bare file in personal chat: say how to use it rather than ignoring it.
    // A contacts or calendar file on its own is an import for the guide (anyone may).
    if (text === '' && hasPimFile(req.files)) return importFiles(deps, req.actor, req.files);
    if (text === '' && req.files.length > 0) {
      return one(
        notice({
          title: 'What should I do with this file?',
          tone: 'warn',
          text: 'To create a migration batch from it, send "batch new <name>" with the CSV attached.',
          usage: ['batch new <name> [endpoint <endpoint>] [exclude <folder>,<folder>…]'],
        }),
      );
    }
    const parsed = parseCommand(text);
    if (!parsed.ok) return one(usageReply(parsed.problem, parsed.family, parsed.verb));
    const c = parsed.command;
    // Secrets stay out of channels: a CSV pasted there is answered, never read.
    if (req.where.kind !== 'personal' && 'pastedCsv' in c && c.pastedCsv !== undefined) return one(pastedCsvOutsidePersonalChat(req.where));
    if (c.kind === 'help') return one(helpReply(req.actor, deps));
    if (c.kind === 'guide') return guideCommand(deps, req.actor, c.client);
    if (c.kind === 'import') return importFiles(deps, req.actor, req.files);
    if (!isAdmin(req.actor, deps.access)) {
      await deps.audit.record({ actor: req.actor, action: c.kind, result: 'refused', detail: 'not an admin' });
      return one(refusal());
    }
    const a = req.actor;
    switch (c.kind) {
      case 'endpoint.list':
        return one(await listEndpoints(deps));
      case 'endpoint.add':
        return one(await addEndpoint(deps, a, c));
      case 'endpoint.test':
        return one(await testEndpoint(deps, a, c.name));
      case 'endpoint.remove':
        return one(await removeEndpoint(deps, a, c.name));
      case 'batch.new': {
        // start <when>: read in the admin's Teams time zone against Exchange's clock, then -StartAfter (UTC).
        if (c.start === undefined) return newBatch(deps, a, req.where.conversationId, c, req.files);
        const when = parseWhen(c.start, { now: (deps.exchangeClock ?? deps.clock).now(), timeZone: req.timeZone });
        if (!when.ok) return one(usageReply(when.problem, 'batch', 'new'));
        return newBatch(deps, a, req.where.conversationId, { ...c, startAfter: when.at, timeZone: when.timeZone }, req.files);
      }
      case 'batch.list':
        return one(await listBatches(deps));
      case 'batch.show':
        return showBatch(deps, c.name);
      case 'batch.start':
        return changeBatch(deps, a, 'start', c.name);
      case 'batch.stop':
        return changeBatch(deps, a, 'stop', c.name);
      case 'batch.sync':
        return changeBatch(deps, a, 'sync', c.name);
      case 'batch.remove':
        return asked(await askRemoveBatch(deps, a, c.name));
      case 'batch.history':
        return one(await batchHistory(deps, c.name));
      case 'user.history':
        return one(await userHistory(deps, c.email));
      case 'user.show':
        return one(await showUser(deps, c.email));
      case 'user.report':
        return one(await reportUser(deps, a, c.email));
      case 'user.remove':
        return asked(await askRemoveUser(deps, a, c.email));
      case 'mailbox.show':
        return one(await showMailbox(deps, c.email));
      case 'mailbox.limit':
        return one(await setMailboxLimit(deps, a, c.email, c.bytes));
      case 'preflight':
        return preflightCommand(deps, a, c, req.files);
      case 'csv.build':
        return csvBuildCommand(deps, a, c, req.files);
      case 'cutover.check':
        return one(await cutoverCheck(deps, c.domain));
      case 'cutover.plan': {
        // switch <when>: the planned MX switch, read in the admin's Teams time zone.
        if (c.switchAt === undefined) return cutoverPlanCommand(deps, a, { ...c, switchAt: undefined }, req.files, req.where);
        const when = parseWhen(c.switchAt, { now: deps.clock.now(), timeZone: req.timeZone });
        if (!when.ok) return one(usageReply(when.problem, 'cutover', 'plan'));
        return cutoverPlanCommand(deps, a, { ...c, switchAt: when.at, timeZone: when.timeZone }, req.files, req.where);
      }
      case 'cutover.delta':
        return cutoverDelta(deps, a, c.batch);
      case 'cutover.proof':
        return one(await cutoverProof(deps, a, c.batch));
      case 'guide.status':
        return one(await guideStatus(deps, c.batch));
      case 'guide.send':
        return one(await guideSendBatch(deps, a, c.batch));
      case 'audit':
        return one(await auditReply(deps, c.limit));
      case 'subscribe':
        return subscribe(deps, a, req.where, c.target);
      case 'unsubscribe':
        return one(await unsubscribe(deps, a, req.where, c.target));
      case 'subscriptions':
        return one(await listSubscriptions(deps, req.where));
      case 'status':
        return one(await statusReply(deps));
      case 'schedule':
        return one(await scheduleReply(deps, req.timeZone));
    }
  }

  private async dispatchAction(req: ActionRequest): Promise<ActionResult> {
    const { deps } = this;
    const a = req.actor;
    const d = req.data;
    const str = (k: string): string => (typeof d[k] === 'string' ? (d[k] as string) : '');
    const num = (k: string): number => (typeof d[k] === 'number' && Number.isInteger(d[k]) ? (d[k] as number) : 0);
    // Approvers need not be admins: the approval itself checks CUTOVER_APPROVERS and the requester.
    if (req.verb === 'approval.approve' || req.verb === 'approval.reject') {
      return decideApproval(deps, a, str('approval'), req.verb === 'approval.approve' ? 'approved' : 'rejected', {
        cutoverRemove: (approver, batch, force) => cutoverStepAction(deps, approver, batch, 'remove-batch', force, true),
      });
    }
    // The guide and imports are for everyone; guide.send is the admin's.
    if ((req.verb.startsWith('guide.') && req.verb !== 'guide.send') || req.verb.startsWith('import.')) return guideAction(deps, a, req.verb, d);
    if (!isAdmin(a, deps.access)) {
      await deps.audit.record({ actor: a, action: req.verb, result: 'refused', detail: 'not an admin' });
      const r = refusal();
      return actionResult(r);
    }
    const fromCommand = (r: CommandResult): ActionResult => {
      const [first, ...rest] = r.replies;
      // An approval card goes below the pressed card (a progress card), which stays.
      if (r.approval) return actionResult(first, { replies: rest, keepOriginal: true, approval: r.approval });
      return actionResult(first, { replies: rest, watch: r.watch });
    };
    switch (req.verb) {
      case 'batch.refresh': {
        const r = await showBatch(deps, str('batch'), num('page'));
        return fromCommand(r);
      }
      case 'batch.list':
        return actionResult(await listBatches(deps, num('page')));
      case 'batch.start':
      case 'batch.stop':
      case 'batch.sync':
        return fromCommand(await changeBatch(deps, a, req.verb.slice(6) as 'start', str('batch')));
      case 'batch.remove':
        return askedAction(await askRemoveBatch(deps, a, str('batch')));
      case 'batch.remove.confirm':
        return confirmRemoveBatch(deps, a, str('confirmation'));
      case 'batch.create':
        return createBatch(deps, a, str('pending'), d.dropProblems === true);
      case 'batch.sample': {
        if (deps.access.mode !== 'local' || !fs.existsSync(SAMPLE_CSV)) return actionResult(notice({ title: 'Only in local mode', tone: 'warn' }));
        const exclude = Array.isArray(d.exclude) ? d.exclude.filter((x): x is string => typeof x === 'string') : [];
        const r = await newBatch(
          deps,
          a,
          req.where.conversationId,
          { name: str('name'), endpoint: str('endpoint') || undefined, excludeFolders: exclude, pastedCsv: fs.readFileSync(SAMPLE_CSV, 'utf8') },
          [],
        );
        return fromCommand(r);
      }
      case 'batch.cancel':
        return cancelBatch(deps, a, str('pending'));
      case 'batch.problems':
        return this.problemsPage(str('pending'), num('page'));
      case 'batch.reading':
        return chooseReading(deps, a, d);
      case 'upload.endpoint':
        return endpointForUpload(deps, a, d);
      case 'user.report':
        return actionResult(await reportUser(deps, a, str('email')), { keepOriginal: true });
      case 'user.remove':
        return askedAction(await askRemoveUser(deps, a, str('email')));
      case 'user.remove.confirm':
        return confirmRemoveUser(deps, a, str('confirmation'));
      case 'mailbox.limit':
        return actionResult(await setMailboxLimit(deps, a, str('email'), num('bytes')));
      case 'csv.build':
        return csvBuildAction(deps, a, d);
      case 'preflight.run':
        return preflightPending(deps, a, str('pending'));
      case 'preflight.cancel':
        return cancelPreflight(deps, a, str('run'));
      case 'preflight.raiseLimits':
        return raiseLimitsFromPreflight(deps, a, str('run'));
      case 'preflight.create':
        return createFromPreflight(deps, a, str('run'));
      case 'cutover.step':
        return cutoverStepAction(deps, a, str('batch'), str('step'), d.force === true);
      case 'cutover.plan':
        return cutoverPlanAction(deps, str('batch'));
      case 'cutover.delta': {
        const r = cutoverDelta(deps, a, str('batch'));
        return actionResult(r.replies[0], { keepOriginal: true, followUp: r.followUp });
      }
      case 'cutover.proof':
        return actionResult(await cutoverProof(deps, a, str('batch')), { keepOriginal: true });
      case 'guide.send':
        return actionResult(await guideSendBatch(deps, a, str('batch')), { keepOriginal: true });
      case 'schedule.cancel':
        return cancelScheduled(deps, a, str('batch'));
      case 'schedule.cancelSwitch':
        return cancelPlannedSwitch(deps, a, str('batch'));
      case 'history.export':
        return actionResult(await exportHistory(deps, a, { batch: str('batch') || undefined, email: str('email') || undefined }), { keepOriginal: true });
      case 'confirm.cancel':
        return cancelConfirmation(deps, a, str('confirmation'), str('action'));
      default:
        return actionResult(
          notice({ title: 'This button is out of date', tone: 'warn', text: `Cutover no longer knows "${req.verb}". Type help for the current commands.` }),
        );
    }
  }

  private async problemsPage(pendingId: string, page: number): Promise<ActionResult> {
    const peeked = await this.deps.pending.peek(pendingId);
    if (!peeked) {
      const r = notice({
        title: 'This upload is gone',
        tone: 'warn',
        text: 'It was created, cancelled, or expired after 30 minutes. Attach the CSV again with batch new.',
      });
      return actionResult(r);
    }
    try {
      const entry = peeked.pending;
      const validation = await checkCsvAgainstExchange(this.deps, readKeptCsv(peeked));
      const endpoint = await endpointOfKept(this.deps, entry);
      const r = validationCard(
        { batch: entry.batchName, endpoint, excludeFolders: entry.excludeFolders, fileName: String(entry.summary.fileName ?? 'CSV'), pendingId },
        validation,
        page,
      );
      return actionResult(r);
    } finally {
      peeked.csv.fill(0);
    }
  }
}
