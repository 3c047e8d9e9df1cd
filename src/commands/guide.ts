// guide: the end-user cutover checklist as cards (for everyone), the contacts/calendar
// import from an attached .vcf/.ics, and the admin side (guide status, guide send batch).

import { guideClientPickerCard, guideStepCard } from '../cards/guideStep';
import { guideStatusCard } from '../cards/guideStatus';
import { importPreviewCard } from '../cards/importPreview';
import { importResultCard } from '../cards/importResult';
import { isPimFileName } from '../domain/pim';
import {
  askHelp,
  chooseClient,
  CLIENTS,
  currentStep,
  isStepId,
  markDone,
  parseClient,
  progressLine,
  stepsFor,
  stepTitle,
  type GuideProgress,
  type MailClient,
  type StepId,
} from '../domain/guide/steps';
import { findUserByAddress, GraphError, hasExchangeLicence, PLANS_WITH_EXCHANGE, type GraphUser } from '../ports/graph';
import type { GuidePerson } from '../services/guideProgress';
import type { OfferRecord } from '../services/guideOffers';
import type { ImportOutcome } from '../services/pimImport';
import {
  actionResult,
  FileFetchError,
  type ActionResult,
  type Actor,
  type CommandDeps,
  type CommandResult,
  type GuideDeps,
  type IncomingFile,
  type Reply,
} from './types';

export type { GuideDeps };
import { formatDate, notice } from './views';
import { readBatchUsers } from './batchUsers';
import { forEachLimited } from '../lib/pool';

const MAX_LIST = 15;
/** "I need help" reaches the admin channels at most once per person in this time. */
export const HELP_INTERVAL_MS = 10 * 60_000;

function need(deps: CommandDeps): GuideDeps | null {
  return deps.guide ?? null;
}

function unavailable(): Reply {
  return notice({
    title: 'The guide is not set up here',
    tone: 'warn',
    text: 'Cutover has no Microsoft Graph connection, which the guide needs. Ask your Cutover operator.',
  });
}

interface Person extends GuidePerson {
  user: GraphUser | null;
}

async function personOf(g: GuideDeps, actor: Actor): Promise<Person> {
  let user: GraphUser | null = null;
  if (actor.aadObjectId) {
    try {
      user = await g.graph.getUser(actor.aadObjectId);
    } catch {
      user = null;
    }
  }
  return { key: actor.aadObjectId ?? actor.id, name: actor.name ?? user?.displayName, email: user?.mail ?? user?.userPrincipalName, user };
}

async function licenceWarning(g: GuideDeps, user: GraphUser | null): Promise<string | null> {
  if (!user) return null;
  try {
    if (hasExchangeLicence(await g.graph.licenseDetails(user.id))) return null;
  } catch {
    return null;
  }
  return `${user.mail ?? user.userPrincipalName} has no Exchange Online licence yet, so there is no mailbox to move to. Ask your IT team for a plan that includes Exchange (for example ${PLANS_WITH_EXCHANGE.slice(0, 2).join(' or ')}).`;
}

/** What `guide send batch` posts to each person: the start of their guide. */
export function guideOffer(): Reply {
  return guideClientPickerCard(
    'Your mailbox is moving to Exchange Online. This short guide takes you through what to do in your mail program; your progress is kept.',
  );
}

/** What the watcher posts by itself when a person's first sync has landed. */
export function guideOfferSynced(): Reply {
  return guideClientPickerCard(
    'Your mail has been copied to Exchange Online, and new mail keeps being copied until the switch. This short guide takes you through what to do in your mail program now; your progress is kept.',
  );
}

/** guide [client <name>] */
export async function guideCommand(deps: CommandDeps, actor: Actor, clientWord?: string): Promise<CommandResult> {
  const g = need(deps);
  if (!g) return { replies: [unavailable()] };
  const person = await personOf(g, actor);
  const warning = await licenceWarning(g, person.user);
  const warnings = warning ? [warning] : [];
  if (clientWord !== undefined) {
    const client = parseClient(clientWord);
    if (!client) return { replies: [guideClientPickerCard(`I don't know the mail program "${clientWord}". Pick yours:`, warnings)] };
    const p = await g.progress.update(person, (cur) => chooseClient(cur, client, deps.clock.now()));
    return { replies: [guideStepCard(p, currentStep(p), { warnings })] };
  }
  const p = await g.progress.update(person, (cur) => cur);
  if (!p.client)
    return {
      replies: [
        guideClientPickerCard('Cutover walks you through the five things to do after your mail moved. First: which mail program do you use?', warnings),
      ],
    };
  return {
    replies: [
      guideStepCard(p, currentStep(p), {
        warnings,
        text: p.done.length ? `Welcome back. ${stepsFor(p.client).find((s) => s.id === currentStep(p))?.why ?? ''}` : undefined,
      }),
    ],
  };
}

