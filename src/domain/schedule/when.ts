// When a scheduled step should happen, from what an admin typed: an ISO date-time with a zone
// ("2026-12-31T22:00Z", "…+01:00"), or a local time in the admin's Teams time zone ("2026-12-31 22:00",
// "tomorrow 22:00", "fri 19:30", "today 18:00", "22:00"). Pure: the time zone (IANA, from Teams'
// localTimezone) and now come in; the answer is one UTC instant, echoed back in both zones.
// Conversions use the platform's Intl time-zone data (no hand-written offsets, DST included).

export const MAX_AHEAD_DAYS = 366;
const DAY_MS = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export type WhenResult = { ok: true; at: Date; timeZone: string } | { ok: false; problem: string };

/** A usable IANA zone, or null (unknown names, or none given). */
export function validTimeZone(tz: string | undefined | null): string | null {
  if (!tz || tz.length > 64) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return null;
  }
}

interface Parts {
  y: number;
  m: number;
  d: number;
  hh: number;
  mm: number;
  weekday: number;
}

function partsIn(ms: number, tz: string): Parts {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, hh: +p.hour % 24, mm: +p.minute, weekday: WEEKDAYS.indexOf(String(p.weekday).slice(0, 3).toLowerCase()) };
}

/** Wall-clock time in `tz` as a UTC instant (the later one in a DST overlap; a DST gap moves forward). */
function zonedToUtc(y: number, m: number, d: number, hh: number, mm: number, tz: string): number {
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = partsIn(guess, tz);
    const shown = Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm);
    guess += wall - shown;
  }
  return guess;
}

const ISO_ZONED = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})$/;
const DAY_TIME = /^(today|tomorrow|mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2}):(\d{2})$/i;
const TIME = /^(\d{1,2}):(\d{2})$/;

function clock(hh: string, mm: string): { hh: number; mm: number } | null {
  const h = Number(hh);
  const m = Number(mm);
  return h >= 0 && h <= 23 && m >= 0 && m <= 59 ? { hh: h, mm: m } : null;
}

export function parseWhen(input: string, o: { now: Date; timeZone?: string | null }): WhenResult {
  const text = input.trim().replace(/\s+/g, ' ');
  const tz = validTimeZone(o.timeZone) ?? 'UTC';
  const now = o.now.getTime();
  const usage = 'Give the time as 2026-12-31T22:00Z (UTC), 2026-12-31 22:00, tomorrow 22:00 or fri 19:30 (your Teams time zone).';
  if (text.length === 0 || text.length > 40) return { ok: false, problem: `"${text.slice(0, 40)}" is not a time. ${usage}` };
  let at: number | null = null;
  let m: RegExpMatchArray | null;
  if ((m = text.match(ISO_ZONED))) {
    const c = clock(m[4], m[5]);
    const ms = Date.parse(
      `${m[1]}-${m[2]}-${m[3]}T${String(m[4]).padStart(2, '0')}:${m[5]}:${m[6] ?? '00'}${m[7].toUpperCase() === 'Z' ? 'Z' : m[7].includes(':') ? m[7] : `${m[7].slice(0, 3)}:${m[7].slice(3)}`}`,
    );
    if (c && !Number.isNaN(ms)) at = ms;
  } else if ((m = text.match(ISO_LOCAL))) {
    const c = clock(m[4], m[5]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (c && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
      at = zonedToUtc(Number(m[1]), month, day, c.hh, c.mm, tz);
      // 2026-02-31 rolls into March in Date.UTC: refuse it rather than guess.
      if (partsIn(at, tz).d !== day && partsIn(at - 3600_000, tz).d !== day) at = null;
    }
  } else if ((m = text.match(DAY_TIME)) || (m = text.match(TIME))) {
    const [word, hh, mm] = m.length === 4 ? [m[1].toLowerCase(), m[2], m[3]] : ['', m[1], m[2]];
    const c = clock(hh, mm);
    if (c) {
      const today = partsIn(now, tz);
      let addDays = 0;
      if (word === 'tomorrow') addDays = 1;
      else if (word && word !== 'today') addDays = (WEEKDAYS.indexOf(word.slice(0, 3)) - today.weekday + 7) % 7;
      const base = new Date(Date.UTC(today.y, today.m - 1, today.d + addDays));
      at = zonedToUtc(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), c.hh, c.mm, tz);
      // "fri 19:30" on a Friday after 19:30, or a bare "22:00" already past: the next one.
      if (at <= now && word !== 'today' && word !== 'tomorrow') {
        const step = word ? 7 : 1;
        const next = new Date(Date.UTC(today.y, today.m - 1, today.d + addDays + step));
        at = zonedToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), c.hh, c.mm, tz);
      }
    }
  }
  if (at === null) return { ok: false, problem: `"${text}" is not a time I can read. ${usage}` };
  if (at <= now) return { ok: false, problem: `${describeWhen(new Date(at), tz)} has already passed. Give a time in the future.` };
  if (at - now > MAX_AHEAD_DAYS * DAY_MS)
    return { ok: false, problem: `${describeWhen(new Date(at), tz)} is more than a year ahead. Give a time within ${MAX_AHEAD_DAYS} days.` };
  return { ok: true, at: new Date(at), timeZone: tz };
}

/** "Thu 2026-12-31 22:00 Europe/London (2026-12-31 22:00 UTC)": both zones, as the admin is told. */
export function describeWhen(at: Date, timeZone: string): string {
  const utc = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const tz = validTimeZone(timeZone) ?? 'UTC';
  if (tz === 'UTC' || tz === 'Etc/UTC') return utc;
  const p = partsIn(at.getTime(), tz);
  const day = WEEKDAYS[p.weekday] ?? '';
  const local = `${day.charAt(0).toUpperCase()}${day.slice(1)} ${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')} ${String(p.hh).padStart(2, '0')}:${String(p.mm).padStart(2, '0')} ${tz}`;
  return `${local} (${utc})`;
}
