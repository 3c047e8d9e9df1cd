// Small builders for the cards every handler uses: notices, usage help and
// Exchange errors. Handlers fill in the data; the templates live in adaptiveCards/.

import { renderCard } from '../cards/render';
import { ExchangeError } from '../ports/exchange';
import { COMMANDS, usageOf } from './catalog';
import type { Reply } from './types';
import { notice, type NoticeInput, type CardAction, type Tone } from '../cards/notice';

export { notice, batchStatusColor };
export type { NoticeInput, CardAction, Tone };
import { batchStatusColor } from '../cards/batchStatus';
import { errorText } from '../lib/errorText';

/** Bad arguments or an unknown command: what was wrong, and the right usage. */
export function usageReply(problem: string, family: string | null, verb?: string): Reply {
  const specs = family ? usageOf(family, verb) : [];
  const usage = (specs.length > 0 ? specs : family ? usageOf(family) : []).map((s) => s.usage);
  return notice({
    title: family ? `That ${family} command needs another look` : "I didn't understand that",
    tone: 'warn',
    text: problem,
    usage: usage.length > 0 ? usage : ['help'],
    lines: usage.length > 0 ? [] : [`Type help to see all ${COMMANDS.length} commands.`],
  });
}

/** An Exchange cmdlet failed: Exchange's own words, and the PowerShell line that failed. */
export function exchangeErrorReply(what: string, err: unknown, powershell: string, hint?: string): Reply {
  if (err instanceof ExchangeError) {
    const lines: string[] = [];
    if (hint) lines.push(hint);
    if (err.isThrottled) lines.push('Exchange Online is throttling Cutover; it retried and gave up. Try again in a few minutes.');
    return notice({
      title: `${what} failed`,
      tone: 'bad',
      text: err.message,
      facts: [
        { title: 'Cmdlet', value: err.cmdlet },
        { title: 'HTTP status', value: String(err.httpStatus) },
        ...(err.errorId ? [{ title: 'Error id', value: err.errorId }] : []),
      ],
      lines,
      powershell,
    });
  }
  const message = errorText(err);
  return notice({
    title: `${what} failed`,
    tone: 'bad',
    text: `Cutover could not reach Exchange Online: ${message}`,
    lines: hint ? [hint] : [],
    powershell,
  });
}

export function formatDate(d: Date | null | undefined): string {
  if (!d) return 'never';
  return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