/** Card buttons of the guide and the import, for everyone. */
export async function guideAction(deps: CommandDeps, actor: Actor, verb: string, data: Record<string, unknown>): Promise<ActionResult> {
  const g = need(deps);
  if (!g) return actionResult(unavailable());
  if (verb.startsWith('import.')) return importAction(deps, g, actor, verb, data);
  const person = await personOf(g, actor);
  const now = deps.clock.now();
  const step = isStepId(data.step) ? data.step : null;
  switch (verb) {
    case 'guide.client': {
      const client = typeof data.client === 'string' && data.client in CLIENTS ? (data.client as MailClient) : null;
      if (!client) return actionResult(guideClientPickerCard('Pick your mail program:'));
      const p = await g.progress.update(person, (cur) => chooseClient(cur, client, now));
      return actionResult(guideStepCard(p, currentStep(p)));
    }
    case 'guide.pick':
      return actionResult(guideClientPickerCard('Pick your mail program: the steps are written for it.'));
    case 'guide.done': {
      if (!step) break;
      const p = await g.progress.update(person, (cur) => markDone(cur, step, now));
      return actionResult(guideStepCard(p, currentStep(p), { text: currentStep(p) ? `Done: ${stepTitle(step)}. Next:` : undefined }));
    }
    case 'guide.how': {
      if (!step) break;
      const p = await g.progress.update(person, (cur) => cur);
      return actionResult(guideStepCard(p, step, { showHow: true }));
    }
    case 'guide.help': {
      if (!step) break;
      // One request per person per HELP_INTERVAL_MS reaches the admin channels; more presses get a friendly word and change nothing.
      const current = await g.progress.get(person.key);
      const last = current?.help[current.help.length - 1];
      const since = last ? now.getTime() - Date.parse(last.at) : Infinity;
      if (current && last && since >= 0 && since < HELP_INTERVAL_MS) {
        const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
        return actionResult(
          guideStepCard(current, step, {
            showHow: true,
            tone: 'warn',
            text:
              `You asked for help ${since < 60_000 ? 'a moment' : `${minutes(since)} minute${minutes(since) === 1 ? '' : 's'}`} ago` +
              `${last.notified ? ', and your IT team was told' : ', and it is recorded for your IT team'}; someone will get in touch. ` +
              `If you are still stuck, you can ask again in ${minutes(HELP_INTERVAL_MS - since)} minute${minutes(HELP_INTERVAL_MS - since) === 1 ? '' : 's'}.`,
          }),
        );
      }
      let told = false;
      if (g.notifier) {
        try {
          told = await g.notifier.notifyAdmins({
            title: `${person.name ?? person.email ?? 'Someone'} needs help with the move to Exchange`,
            text: `Stuck at: ${stepTitle(step)}.`,
            facts: [
              { title: 'Who', value: [person.name, person.email].filter(Boolean).join(' · ') || person.key },
              { title: 'Step', value: stepTitle(step) },
            ],
          });
        } catch {
          told = false;
        }
      }
      const p = await g.progress.update(person, (cur) => askHelp(cur, step, now, told));
      return actionResult(
        guideStepCard(p, step, {
          showHow: true,
          tone: 'warn',
          text: told
            ? 'I told your IT team that you need help with this step; someone will get in touch.'
            : 'Your request for help is recorded; your IT team sees it in their guide status.',
        }),
      );
    }
    case 'guide.show': {
      const p = await g.progress.update(person, (cur) => cur);
      return actionResult(p.client ? guideStepCard(p, currentStep(p)) : guideClientPickerCard('Which mail program do you use?'));
    }
  }
  return actionResult(notice({ title: 'This button is out of date', tone: 'warn', text: 'Type guide to see where you are.' }));
}

// ---------- import ----------

export function hasPimFile(files: IncomingFile[]): boolean {
  return files.some((f) => isPimFileName(f.name));
}

