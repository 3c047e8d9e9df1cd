import { parse } from 'csv-parse/sync';
import { proofCsv } from '../cutover/proof';
import { buildReport, buildUser, serializePreflightCsv } from '../preflight/report';
import { csvCellText, exportCsv } from './csv';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// What outside senders can put in a Subject or Sender, and what Excel would run.
const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '+SUM(1,2)', "-2+3+cmd|' /C calc'!A0", '@SUM(A1)', '\t=1+1', '\r=1+1'];

function rowsOf(file: Buffer): string[][] {
  expect(file.subarray(0, 3)).toEqual(BOM);
  return parse(file.subarray(3).toString('utf8'), { relax_column_count: false }) as string[][];
}

test('formula starts (= + - @ tab CR) get a leading quote; other text, numbers and dates stay as they are', () => {
  for (const h of HOSTILE) expect(csvCellText(h)).toBe(`'${h}`);
  expect(csvCellText('Quarterly numbers')).toBe('Quarterly numbers');
  expect(csvCellText('a=b')).toBe('a=b');
  expect(csvCellText(-5)).toBe('-5'); // a number is not a formula
  expect(csvCellText(null)).toBe('');
  expect(csvCellText(new Date('2026-03-05T10:00:00Z'))).toBe('2026-03-05T10:00:00.000Z');
});

test('UTF-8 with BOM, CRLF, quoting by csv-stringify: accented names and embedded breaks round-trip', () => {
  const file = exportCsv(
    ['Name', 'Subject'],
    [
      ['Zoë Müller-Lüdenscheidt', 'Réunion, "budget"\r\nsuite'],
      ['Ñandú', 'line\rbreak'],
    ],
  );
  expect(file.subarray(0, 3)).toEqual(BOM);
  expect(file.toString('utf8').endsWith('\r\n')).toBe(true);
  expect(rowsOf(file)).toEqual([
    ['Name', 'Subject'],
    ['Zoë Müller-Lüdenscheidt', 'Réunion, "budget"\r\nsuite'],
    ['Ñandú', 'line\rbreak'],
  ]);
});

test('preflight CSV: one row per user, formula cells neutralised, accented names intact', () => {
  const users = ['zoë@contoso.edu', 'ann@contoso.edu'].map((email, n) =>
    buildUser({
      emailAddress: email,
      userName: n === 0 ? 'zoë.müller' : 'ann',
      limitBytes: 35 * 1024 * 1024,
      connections: 1,
      scan: {
        ok: true,
        folders: [{ name: 'INBOX', segments: ['INBOX'], itemCount: 3, sizeBytes: 100 }],
        largeItems: HOSTILE.map((h) => ({ folderName: 'INBOX', size: 40 * 1024 * 1024, subject: h, sender: h, dateSent: null })),
        method: 'list-status',
        roundTrips: 6,
        durationMs: 5,
      },
    }),
  );
  const report = buildReport({
    server: { remoteServer: 'h', port: 993, security: 'Ssl' },
    startedAt: new Date(0),
    finishedAt: new Date(1),
    cancelled: false,
    users,
    stats: { connections: 2, peakConcurrency: 2, roundTrips: 12, retries: 0 },
  });
  const rows = rowsOf(serializePreflightCsv(report));
  const header = rows[0];
  expect(rows.filter((r) => r[0] === 'User').map((r) => r[header.indexOf('UserName')])).toEqual(['zoë.müller', 'ann']);
  const large = rows.filter((r) => r[0] === 'LargeItem');
  expect(large).toHaveLength(2 * HOSTILE.length);
  for (const r of large) {
    for (const col of ['Subject', 'Sender']) expect(r[header.indexOf(col)].startsWith("'")).toBe(true);
  }
  expect(large.map((r) => r[header.indexOf('Subject')]).slice(0, HOSTILE.length)).toEqual(HOSTILE.map((h) => `'${h}`));
});

test('cut-over proof CSV: tab and CR starts are neutralised too, one row per user without folders', () => {
  const file = proofCsv([
    { email: 'zoë@contoso.edu', lastPassAt: null, failure: '\t=1+1 could not sign in', folders: [] },
    {
      email: 'ann@contoso.edu',
      lastPassAt: '2026-03-05T10:00:00Z',
      failure: null,
      folders: [
        { folder: '\r=Inbox', sourceCount: 2, targetCount: 1, copied: 0, missing: 1, notes: [], skipped: [{ uid: 7, reason: 'read-failed', fix: '@fix it' }] },
      ],
    },
  ]);
  const rows = rowsOf(file);
  expect(rows[0][0]).toBe('EmailAddress');
  expect(rows[1]).toEqual(['zoë@contoso.edu', '', '', '', '', '', '', "'\t=1+1 could not sign in", '', '', 'no']);
  expect(rows[2][1]).toBe("'\r=Inbox");
  expect(rows[3][8]).toBe("'@fix it");
});
