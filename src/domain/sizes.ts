// Sizes as admins type them ("150MB", "35 MB") and as Exchange prints them.
// Exchange's units are binary: 35 MB = 36,700,160 bytes.

import { MAX_MESSAGE_SIZE_LIMIT_BYTES } from './exchange/types';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

export type SizeParse = { ok: true; bytes: number } | { ok: false; problem: string };

/** Parses a message size limit such as "150MB", "35 MB", "40960KB". */
export function parseSize(text: string): SizeParse {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) return { ok: false, problem: `"${text}" is not a size. Write it like 150MB or 50 MB.` };
  const unit = (m[2] ?? 'mb').toLowerCase();
  const bytes = Math.round(Number(m[1]) * UNITS[unit]);
  if (bytes <= 0) return { ok: false, problem: 'The size must be more than zero.' };
  if (bytes > MAX_MESSAGE_SIZE_LIMIT_BYTES) {
    return { ok: false, problem: `Exchange Online allows at most 150 MB for MaxReceiveSize and MaxSendSize; ${formatBytes(bytes)} is over it.` };
  }
  return { ok: true, bytes };
}

/** 36700160 → "35 MB"; keeps one decimal where it matters. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const rounded = value >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${rounded} ${units[i]}`;
}

/** As Set-Mailbox takes it: "150MB". */
export function toExchangeSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KB`;
  return `${bytes}B`;
}
