// The IMAP batch lifecycle on the simulated clock (reference §2.3, §3), over loopback HTTP.
// timeScale 0: only control.advance()/settle() move time, so every step is deterministic.

import { DEFAULT_ITEMS_PER_SECOND, DEFAULT_TIME_SCALE, startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { csvData, detail, invoke, newEndpoint, one, PILOT_CSV, rows } from './client';

let emu: RunningExchangeEmulator;
const MB = 1024 * 1024;

beforeEach(async () => {
  emu = await startExchangeEmulator({ timeScale: 0, startTime: new Date('2026-11-24T10:00:00Z') });
});
afterEach(() => emu.close());

const batch = (name: string) => one(emu, 'Get-MigrationBatch', { Identity: name });
const users = (name: string) => rows(emu, 'Get-MigrationUser', { BatchId: name, ResultSize: 'Unlimited' });

function expectCountsMatch(b: any, us: any[]) {
  const n = (...s: string[]) => us.filter((u) => s.includes(u.Status)).length;
  expect(b.TotalCount).toBe(us.length);
  expect(b.SyncedCount).toBe(n('Synced', 'IncrementalSyncing'));
  expect(b.FailedCount).toBe(n('Failed', 'IncrementalFailed'));
  expect(b.StoppedCount).toBe(n('Stopped', 'IncrementalStopped'));
  expect(b.PendingCount).toBe(n('Queued'));
}

it('Created → Starting → Syncing (items rise) → Synced; SyncNow incremental; Stop/Start; Remove', async () => {
  await newEndpoint(emu);
  const created = await one(emu, 'New-MigrationBatch', {
    Name: 'pilot',
    SourceEndpoint: 'contoso-imap',
    CSVData: csvData(PILOT_CSV),
    NotificationEmails: ['admin@contoso.edu'],
  });
  expect(created.Status).toBe('Created');
  expect(created.NotificationEmails).toEqual(['admin@contoso.edu']);
  expect((await users('pilot')).map((u) => u.Status)).toEqual(['Stopped', 'Stopped', 'Stopped']);

  expect((await invoke(emu, 'Start-MigrationBatch', { Identity: 'pilot' })).status).toBe(200);
  expect((await batch('pilot')).Status).toBe('Starting');
  expect((await users('pilot')).every((u) => u.Status === 'Queued')).toBe(true);

  await emu.control.advance(30);
  await emu.control.advance(60);
  let b = await batch('pilot');
  expect(b.Status).toBe('Syncing');
  expect(b.StartDateTimeUTC).toBe('2026-11-24T10:00:00.0000000Z');
  const first = await one(emu, 'Get-MigrationUserStatistics', { Identity: 'paulc@contoso.edu' });
  expect(first.Status).toBe('Syncing');
  expect(first.SyncedItemCount).toBe(60 * DEFAULT_ITEMS_PER_SECOND);
  await emu.control.advance(120);
  const second = await one(emu, 'Get-MigrationUserStatistics', { Identity: 'paulc@contoso.edu' });
  expect(second.SyncedItemCount).toBeGreaterThan(first.SyncedItemCount);
  expect(second.PercentageComplete).toBeGreaterThan(first.PercentageComplete);
  expectCountsMatch(await batch('pilot'), await users('pilot'));

  await emu.control.settle();
  b = await batch('pilot');
  expect(b.Status).toBe('Synced');
  expect(b.SyncedCount).toBe(3);
  expect(b.LastSyncedDateTime).toMatch(/\+00:00$/);
  expect(b.LastSyncedDateTimeUTC).toMatch(/Z$/);
  expectCountsMatch(b, await users('pilot'));
  const terry = await one(emu, 'Get-MigrationUserStatistics', { Identity: 'terrya@contoso.edu', IncludeReport: true });
  expect(terry.Status).toBe('Synced');
  expect(terry.PercentageComplete).toBe(100);
  expect(terry.SyncedItemCount).toBe(terry.TotalItemsInSourceMailboxCount);
  expect(terry.Report).toContain('Synchronization completed');
  expect(terry.Report).not.toContain('1091990');

  // -SyncNow: Synced users run an incremental now; LastSuccessfulSyncTime and LastSyncedDateTime move.
  await emu.control.advance(3600);
  expect((await invoke(emu, 'Set-MigrationBatch', { Identity: 'pilot', SyncNow: true })).status).toBe(200);
  expect((await users('pilot')).map((u) => u.Status)).toEqual(['IncrementalSyncing', 'IncrementalSyncing', 'IncrementalSyncing']);
  expect((await batch('pilot')).Status).toBe('Syncing');
  await emu.control.settle();
  const after = await batch('pilot');
  expect(after.Status).toBe('Synced');
  expect(Date.parse(after.LastSyncedDateTimeUTC)).toBeGreaterThan(Date.parse(b.LastSyncedDateTimeUTC));
  const terry2 = await one(emu, 'Get-MigrationUser', { Identity: 'terrya@contoso.edu' });
  expect(Date.parse(terry2.LastSuccessfulSyncTime)).toBeGreaterThan(Date.parse(terry.LastSuccessfulSyncTime));

  // The daily incremental comes by itself 24 h after the last sync.
  await emu.control.advance(86_400 - 1);
  expect((await users('pilot')).every((u) => u.Status === 'Synced')).toBe(true);
  await emu.control.advance(2);
  expect((await users('pilot')).every((u) => u.Status === 'IncrementalSyncing')).toBe(true);
  await emu.control.settle();

  // Complete-MigrationBatch doesn't apply to IMAP.
  const complete = await invoke(emu, 'Complete-MigrationBatch', { Identity: 'pilot', Confirm: false });
  expect(complete.status).toBe(400);
  expect(detail(complete).type).toBe('Microsoft.Exchange.Migration.MigrationBatchCannotBeCompletedException');
  expect(detail(complete).text).toContain("don't have a finalization step");
  expect((await batch('pilot')).Status).toBe('Synced');

  // Stop → Stopping → Stopped; Start resumes.
  expect((await invoke(emu, 'Stop-MigrationBatch', { Identity: 'pilot', Confirm: false })).status).toBe(200);
  expect((await batch('pilot')).Status).toBe('Stopping');
  await emu.control.settle();
  expect((await batch('pilot')).Status).toBe('Stopped');
  expectCountsMatch(await batch('pilot'), await users('pilot'));
  expect((await invoke(emu, 'Start-MigrationBatch', { Identity: 'pilot' })).status).toBe(200);
  await emu.control.settle();
  expect((await batch('pilot')).Status).toBe('Synced');

  // Remove → Removing → gone, users with it.
  expect((await invoke(emu, 'Remove-MigrationBatch', { Identity: 'pilot', Confirm: false })).status).toBe(200);
  expect((await batch('pilot')).Status).toBe('Removing');
  await emu.control.settle();
  expect((await invoke(emu, 'Get-MigrationBatch', { Identity: 'pilot' })).status).toBe(404);
  expect((await invoke(emu, 'Get-MigrationUser', { Identity: 'terrya@contoso.edu' })).status).toBe(404);
});

it('the local default brings the 3-user demo batch to Synced in 20–40 real seconds, visibly', async () => {
  await newEndpoint(emu);
  await one(emu, 'New-MigrationBatch', { Name: 'demo', SourceEndpoint: 'contoso-imap', CSVData: csvData(PILOT_CSV), AutoStart: true });
  let realSeconds = 0;
  const progress: number[] = [];
  while ((await batch('demo')).Status !== 'Synced' && realSeconds < 120) {
    await emu.control.advance(DEFAULT_TIME_SCALE); // one real second at the default speed
    realSeconds++;
    progress.push((await one(emu, 'Get-MigrationUser', { Identity: 'paulc@contoso.edu' })).SyncedItemCount);
  }
  expect(realSeconds).toBeGreaterThanOrEqual(20);
  expect(realSeconds).toBeLessThanOrEqual(40);
  // Every real second shows more items than the one before until the user is done.
  const rising = progress.slice(1).filter((n, i) => n > progress[i]).length;
  expect(rising).toBeGreaterThanOrEqual(realSeconds - 3);
});

it('one user, one batch: a second batch with the same user is refused', async () => {
  await newEndpoint(emu);
  await one(emu, 'New-MigrationBatch', { Name: 'a', SourceEndpoint: 'contoso-imap', CSVData: csvData(PILOT_CSV) });
  const r = await invoke(emu, 'New-MigrationBatch', {
    Name: 'b',
    SourceEndpoint: 'contoso-imap',
    CSVData: csvData('EmailAddress,UserName,Password\r\nannb@contoso.edu,ann.beebe,2111991\r\n'),
  });
  expect(r.status).toBe(400);
  expect(detail(r).type).toBe('Microsoft.Exchange.Migration.UserAlreadyBeingMigratedException');
  expect(detail(r).text).toBe(
    "The user 'annb@contoso.edu' already has a pending request. Please remove the existing request and resume the current batch or start a new batch for this user",
  );
  expect((await invoke(emu, 'Get-MigrationBatch', { Identity: 'b' })).status).toBe(404);
  const dup = await invoke(emu, 'New-MigrationBatch', {
    Name: 'A',
    SourceEndpoint: 'contoso-imap',
    CSVData: csvData('EmailAddress,UserName,Password\r\nleeg@contoso.edu,lee.gu,7281998\r\n'),
  });
  expect(dup.status).toBe(400);
  expect(detail(dup).text).toBe('The migration batch already exists.'); // Learn (KB-T), exact
});

// Learn's texts (SupportArticles troubleshoot-issues-with-imap-mailbox-migration), exact where Learn gives them whole.
it.each([
  ['empty file', '', "Upload file can't be empty"],
  [
    'missing column',
    'EmailAddress,UserName\r\nterrya@contoso.edu,terry.adams\r\n',
    'Column "Password" is missing from the CSV file. The import process can\'t continue because this column is required. Please edit the CSV file and re-submit it.',
  ],
  [
    'short row',
    'EmailAddress,UserName,Password\r\nterrya@contoso.edu,terry.adams\r\n',
    'Row 2 has the wrong number of columns. Expected number: 3. Actual number: 2. Please edit this row and re-submit the file.',
  ],
  [
    'unknown column',
    'EmailAddress,UserName,Password,Department\r\nterrya@contoso.edu,terry.adams,1091990,Math\r\n',
    'The column "Department" in the CSV file isn\'t recognized',
  ],
  [
    '50,001 rows',
    'EmailAddress,UserName,Password\r\n' + 'x@contoso.edu,x,y\r\n'.repeat(50_001),
    'The CSV file contains more than 50,000 rows. Please divide the file into two or more files and submit them separately.',
  ],
])("CSV check: %s → Exchange's text", async (_label, csv, text) => {
  await newEndpoint(emu);
  const r = await invoke(emu, 'New-MigrationBatch', { Name: 'csv', SourceEndpoint: 'contoso-imap', CSVData: csvData(csv) });
  expect(r.status).toBe(400);
  expect(detail(r).text.startsWith(text)).toBe(true);
  expect(r.text).not.toContain('1091990');
});

it('AllowUnknownColumnsInCsv lets extra columns through', async () => {
  await newEndpoint(emu);
  const b = await one(emu, 'New-MigrationBatch', {
    Name: 'extra',
    SourceEndpoint: 'contoso-imap',
    AllowUnknownColumnsInCsv: true,
    CSVData: csvData('EmailAddress,UserName,Password,Department\r\nterrya@contoso.edu,terry.adams,1091990,Math\r\n'),
  });
  expect(b.TotalCount).toBe(1);
});

it('wrong source credentials and a missing target mailbox fail the user; the batch is SyncedWithErrors; Start retries', async () => {
  await newEndpoint(emu);
  await one(emu, 'New-MigrationBatch', {
    Name: 'errs',
    SourceEndpoint: 'contoso-imap',
    AutoStart: true,
    CSVData: csvData(
      'EmailAddress,UserName,Password\r\nterrya@contoso.edu,terry.adams,wrong-password\r\nnobody@contoso.edu,nobody,x\r\nannb@contoso.edu,ann.beebe,2111991\r\n',
    ),
  });
  await emu.control.settle();
  const b = await batch('errs');
  expect(b.Status).toBe('SyncedWithErrors');
  expect(b.FailedCount).toBe(2);
  expect(b.SyncedCount).toBe(1);
  expectCountsMatch(b, await users('errs'));
  const terry = await one(emu, 'Get-MigrationUserStatistics', { Identity: 'terrya@contoso.edu' });
  expect(terry.Status).toBe('Failed');
  expect(terry.StatusSummary).toBe('Failed');
  expect(terry.ErrorSummary).toMatch(/^We had trouble signing in to this account/);
  expect(JSON.stringify(terry)).not.toContain('wrong-password');
  const nobody = await one(emu, 'Get-MigrationUserStatistics', { Identity: 'nobody@contoso.edu' });
  expect(nobody.Error).toMatch(
    /^Microsoft\.Exchange\.Migration\.MigrationRecipientNotFoundException: A recipient wasn't found for nobody@contoso\.edu on the target\. Create a recipient of the appropriate type for this migration on the target and try again\.$/,
  );

  // Start-MigrationBatch retries failed users (they fail again: nothing changed).
  expect((await invoke(emu, 'Start-MigrationBatch', { Identity: 'errs' })).status).toBe(200);
  expect((await batch('errs')).Status).toBe('Syncing');
  await emu.control.settle();
  expect((await batch('errs')).FailedCount).toBe(2);
});

it('Set-Mailbox takes "150MB", "150 MB" and bytes, and refuses more than 150 MB', async () => {
  expect((await invoke(emu, 'Set-Mailbox', { Identity: 'annb@contoso.edu', MaxReceiveSize: '150MB', MaxSendSize: '150 MB' })).status).toBe(200);
  let m = await one(emu, 'Get-Mailbox', { Identity: 'annb@contoso.edu' });
  expect(m.MaxReceiveSize).toBe('150 MB (157,286,400 bytes)');
  expect(m.MaxSendSize).toBe('150 MB (157,286,400 bytes)');
  expect((await invoke(emu, 'Set-Mailbox', { Identity: 'annb', MaxReceiveSize: 52428800 })).status).toBe(200);
  m = await one(emu, 'Get-Mailbox', { Identity: 'annb' });
  expect(m.MaxReceiveSize).toBe('50 MB (52,428,800 bytes)');
  const r = await invoke(emu, 'Set-Mailbox', { Identity: 'annb', MaxReceiveSize: '151MB' });
  expect(r.status).toBe(400);
  expect(detail(r).text).toContain('150 MB (157,286,400 bytes)');
  expect((await one(emu, 'Get-Mailbox', { Identity: 'annb' })).MaxReceiveSize).toBe('50 MB (52,428,800 bytes)');
  expect((await invoke(emu, 'Set-Mailbox', { Identity: 'nobody', MaxReceiveSize: '10MB' })).status).toBe(404);
});

it('an item over the target MaxReceiveSize is skipped (LargeItem) until the limit is raised', async () => {
  await newEndpoint(emu);
  const csv = 'EmailAddress,UserName,Password\r\ndanj@contoso.edu,dan.jump,10191989\r\n';
  await one(emu, 'New-MigrationBatch', { Name: 'big', SourceEndpoint: 'contoso-imap', AutoStart: true, CSVData: csvData(csv) });
  await emu.control.settle();
  const s = await one(emu, 'Get-MigrationUserStatistics', { Identity: 'danj@contoso.edu', IncludeSkippedItems: true });
  expect(s.Status).toBe('Synced');
  expect(s.SkippedItemCount).toBe(1);
  expect(s.SyncedItemCount).toBe(s.TotalItemsInSourceMailboxCount - 1);
  expect(s['SkippedItems@odata.type']).toBe('#Collection(Exchange.GenericHashTable)');
  expect(s.SkippedItems).toEqual([
    expect.objectContaining({
      Kind: 'LargeItem',
      FolderName: 'INBOX',
      Subject: 'Site survey photos (full resolution)',
      Sender: 'surveys@fabrikam.com',
      DateSent: '2025-09-14T08:31:07.0000000+00:00',
      MessageSize: 40 * MB,
    }),
  ]);
  expect((await one(emu, 'Get-MigrationBatch', { Identity: 'big' })).Status).toBe('Synced');
  const stats = await one(emu, 'Get-SyncRequestStatistics', { Identity: 'danj@contoso.edu' });
  expect(stats.LargeItemsEncountered).toBe(1);

  await invoke(emu, 'Set-Mailbox', { Identity: 'danj', MaxReceiveSize: '150MB' });
  await invoke(emu, 'Set-MigrationBatch', { Identity: 'big', SyncNow: true });
  await emu.control.settle();
  const raised = await one(emu, 'Get-MigrationUser', { Identity: 'danj@contoso.edu' });
  expect(raised.SkippedItemCount).toBe(0);
  expect(raised.SyncedItemCount).toBe(s.TotalItemsInSourceMailboxCount);
});

it("the endpoint's MaxConcurrentMigrations keeps the others Queued", async () => {
  await newEndpoint(emu, 'one-at-a-time', { MaxConcurrentMigrations: 1 });
  await one(emu, 'New-MigrationBatch', { Name: 'q', SourceEndpoint: 'one-at-a-time', CSVData: csvData(PILOT_CSV), AutoStart: true });
  await emu.control.advance(40);
  const us = await users('q');
  expect(us.map((u) => u.Status)).toEqual(['Syncing', 'Queued', 'Queued']);
  expect((await one(emu, 'Get-MigrationEndpoint', { Identity: 'one-at-a-time' })).ActiveMigrationCount).toBe(1);
  expectCountsMatch(await batch('q'), us);
  await emu.control.settle();
  expect((await batch('q')).Status).toBe('Synced');
});

it('a Synced batch with no admin action for 60 days stops by itself; an IMAP batch never completes', async () => {
  await newEndpoint(emu);
  await one(emu, 'New-MigrationBatch', { Name: 'old', SourceEndpoint: 'contoso-imap', CSVData: csvData(PILOT_CSV), AutoStart: true });
  await emu.control.settle();
  await emu.control.advance(59 * 86_400);
  expect(['Synced', 'Syncing']).toContain((await batch('old')).Status);
  await emu.control.advance(2 * 86_400);
  const b = await batch('old');
  expect(b.Status).toBe('Stopped');
  expect(b.StoppedCount).toBe(3);
});

it('a Stopped batch is purged after 90 days with its users (Learn, manage-migration-batches)', async () => {
  await newEndpoint(emu);
  await one(emu, 'New-MigrationBatch', { Name: 'halted', SourceEndpoint: 'contoso-imap', CSVData: csvData(PILOT_CSV), AutoStart: true });
  await emu.control.advance(60);
  expect((await invoke(emu, 'Stop-MigrationBatch', { Identity: 'halted', Confirm: false })).status).toBe(200);
  await emu.control.advance(60);
  expect((await batch('halted')).Status).toBe('Stopped');
  await emu.control.advance(89 * 86_400);
  expect((await batch('halted')).Status).toBe('Stopped');
  await emu.control.advance(2 * 86_400);
  const gone = await invoke(emu, 'Get-MigrationBatch', { Identity: 'halted' });
  expect(gone.status).toBe(404);
  expect(detail(gone).text).toBe('The migration batch "halted" can\'t be found.');
  expect((await invoke(emu, 'Get-MigrationUser', { Identity: 'terrya@contoso.edu' })).status).toBe(404);
});

it('Test-MigrationServerAvailability: Success for the demo host, Failed in a 200 for an unknown one', async () => {
  const ok = await one(emu, 'Test-MigrationServerAvailability', { Imap: true, RemoteServer: 'imap.contoso.edu', Port: 993, Security: 'Ssl' });
  expect(ok.Result).toBe('Success');
  const bad = await invoke(emu, 'Test-MigrationServerAvailability', { Imap: true, RemoteServer: 'imap.unknown.example', Port: 993, Security: 'Ssl' });
  expect(bad.status).toBe(200);
  expect(bad.body.value[0].Result).toBe('Failed');
  expect(bad.body.value[0].Message).toBe("The connection to the server 'imap.unknown.example' could not be completed.");
  await newEndpoint(emu);
  expect((await one(emu, 'Test-MigrationServerAvailability', { Endpoint: 'contoso-imap' })).Result).toBe('Success');
  const ep = await invoke(emu, 'New-MigrationEndpoint', { IMAP: true, Name: 'nope', RemoteServer: 'imap.unknown.example', Port: 993, Security: 'Ssl' });
  expect(ep.status).toBe(400);
  expect(detail(ep).type).toBe('Microsoft.Exchange.Migration.MigrationServerConnectionFailedException');
});

it("refuses the 101st batch with Exchange's text", async () => {
  await newEndpoint(emu);
  const csv = (i: number) => csvData(`EmailAddress,UserName,Password\r\nuser${i}@contoso.edu,u${i},p\r\n`);
  for (let i = 0; i < 100; i++) {
    expect((await invoke(emu, 'New-MigrationBatch', { Name: `b${i}`, SourceEndpoint: 'contoso-imap', CSVData: csv(i) })).status).toBe(200);
  }
  const r = await invoke(emu, 'New-MigrationBatch', { Name: 'b100', SourceEndpoint: 'contoso-imap', CSVData: csv(100) });
  expect(r.status).toBe(400);
  expect(detail(r).text).toBe('The maximum number of migration batches is already running. Please remove a batch before you add another one');
});

it('Set-MigrationBatch -AddUsers adds new rows to a running batch; Remove-MigrationUser takes one out', async () => {
  await newEndpoint(emu);
  await one(emu, 'New-MigrationBatch', { Name: 'grow', SourceEndpoint: 'contoso-imap', CSVData: csvData(PILOT_CSV), AutoStart: true });
  await emu.control.settle();
  const add = await invoke(emu, 'Set-MigrationBatch', {
    Identity: 'grow',
    AddUsers: true,
    CSVData: csvData('EmailAddress,UserName,Password\r\nkima@contoso.edu,kim.akers,1101980\r\n'),
  });
  expect(add.status).toBe(200);
  expect((await batch('grow')).TotalCount).toBe(4);
  expect((await batch('grow')).Status).toBe('Syncing');
  await emu.control.settle();
  expect((await batch('grow')).SyncedCount).toBe(4);
  expect((await invoke(emu, 'Remove-MigrationUser', { Identity: 'kima@contoso.edu', Confirm: false })).status).toBe(200);
  await emu.control.settle();
  expect((await batch('grow')).TotalCount).toBe(3);
  expect((await invoke(emu, 'Get-MigrationUser', { Identity: 'kima@contoso.edu' })).status).toBe(404);
  const sync = await rows(emu, 'Get-SyncRequest', { Mailbox: 'terrya@contoso.edu' });
  expect(sync).toHaveLength(1);
  expect(sync[0]).toMatchObject({ Status: 'Synced', RemoteServerName: 'imap.contoso.edu', BatchName: 'MigrationService:grow' });
});
