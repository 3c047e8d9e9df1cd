// Retry-After as HTTP (RFC 9110 §10.2.3) and Microsoft's services send it: delay-seconds
// (Exchange and Graph send fractional seconds too) or an HTTP date. Anything else is no advice.

/** Milliseconds to wait, or null when the header is absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | null {
  if (header === null || header === undefined) return null;
  const s = header.trim();
  if (s === '') return null;
  // Bounded pattern (no nested quantifiers): linear on any input.
  if (/^\d{1,10}(\.\d{1,6})?$/.test(s)) return Math.round(Number(s) * 1000);
  // An HTTP date starts with the day's name (IMF-fixdate, RFC 850 or asctime); Date.parse alone
  // would also take '-1' or '2026' as dates.
  if (!/^[A-Za-z]{3}/.test(s) || s.length > 64) return null;
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with full jitter (AWS's advice, and Graph's "back off exponentially"). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * (0.5 + random() / 2));
}
