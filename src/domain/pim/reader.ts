// The bounded first pass over a .vcf or .ics file, before ical.js sees anything: decode
// (BOM, UTF-8, else Windows-1252 with a note), unfold lines (RFC folding and vCard 2.1
// quoted-printable soft breaks), drop binary properties (photos, logos, sounds) without
// holding them, cap lines, line length, parameters, entries, lines per entry, time zones and
// nesting, and cut the file into entries so one broken entry cannot spoil the others.
// Every cap is far above what a mail program exports and low enough that the work after it
// (ical.js per entry, Graph bodies) stays linear and small; the caller still reads files in a
// worker thread with a deadline (src/adapters/pim), so a cap missed here costs seconds, not the bot.

export const PIM_LIMITS = {
  /** Larger files are refused whole (attachments are capped lower still, ATTACHMENT_MAX_BYTES). */
  maxFileBytes: 16 * 1024 * 1024,
  /** Logical (unfolded) lines in one file: 10,000 rich entries of ~60 lines each fit twice over;
   *  a file of millions of short lines is refused whole before any entry is built. */
  maxLines: 1_000_000,
  /** One unfolded property line (binary properties are dropped, not counted here). */
  maxLineChars: 32 * 1024,
  /** Parameters on one property line (TYPE=, CN=, TZID=, …): exports use fewer than 10; ical.js
   *  builds an object per parameter, so thousands on every line multiply its work. */
  maxParamsPerProperty: 64,
  /** Entries (contacts or events) read from one file; the rest is reported, not imported. */
  maxEntries: 10_000,
  /** Lines in one entry, its sub-components (alarms, time zone rules) and their BEGIN/END included:
   *  a contact or event is a few dozen lines; a full-history time zone a few hundred. */
  maxLinesPerEntry: 1_000,
  /** VCALENDAR > VEVENT > VALARM (and VCALENDAR > VTIMEZONE > STANDARD): an entry nested deeper is skipped. */
  maxDepth: 3,
  /** A file nested deeper than this is no export at all: it is refused whole instead of being walked. */
  maxFileDepth: 32,
  /** VTIMEZONE definitions in one .ics: an export holds one per zone its events use (a handful). */
  maxTimeZones: 100,
};

const BINARY_PROPS = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY', 'ATTACH']);

export interface RawEntry {
  /** VCARD, VEVENT, VTODO, VTIMEZONE, … */
  type: string;
  /** 1-based position among entries of the file. */
  index: number;
  /** Unfolded lines including BEGIN/END of the entry and of its sub-components. */
  lines: string[];
  dropped: { name: string; bytes: number }[];
  problem?: string;
}

export interface ReadResult {
  ok: true;
  entries: RawEntry[];
  /** Calendar-level properties (X-WR-TIMEZONE, METHOD, …) for .ics. */
  header: string[];
  notes: string[];
  /** Entries beyond maxEntries, not read. */
  overLimit: number;
}

export type ReadOutcome = ReadResult | { ok: false; problem: string };

export function decodeText(bytes: Buffer): { text: string; note?: string } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le') };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return { text: swapped.toString('utf16le') };
  }
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start)) };
  } catch {
    // Older Outlook exports are Windows-1252, and merged exports mix both: decode line by line,
    // UTF-8 where it is valid, else Windows-1252 (every byte decodes, so nothing is lost silently).
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const cp1252 = new TextDecoder('windows-1252');
    const body = bytes.subarray(start);
    const out: string[] = [];
    let from = 0;
    while (from <= body.length) {
      let to = body.indexOf(0x0a, from);
      if (to < 0) to = body.length;
      const line = body.subarray(from, to);
      try {
        out.push(utf8.decode(line));
      } catch {
        out.push(cp1252.decode(line));
      }
      from = to + 1;
    }
    return {
      text: out.join('\n'),
      note: 'Some lines of the file are not valid UTF-8; they were read as Windows-1252 (Western European). Check accented names in the preview.',
    };
  }
}

