import { createExchangeAdmin, StaticTokenSource, type RetryEvent } from '../../src/adapters/exchange';
import type { ExchangeAdminRest } from '../../src/adapters/exchange/exchangeAdminRest';
import { ExchangeError } from '../../src/ports/exchange';
import { DEMO_USERS, startExchangeEmulator } from '../../src/emulator/exchange';
import { validateMigrationCsv } from '../../src/domain/csv/migrationCsv';

// The production adapter against the local Exchange Online emulator, over loopback HTTP:
// the same code path local mode uses. If these pass, the emulator speaks the contract the
// adapter was built to (recorded.contract.test.ts pins that contract to Exchange's shapes).

type Emulator = Awaited<ReturnType<typeof startExchangeEmulator>>;

const MB = 1024 * 1024;
// Microsoft's sample IMAP CSV rows, which the emulator's demo source serves.
const PASSWORDS = ['1091990', '2111991', '3281986'];
const CSV = Buffer.from(
  'EmailAddress,UserName,Password\r\n' +
    `terrya@contoso.edu,terry.adams,${PASSWORDS[0]}\r\n` +
    `annb@contoso.edu,ann.beebe,${PASSWORDS[1]}\r\n` +
    `paulc@contoso.edu,paul.cannon,${PASSWORDS[2]}\r\n`,
);

let emulator: Emulator;
let admin: ExchangeAdminRest;
let retries: RetryEvent[];
let responses: string[];

beforeAll(async () => {
  emulator = await startExchangeEmulator({ timeScale: 0 }); // the test drives the clock
  retries = [];
  responses = [];
  admin = createExchangeAdmin({
    baseUrl: emulator.baseUrl,
    tenantId: emulator.tenantId,
    tokenSource: new StaticTokenSource(emulator.accessToken),
    sleep: async () => undefined, // backoff is asserted in the recorded tests; here only that it retries
    onRetry: (e) => retries.push(e),
    // Keep every response body so the test can prove no password ever comes back.
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      const text = await res.clone().text();
      responses.push(text);
      return res;
    },
  });
});

afterAll(async () => {
  await emulator?.close();
});

/** Advance simulated time until `done` holds (the emulator moves state only when told). */
async function advanceUntil(done: () => Promise<boolean>, stepSeconds = 600, maxSteps = 200): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (await done()) return;
    await emulator.control.advance(stepSeconds);
  }
  throw new Error('emulator did not reach the expected state');
}

