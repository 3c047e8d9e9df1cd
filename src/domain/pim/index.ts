export { parseVcards, normalizeVcardLines } from './vcard';
export { parseCalendar } from './ical';
export { PIM_LIMITS, readPim, decodeText } from './reader';
export { graphTimeZone } from './timezones';
export { IMPORT_KEY_PROPERTY, dedupeKey, withImportKey, type PimItem, type PimParseResult, type PimSkipped } from './types';

import { parseCalendar } from './ical';
import { parseVcards } from './vcard';
import type { PimParseResult } from './types';

/** Picks the parser by file name (.vcf/.vcard or .ics/.ical), else by content. */
export function parsePimFile(name: string, bytes: Buffer): PimParseResult {
  const n = name.toLowerCase();
  if (/\.(vcf|vcard)$/.test(n)) return parseVcards(bytes);
  if (/\.(ics|ical|ifb|icalendar)$/.test(n)) return parseCalendar(bytes);
  const head = bytes.subarray(0, 4096).toString('latin1').toUpperCase();
  if (head.includes('BEGIN:VCALENDAR')) return parseCalendar(bytes);
  if (head.includes('BEGIN:VCARD')) return parseVcards(bytes);
  return { ok: false, problem: 'Cutover imports contacts from a vCard file (.vcf) and calendars from an iCalendar file (.ics).' };
}

export function isPimFileName(name: string): boolean {
  return /\.(vcf|vcard|ics|ical|icalendar)$/i.test(name);
}
