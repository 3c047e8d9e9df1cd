import {
  appleIcs,
  appleVcf30,
  googleIcs,
  googleVcf30,
  manyContactsVcf,
  outlookIcs,
  outlookVcf21,
  thunderbirdIcs,
  thunderbirdVcf40,
} from '../../../test/support/pimFixtures';
import ICAL from 'ical.js';
import { deeplyNestedIcs, manyPropertiesVcard, minutelyTimezoneIcs, tenMegabyteVcard } from '../../../test/support/hostilePim';
import { parseCalendar, parsePimFile, parseVcards, PIM_LIMITS } from './index';
import { TZ_LIMITS } from './vtimezone';

function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(`parse failed: ${(r as any).problem}`);
  return r as Extract<T, { ok: true }>;
}

describe('vCard', () => {
  it('keeps every comma of a 2.1 value, runs of them included', () => {
    const vcf =
      'BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;John\r\nFN:John Smith\r\nNOTE:one,,two, three,\r\nADR;WORK:;;1 Main St,,Suite 5;Redmond;WA;98052;USA\r\nEND:VCARD\r\n';
    const c = ok(parseVcards(Buffer.from(vcf))).items[0].body as { personalNotes?: string; businessAddress?: { street?: string } };
    expect(c.personalNotes).toBe('one,,two, three,');
    expect(c.businessAddress?.street).toBe('1 Main St,,Suite 5');
  });

  it('reads Outlook 2.1: Windows-1252, quoted-printable, bare types; the photo is left out with a note', () => {
    const r = ok(parseVcards(outlookVcf21(600 * 1024)));
    expect(r.items).toHaveLength(1);
    const c = r.items[0].body as any;
    expect(c.displayName).toBe('Jürgen Müller');
    expect(c.givenName).toBe('Jürgen');
    expect(c.surname).toBe('Müller');
    expect(c.companyName).toBe('Fabrikam');
    expect(c.department).toBe('Einkauf');
    expect(c.mobilePhone).toBe('+49 170 7654321');
    expect(c.businessPhones).toEqual(['+49 30 1234567']);
    expect(c.businessAddress).toMatchObject({ street: 'Hauptstraße 5', city: 'Berlin', postalCode: '10115', countryOrRegion: 'Deutschland' });
    expect(c.personalNotes).toMatch(/à la carte\.\nZweite Zeile, mit Komma\./);
    expect(c.personalNotes).toMatch(/Fax: \+49 30 1234568/);
    expect(c.emailAddresses).toEqual([{ address: 'juergen.mueller@fabrikam.example', name: 'Jürgen Müller' }]);
    expect(r.notes.join(' ')).toMatch(/Windows-1252/);
    expect(r.notes.join(' ')).toMatch(/1 photo or attachment \(0\.8 MB\) were left out/);
    expect(JSON.stringify(c)).not.toMatch(/PHOTO|BwcH/);
  });

  it('reads Google 3.0 with grouped properties, keeps three e-mails and lists an empty card with its reason', () => {
    const r = ok(parseVcards(googleVcf30()));
    expect(r.items).toHaveLength(1);
    const c = r.items[0].body as any;
    expect(c.displayName).toBe('Zoë Saldana-Ng');
    expect(c.emailAddresses.map((e: any) => e.address)).toEqual(['zoe@example.org', 'zoe.ng@contoso.example', 'z@example.net']);
    expect(c.personalNotes).toMatch(/Other e-mail: zn@example.com/);
    expect(c.homeAddress.street).toBe('12 Pine St, Apt 3');
    expect(c.birthday).toBe('1990-02-14T11:59:00Z');
    expect(c.categories).toEqual(['myContacts', 'Friends']);
    expect(r.skipped).toEqual([{ index: 2, label: '', reason: 'it has no name, e-mail address or phone number' }]);
  });

  it('reads Apple 3.0 and Thunderbird 4.0 (LF endings, yearless birthday)', () => {
    const a = ok(parseVcards(appleVcf30()));
    expect(a.items[0].body).toMatchObject({ displayName: 'Johnny Appleseed', companyName: 'Apple Inc.', homePhones: ['+1 408-555-0111'] });
    expect(a.items[0].notes).toContain('photo left out');
    const t = ok(parseVcards(thunderbirdVcf40()));
    expect(t.items[0].body).toMatchObject({ displayName: 'Patti Fernandez', birthday: '1604-04-07T11:59:00Z', businessPhones: ['+1 425 555 0109'] });
  });

  it('gives the same entry the same key every time, and different entries different keys', () => {
    const k1 = ok(parseVcards(googleVcf30())).items.map((i) => i.key);
    const k2 = ok(parseVcards(googleVcf30())).items.map((i) => i.key);
    expect(k1).toEqual(k2);
    const many = ok(parseVcards(manyContactsVcf(50)));
    expect(new Set(many.items.map((i) => i.key)).size).toBe(50);
  });

  it('bounds hostile files: huge lines, too many entries, nesting, no END, not a vCard', () => {
    const huge = Buffer.from(
      `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nNOTE:${'x'.repeat(PIM_LIMITS.maxLineChars + 10)}\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fine\r\nEND:VCARD\r\n`,
    );
    const h = ok(parseVcards(huge));
    expect(h.items.map((i) => i.label)).toEqual(['Fine']);
    expect(h.skipped[0]).toMatchObject({ index: 1, label: 'Big', reason: expect.stringMatching(/NOTE line of 32,783 characters/) });

    const saved = PIM_LIMITS.maxEntries;
    PIM_LIMITS.maxEntries = 30;
    try {
      const many = ok(parseVcards(manyContactsVcf(45)));
      expect(many.items).toHaveLength(30);
      expect(many.overLimit).toBe(15);
      expect(many.notes.join(' ')).toMatch(/15 more entries than the 30/);
    } finally {
      PIM_LIMITS.maxEntries = saved;
    }

    const nested = ok(parseVcards(Buffer.from('BEGIN:VCARD\nVERSION:2.1\nFN:Outer\nAGENT:\nBEGIN:VCARD\nVERSION:2.1\nFN:Inner\nEND:VCARD\nEND:VCARD\n')));
    expect(nested.items).toHaveLength(0);
    expect(nested.skipped[0].reason).toMatch(/nested inside another/);

    const cut = ok(parseVcards(Buffer.from('BEGIN:VCARD\nVERSION:3.0\nFN:Cut off\n')));
    expect(cut.skipped[0].reason).toMatch(/no END line/);

    expect(parseVcards(Buffer.from('hello world'))).toEqual({ ok: false, problem: expect.stringMatching(/not a vCard file/) });
    expect(parsePimFile('notes.txt', Buffer.from('hello'))).toMatchObject({ ok: false });
  });

  it('reads a file of 10,000 contacts quickly', () => {
    const t0 = Date.now();
    const r = ok(parseVcards(manyContactsVcf(10_000)));
    expect(r.items).toHaveLength(10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('iCalendar', () => {
  it('reads Outlook: Windows zone kept, weekly rule mapped, attendees left out into the notes, reminder and all-day', () => {
    const r = ok(parseCalendar(outlookIcs()));
    expect(r.items).toHaveLength(2);
    const sync = r.items[0].body as any;
    expect(sync.subject).toBe('Team sync');
    expect(sync.start).toEqual({ dateTime: '2025-01-06T10:00:00', timeZone: 'W. Europe Standard Time' });
    expect(sync.end).toEqual({ dateTime: '2025-01-06T10:30:00', timeZone: 'W. Europe Standard Time' });
    expect(sync.recurrence).toEqual({
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' },
      range: { type: 'endDate', startDate: '2025-01-06', endDate: '2025-06-30', recurrenceTimeZone: 'W. Europe Standard Time' },
    });
    expect(sync.attendees).toBeUndefined();
    expect(sync.organizer).toBeUndefined();
    expect(sync.body.content).toMatch(/Attendees in the old calendar: Ann Beebe <annb@contoso.edu>; Terry Adams/);
    expect(sync).toMatchObject({ isReminderOn: true, reminderMinutesBeforeStart: 15, location: { displayName: 'Room 101' } });
    const holiday = r.items[1].body as any;
    expect(holiday).toMatchObject({ isAllDay: true, showAs: 'free', start: { dateTime: '2025-05-01T00:00:00' }, end: { dateTime: '2025-05-02T00:00:00' } });
    expect(r.notes.join(' ')).toMatch(/1 event\(s\) had attendees/);
  });

  it('reads Google: UTC times, relative monthly rule; lists the moved occurrence, the hourly rule and the task with reasons', () => {
    const r = ok(parseCalendar(googleIcs()));
    expect(r.items).toHaveLength(1);
    expect(r.items[0].body).toMatchObject({
      start: { dateTime: '2025-03-10T17:00:00', timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday'], index: 'second' },
        range: { type: 'numbered', numberOfOccurrences: 6 },
      },
    });
    const reasons = r.skipped.map((s) => s.reason).join(' | ');
    expect(reasons).toMatch(/changed occurrence of a repeating event/);
    expect(reasons).toMatch(/repeats by a rule Outlook cannot store|repeats hourly/);
    expect(reasons).toMatch(/it is a task/);
  });

  it('reads Apple: IANA zone, DURATION, yearly all-day birthday, private', () => {
    const r = ok(parseCalendar(appleIcs()));
    expect(r.items[0].body).toMatchObject({
      start: { dateTime: '2025-09-15T14:00:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2025-09-15T15:30:00', timeZone: 'Europe/Berlin' },
      sensitivity: 'private',
    });
    expect(r.items[1].body).toMatchObject({
      isAllDay: true,
      recurrence: { pattern: { type: 'absoluteYearly', month: 2, dayOfMonth: 14 }, range: { type: 'noEnd' } },
    });
  });

  it('converts a zone only the file defines to UTC and lists an undefined zone', () => {
    const r = ok(parseCalendar(thunderbirdIcs()));
    expect(r.items).toHaveLength(1);
    expect(r.items[0].body).toMatchObject({
      start: { dateTime: '2025-06-02T06:00:00', timeZone: 'UTC' },
      end: { dateTime: '2025-06-02T09:00:00', timeZone: 'UTC' },
    });
    expect(r.skipped).toEqual([{ index: 3, label: 'Lost zone', reason: expect.stringMatching(/time zone "Nowhere\/Unknown" is neither known nor defined/) }]);
    expect(r.notes.join(' ')).toMatch(/converted to UTC/);
  });

  it('never expands recurrence: an endless secondly rule and a huge count are listed, not computed', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:s',
      'DTSTART:20250101T000000Z',
      'DTEND:20250101T000001Z',
      'RRULE:FREQ=SECONDLY',
      'SUMMARY:Every second',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:c',
      'DTSTART:20250101T000000Z',
      'DTEND:20250101T010000Z',
      'RRULE:FREQ=DAILY;COUNT=1000000000',
      'SUMMARY:Billion',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:b',
      'DTSTART:20250101T000000Z',
      'DTEND:20241231T000000Z',
      'SUMMARY:Backwards',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const t0 = Date.now();
    const r = ok(parseCalendar(Buffer.from(ics)));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.items).toHaveLength(0);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/secondly/),
      expect.stringMatching(/1,000,000,000 times/),
      'it ends before it starts',
    ]);
  });
});

