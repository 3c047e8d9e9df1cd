// Contacts and calendar exports shaped like what Outlook, Thunderbird, Google and Apple
// write (line endings, versions, encodings, time zone styles, grouping), generated here so
// the tests and the benchmark do not depend on files from anyone's mailbox.

const CRLF = '\r\n';

/** Outlook for Windows "Save as vCard": 2.1, quoted-printable, Windows-1252, bare TYPE params, base64 photo. */
export function outlookVcf21(photoBytes = 2048): Buffer {
  const photo = Buffer.alloc(photoBytes, 7).toString('base64');
  const folded = photo
    .match(/.{1,76}/g)!
    .map((l) => ` ${l}`)
    .join(CRLF);
  const head = [
    'BEGIN:VCARD',
    'VERSION:2.1',
    'N;LANGUAGE=de-de:M\xfcller;J\xfcrgen',
    'FN:J\xfcrgen M\xfcller',
    'ORG:Fabrikam;Einkauf',
    'TITLE:Leiter Einkauf',
    'TEL;WORK;VOICE:+49 30 1234567',
    'TEL;CELL;VOICE:+49 170 7654321',
    'TEL;WORK;FAX:+49 30 1234568',
    'ADR;WORK;PREF:;;Hauptstra\xdfe 5;Berlin;;10115;Deutschland',
    'NOTE;ENCODING=QUOTED-PRINTABLE:Trifft sich gern =E0 la carte.=0D=0AZweite Zeile, mit Komma=',
    '.',
    'EMAIL;PREF;INTERNET:juergen.mueller@fabrikam.example',
    `PHOTO;TYPE=JPEG;ENCODING=BASE64:`,
  ].join(CRLF);
  const tail = ['', 'REV:20250101T120000Z', 'END:VCARD', ''].join(CRLF);
  // Outlook writes the file in the Windows code page.
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(CRLF + folded, 'latin1'), Buffer.from(tail, 'latin1')]);
}

/** Google Contacts "vCard (for iOS Contacts)": 3.0, grouped item1.EMAIL, UTF-8, several addresses. */
export function googleVcf30(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Zo\u00eb Saldana-Ng',
      'N:Saldana-Ng;Zo\u00eb;;;',
      'EMAIL;TYPE=INTERNET;TYPE=HOME:zoe@example.org',
      'EMAIL;TYPE=INTERNET;TYPE=WORK:zoe.ng@contoso.example',
      'item1.EMAIL;TYPE=INTERNET:z@example.net',
      'item1.X-ABLabel:Old',
      'EMAIL;TYPE=INTERNET:zn@example.com',
      'TEL;TYPE=CELL:+1 206-555-0100',
      'ADR;TYPE=HOME:;;12 Pine St\\, Apt 3;Seattle;WA;98101;USA',
      'BDAY:1990-02-14',
      'CATEGORIES:myContacts,Friends',
      'NOTE:Met at the conference\\nLikes tea',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:',
      'N:;;;;',
      'END:VCARD',
      '',
    ].join(CRLF),
    'utf8',
  );
}

/** Apple Contacts export: 3.0 with a UID, X-ABLabel groups and an inline photo (ENCODING=b). */
export function appleVcf30(photoBytes = 1024): Buffer {
  const photo = Buffer.alloc(photoBytes, 3).toString('base64');
  return Buffer.from(
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'PRODID:-//Apple Inc.//macOS 14.0//EN',
      'N:Appleseed;Johnny;;;',
      'FN:Johnny Appleseed',
      'ORG:Apple Inc.;',
      'item1.TEL;type=pref:+1 408-555-0199',
      'item1.X-ABLabel:_$!<Mobile>!$_',
      'TEL;type=HOME;type=VOICE:+1 408-555-0111',
      'item2.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States',
      `PHOTO;ENCODING=b;TYPE=JPEG:${photo}`,
      'UID:4A3F1E2B-5C6D-4E7F-8A9B-0C1D2E3F4A5B',
      'END:VCARD',
      '',
    ].join('\n'),
    'utf8',
  );
}

/** Thunderbird address book export: vCard 4.0, LF line endings, UID as urn:uuid. */
export function thunderbirdVcf40(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCARD',
      'VERSION:4.0',
      'N:Fernandez;Patti;;;',
      'FN:Patti Fernandez',
      'EMAIL;PREF=1:patti@old-school.example',
      'TEL;TYPE=work;VALUE=TEXT:+1 425 555 0109',
      'BDAY;VALUE=DATE:--0407',
      'UID:urn:uuid:1f3c4d5e-6a7b-4c8d-9e0f-a1b2c3d4e5f6',
      'END:VCARD',
      '',
    ].join('\n'),
    'utf8',
  );
}

/** Many simple contacts, as a bulk export would be (for limits and the benchmark). */
export function manyContactsVcf(n: number, prefix = 'Person'): Buffer {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      'BEGIN:VCARD',
      'VERSION:3.0',
      `FN:${prefix} ${i}`,
      `N:${prefix};${i};;;`,
      `EMAIL;TYPE=INTERNET:${prefix.toLowerCase()}${i}@example.org`,
      `TEL;TYPE=WORK:+1 555 ${String(i).padStart(7, '0')}`,
      'END:VCARD',
    );
  }
  return Buffer.from(out.join(CRLF) + CRLF, 'utf8');
}