/** A .vcf or .ics attached (with "import" or with no command): preview with an Import button. */
export async function importFiles(deps: CommandDeps, actor: Actor, files: IncomingFile[]): Promise<CommandResult> {
  const g = need(deps);
  if (!g) return { replies: [unavailable()] };
  const pim = files.filter((f) => isPimFileName(f.name));
  if (pim.length === 0) {
    return {
      replies: [
        notice({
          title: 'Attach a contacts or calendar file',
          tone: 'warn',
          text: 'Send the vCard (.vcf) or iCalendar (.ics) file your old mail program exported, with the word import or on its own.',
        }),
      ],
    };
  }
  if (pim.length > 1)
    return {
      replies: [
        notice({ title: 'One file at a time', tone: 'warn', text: `You attached ${pim.length} files. Send them one by one so each gets its own preview.` }),
      ],
    };
  const file = pim[0];
  const person = await personOf(g, actor);
  if (!person.user) {
    return {
      replies: [
        notice({
          title: 'I cannot find your mailbox',
          tone: 'bad',
          text: 'Your Teams account has no matching user in the directory that Cutover reads, so it cannot tell which mailbox to copy into. Ask your IT team.',
        }),
      ],
    };
  }
  const warning = await licenceWarning(g, person.user);
  if (warning) return { replies: [notice({ title: 'No Exchange mailbox yet', tone: 'bad', text: warning })] };
  let bytes: Buffer;
  try {
    bytes = await deps.files.fetch(file);
  } catch (e) {
    return {
      replies: [
        notice({
          title: `Could not read ${file.name}`,
          tone: 'bad',
          text: e instanceof FileFetchError ? e.message : 'Downloading the file failed; attach it again.',
        }),
      ],
    };
  }
  const parsed = await g.reader.read(file.name, bytes);
  bytes.fill(0);
  if (!parsed.ok) return { replies: [notice({ title: `${file.name} cannot be imported`, tone: 'bad', text: parsed.problem })] };
  const noun = parsed.kind === 'contacts' ? 'contacts' : 'events';
  const problems = parsed.skipped.slice(0, MAX_LIST).map((s) => `Entry ${s.index}${s.label ? ` (${s.label})` : ''}: ${s.reason}`);
  if (parsed.skipped.length > MAX_LIST) problems.push(`… and ${parsed.skipped.length - MAX_LIST} more`);
  if (parsed.items.length === 0) {
    const card = importPreviewCard({
      title: `Nothing in ${file.name} can be imported`,
      tone: 'bad',
      text: 'Each entry is listed with the reason.',
      facts: [],
      sampleTitle: '',
      sample: [],
      problemsTitle: 'Not imported',
      problems,
      notes: parsed.notes,
      actions: [],
    });
    return { replies: [{ card, summary: `Nothing in ${file.name} can be imported` }] };
  }
  const plan = await g.imports.prepare({
    ownerId: actor.id,
    userId: person.user.id,
    fileName: file.name,
    kind: parsed.kind,
    items: parsed.items,
    skipped: parsed.skipped,
    notes: parsed.notes,
    overLimit: parsed.overLimit,
  });
  const n = parsed.items.length.toLocaleString('en-US');
  const card = importPreviewCard({
    title: `${file.name}: ${n} ${noun} to copy`,
    tone: '',
    text: `Into ${parsed.kind === 'contacts' ? 'Contacts' : 'the calendar'} of your Exchange mailbox (${person.user.mail ?? person.user.userPrincipalName}). Nothing is sent to anyone${parsed.kind === 'events' ? ': attendees are not invited' : ''}. Entries Cutover copied before are not copied twice.`,
    facts: [
      { title: parsed.kind === 'contacts' ? 'Contacts' : 'Events', value: n },
      { title: 'Cannot be converted', value: String(parsed.skipped.length) },
    ],
    sampleTitle: 'First entries',
    sample: parsed.items.slice(0, 5).map((i) => i.label + (i.notes.length ? ` (${i.notes.join('; ')})` : '')),
    problemsTitle: 'Not imported',
    problems,
    notes: parsed.notes,
    actions: [
      { title: `Import ${n} ${noun}`, verb: 'import.confirm', data: { plan: plan.id }, style: 'positive' },
      { title: 'Cancel', verb: 'import.cancel', data: { plan: plan.id } },
    ],
  });
  return { replies: [{ card, summary: `${file.name}: ${n} ${noun} to copy` }] };
}

