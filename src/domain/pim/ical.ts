// iCalendar → Graph event bodies. Each VEVENT from the bounded reader is parsed by ical.js
// on its own; recurrence rules are mapped to Graph's patternedRecurrence, never expanded
// (so a rule with no end, or a pathological one, costs nothing). Attendees and organizer are
// left out: creating an event in Exchange would invite every attendee again.

import ICAL from 'ical.js';
import { readPim, type RawEntry } from './reader';
import { graphTimeZone } from './timezones';
import { BoundedZone, TransitionBudget } from './vtimezone';
import { dedupeKey, type PimItem, type PimParseResult, type PimSkipped } from './types';

const DAYS: Record<string, string> = { SU: 'sunday', MO: 'monday', TU: 'tuesday', WE: 'wednesday', TH: 'thursday', FR: 'friday', SA: 'saturday' };
const INDEX: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };
// Outlook stops a numbered series at 999 occurrences.
const MAX_OCCURRENCES = 999;

type T = ICAL.Time;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}
function localString(t: T): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.isDate ? 0 : t.hour)}:${pad(t.isDate ? 0 : t.minute)}:${pad(t.isDate ? 0 : t.second)}`;
}
function dateString(t: T): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
}

interface Zoned {
  dateTime: string;
  timeZone: string;
  /** Converted to UTC because Graph would not know the file's zone name. */
  converted: boolean;
  time: T;
}

class Zones {
  /** The file's own VTIMEZONEs by TZID, read (and checked) the first time an event uses one. */
  private readonly defined = new Map<string, string[]>();
  private readonly custom = new Map<string, BoundedZone | null>();
  private readonly budget = new TransitionBudget();
  constructor(
    vtimezones: RawEntry[],
    readonly fallback: string,
    private readonly onUnreadable: () => void,
  ) {
    for (const e of vtimezones) {
      const line = e.lines.find((l) => /^TZID[;:]/i.test(l));
      const id = line ? line.slice(line.indexOf(':') + 1).trim() : '';
      if (id && !this.defined.has(id)) this.defined.set(id, e.lines);
    }
  }

  private customZone(tzid: string): BoundedZone | null {
    let z = this.custom.get(tzid);
    if (z === undefined) {
      const lines = this.defined.get(tzid);
      z = null;
      if (lines) {
        try {
          z = new BoundedZone(tzid, new ICAL.Component(ICAL.parse(lines.join('\r\n')) as unknown as unknown[]), this.budget);
        } catch {
          this.onUnreadable();
        }
      }
      this.custom.set(tzid, z);
    }
    return z;
  }

  /** The time as Graph takes it; null: no valid time or unknown zone; a string: why the file's own zone is not worked out. */
  zone(prop: ICAL.Property | null): Zoned | string | null {
    if (!prop) return null;
    const t = prop.getFirstValue() as unknown as T;
    if (!t || typeof t !== 'object' || typeof (t as T).year !== 'number') return null;
    const tzid = prop.getParameter('tzid') as string | undefined;
    if (t.isDate) return { dateTime: localString(t), timeZone: this.fallback, converted: false, time: t };
    if (!tzid) {
      // Z = UTC; no zone at all ("floating") = the calendar's own zone.
      if (t.zone === ICAL.Timezone.utcTimezone || (t as unknown as { timezone?: string }).timezone === 'Z')
        return { dateTime: localString(t), timeZone: 'UTC', converted: false, time: t };
      return { dateTime: localString(t), timeZone: this.fallback, converted: false, time: t };
    }
    const known = graphTimeZone(tzid);
    if (known) return { dateTime: localString(t), timeZone: known, converted: false, time: t };
    const tz = this.customZone(tzid)?.forYear(t.year);
    if (typeof tz === 'string') return tz;
    if (tz) {
      const copy = t.clone();
      copy.zone = tz;
      const utc = copy.convertToZone(ICAL.Timezone.utcTimezone);
      return { dateTime: localString(utc), timeZone: 'UTC', converted: true, time: t };
    }
    return null;
  }
}

function recurrenceOf(rule: ICAL.Recur, start: Zoned): { recurrence: Record<string, unknown> } | { problem: string } {
  const parts = rule.parts as Record<string, unknown[]>;
  const unsupported = Object.keys(parts).filter((k) => !['BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST'].includes(k));
  if (unsupported.length) return { problem: `it repeats by a rule Outlook cannot store (${unsupported.join(', ')})` };
  const interval = rule.interval || 1;
  if (interval > 99) return { problem: `it repeats every ${interval} periods; Outlook allows at most 99` };
  const byday = (parts.BYDAY ?? []).map(String);
  const bymonthday = (parts.BYMONTHDAY ?? []).map(Number);
  const bymonth = (parts.BYMONTH ?? []).map(Number);
  const bysetpos = (parts.BYSETPOS ?? []).map(Number);
  const t = start.time;
  const weekdayOf = (d: string) => DAYS[d.replace(/^[+-]?\d+/, '')];
  const firstDayOfWeek = DAYS[String(rule.wkst ? ['', 'SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][rule.wkst] : 'MO')] ?? 'monday';
  let pattern: Record<string, unknown>;
  const relative = (): { daysOfWeek: string[]; index: string } | null => {
    // BYDAY=2TU, or BYDAY=MO,TU,…;BYSETPOS=-1 ("last weekday").
    const m = byday.map((d) => /^([+-]?\d+)?([A-Z]{2})$/.exec(d));
    if (m.some((x) => !x)) return null;
    const nums = new Set(m.map((x) => (x![1] ? Number(x![1]) : bysetpos[0])));
    if (nums.size !== 1 || bysetpos.length > 1) return null;
    const n = [...nums][0];
    if (n === undefined || !INDEX[n]) return null;
    return { daysOfWeek: m.map((x) => DAYS[x![2]]), index: INDEX[n] };
  };
  switch (rule.freq) {
    case 'DAILY':
      if (byday.length || bymonthday.length || bymonth.length) return { problem: 'it repeats daily on chosen days, which Outlook stores only as weekly' };
      pattern = { type: 'daily', interval };
      break;
    case 'WEEKLY': {
      if (bymonthday.length || bymonth.length || bysetpos.length || byday.some((d) => /\d/.test(d)))
        return { problem: 'its weekly rule has parts Outlook cannot store' };
      const days = byday.length ? byday.map(weekdayOf) : [DAYS[['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][t.dayOfWeek() - 1]]];
      if (days.some((d) => !d)) return { problem: 'its weekly rule names an unknown day' };
      pattern = { type: 'weekly', interval, daysOfWeek: days, firstDayOfWeek };
      break;
    }
    case 'MONTHLY':
      if (bymonth.length) return { problem: 'its monthly rule is limited to some months, which Outlook cannot store' };
      if (byday.length) {
        const r = relative();
        if (!r) return { problem: 'its monthly rule picks days in a way Outlook cannot store' };
        pattern = { type: 'relativeMonthly', interval, ...r };
      } else {
        if (bymonthday.length > 1 || bymonthday.some((d) => d < 1)) return { problem: 'it repeats on several or counted-from-the-end days of the month' };
        pattern = { type: 'absoluteMonthly', interval, dayOfMonth: bymonthday[0] ?? t.day };
      }
      break;
    case 'YEARLY': {
      if (bymonth.length > 1) return { problem: 'it repeats in several months of the year' };
      const month = bymonth[0] ?? t.month;
      if (byday.length) {
        const r = relative();
        if (!r) return { problem: 'its yearly rule picks days in a way Outlook cannot store' };
        pattern = { type: 'relativeYearly', interval, month, ...r };
      } else {
        if (bymonthday.length > 1 || bymonthday.some((d) => d < 1)) return { problem: 'it repeats on several days of the year' };
        pattern = { type: 'absoluteYearly', interval, month, dayOfMonth: bymonthday[0] ?? t.day };
      }
      break;
    }
    default:
      return { problem: `it repeats ${String(rule.freq).toLowerCase()}, which Outlook cannot store` };
  }
  const range: Record<string, unknown> = { startDate: dateString(t), recurrenceTimeZone: start.timeZone };
  if (rule.count) {
    if (rule.count > MAX_OCCURRENCES) return { problem: `it repeats ${rule.count.toLocaleString('en-US')} times; Outlook stores at most ${MAX_OCCURRENCES}` };
    Object.assign(range, { type: 'numbered', numberOfOccurrences: rule.count });
  } else if (rule.until) {
    Object.assign(range, { type: 'endDate', endDate: dateString(rule.until) });
  } else Object.assign(range, { type: 'noEnd' });
  return { recurrence: { pattern, range } };
}

export function parseCalendar(bytes: Buffer): PimParseResult {
  const read = readPim(bytes, 'VCALENDAR');
  if (!read.ok) return { ok: false, problem: read.problem };
  const notes = [...read.notes];
  const wr = read.header.find((l) => /^X-WR-TIMEZONE[;:]/i.test(l));
  const wrZone = wr ? graphTimeZone(wr.slice(wr.indexOf(':') + 1)) : null;
  let unreadableZone = false;
  const zones = new Zones(
    read.entries.filter((x) => x.type === 'VTIMEZONE' && !x.problem),
    wrZone ?? 'UTC',
    () => {
      if (!unreadableZone) notes.push('A time zone definition in the file could not be read; events in it are listed below if they depend on it.');
      unreadableZone = true;
    },
  );
  const items: PimItem[] = [];
  const skipped: PimSkipped[] = [];
  let converted = 0;
  let attendeesLeftOut = 0;
  let exdates = 0;
  for (const e of read.entries) {
    if (e.type === 'VTIMEZONE') continue;
    const summaryLine = e.lines.find((l) => /^SUMMARY[;:]/i.test(l));
    const rawLabel = summaryLine ? summaryLine.slice(summaryLine.indexOf(':') + 1).slice(0, 80) : '';
    if (e.type !== 'VEVENT') {
      skipped.push({
        index: e.index,
        label: rawLabel,
        reason: e.type === 'VTODO' ? 'it is a task, not an event (tasks are not imported)' : `it is a ${e.type}, not an event`,
      });
      continue;
    }
    if (e.problem) {
      skipped.push({ index: e.index, label: rawLabel, reason: e.problem });
      continue;
    }
    let ev: ICAL.Component;
    try {
      ev = new ICAL.Component(ICAL.parse(e.lines.join('\r\n')) as unknown as unknown[]);
    } catch (err) {
      skipped.push({ index: e.index, label: rawLabel, reason: `it could not be read (${String(err instanceof Error ? err.message : err).slice(0, 120)})` });
      continue;
    }
    const summary = String(ev.getFirstPropertyValue('summary') ?? '').trim();
    let start: Zoned | string | null;
    let end: Zoned | string | null;
    try {
      start = zones.zone(ev.getFirstProperty('dtstart'));
      end = zones.zone(ev.getFirstProperty('dtend'));
    } catch {
      start = null;
      end = null;
    }
    if (typeof start === 'string' || typeof end === 'string') {
      // The file's own zone is not worked out: the event is listed with the reason, under its local date.
      const local = ev.getFirstPropertyValue('dtstart') as unknown as T;
      skipped.push({
        index: e.index,
        label: `${summary || '(no subject)'} · ${localString(local).slice(0, 10)}`.slice(0, 100),
        reason: typeof start === 'string' ? start : (end as string),
      });
      continue;
    }
    const label = `${summary || '(no subject)'}${start ? ` · ${start.dateTime.slice(0, 10)}` : ''}`.slice(0, 100);
    if (!start) {
      const tz = ev.getFirstProperty('dtstart')?.getParameter('tzid');
      skipped.push({
        index: e.index,
        label,
        reason: tz ? `its time zone "${String(tz).slice(0, 60)}" is neither known nor defined in the file` : 'it has no valid start time',
      });
      continue;
    }
    if (ev.getFirstProperty('recurrence-id')) {
      skipped.push({ index: e.index, label, reason: 'it is a changed occurrence of a repeating event; the series is imported with its usual time' });
      continue;
    }
    if (!end) {
      const dur = ev.getFirstPropertyValue('duration') as unknown as ICAL.Duration | null;
      const t = start.time.clone();
      if (dur && typeof dur === 'object' && 'toSeconds' in dur) t.addDuration(dur);
      else if (t.isDate) t.day += 1;
      // Same zone handling as the start.
      const fake = new ICAL.Property('dtend');
      fake.setValue(t);
      const tzid = ev.getFirstProperty('dtstart')!.getParameter('tzid');
      if (tzid) fake.setParameter('tzid', tzid as string);
      const computed = zones.zone(fake);
      if (typeof computed === 'string') {
        skipped.push({ index: e.index, label, reason: computed });
        continue;
      }
      end = computed;
    }
    if (!end || end.time.compare(start.time) < 0) {
      skipped.push({ index: e.index, label, reason: 'it ends before it starts' });
      continue;
    }
    const isAllDay = start.time.isDate;
    const body: Record<string, unknown> = {
      subject: summary,
      start: { dateTime: start.dateTime, timeZone: start.timeZone },
      end: { dateTime: end.dateTime, timeZone: isAllDay ? start.timeZone : end.timeZone },
      isAllDay,
    };
    const itemNotes: string[] = [];
    const desc = String(ev.getFirstPropertyValue('description') ?? '');
    const attendees = ev.getAllProperties('attendee').map((p) => {
      const cn = p.getParameter('cn');
      const addr = String(p.getFirstValue() ?? '').replace(/^mailto:/i, '');
      return cn ? `${cn} <${addr}>` : addr;
    });
    let content = desc;
    if (attendees.length) {
      attendeesLeftOut++;
      itemNotes.push(`${attendees.length} attendee(s) left out so nobody is invited; they are listed in the event's notes`);
      content = `${desc}${desc ? '\n\n' : ''}Attendees in the old calendar: ${attendees.join('; ')}`;
    }
    if (content) body.body = { contentType: 'text', content };
    const location = String(ev.getFirstPropertyValue('location') ?? '').trim();
    if (location) body.location = { displayName: location };
    if (String(ev.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') body.showAs = 'free';
    const cls = String(ev.getFirstPropertyValue('class') ?? '').toUpperCase();
    if (cls === 'PRIVATE' || cls === 'CONFIDENTIAL') body.sensitivity = 'private';
    const cats = ev
      .getAllProperties('categories')
      .flatMap((p) => p.getValues().map(String))
      .filter(Boolean);
    if (cats.length) body.categories = [...new Set(cats)];
    const alarm = ev.getFirstSubcomponent('valarm');
    const trigger = alarm?.getFirstPropertyValue('trigger') as unknown as ICAL.Duration | null;
    if (trigger && typeof trigger === 'object' && 'toSeconds' in trigger) {
      const minutes = Math.round(-trigger.toSeconds() / 60);
      if (minutes >= 0 && minutes <= 40_320) Object.assign(body, { isReminderOn: true, reminderMinutesBeforeStart: minutes });
    } else body.isReminderOn = false;
    const rrules = ev.getAllProperties('rrule');
    if (rrules.length > 1) {
      skipped.push({ index: e.index, label, reason: 'it repeats by several rules at once, which Outlook cannot store' });
      continue;
    }
    if (ev.getFirstProperty('rdate')) {
      skipped.push({ index: e.index, label, reason: 'it repeats on a list of extra dates (RDATE), which Outlook cannot store' });
      continue;
    }
    if (rrules.length === 1) {
      const r = recurrenceOf(rrules[0].getFirstValue() as unknown as ICAL.Recur, start);
      if ('problem' in r) {
        skipped.push({ index: e.index, label, reason: r.problem });
        continue;
      }
      body.recurrence = r.recurrence;
      const ex = ev.getAllProperties('exdate').length;
      if (ex) {
        exdates += ex;
        itemNotes.push(`${ex} cancelled occurrence(s) still show; delete them in Outlook`);
      }
    }
    if (start.converted) converted++;
    const uid = String(ev.getFirstPropertyValue('uid') ?? '').trim();
    const key = dedupeKey('event', uid ? [`uid:${uid}`] : [summary.toLowerCase(), start.dateTime, start.timeZone, end.dateTime]);
    items.push({ index: e.index, key, label, body, notes: itemNotes });
  }
  if (converted)
    notes.push(
      `${converted} event(s) use a time zone only this file defines; their times were converted to UTC (a repeating one keeps UTC across daylight-saving changes).`,
    );
  if (attendeesLeftOut) notes.push(`${attendeesLeftOut} event(s) had attendees: they are not invited again; their names are in each event's notes.`);
  if (exdates) notes.push(`${exdates} cancelled occurrence(s) of repeating events will still show; delete them in Outlook.`);
  if (!wrZone && items.some((i) => (i.body.start as { timeZone: string }).timeZone === 'UTC' && i.body.isAllDay)) {
    notes.push('All-day events are placed in UTC because the file names no calendar time zone.');
  }
  return { ok: true, kind: 'events', items, skipped, notes, overLimit: read.overLimit };
}