function propName(line: string): string {
  const m = /^([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?)[;:]/.exec(line);
  const n = m ? m[1].toUpperCase() : '';
  // Apple groups properties: item1.EMAIL
  return n.includes('.') ? n.slice(n.indexOf('.') + 1) : n;
}

function paramCount(line: string): number {
  // Semicolons before the value (outside quoted parameter values): an upper bound of the parameters.
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) quoted = !quoted;
    else if (!quoted && c === 58 /* : */) break;
    else if (!quoted && c === 59 /* ; */) n++;
  }
  return n;
}

const en = (n: number) => n.toLocaleString('en-US');

export function readPim(bytes: Buffer, topType: 'VCARD' | 'VCALENDAR'): ReadOutcome {
  if (bytes.length > PIM_LIMITS.maxFileBytes) {
    return {
      ok: false,
      problem: `The file is ${(bytes.length / 1048576).toFixed(1)} MB; Cutover reads files up to ${PIM_LIMITS.maxFileBytes / 1048576} MB. Export in parts (for example one address book or one year at a time).`,
    };
  }
  const { text, note } = decodeText(bytes);
  const notes: string[] = note ? [note] : [];
  const entries: RawEntry[] = [];
  const header: string[] = [];
  let overLimit = 0;
  let zonesOverLimit = 0;
  let sawTop = false;
  const stack: string[] = [];
  let current: RawEntry | null = null;
  let droppedPhotos = 0;
  let droppedBytes = 0;
  let lines = 0;
  let refused: string | null = null;

  // Logical line being assembled.
  let logical: string | null = null;
  let logicalName = '';
  let logicalLen = 0;
  let qp = false;

  const finishLine = () => {
    if (logical === null) return;
    const line = logical;
    const name = logicalName;
    const len = logicalLen;
    logical = null;
    if (++lines > PIM_LIMITS.maxLines) {
      refused ??= `The file has more than ${en(PIM_LIMITS.maxLines)} lines; Cutover reads up to that many at once. Export in parts (for example one address book or one year at a time).`;
      return;
    }
    if (BINARY_PROPS.has(name)) {
      if (current) current.dropped.push({ name, bytes: len });
      droppedPhotos++;
      droppedBytes += len;
      return;
    }
    handleLine(line, name, len);
  };

  /** Adds a line to the current entry within the entry's line cap. */
  const keep = (line: string) => {
    if (!current) return;
    if (current.lines.length >= PIM_LIMITS.maxLinesPerEntry) {
      current.problem ??= `it has more than ${en(PIM_LIMITS.maxLinesPerEntry)} lines (Cutover reads entries up to that size)`;
      return;
    }
    current.lines.push(line);
  };

  const handleLine = (line: string, name: string, len: number) => {
    if (name === 'BEGIN') {
      const t = line
        .slice(6, 6 + 64)
        .trim()
        .toUpperCase();
      if (stack.length >= PIM_LIMITS.maxFileDepth) {
        refused ??= `Its components are nested more than ${PIM_LIMITS.maxFileDepth} deep (BEGIN:${t.slice(0, 20)} inside ${stack.length} others); no contacts or calendar export looks like this. Export the file again from your mail program.`;
        return;
      }
      if (stack.length === 0) {
        if (t === topType) sawTop = true;
        stack.push(t);
        if (topType === 'VCARD' && t === 'VCARD') startEntry(t, line);
        return;
      }
      if (topType === 'VCALENDAR' && stack.length === 1 && stack[0] === 'VCALENDAR') {
        stack.push(t);
        startEntry(t, line);
        return;
      }
      stack.push(t);
      if (current) {
        if (stack.length > PIM_LIMITS.maxDepth)
          current.problem ??= `its components are nested ${stack.length} deep (Cutover reads ${PIM_LIMITS.maxDepth}: ${topType === 'VCARD' ? 'a contact and what it holds' : 'calendar, event, alarm'})`;
        else if (t === current.type) current.problem ??= `a ${t} nested inside another`;
        keep(line);
      }
      return;
    }
    if (name === 'END') {
      const t = line
        .slice(4, 4 + 64)
        .trim()
        .toUpperCase();
      const top = stack.pop();
      if (top !== t && current) current.problem ??= `END:${t} does not close BEGIN:${top ?? '?'}`;
      if (current) {
        keep(line);
        const entryDepth = topType === 'VCARD' ? 0 : 1;
        if (stack.length === entryDepth) finishEntry();
      }
      return;
    }
    if (!current) {
      if (stack.length === 1 && header.length < 50 && len <= 1024) header.push(line);
      return;
    }
    if (len > PIM_LIMITS.maxLineChars) {
      current.problem ??= `a ${name || 'property'} line of ${en(len)} characters (Cutover reads lines up to ${en(PIM_LIMITS.maxLineChars)})`;
      return;
    }
    const params = paramCount(line);
    if (params > PIM_LIMITS.maxParamsPerProperty) {
      current.problem ??= `a ${name || 'property'} line with ${en(params)} parameters (Cutover reads up to ${PIM_LIMITS.maxParamsPerProperty})`;
      return;
    }
    keep(line);
  };

  let count = 0;
  let items = 0;
  let zones = 0;
  const startEntry = (type: string, line: string) => {
    count++;
    if (type === 'VTIMEZONE' ? ++zones > PIM_LIMITS.maxTimeZones : ++items > PIM_LIMITS.maxEntries) {
      if (type === 'VTIMEZONE') zonesOverLimit++;
      else overLimit++;
      current = { type, index: count, lines: [], dropped: [], problem: 'over the limit' };
      return;
    }
    current = { type, index: count, lines: [line], dropped: [] };
  };
  const finishEntry = () => {
    if (current && current.problem !== 'over the limit') entries.push(current);
    current = null;
  };

  // Physical lines one at a time (no array of millions of strings), unfolded into logical lines.
  const breaks = /\r\n|\n|\r/g;
  let from = 0;
  while (from <= text.length && refused === null) {
    breaks.lastIndex = from;
    const m = breaks.exec(text);
    const to = m ? m.index : text.length;
    const raw = text.slice(from, to);
    from = m ? to + m[0].length : text.length + 1;
    if (logical !== null && (raw.startsWith(' ') || raw.startsWith('\t'))) {
      logicalLen += raw.length - 1;
      if (!BINARY_PROPS.has(logicalName) && logicalLen <= PIM_LIMITS.maxLineChars) logical += raw.slice(1);
      continue;
    }
    if (logical !== null && qp && (logical as string).endsWith('=')) {
      // Quoted-printable soft line break (vCard 2.1): the next physical line continues the value.
      logicalLen += raw.length;
      if (logicalLen <= PIM_LIMITS.maxLineChars) logical = (logical as string).slice(0, -1) + raw;
      continue;
    }
    finishLine();
    if (raw === '') continue;
    logical = raw;
    logicalLen = raw.length;
    logicalName = propName(raw.slice(0, 256));
    const colon = raw.indexOf(':');
    qp = /;(ENCODING=)?QUOTED-PRINTABLE[;:]/i.test(raw.slice(0, colon >= 0 ? Math.min(colon + 1, 4096) : 4096));
  }
  if (refused === null) finishLine();
  if (refused !== null) return { ok: false, problem: refused };
  if (current) {
    (current as RawEntry).problem ??= 'the file ends inside this entry (no END line)';
    finishEntry();
  }
  if (!sawTop) {
    return {
      ok: false,
      problem:
        topType === 'VCARD'
          ? 'This is not a vCard file: it has no BEGIN:VCARD. Export contacts as vCard (.vcf).'
          : 'This is not an iCalendar file: it has no BEGIN:VCALENDAR. Export the calendar as iCalendar (.ics).',
    };
  }
  if (droppedPhotos > 0) {
    notes.push(
      `${en(droppedPhotos)} photo${droppedPhotos === 1 ? '' : 's'} or attachment${droppedPhotos === 1 ? '' : 's'} (${(droppedBytes / 1048576).toFixed(1)} MB) were left out: Cutover copies the text of each entry, not pictures or files.`,
    );
  }
  if (overLimit > 0)
    notes.push(
      `The file has ${en(overLimit)} more entries than the ${en(PIM_LIMITS.maxEntries)} Cutover reads at once; they are not imported. Import the rest from a second file.`,
    );
  if (zonesOverLimit > 0)
    notes.push(
      `The file defines ${en(zonesOverLimit)} more time zones than the ${PIM_LIMITS.maxTimeZones} Cutover reads; events that use only those are listed below.`,
    );
  return { ok: true, entries, header, notes, overLimit };
}