function resultCard(o: ImportOutcome): Reply {
  const noun = o.kind === 'contacts' ? 'contacts' : 'events';
  const problems = [
    ...o.failed.slice(0, MAX_LIST).map((f) => `${f.label}: ${f.reason}`),
    ...(o.failed.length > MAX_LIST ? [`… and ${o.failed.length - MAX_LIST} more that Exchange refused`] : []),
    ...o.skipped.slice(0, MAX_LIST).map((s) => `Entry ${s.index}${s.label ? ` (${s.label})` : ''}: ${s.reason}`),
    ...(o.skipped.length > MAX_LIST ? [`… and ${o.skipped.length - MAX_LIST} more that could not be converted`] : []),
  ];
  const title = o.stopped
    ? `Import of ${o.fileName} stopped`
    : o.failed.length
      ? `${o.created.toLocaleString('en-US')} ${noun} copied, ${o.failed.length} failed`
      : o.created === 0
        ? `Nothing new in ${o.fileName}: everything is already in Exchange`
        : `${o.created.toLocaleString('en-US')} ${noun} copied into Exchange`;
  const card = importResultCard({
    title,
    tone: o.stopped ? 'bad' : o.failed.length ? 'warn' : 'good',
    text: o.stopped ?? `They are in ${o.kind === 'contacts' ? 'Contacts' : 'the calendar'} of your Exchange mailbox.`,
    facts: [
      { title: 'Created', value: o.created.toLocaleString('en-US') },
      { title: 'Already there', value: o.alreadyThere.toLocaleString('en-US') },
      ...(o.repeatsInFile ? [{ title: 'Repeated in the file', value: o.repeatsInFile.toLocaleString('en-US') }] : []),
      { title: 'Failed', value: String(o.failed.length) },
      { title: 'Cannot be converted', value: String(o.skipped.length) },
    ],
    sampleTitle: '',
    sample: [],
    problemsTitle: 'Not imported',
    problems,
    notes: o.notes,
    actions: [{ title: 'Back to the guide', verb: 'guide.show', data: {} }],
  });
  return { card, summary: title };
}

async function importAction(deps: CommandDeps, g: GuideDeps, actor: Actor, verb: string, data: Record<string, unknown>): Promise<ActionResult> {
  const planId = typeof data.plan === 'string' ? data.plan : '';
  if (verb === 'import.cancel') {
    const ok = await g.imports.cancel(planId, actor.id);
    return actionResult(
      notice({
        title: ok ? 'Import cancelled' : 'Nothing to cancel',
        tone: ok ? '' : 'warn',
        text: ok ? 'Nothing was copied.' : 'This import already ran, expired after 30 minutes, or belongs to someone else.',
      }),
    );
  }
  if (verb !== 'import.confirm') return actionResult(notice({ title: 'This button is out of date', tone: 'warn', text: 'Attach the file again.' }));
  const taken = await g.imports.take(planId, actor.id);
  if (taken.status === 'someone-else')
    return actionResult(notice({ title: 'Not your import', tone: 'warn', text: 'Only the person who sent the file can import it.' }), { keepOriginal: true });
  if (taken.status === 'running')
    return actionResult(notice({ title: 'Already importing', tone: 'warn', text: 'This file is being imported; the card updates when it is done.' }), {
      keepOriginal: true,
    });
  if (taken.status === 'gone')
    return actionResult(
      notice({
        title: 'This import is gone',
        tone: 'warn',
        text: 'It already ran, was cancelled, or expired after 30 minutes. Attach the file again: entries already copied are not copied twice.',
      }),
    );
  if (taken.status !== 'ok') return actionResult(notice({ title: 'This import is gone', tone: 'warn', text: 'Attach the file again.' }));
  const plan = taken.plan;
  const noun = plan.kind === 'contacts' ? 'contacts' : 'events';
  const working = notice({ title: `Copying ${plan.items.length.toLocaleString('en-US')} ${noun}…`, text: 'This card updates when it is done.' });
  const person = await personOf(g, actor);
  return actionResult(working, {
    followUp: async (sink) => {
      let last = 0;
      const outcome = await g.imports.run(plan, (done, total) => {
        const t = Date.now();
        if (t - last < 1000 || done === total) return;
        last = t;
        void sink
          .update(
            notice({
              title: `Copying ${noun}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`,
              text: 'This card updates when it is done.',
            }),
          )
          .catch(() => undefined);
      });
      if (!outcome.stopped && outcome.failed.length === 0) {
        const step: StepId = plan.kind === 'contacts' ? 'copy-contacts' : 'copy-calendar';
        await g.progress.update(person, (cur) => ({
          ...markDone(cur, step, deps.clock.now()),
          imported: { ...(cur.imported ?? {}), [plan.kind]: ((cur.imported ?? {})[plan.kind as 'contacts'] ?? 0) + outcome.created },
        }));
      }
      await sink.update(resultCard(outcome));
    },
  });
}