describe('hostile files stay cheap', () => {
  /** An .ics with one zone only the file defines (W. Europe rules under a name Graph does not know) and events at the given local times. */
  const customZoneIcs = (zone: string[], times: string[]) =>
    Buffer.from(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VTIMEZONE',
        'TZID:Club Time',
        ...zone,
        'END:VTIMEZONE',
        ...times.flatMap((t, i) => ['BEGIN:VEVENT', `UID:e${i}`, `DTSTART;TZID=Club Time:${t}`, `DTEND;TZID=Club Time:${t}`, `SUMMARY:E${i}`, 'END:VEVENT']),
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
  const westEurope = [
    'BEGIN:STANDARD',
    'DTSTART:16011028T030000',
    'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:16010325T020000',
    'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'END:DAYLIGHT',
  ];

  it('lists an event in a zone that changes every minute since 1900, in milliseconds, naming the rule', () => {
    const t0 = Date.now();
    const r = ok(parseCalendar(minutelyTimezoneIcs()));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.items).toEqual([]);
    expect(r.skipped).toEqual([
      {
        index: 2,
        label: 'Trap · 2025-06-01',
        reason: expect.stringMatching(
          /^its time zone "Every Minute" is defined to change every minute \(RRULE FREQ=MINUTELY\); real time zones change once or twice a year/,
        ),
      },
    ]);
  });

  it('works a real zone out over the years its events need only, with the same times as expanding it whole', () => {
    // Both sides of each change, around the last Sundays of March and October, over 70 years, plus the 1601 start.
    const times: string[] = [];
    for (let y = 1975; y <= 2045; y += 7) for (const md of ['0101T120000', '0320T120000', '0401T120000', '1020T120000', '1101T120000']) times.push(`${y}${md}`);
    times.push('16020101T120000');
    const r = ok(parseCalendar(customZoneIcs(westEurope, times)));
    expect(r.skipped).toEqual([]);
    const whole = new ICAL.Timezone(
      new ICAL.Component(ICAL.parse(['BEGIN:VTIMEZONE', 'TZID:Club Time', ...westEurope, 'END:VTIMEZONE'].join('\r\n')) as unknown as unknown[]),
    );
    const expected = times.map((t) => {
      const local = ICAL.Time.fromDateTimeString(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:00:00`);
      local.zone = whole;
      const u = local.convertToZone(ICAL.Timezone.utcTimezone);
      return `${String(u.year).padStart(4, '0')}-${String(u.month).padStart(2, '0')}-${String(u.day).padStart(2, '0')}T${String(u.hour).padStart(2, '0')}:00:00`;
    });
    expect(r.items.map((i) => (i.body.start as { dateTime: string }).dateTime)).toEqual(expected);
    expect(expected.slice(0, 5)).toEqual(['1975-01-01T11:00:00', '1975-03-20T11:00:00', '1975-04-01T10:00:00', '1975-10-20T10:00:00', '1975-11-01T11:00:00']);
  });

  it("bounds a zone with hundreds of changes a year, an event in 9999, and a file's whole time-change budget", () => {
    const dense = [
      'BEGIN:STANDARD',
      'DTSTART:00010101T000000',
      'RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28',
      'TZOFFSETFROM:+0000',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
    ];
    const t0 = Date.now();
    const far = ok(parseCalendar(customZoneIcs(dense, ['99990601T100000'])));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(far.items[0].body.start).toEqual({ dateTime: '9999-06-01T09:00:00', timeZone: 'UTC' });

    const saved = TZ_LIMITS.maxTransitions;
    TZ_LIMITS.maxTransitions = 3000;
    try {
      // Each year costs 12 × 28 × 4 = 1,344 changes here: two years fit, the third does not.
      const r = ok(parseCalendar(customZoneIcs(dense, ['20200601T100000', '20300601T100000', '20400601T100000', '20300701T100000'])));
      expect(r.items.map((i) => i.label)).toEqual(['E0 · 2020-06-01', 'E1 · 2030-06-01', 'E3 · 2030-07-01']);
      expect(r.skipped).toEqual([
        {
          index: 4,
          label: 'E2 · 2040-06-01',
          reason: expect.stringMatching(
            /^working out its time zone "Club Time" for 2040 goes beyond the 3,000 time changes Cutover works out for one file\. Export the calendar in parts/,
          ),
        },
      ]);
    } finally {
      TZ_LIMITS.maxTransitions = saved;
    }
  });

  it('names zone rules no real zone uses: other BY-parts, too many values, a huge COUNT', () => {
    const rule = (r: string) => ['BEGIN:STANDARD', 'DTSTART:19700101T000000', `RRULE:${r}`, 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0100', 'END:STANDARD'];
    const reason = (r: string) => ok(parseCalendar(customZoneIcs(rule(r), ['20250101T100000']))).skipped[0]?.reason;
    expect(reason('FREQ=YEARLY;BYHOUR=1,2,3;BYMINUTE=5')).toMatch(/changes by a rule no time zone uses \(BYHOUR, BYMINUTE\)/);
    expect(reason(`FREQ=YEARLY;BYMONTHDAY=${Array.from({ length: 40 }, (_, i) => (i < 31 ? i + 1 : 30 - i)).join(',')}`)).toMatch(
      /changes on 40 BYMONTHDAY values a year/,
    );
    expect(reason('FREQ=YEARLY;COUNT=50000;BYMONTH=3')).toMatch(/lists 50,000 changes \(COUNT\); Cutover works out zones of up to 1,000/);
    expect(reason('FREQ=SECONDLY')).toMatch(/change every second/);
    expect(reason('FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU')).toBeUndefined();
  });

  it('refuses a file nested 100,000 deep whole, without walking it', () => {
    expect(parseCalendar(deeplyNestedIcs())).toEqual({
      ok: false,
      problem: expect.stringMatching(
        /^Its components are nested more than 32 deep \(BEGIN:VALARM inside 32 others\); no contacts or calendar export looks like this\. Export the file again/,
      ),
    });
    // Nested a little too deep: only that event is listed.
    const four = ok(parseCalendar(deeplyNestedIcs(3)));
    expect(four.skipped[0].reason).toMatch(/its components are nested 4 deep \(Cutover reads 3: calendar, event, alarm\)/);
  });

  it('lists a 10 MB contact and a contact with 250,000 properties, keeps the others, and stops lines, parameters and time zones at their caps', () => {
    const big = ok(parseVcards(tenMegabyteVcard()));
    expect(big.items.map((i) => i.label)).toEqual(['Light Note']);
    expect(big.skipped).toEqual([{ index: 1, label: 'Heavy Note', reason: expect.stringMatching(/^a NOTE line of 10,\d{3},\d{3} characters/) }]);

    const many = ok(parseVcards(manyPropertiesVcard()));
    expect(many.items.map((i) => i.label)).toEqual(['Few Props']);
    expect(many.skipped).toEqual([{ index: 1, label: 'Many Props', reason: 'it has more than 1,000 lines (Cutover reads entries up to that size)' }]);

    const params = ok(
      parseVcards(
        Buffer.from(
          `BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Params\r\nEMAIL${';X'.repeat(5000)}:a@b.c\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Plain\r\nEND:VCARD\r\n`,
        ),
      ),
    );
    expect(params.items.map((i) => i.label)).toEqual(['Plain']);
    expect(params.skipped[0].reason).toBe('a EMAIL line with 5,000 parameters (Cutover reads up to 64)');

    const saved = PIM_LIMITS.maxLines;
    PIM_LIMITS.maxLines = 1000;
    try {
      expect(parseVcards(manyContactsVcf(200))).toEqual({
        ok: false,
        problem:
          'The file has more than 1,000 lines; Cutover reads up to that many at once. Export in parts (for example one address book or one year at a time).',
      });
    } finally {
      PIM_LIMITS.maxLines = saved;
    }

    const zone = (i: number) => [
      'BEGIN:VTIMEZONE',
      `TZID:Z${i}`,
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'END:VTIMEZONE',
    ];
    const zones = Buffer.from(
      [
        'BEGIN:VCALENDAR',
        ...Array.from({ length: 150 }, (_, i) => zone(i)).flat(),
        'BEGIN:VEVENT',
        'UID:z',
        'DTSTART;TZID=Z149:20250101T100000',
        'DTEND;TZID=Z149:20250101T110000',
        'SUMMARY:Late zone',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
    const z = ok(parseCalendar(zones));
    expect(z.notes).toContain('The file defines 50 more time zones than the 100 Cutover reads; events that use only those are listed below.');
    expect(z.skipped).toEqual([{ index: 151, label: 'Late zone', reason: expect.stringMatching(/time zone "Z149" is neither known nor defined/) }]);
  });
});