describe('Exchange emulator through the production adapter', () => {
  it('tests the source server, creates an IMAP endpoint and reads it back', async () => {
    const probe = await admin.testImapServerAvailability({ remoteServer: 'imap.contoso.edu', port: 993, security: 'Ssl' });
    expect(probe.result).toBe('Success');

    const created = await admin.newImapMigrationEndpoint({
      name: 'contoso-imap',
      remoteServer: 'imap.contoso.edu',
      port: 993,
      security: 'Ssl',
    });
    expect(created).toMatchObject({
      identity: 'contoso-imap',
      endpointType: 'IMAP',
      remoteServer: 'imap.contoso.edu',
      port: 993,
      security: 'Ssl',
    });
    expect(created.guid).toMatch(/^[0-9a-f-]{36}$/i);

    const read = await admin.getMigrationEndpoint('contoso-imap');
    expect(read).toEqual(created);
    expect((await admin.getMigrationEndpoints()).map((e) => e.identity)).toContain('contoso-imap');
  });

  it('not-found single Gets resolve null', async () => {
    expect(await admin.getMigrationEndpoint('no-such-endpoint')).toBeNull();
    expect(await admin.getMigrationBatch('no-such-batch')).toBeNull();
    expect(await admin.getMigrationUser('nobody@contoso.edu')).toBeNull();
    expect(await admin.getMailbox('nobody@contoso.edu')).toBeNull();
  });

  it('New-MigrationBatch with the CSV makes one migration user per row, which sync to Synced', async () => {
    const batch = await admin.newImapMigrationBatch({
      name: 'pilot',
      sourceEndpoint: 'contoso-imap',
      rows: validateMigrationCsv(CSV).rows,
      autoStart: true,
      excludeFolders: ['Junk E-mail'],
    });
    expect(batch).toMatchObject({ identity: 'pilot', migrationType: expect.stringMatching(/IMAP/i), totalCount: 3 });
    expect(batch.creationDateTime).toBeInstanceOf(Date);

    const users = await admin.getMigrationUsers({ batchId: 'pilot' });
    expect(users.map((u) => u.emailAddress).sort()).toEqual(['annb@contoso.edu', 'paulc@contoso.edu', 'terrya@contoso.edu']);
    expect(users.every((u) => u.batchId === 'pilot')).toBe(true);

    await advanceUntil(async () => (await admin.getMigrationBatch('pilot'))?.status === 'Synced');
    const synced = (await admin.getMigrationBatch('pilot'))!;
    expect(synced.syncedCount).toBe(3);
    expect(synced.failedCount).toBe(0);
    expect(synced.lastSyncedDateTime).toBeInstanceOf(Date);
    expect(synced.lastSyncedDateTime!.getTime()).toBeLessThanOrEqual(emulator.control.now().getTime());

    const terry = (await admin.getMigrationUser('terrya@contoso.edu'))!;
    expect(terry.status).toBe('Synced');
    expect(terry.statusSummary).toBe('Synced');
    expect(terry.syncedItemCount).toBeGreaterThan(0);
    expect(terry.lastSuccessfulSyncTime).toBeInstanceOf(Date);
  });

  it('Get-MigrationUserStatistics reports item counts', async () => {
    const stats = (await admin.getMigrationUserStatistics('terrya@contoso.edu'))!;
    expect(stats.emailAddress).toBe('terrya@contoso.edu');
    expect(stats.status).toBe('Synced');
    expect(stats.totalItemsInSourceMailboxCount).toBeGreaterThan(0);
    expect(stats.syncedItemCount).toBeGreaterThan(0);
    expect(stats.percentageComplete).toBe(100);
    expect(await admin.getMigrationUserStatistics('nobody@contoso.edu')).toBeNull();
  });

  it('Set-MigrationBatch -SyncNow runs an incremental that moves LastSyncedDateTime', async () => {
    const before = (await admin.getMigrationBatch('pilot'))!.lastSyncedDateTime!;
    await emulator.control.advance(3600);
    await admin.syncMigrationBatchNow('pilot');
    await advanceUntil(async () => {
      const b = await admin.getMigrationBatch('pilot');
      return b !== null && b.status === 'Synced' && b.lastSyncedDateTime!.getTime() > before.getTime();
    }, 60);
    const after = (await admin.getMigrationBatch('pilot'))!;
    expect(after.lastSyncedDateTime!.getTime()).toBeGreaterThan(before.getTime());
  });

  it('Set-Mailbox raises the message size limits', async () => {
    const mailbox = (await admin.getMailbox('terrya@contoso.edu'))!;
    expect(mailbox.primarySmtpAddress).toBe('terrya@contoso.edu');
    expect(mailbox.maxReceiveSize).toBe(36 * MB);
    await admin.setMailboxSizeLimits('terrya@contoso.edu', { maxReceiveSize: 150 * MB, maxSendSize: 150 * MB });
    const raised = (await admin.getMailbox('terrya@contoso.edu'))!;
    expect(raised.maxReceiveSize).toBe(150 * MB);
    expect(raised.maxSendSize).toBe(150 * MB);
  });

  it('a 429 the emulator injects is retried and the call succeeds', async () => {
    retries.length = 0;
    emulator.control.injectFault({ cmdlet: 'Get-MigrationBatch', status: 429, retryAfterSeconds: 1, times: 2 });
    const batches = await admin.getMigrationBatches();
    expect(batches.map((b) => b.identity)).toContain('pilot');
    expect(retries.filter((r) => r.status === 429)).toHaveLength(2);
    expect(retries[0].delayMs).toBe(1000);
    emulator.control.clearFaults();
  });

  it('a user with an item over the receive limit shows it as a skipped LargeItem; its sync request answers', async () => {
    const dan = DEMO_USERS.find((u) => u.alias === 'danj')!;
    PASSWORDS.push(dan.password);
    await admin.newImapMigrationBatch({
      name: 'large-items',
      sourceEndpoint: 'contoso-imap',
      rows: validateMigrationCsv(Buffer.from(`EmailAddress,UserName,Password\r\ndanj@contoso.edu,${dan.login},${dan.password}\r\n`)).rows,
      autoStart: true,
    });
    await advanceUntil(async () => (await admin.getMigrationUser('danj@contoso.edu'))?.statusSummary === 'Synced');
    const stats = (await admin.getMigrationUserStatistics('danj@contoso.edu', { includeSkippedItems: true }))!;
    expect(stats.skippedItemCount).toBeGreaterThanOrEqual(1);
    const big = stats.skippedItems.find((i) => i.subject === 'Site survey photos (full resolution)')!;
    expect(big).toMatchObject({ kind: 'LargeItem', folderName: 'INBOX', sender: 'surveys@fabrikam.com', messageSize: 40 * MB });
    expect(big.dateSent).toEqual(new Date('2025-09-14T08:31:07Z'));

    const requests = await admin.getSyncRequests('danj@contoso.edu');
    expect(requests).toHaveLength(1);
    const reqStats = (await admin.getSyncRequestStatistics(requests[0].identity))!;
    expect(reqStats.itemsTransferred).toBeGreaterThan(0);
    // Derived from documented fields (Status, LastUpdateTimestamp, FailureTimestamp): no invented timestamp.
    expect(reqStats.status).toBe('Synced');
    expect(reqStats.lastUpdateTimestamp).toBeInstanceOf(Date);
    expect(reqStats.lastSyncedTimestamp).toEqual(reqStats.lastUpdateTimestamp);

    await admin.stopMigrationBatch('large-items');
    await advanceUntil(async () => (await admin.getMigrationBatch('large-items'))?.status === 'Stopped', 60);
    await admin.startMigrationBatch('large-items');
    await advanceUntil(async () => (await admin.getMigrationBatch('large-items'))?.status === 'Synced', 60);
  });

  it('a bad parameter value comes back as ExchangeError 400 naming the valid values', async () => {
    const e = (await admin
      .newImapMigrationEndpoint({ name: 'bad', remoteServer: 'imap.contoso.edu', port: 993, security: 'Starttls' as 'Ssl' })
      .catch((x: unknown) => x)) as ExchangeError;
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e.httpStatus).toBe(400);
    expect(e.message).toMatch(/None, Ssl, Tls/);
  });

  it('Remove-MigrationBatch removes the batch (Removing, then gone)', async () => {
    await admin.removeMigrationBatch('pilot');
    await advanceUntil(async () => (await admin.getMigrationBatch('pilot')) === null, 60);
    expect(await admin.getMigrationUser('terrya@contoso.edu')).toBeNull();
  });

  it('no response ever carried a CSV password', () => {
    expect(responses.length).toBeGreaterThan(10);
    for (const body of responses) {
      for (const p of PASSWORDS) expect(body).not.toContain(p);
    }
  });
});
