import { buildReport, buildUser, estimateMigration, folderIssuesFor, serializePreflightCsv } from './report';
import { classifyFailure, failureKindOf, isTransient, redactor } from './classify';

const MiB = 1024 * 1024;

function okUser(email: string, folders: { name: string; segments: string[]; itemCount: number; sizeBytes: number }[], large: number[] = []) {
  return buildUser({
    emailAddress: email,
    userName: email.split('@')[0],
    limitBytes: 35 * MiB,
    connections: 1,
    scan: {
      ok: true,
      folders,
      largeItems: large.map((size) => ({ folderName: 'INBOX', size, subject: '=cmd|calc', sender: 'a@b', dateSent: null })),
      method: 'list-status',
      roundTrips: 6,
      durationMs: 5,
    },
  });
}

test("folders with '/' inside a name are skipped; 'Files' at the top is reserved; nested 'Files' is fine", () => {
  const issues = folderIssuesFor([
    { name: 'Clients/acme/corp', segments: ['Clients', 'acme/corp'], itemCount: 4, sizeBytes: 10 },
    { name: 'Clients/acme', segments: ['Clients', 'acme'], itemCount: 1, sizeBytes: 1 },
    { name: 'files', segments: ['files'], itemCount: 1, sizeBytes: 1 },
    { name: 'Work/Files', segments: ['Work', 'Files'], itemCount: 1, sizeBytes: 1 },
  ]);
  expect(issues.map((i) => [i.folderName, i.kind, i.effect])).toEqual([
    ['Clients/acme/corp', 'SlashInName', 'Skipped'],
    ['files', 'ReservedName', 'Rejected'],
  ]);
});

test('over 500,000 items needs attention; limit raise rounds up to whole MB and stops at 150 MB', () => {
  const big = okUser('big@x.test', [{ name: 'INBOX', segments: ['INBOX'], itemCount: 500_001, sizeBytes: 1 }]);
  expect(big.status).toBe('NeedsAttention');
  expect(big.itemsOverLimit).toBe(1);
  const u = okUser('u@x.test', [{ name: 'INBOX', segments: ['INBOX'], itemCount: 3, sizeBytes: 300 * MiB }], [40 * MiB, 36 * MiB, 151 * MiB, 35 * MiB]);
  expect(u.largeItems.map((i) => i.size)).toEqual([40 * MiB, 36 * MiB, 151 * MiB]); // exactly the limit is not over
  const r = buildReport({
    server: { remoteServer: 'h', port: 993, security: 'Ssl' },
    startedAt: new Date(0),
    finishedAt: new Date(1),
    cancelled: false,
    users: [u, big],
    stats: { connections: 2, peakConcurrency: 2, roundTrips: 12, retries: 0 },
  });
  expect(r.fixes.raiseLimits).toEqual([{ emailAddress: 'u@x.test', currentLimitBytes: 35 * MiB, newLimitBytes: 41 * MiB, itemsBroughtIn: 2 }]);
  expect(r.fixes.unfixableLargeItems.map((i) => i.size)).toEqual([151 * MiB]);
  // CSV: a subject starting with '=' stays text.
  expect(serializePreflightCsv(r).toString()).toContain(",'=cmd|calc,");
});

test('estimate: slower of bytes and items per mailbox, spread over parallel lanes', () => {
  const users = [1, 2, 3].map((i) => okUser(`u${i}@x.test`, [{ name: 'INBOX', segments: ['INBOX'], itemCount: 100, sizeBytes: 500 * MiB }]));
  expect(estimateMigration(users, 20).hours).toBe(1);
  expect(estimateMigration(users, 1).hours).toBe(3);
});

test('classification by error shape, transient detection, and redaction', () => {
  expect(failureKindOf({ code: 'ENOTFOUND' })).toBe('NameNotFound');
  expect(failureKindOf({ code: 'ECONNREFUSED' })).toBe('ConnectionRefused');
  expect(failureKindOf({ code: 'GREETING_TIMEOUT' })).toBe('Timeout');
  expect(failureKindOf({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toBe('TlsFailed');
  expect(failureKindOf({ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' })).toBe('AuthenticationFailed');
  expect(failureKindOf({ authenticationFailed: true, serverResponseCode: 'AUTHORIZATIONFAILED' })).toBe('AuthorizationFailed');
  expect(failureKindOf({ authenticationFailed: true, serverResponseCode: 'UNAVAILABLE' })).toBe('ProtocolError');
  expect(isTransient({ code: 'EConnectionClosed' })).toBe(true);
  expect(isTransient({ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' })).toBe(false);
  const f = classifyFailure({ message: 'LOGIN s3cret failed' }, { host: 'h', port: 1, security: 'None' }, redactor(['s3cret']));
  expect(f.detail).toBe('LOGIN [redacted] failed');
});
