// Contacts and calendar files made to be expensive to read: what a careless or hostile
// person could attach to the guide's import. Generated here, as small as the attack allows.

const CRLF = '\r\n';

/** About 400 bytes: a time zone whose STANDARD rule repeats every minute since 1900, and one event in it. */
export function minutelyTimezoneIcs(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Hostile//EN',
      'BEGIN:VTIMEZONE',
      'TZID:Every Minute',
      'BEGIN:STANDARD',
      'DTSTART:19000101T000000',
      'RRULE:FREQ=MINUTELY',
      'TZOFFSETFROM:+0000',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:hostile-1',
      'DTSTART;TZID=Every Minute:20250601T100000',
      'DTEND;TZID=Every Minute:20250601T110000',
      'SUMMARY:Trap',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join(CRLF),
  );
}

/** A calendar whose event holds `depth` alarms inside each other. */
export function deeplyNestedIcs(depth = 100_000): Buffer {
  return Buffer.from(
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:nest', 'DTSTART:20250101T100000Z', 'SUMMARY:Nest'].join(CRLF) +
      CRLF +
      `BEGIN:VALARM${CRLF}`.repeat(depth) +
      `END:VALARM${CRLF}`.repeat(depth) +
      ['END:VEVENT', 'END:VCALENDAR', ''].join(CRLF),
  );
}

/** One contact of `bytes` (10 MB by default): a note folded over 130,000 lines. */
export function tenMegabyteVcard(bytes = 10 * 1024 * 1024): Buffer {
  const line = ` ${'n'.repeat(75)}${CRLF}`;
  const head = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Heavy Note', 'EMAIL:heavy@example.org', `NOTE:start${CRLF}`].join(CRLF);
  const tail = ['END:VCARD', 'BEGIN:VCARD', 'VERSION:3.0', 'FN:Light Note', 'EMAIL:light@example.org', 'END:VCARD', ''].join(CRLF);
  return Buffer.from(head + line.repeat(Math.ceil((bytes - head.length - tail.length) / line.length)) + tail);
}

/** One contact with `count` properties (e-mail addresses). */
export function manyPropertiesVcard(count = 250_000): Buffer {
  const out = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Many Props'];
  for (let i = 0; i < count; i++) out.push(`EMAIL;TYPE=INTERNET:p${i}@example.org`);
  out.push('END:VCARD', 'BEGIN:VCARD', 'VERSION:3.0', 'FN:Few Props', 'EMAIL:few@example.org', 'END:VCARD', '');
  return Buffer.from(out.join(CRLF));
}

/** About 10 MB of contacts that stay within every cap but cost real work each (990 addresses per contact). */
export function slowContactsVcf(bytes = 10 * 1024 * 1024): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:Busy ${i}`];
    for (let j = 0; j < 990; j++) lines.push(`EMAIL;TYPE=work:b${i}.${j}@example.org`);
    lines.push('END:VCARD', '');
    const card = lines.join(CRLF);
    parts.push(card);
    size += card.length;
  }
  return Buffer.from(parts.join(''));
}
