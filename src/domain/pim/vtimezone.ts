// A VTIMEZONE the file defines itself (a zone Graph does not know by name), worked out only
// over the years the events need. ical.js's Timezone expands every rule from the rule's first
// year up to the year asked for (at least this year + 5), occurrence by occurrence: a STANDARD
// rule repeating every minute since 1900 is 66 million transitions, computed synchronously.
// Here each rule is checked first (real zones change once or twice a year, by a YEARLY rule),
// then handed to ical.js rebuilt for a window around one year: the rule starts two years
// before it (same month, day and time, same INTERVAL phase) and ends the year after, so each
// (zone, year) costs a handful of transitions, and a file's whole budget is capped.

import ICAL from 'ical.js';

export const TZ_LIMITS = {
  /** STANDARD/DAYLIGHT parts of one zone: full-history definitions (tzurl.org "full") have a few hundred, each cheap. */
  maxObservances: 500,
  /** RDATE onsets in one zone: full-history definitions list one per historical change (hundreds). */
  maxRdates: 2_000,
  /** Values in one BY-part of a zone rule (BYMONTH=3, BYDAY=-1SU, BYMONTHDAY=8,…,14): a real rule has at most 7. */
  maxRuleValues: 31,
  /** COUNT on a zone rule: such a rule is expanded from its first year (its count says where it ends), so the count bounds the work. */
  maxRuleCount: 1_000,
  /** Transitions worked out for one file, all zones and years together. A file whose events span
   *  40 years in two custom zones needs about 700; this is 150 times that. */
  maxTransitions: 100_000,
  /** The window around each year an event needs: the rule starts this many years before it… */
  yearsBefore: 2,
  /** …and stops this many years after it. */
  yearsAfter: 1,
};

/** BY-parts a zone rule may use: the ones that say which day of which month the clocks change. */
const ZONE_RULE_PARTS = new Set(['BYMONTH', 'BYDAY', 'BYMONTHDAY']);