// ---------- admin ----------

/** guide status [batch <name>] */
export async function guideStatus(deps: CommandDeps, batch?: string): Promise<Reply> {
  const g = need(deps);
  if (!g) return unavailable();
  const records = await g.progress.all();
  let rows: { name: string; email?: string; progress: GuideProgress | undefined }[];
  const lines: string[] = [];
  if (batch) {
    const b = await deps.exchange.getMigrationBatch(batch);
    if (!b) return notice({ title: `No batch ${batch}`, tone: 'warn', text: 'See the batches with: batch list' });
    const read = await readBatchUsers(deps.exchange, batch, b.totalCount);
    const users = read.users;
    if (read.incomplete) lines.push(read.incomplete);
    const byEmail = new Map(records.filter((r) => r.email).map((r) => [r.email!.toLowerCase(), r]));
    rows = users.map((u) => {
      const r = byEmail.get(u.identity.toLowerCase());
      return { name: r?.name ?? u.identity, email: u.identity, progress: r?.progress };
    });
    // Licence check for the first users shown (one Graph call each).
    for (const row of rows.slice(0, MAX_LIST * 2)) {
      try {
        const user = await findUserByAddress(g.graph, row.email!);
        if (user && !hasExchangeLicence(await g.graph.licenseDetails(user.id)))
          lines.push(`${row.email} has no Exchange Online licence (plans with Exchange: ${PLANS_WITH_EXCHANGE.slice(0, 2).join(', ')}).`);
      } catch {
        // The status card still helps without the licence line.
      }
    }
  } else {
    rows = records.map((r) => ({ name: r.name ?? r.email ?? r.key, email: r.email, progress: r.progress }));
  }
  // People who asked for help first, then those furthest behind.
  rows.sort(
    (a, b) => (b.progress?.help.length ? 1 : 0) - (a.progress?.help.length ? 1 : 0) || (a.progress?.done.length ?? -1) - (b.progress?.done.length ?? -1),
  );
  const done = rows.filter((r) => r.progress?.finishedAt).length;
  const helped = rows.filter((r) => r.progress?.help.length).length;
  const notStarted = rows.filter((r) => progressLine(r.progress) === 'not started').length;
  const shown = rows.slice(0, MAX_LIST * 2);
  const offered = new Map<string, string>();
  if (batch && g.offers) {
    for (const r of shown) {
      const rec = r.email ? await g.offers.recordOf(r.email).catch(() => null) : null;
      if (!rec) continue;
      offered.set(r.email!, offerLine(rec));
    }
  }
  const people = shown.map((r) => {
    const lastHelp = r.progress?.help[r.progress.help.length - 1];
    return {
      name: [r.name, r.email && r.email !== r.name ? r.email : ''].filter(Boolean).join(' · '),
      progress:
        progressLine(r.progress) +
        (r.progress?.imported
          ? ` · imported ${Object.entries(r.progress.imported)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')}`
          : '') +
        (r.email && offered.has(r.email) ? ` · ${offered.get(r.email)}` : ''),
      help: lastHelp
        ? `Asked for help with ${stepTitle(lastHelp.step)} at ${formatDate(new Date(lastHelp.at))}${lastHelp.notified ? '' : ' (no admin channel was told)'}`
        : '',
    };
  });
  if (rows.length > people.length) lines.unshift(`… and ${rows.length - people.length} more.`);
  const card = guideStatusCard({
    title: batch ? `Guide progress · batch ${batch}` : 'Guide progress',
    text: rows.length ? `${rows.length} ${rows.length === 1 ? 'person' : 'people'}.` : 'Nobody has opened the guide yet. Send it with: guide send batch <name>',
    totals: rows.length
      ? [
          { title: 'All done', value: String(done) },
          { title: 'Asked for help', value: String(helped) },
          { title: 'Not started', value: String(notStarted) },
        ]
      : [],
    people,
    lines,
    actions: batch ? [{ title: `Send the guide to batch ${batch}`, verb: 'guide.send', data: { batch } }] : [],
  });
  return { card, summary: `Guide progress${batch ? ` of batch ${batch}` : ''}: ${done} done, ${helped} asked for help` };
}

