import { scanMailbox } from '../../src/adapters/imap/imapSource';
import { describeWithDovecot, DovecotInstance, startDovecot } from '../support/dovecot';
import { expectedOversize } from '../support/mailFixtures';

const LIMIT = 35 * 1024 * 1024;

describeWithDovecot()('imapSource against Dovecot', () => {
  let dc: DovecotInstance;
  beforeAll(async () => {
    dc = await startDovecot({
      users: [
        {
          login: 'alice',
          password: 'alice-pw',
          folders: [
            { name: 'INBOX', messages: 40, sizes: [38_000_000] },
            { name: 'Sent', messages: 10 },
            { name: 'Archive/2024', messages: 5, sizes: [LIMIT] },
            { name: 'Projects/Équipe Zürich', messages: 3, sizes: [LIMIT + 1] },
            { name: 'Projects/日本語', messages: 2 },
            { name: 'Lists/dev & ops', messages: 1 },
            { name: 'Empty' },
          ],
        },
      ],
    });
  });
  afterAll(async () => dc?.stop());

  test('LIST-STATUS scan matches the fixture exactly', async () => {
    const exp = dc.expected.get('alice')!;
    const r = await scanMailbox(
      { host: dc.host, port: dc.imapPort, security: 'None' },
      { userName: 'alice', password: 'alice-pw' },
      { largeItemLimitBytes: LIMIT },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    expect(r.method).toBe('list-status');
    const got = Object.fromEntries(r.folders.map((f) => [f.name, [f.itemCount, f.sizeBytes]]));
    const want = Object.fromEntries(exp.folders.map((f) => [f.name, [f.count, f.bytes]]));
    expect(got).toEqual(want);
    expect(r.largeItems.map((i) => ({ folder: i.folderName, size: i.size })).sort((a, b) => a.folder.localeCompare(b.folder))).toEqual(
      expectedOversize(exp, LIMIT),
    );
    console.log('round trips', r.roundTrips, r.durationMs);
  });
});
