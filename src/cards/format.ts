// How cards write dates and counts, the same on every card.

/** A time to the minute, in UTC: "2026-05-04 10:12 UTC"; "never" when there is none. */
export function formatDate(d: Date | null | undefined): string {
  if (!d) return 'never';
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
}

/** A count with thousands separators; "—" when unknown. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** An ISO time as formatDate writes it; "not yet" when there is none. */
export function when(isoText: string | null | undefined): string {
  if (!isoText) return 'not yet';
  return isoText.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}