/** Outlook "Save Calendar" (.ics): Windows zone names with VTIMEZONE, attendees, a weekly meeting. */
export function outlookIcs(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN',
      'VERSION:2.0',
      'METHOD:PUBLISH',
      'X-WR-CALNAME:Calendar',
      'BEGIN:VTIMEZONE',
      'TZID:W. Europe Standard Time',
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
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'CLASS:PUBLIC',
      'CREATED:20250101T090000Z',
      'DESCRIPTION:Weekly sync\\nBring the numbers',
      'DTEND;TZID="W. Europe Standard Time":20250106T103000',
      'DTSTART;TZID="W. Europe Standard Time":20250106T100000',
      'RRULE:FREQ=WEEKLY;UNTIL=20250630T080000Z;INTERVAL=1;BYDAY=MO;WKST=MO',
      'ATTENDEE;CN="Ann Beebe";RSVP=TRUE:mailto:annb@contoso.edu',
      'ATTENDEE;CN="Terry Adams";RSVP=TRUE:mailto:terrya@contoso.edu',
      'ORGANIZER;CN="Alex Wilber":mailto:alexw@contoso.edu',
      'LOCATION:Room 101',
      'SUMMARY;LANGUAGE=en-us:Team sync',
      'UID:040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5A6B7C8D9E0F1',
      'BEGIN:VALARM',
      'TRIGGER:-PT15M',
      'ACTION:DISPLAY',
      'DESCRIPTION:Reminder',
      'END:VALARM',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART;VALUE=DATE:20250501',
      'DTEND;VALUE=DATE:20250502',
      'SUMMARY:Holiday',
      'TRANSP:TRANSPARENT',
      'UID:outlook-holiday-1',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join(CRLF),
    'utf8',
  );
}

/** Google Calendar export: UTC times, X-WR-TIMEZONE, a changed occurrence (RECURRENCE-ID). */
export function googleIcs(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
      'VERSION:2.0',
      'CALSCALE:GREGORIAN',
      'X-WR-TIMEZONE:America/Los_Angeles',
      'BEGIN:VEVENT',
      'DTSTART:20250310T170000Z',
      'DTEND:20250310T180000Z',
      'RRULE:FREQ=MONTHLY;BYDAY=2MO;COUNT=6',
      'UID:abc123@google.com',
      'SUMMARY:Board meeting',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART:20250414T180000Z',
      'DTEND:20250414T190000Z',
      'RECURRENCE-ID:20250414T170000Z',
      'UID:abc123@google.com',
      'SUMMARY:Board meeting (moved)',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART:20250601T080000Z',
      'DTEND:20250601T090000Z',
      'RRULE:FREQ=HOURLY;INTERVAL=1',
      'UID:hourly@google.com',
      'SUMMARY:Pill reminder',
      'END:VEVENT',
      'BEGIN:VTODO',
      'UID:todo@google.com',
      'SUMMARY:Buy milk',
      'END:VTODO',
      'END:VCALENDAR',
      '',
    ].join(CRLF),
    'utf8',
  );
}

/** Apple Calendar export: IANA TZID, yearly birthday, DURATION instead of DTEND. */
export function appleIcs(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Apple Inc.//macOS 14.0//EN',
      'BEGIN:VEVENT',
      'UID:F1E2D3C4-B5A6-4978-8695-A4B3C2D1E0F9',
      'DTSTART;TZID=Europe/Berlin:20250915T140000',
      'DURATION:PT1H30M',
      'SUMMARY:Dentist',
      'CLASS:PRIVATE',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:apple-birthday-1',
      'DTSTART;VALUE=DATE:19900214',
      'RRULE:FREQ=YEARLY',
      "SUMMARY:Zoë's birthday",
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\n'),
    'utf8',
  );
}

/** Thunderbird/Lightning export: a zone only the file defines (custom TZID). */
export function thunderbirdIcs(): Buffer {
  return Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN',
      'VERSION:2.0',
      'BEGIN:VTIMEZONE',
      'TZID:School Time',
      'BEGIN:STANDARD',
      'TZOFFSETFROM:+0300',
      'TZOFFSETTO:+0300',
      'TZNAME:ST',
      'DTSTART:19700101T000000',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:tb-1',
      'SUMMARY:Exam',
      'DTSTART;TZID=School Time:20250602T090000',
      'DTEND;TZID=School Time:20250602T120000',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:tb-2',
      'SUMMARY:Lost zone',
      'DTSTART;TZID=Nowhere/Unknown:20250602T090000',
      'DTEND;TZID=Nowhere/Unknown:20250602T100000',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

export function manyEventsIcs(n: number): Buffer {
  const out = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Cutover bench//EN'];
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000);
    const d = day.toISOString().slice(0, 10).replace(/-/g, '');
    out.push(
      'BEGIN:VEVENT',
      `UID:bench-${i}@example.org`,
      `DTSTART;TZID=Europe/London:${d}T090000`,
      `DTEND;TZID=Europe/London:${d}T100000`,
      `SUMMARY:Event ${i}`,
      ...(i % 10 === 0 ? ['RRULE:FREQ=WEEKLY;COUNT=10'] : []),
      'END:VEVENT',
    );
  }
  out.push('END:VCALENDAR', '');
  return Buffer.from(out.join(CRLF), 'utf8');
}
