// The answers every handler gives: usage help and Exchange errors, as notices
// (src/cards/notice.ts); the card modules and formats are re-exported for handlers.

import { ExchangeError } from '../ports/exchange';
import { COMMANDS, usageOf } from './catalog';
import type { Reply } from './types';
import { notice, type NoticeInput, type CardAction, type Tone } from '../cards/notice';

export { notice, batchStatusColor, formatCount, formatDate };
export type { NoticeInput, CardAction, Tone };
import { batchStatusColor } from '../cards/batchStatus';
import { formatCount, formatDate } from '../cards/format';
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