const UNIT: Record<string, string> = { SECONDLY: 'second', MINUTELY: 'minute', HOURLY: 'hour', DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month' };

interface Observance {
  daylight: boolean;
  start: ICAL.Time;
  from: unknown;
  to: unknown;
  rule: ICAL.Recur | null;
  rdates: ICAL.Time[];
}

/** Shared by every zone of one file: how many transitions may still be worked out. */
export class TransitionBudget {
  used = 0;
  constructor(readonly limit = TZ_LIMITS.maxTransitions) {}
}

export class BoundedZone {
  private readonly observances: Observance[] = [];
  /** Why ical.js is not given this zone at all; events in it are listed with this reason. */
  readonly problem: string | null;
  private readonly byYear = new Map<number, ICAL.Timezone | string>();

  constructor(
    readonly tzid: string,
    component: ICAL.Component,
    private readonly budget: TransitionBudget,
  ) {
    this.problem = this.read(component);
  }

  private read(component: ICAL.Component): string | null {
    const name = `its time zone "${this.tzid.slice(0, 60)}"`;
    const parts = component.getAllSubcomponents().filter((c) => c.name === 'standard' || c.name === 'daylight');
    if (parts.length > TZ_LIMITS.maxObservances)
      return `${name} has ${parts.length.toLocaleString('en-US')} rules; Cutover reads zones of up to ${TZ_LIMITS.maxObservances}. Export the calendar again from your mail program`;
    let rdates = 0;
    for (const c of parts) {
      const start = c.getFirstPropertyValue('dtstart') as unknown;
      const from = c.getFirstPropertyValue('tzoffsetfrom') as unknown;
      const to = c.getFirstPropertyValue('tzoffsetto') as unknown;
      // ical.js skips a part without these three as well.
      if (!(start instanceof ICAL.Time) || !from || !to) continue;
      const rules = c.getAllProperties('rrule');
      if (rules.length > 1) return `${name} has a part with ${rules.length} rules; a time zone changes by one rule per part`;
      const rule = (rules[0]?.getFirstValue() as unknown as ICAL.Recur | undefined) ?? null;
      if (rule) {
        const freq = String(rule.freq);
        if (freq !== 'YEARLY') {
          return `${name} is defined to change every ${UNIT[freq] ?? freq.toLowerCase()} (RRULE FREQ=${freq}); real time zones change once or twice a year. Export the calendar again from your mail program`;
        }
        const used = Object.entries(rule.parts as Record<string, unknown[]>).filter(([, v]) => Array.isArray(v) && v.length);
        const odd = used.map(([k]) => k).filter((k) => !ZONE_RULE_PARTS.has(k));
        if (odd.length) return `${name} changes by a rule no time zone uses (${odd.join(', ')}). Export the calendar again from your mail program`;
        const many = used.find(([, v]) => v.length > TZ_LIMITS.maxRuleValues);
        if (many)
          return `${name} changes on ${many[1].length.toLocaleString('en-US')} ${many[0]} values a year; a time zone changes once or twice. Export the calendar again from your mail program`;
        if (rule.count && rule.count > TZ_LIMITS.maxRuleCount)
          return `${name} lists ${rule.count.toLocaleString('en-US')} changes (COUNT); Cutover works out zones of up to ${TZ_LIMITS.maxRuleCount.toLocaleString('en-US')}`;
        if (!(rule.interval >= 1)) return `${name} has a rule with no valid INTERVAL`;
      }
      const dates: ICAL.Time[] = [];
      for (const p of c.getAllProperties('rdate')) {
        for (const v of p.getValues() as unknown[]) {
          if (++rdates > TZ_LIMITS.maxRdates)
            return `${name} lists more than ${TZ_LIMITS.maxRdates.toLocaleString('en-US')} change dates (RDATE); Cutover reads zones of up to that many`;
          const t = v instanceof ICAL.Time ? v : v instanceof ICAL.Period ? v.start : null;
          if (t) dates.push(t);
        }
      }
      this.observances.push({ daylight: c.name === 'daylight', start, from, to, rule, rdates: dates });
    }
    return null;
  }

  /** ical.js's Timezone for times in `year`, built over that year's window only; a string says why not. */
  forYear(year: number): ICAL.Timezone | string {
    if (this.problem) return this.problem;
    let tz = this.byYear.get(year);
    if (tz === undefined) {
      tz = this.build(year);
      this.byYear.set(year, tz);
    }
    return tz;
  }

  private build(year: number): ICAL.Timezone | string {
    const last = year + TZ_LIMITS.yearsAfter;
    const comp = new ICAL.Component('vtimezone');
    comp.addPropertyWithValue('tzid', this.tzid);
    let cost = 0;
    for (const o of this.observances) {
      const part = new ICAL.Component(o.daylight ? 'daylight' : 'standard');
      const start = o.start.clone();
      cost += 1 + o.rdates.length;
      let rule: ICAL.Recur | null = null;
      if (o.rule) {
        rule = o.rule.clone();
        const untilYear = rule.until ? rule.until.year : Infinity;
        if (!rule.count) {
          // Start the rule shortly before the window (keeping its INTERVAL phase). ical.js yields the
          // start itself as the first change, on the original month and day: that one may be off by
          // days, which is why the window begins two years before the year asked for.
          const target = Math.min(year - TZ_LIMITS.yearsBefore, untilYear - 1);
          if (target > start.year) start.year += Math.floor((target - start.year) / rule.interval) * rule.interval;
        }
        if (untilYear > last)
          rule.until = ICAL.Time.fromData({ year: last, month: 12, day: 31, hour: 23, minute: 59, second: 59, isDate: false }, ICAL.Timezone.utcTimezone);
        const years = Math.max(0, Math.min(untilYear, last) - start.year + 1);
        cost += rule.count ? Math.min(rule.count, perYear(rule) * years) : perYear(rule) * years;
      }
      part.addPropertyWithValue('dtstart', start);
      part.addPropertyWithValue('tzoffsetfrom', o.from);
      part.addPropertyWithValue('tzoffsetto', o.to);
      if (rule) part.addPropertyWithValue('rrule', rule);
      for (const d of o.rdates) part.addPropertyWithValue('rdate', d.clone());
      comp.addSubcomponent(part);
    }
    if (this.budget.used + cost > this.budget.limit) {
      return `working out its time zone "${this.tzid.slice(0, 60)}" for ${year} goes beyond the ${this.budget.limit.toLocaleString('en-US')} time changes Cutover works out for one file. Export the calendar in parts (for example one year at a time)`;
    }
    this.budget.used += cost;
    return new ICAL.Timezone({ component: comp, tzid: this.tzid });
  }
}

/** At most how many changes a YEARLY rule makes in one year (an upper bound). */
function perYear(rule: ICAL.Recur): number {
  const parts = rule.parts as Record<string, unknown[] | undefined>;
  const byday = parts.BYDAY ?? [];
  const months = parts.BYMONTH?.length || (parts.BYMONTHDAY?.length || byday.length ? 12 : 1);
  const days = parts.BYMONTHDAY?.length || (byday.length ? byday.reduce<number>((n, d) => n + (/\d/.test(String(d)) ? 1 : 5), 0) : 1);
  return Math.min(366, months * days);
}
