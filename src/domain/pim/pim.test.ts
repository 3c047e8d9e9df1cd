import { appleIcs, appleVcf30, googleIcs, googleVcf30, manyContactsVcf, outlookIcs, outlookVcf21, thunderbirdIcs, thunderbirdVcf40 } from '../../../test/support/pimFixtures';
import { parseCalendar, parsePimFile, parseVcards, PIM_LIMITS } from './index';

function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(`parse failed: ${(r as any).problem}`);
  return r as Extract<T, { ok: true }>;
}

describe('vCard', () => {
  it('keeps every comma of a 2.1 value, runs of them included', () => {
    const vcf = 'BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;John\r\nFN:John Smith\r\nNOTE:one,,two, three,\r\nADR;WORK:;;1 Main St,,Suite 5;Redmond;WA;98052;USA\r\nEND:VCARD\r\n';
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
    const huge = Buffer.from(`BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nNOTE:${'x'.repeat(PIM_LIMITS.maxLineChars + 10)}\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fine\r\nEND:VCARD\r\n`);
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
      recurrence: { pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday'], index: 'second' }, range: { type: 'numbered', numberOfOccurrences: 6 } },
    });
    const reasons = r.skipped.map((s) => s.reason).join(' | ');
    expect(reasons).toMatch(/changed occurrence of a repeating event/);
    expect(reasons).toMatch(/repeats by a rule Outlook cannot store|repeats hourly/);
    expect(reasons).toMatch(/it is a task/);
  });

  it('reads Apple: IANA zone, DURATION, yearly all-day birthday, private', () => {
    const r = ok(parseCalendar(appleIcs()));
    expect(r.items[0].body).toMatchObject({ start: { dateTime: '2025-09-15T14:00:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2025-09-15T15:30:00', timeZone: 'Europe/Berlin' }, sensitivity: 'private' });
    expect(r.items[1].body).toMatchObject({ isAllDay: true, recurrence: { pattern: { type: 'absoluteYearly', month: 2, dayOfMonth: 14 }, range: { type: 'noEnd' } } });
  });

  it('converts a zone only the file defines to UTC and lists an undefined zone', () => {
    const r = ok(parseCalendar(thunderbirdIcs()));
    expect(r.items).toHaveLength(1);
    expect(r.items[0].body).toMatchObject({ start: { dateTime: '2025-06-02T06:00:00', timeZone: 'UTC' }, end: { dateTime: '2025-06-02T09:00:00', timeZone: 'UTC' } });
    expect(r.skipped).toEqual([{ index: 3, label: 'Lost zone', reason: expect.stringMatching(/time zone "Nowhere\/Unknown" is neither known nor defined/) }]);
    expect(r.notes.join(' ')).toMatch(/converted to UTC/);
  });

  it('never expands recurrence: an endless secondly rule and a huge count are listed, not computed', () => {
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0',
      'BEGIN:VEVENT', 'UID:s', 'DTSTART:20250101T000000Z', 'DTEND:20250101T000001Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:Every second', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:c', 'DTSTART:20250101T000000Z', 'DTEND:20250101T010000Z', 'RRULE:FREQ=DAILY;COUNT=1000000000', 'SUMMARY:Billion', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:b', 'DTSTART:20250101T000000Z', 'DTEND:20241231T000000Z', 'SUMMARY:Backwards', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');
    const t0 = Date.now();
    const r = ok(parseCalendar(Buffer.from(ics)));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.items).toHaveLength(0);
    expect(r.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/secondly/), expect.stringMatching(/1,000,000,000 times/), 'it ends before it starts']);
  });
});
