// The guide step card (adaptiveCards/guideStep.json): one step of a person's move to
// Exchange, the steps done so far, how to do it in their mail program; or the first card,
// which asks for the mail program.

import { CLIENTS, STEP_ORDER, stepsFor, stepTitle, type GuideProgress, type MailClient, type StepId } from '../domain/guide/steps';
import type { CardAction, Tone } from './notice';
import { renderCard } from './render';
import type { Reply } from './reply';

/** The template's data. */
interface GuideStepData {
  heading: string;
  title: string;
  tone: Tone;
  text: string;
  warnings: string[];
  how: string[];
  steps: { mark: string; name: string }[];
  lines: string[];
  actions: CardAction[];
}

const render = (data: GuideStepData) => renderCard('guideStep', data);

/** The guide's first card: which mail program the person uses. */
export function guideClientPickerCard(text: string, warnings: string[] = []): Reply {
  const card = render({
    heading: 'Your move to Exchange',
    title: 'Which mail program do you use?',
    tone: '',
    text,
    warnings,
    how: [],
    steps: STEP_ORDER.map((s) => ({ mark: '·', name: stepTitle(s) })),
    lines: ['You can change it later with: guide client <outlook|new|mac|thunderbird>'],
    actions: (Object.keys(CLIENTS) as MailClient[]).map((c) => ({ title: CLIENTS[c].label, verb: 'guide.client', data: { client: c } })),
  });
  return { card, summary: 'Your move to Exchange: which mail program do you use?' };
}

export interface GuideStepOptions {
  /** Show the step's how-to lines. */
  showHow?: boolean;
  warnings?: string[];
  /** Replaces the step's why (or the all-done thanks). */
  text?: string;
  tone?: Tone;
}

/** The person's current step (null: all done), with every step marked done, current or to come. */
export function guideStepCard(p: GuideProgress, step: StepId | null, o: GuideStepOptions = {}): Reply {
  const client = p.client ?? 'outlook-windows';
  const steps = stepsFor(client);
  const marks = STEP_ORDER.map((s) => ({ mark: p.done.includes(s) ? '✓' : s === step ? '→' : '·', name: stepTitle(s) }));
  if (!step) {
    const card = render({
      heading: `Your move to Exchange · ${CLIENTS[client].label}`,
      title: 'All done: you are on Exchange Online',
      tone: 'good',
      text: o.text ?? 'Every step is done. Thank you!',
      warnings: o.warnings ?? [],
      how: [],
      steps: marks,
      lines: [],
      actions: [{ title: 'Start again', verb: 'guide.pick', data: {} }],
    });
    return { card, summary: 'All done: you are on Exchange Online' };
  }
  const s = steps.find((x) => x.id === step)!;
  const n = STEP_ORDER.indexOf(step) + 1;
  const actions: CardAction[] = [
    { title: 'Done', verb: 'guide.done', data: { step }, style: 'positive' },
    { title: 'Show me how', verb: 'guide.how', data: { step } },
    { title: 'I need help', verb: 'guide.help', data: { step } },
    { title: 'Other mail program', verb: 'guide.pick', data: {} },
  ];
  const card = render({
    heading: `Your move to Exchange · ${CLIENTS[client].label} · step ${n} of ${STEP_ORDER.length}`,
    title: s.title,
    tone: o.tone ?? '',
    text: o.text ?? s.why,
    warnings: o.warnings ?? [],
    how: o.showHow ? s.how : [],
    steps: marks,
    lines: s.importKind
      ? [
          `Or attach the ${s.importKind === 'contacts' ? '.vcf' : '.ics'} file your old mail program exports, here in this chat: Cutover copies it into Exchange for you.`,
        ]
      : [],
    actions,
  });
  return { card, summary: `Step ${n} of ${STEP_ORDER.length}: ${s.title}` };
}