/** What guide status says of the guide the watcher offered when the person's first sync landed. */
function offerLine(rec: OfferRecord): string {
  if (rec.state === 'awaiting-app') return 'guide waiting: Cutover was added to their Teams, sent when it opens';
  if (rec.state === 'unreachable') return `guide not delivered: ${rec.reason ?? 'could not be reached'}`;
  return rec.reason ? `first sync landed; ${rec.reason}` : `guide sent when the first sync landed (${formatDate(new Date(rec.at))})`;
}

/** guide send batch <name>: reach every user of a batch (install the app where allowed). */
export async function guideSendBatch(deps: CommandDeps, actor: Actor, batch: string): Promise<Reply> {
  const g = need(deps);
  if (!g) return unavailable();
  const b = await deps.exchange.getMigrationBatch(batch);
  if (!b) return notice({ title: `No batch ${batch}`, tone: 'warn', text: 'See the batches with: batch list' });
  const read = await readBatchUsers(deps.exchange, batch, b.totalCount);
  const users = read.users;
  const sent: string[] = [];
  const installed: string[] = [];
  const waiting: string[] = [];
  const unreachable: string[] = [];
  for (const u of users) {
    const email = u.identity;
    try {
      const user = await findUserByAddress(g.graph, email);
      if (!user) {
        unreachable.push(`${email}: not in the directory`);
        continue;
      }
      await g.progress.update({ key: user.id, name: user.displayName, email: user.mail ?? email }, (cur) => cur);
      let has = await g.graph.isAppInstalled(user.id, g.teamsAppId);
      if (!has) {
        if (!g.canInstallApps) {
          unreachable.push(`${email}: does not have Cutover in Teams, and Cutover may not install it (needs TeamsAppInstallation.ReadWriteSelfForUser.All)`);
          continue;
        }
        await g.graph.installApp(user.id, g.teamsAppId);
        installed.push(email);
        has = true;
      }
      if (g.delivery && (await g.delivery.sendGuide(user))) sent.push(email);
      else waiting.push(email);
    } catch (e) {
      unreachable.push(`${email}: ${e instanceof GraphError ? e.message : 'Microsoft Graph could not be reached'}`);
    }
  }
  await deps.audit.record({
    actor,
    action: 'guide.send',
    target: batch,
    result: unreachable.length ? 'failed' : 'ok',
    detail: `${sent.length} sent, ${installed.length} installed, ${unreachable.length} unreachable`,
  });
  return notice({
    title: `Guide for batch ${batch}`,
    tone: unreachable.length || read.incomplete ? 'warn' : 'good',
    text: read.incomplete
      ? `${read.incomplete} The guide went only to the ${users.length} user${users.length === 1 ? '' : 's'} Cutover could read, not to the whole batch.`
      : `${users.length} user${users.length === 1 ? '' : 's'} in the batch.`,
    facts: [
      { title: 'Guide sent', value: String(sent.length) },
      { title: 'App installed now', value: String(installed.length) },
      { title: 'Get it when they open Cutover', value: String(waiting.length) },
      { title: 'Could not reach', value: String(unreachable.length) },
    ],
    lines: [...unreachable.slice(0, MAX_LIST), ...(unreachable.length > MAX_LIST ? [`… and ${unreachable.length - MAX_LIST} more`] : [])],
  });
}

/**
 * One line for the batch validation card naming target users with no Exchange Online
 * licence (Graph licence details), or '' when all have one or Graph is not wired.
 * At most `limit` users are asked (one Graph call each), so a 50,000-row CSV stays quick.
 */
export async function licenceWarningLine(deps: CommandDeps, emails: string[], limit = 50): Promise<string> {
  const g = need(deps);
  if (!g) return '';
  const missing: string[] = [];
  // A few lookups at a time.
  await forEachLimited(emails.slice(0, limit), 4, async (email) => {
    try {
      const user = await findUserByAddress(g.graph, email);
      if (user && !hasExchangeLicence(await g.graph.licenseDetails(user.id))) missing.push(email);
    } catch {
      // No licence line for a user Graph could not answer about.
    }
  });
  if (missing.length === 0) return '';
  missing.sort();
  const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
  return `Licence: ${shown} ${missing.length === 1 ? 'has' : 'have'} no Exchange Online licence, so Exchange has no mailbox to migrate into. Assign a plan that includes Exchange (for example ${PLANS_WITH_EXCHANGE.slice(0, 2).join(' or ')}).${emails.length > limit ? ` (Checked the first ${limit} users.)` : ''}`;
}
