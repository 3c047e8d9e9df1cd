import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../ports/clock';
import { FileStore } from '../adapters/storage/fileStore';
import { Downloads } from './downloads';

class TestClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
}

const admin = { id: '29:megan', name: 'Megan Bowen' };
const MIN = 60_000;
const HOUR = 60 * MIN;

function parse(link: string): { id: string; exp: string; sig: string; url: URL } {
  const url = new URL(link);
  const id = url.pathname.split('/').pop()!;
  return { id, exp: url.searchParams.get('exp')!, sig: url.searchParams.get('sig')!, url };
}

describe('Downloads', () => {
  let dir: string;
  let clock: TestClock;
  let secret: Buffer;
  let downloads: Downloads;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-downloads-'));
    clock = new TestClock(Date.parse('2026-03-05T10:00:00Z'));
    secret = randomBytes(32);
    downloads = new Downloads(new FileStore(dir), secret, clock, 'https://cutover.contoso.com/');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates an absolute signed link that resolves to the file, body sealed at rest', async () => {
    const link = await downloads.create({
      fileName: 'Wave1-skipped-items.csv',
      contentType: 'text/csv',
      body: 'Mailbox,Folder,Subject\nann@contoso.com,Inbox,Quarterly numbers\n',
      createdBy: admin,
    });
    const { id, exp, sig, url } = parse(link);
    expect(url.origin + url.pathname).toBe(`https://cutover.contoso.com/downloads/${id}`);
    expect(Number(exp)).toBe(Date.parse('2026-03-05T10:15:00Z') / 1000); // 15 minutes, not a day
    const file = await downloads.resolve(id, exp, sig);
    expect(file).toEqual({
      fileName: 'Wave1-skipped-items.csv',
      contentType: 'text/csv',
      body: Buffer.from('Mailbox,Folder,Subject\nann@contoso.com,Inbox,Quarterly numbers\n'),
    });
    const raw = fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('');
    expect(raw).not.toContain('Quarterly numbers');
  });

  it('refuses a tampered signature, id or expiry as bad-signature', async () => {
    const { id, exp, sig } = parse(await downloads.create({ fileName: 'r.txt', contentType: 'text/plain', body: 'x', createdBy: admin }));
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(await downloads.resolve(id, exp, flipped)).toEqual({ error: 'bad-signature' });
    expect(await downloads.resolve(id, String(Number(exp) + 3600), sig)).toEqual({ error: 'bad-signature' });
    expect(await downloads.resolve(id, exp, sig.slice(1))).toEqual({ error: 'bad-signature' });
    expect(await downloads.resolve(id, exp, '')).toEqual({ error: 'bad-signature' });
    expect(await downloads.resolve('../../etc/passwd', exp, sig)).toEqual({ error: 'bad-signature' });
    const otherSecret = new Downloads(new FileStore(dir), randomBytes(32), clock, 'https://cutover.contoso.com');
    expect(await otherSecret.resolve(id, exp, sig)).toEqual({ error: 'bad-signature' });
  });

  it('expires links at exp, and a validly signed link to a missing file is not-found', async () => {
    const { id, exp, sig } = parse(
      await downloads.create({ fileName: 'r.txt', contentType: 'text/plain', body: Buffer.from('x'), ttlMs: 10 * MIN, createdBy: admin }),
    );
    clock.t += 10 * MIN - 1000;
    expect(await downloads.resolve(id, exp, sig)).toMatchObject({ fileName: 'r.txt' });
    clock.t += 1000;
    expect(await downloads.resolve(id, exp, sig)).toEqual({ error: 'expired' });
    await new FileStore(dir).delete([`download/${id}`]);
    clock.t -= 1000;
    expect(await downloads.resolve(id, exp, sig)).toEqual({ error: 'not-found' });
  });

  it('sweepExpired deletes expired files only', async () => {
    await downloads.create({ fileName: 'a', contentType: 'text/plain', body: 'a', ttlMs: 5 * MIN, createdBy: admin });
    const keep = parse(await downloads.create({ fileName: 'b', contentType: 'text/plain', body: 'b', ttlMs: 15 * MIN, createdBy: admin }));
    clock.t += 10 * MIN;
    expect(await downloads.sweepExpired()).toBe(1);
    expect(await downloads.sweepExpired()).toBe(0);
    expect(await downloads.resolve(keep.id, keep.exp, keep.sig)).toMatchObject({ fileName: 'b' });
    expect(fs.readdirSync(dir)).toHaveLength(2); // b and the index
  });

  it('never lets a link live longer than 15 minutes, whatever is asked', async () => {
    const { id, exp, sig } = parse(await downloads.create({ fileName: 'r.txt', contentType: 'text/plain', body: 'x', ttlMs: 24 * HOUR, createdBy: admin }));
    expect(Number(exp) * 1000 - clock.t).toBe(15 * MIN);
    clock.t += 15 * MIN;
    expect(await downloads.resolve(id, exp, sig)).toEqual({ error: 'expired' });
  });

  it('an offered file (file consent) is sealed, handed once to its owner only, and expires after 15 minutes', async () => {
    const id = await downloads.stash({ fileName: 'proof.csv', contentType: 'text/csv', body: 'ann@contoso.com,Inbox,Quarterly numbers', createdBy: admin });
    const raw = fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('');
    expect(raw).not.toContain('Quarterly numbers');
    expect(await downloads.claim(id, { id: '29:someone-else' })).toEqual({ error: 'someone-else' });
    expect(await downloads.claim(id, admin)).toMatchObject({ fileName: 'proof.csv', body: Buffer.from('ann@contoso.com,Inbox,Quarterly numbers') });
    expect(await downloads.claim(id, admin)).toEqual({ error: 'not-found' }); // once
    const late = await downloads.stash({ fileName: 'late.csv', contentType: 'text/csv', body: 'x', createdBy: admin });
    clock.t += 15 * MIN;
    expect(await downloads.claim(late, admin)).toEqual({ error: 'expired' });
    const declined = await downloads.stash({ fileName: 'no.csv', contentType: 'text/csv', body: 'x', createdBy: admin });
    expect(await downloads.discard(declined, { id: '29:someone-else' })).toBe(false);
    expect(await downloads.discard(declined, admin)).toBe(true);
    expect(await downloads.claim(declined, admin)).toEqual({ error: 'not-found' });
  });

  it('strips paths and quotes from file names', async () => {
    const { id, exp, sig } = parse(await downloads.create({ fileName: '../../x"y\n.csv', contentType: 'text/csv', body: 'x', createdBy: admin }));
    expect(await downloads.resolve(id, exp, sig)).toMatchObject({ fileName: 'xy.csv' });
  });

  it('refuses a short secret and a bad base URL at construction', () => {
    expect(() => new Downloads(new FileStore(dir), randomBytes(16), clock, 'https://x')).toThrow(/32 bytes/);
    expect(() => new Downloads(new FileStore(dir), secret, clock, 'not a url')).toThrow();
  });
});
