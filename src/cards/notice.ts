// The notice card (adaptiveCards/notice.json): a title, a tone, text, facts, lines, usage,
// the PowerShell line and buttons. Most short answers are one.

import type { ChartElement } from './charts';
import { renderCard } from './render';
import type { Reply } from './reply';

export type Tone = 'good' | 'warn' | 'bad' | '';

/** A title and a value, one line of a FactSet. */
export interface Fact {
  title: string;
  value: string;
}

export interface CardAction {
  title: string;
  verb: string;
  data: Record<string, unknown>;
  style?: 'positive' | 'destructive';
}

export interface NoticeInput {
  title: string;
  tone?: Tone;
  text?: string;
  facts?: Fact[];
  lines?: string[];
  usage?: string[];
  powershell?: string;
  actions?: CardAction[];
  /** A warning shown in bold warning colour under the title (e.g. passwords in clear). */
  warning?: string;
  /** Charts after the lines (each with its readable fallback). */
  charts?: ChartElement[];
}

export function notice(input: NoticeInput): Reply {
  const card = renderCard('notice', {
    title: input.title,
    tone: input.tone ?? '',
    text: input.text ?? '',
    facts: input.facts ?? [],
    lines: input.lines ?? [],
    usage: input.usage ?? [],
    powershell: input.powershell ?? '',
    actions: input.actions ?? [],
    ...(input.warning ? { warning: input.warning } : {}),
    ...(input.charts?.length ? { charts: input.charts } : {}),
  });
  return { card, summary: [input.title, input.text].filter(Boolean).join(': ') };
}
