// control.addMailboxes: a large tenant for benchmarks, looked up through the same paths
// (Get-Mailbox, New-MigrationBatch's "target mailbox must exist") as the demo mailboxes.

import { startExchangeEmulator, type RunningExchangeEmulator } from './index';
import { csvData, invoke, newEndpoint, one } from '../../../test/emulator/client';

let emu: RunningExchangeEmulator;
beforeEach(async () => {
  emu = await startExchangeEmulator({ timeScale: 0, startTime: new Date('2026-11-24T10:00:00Z') });
});
afterEach(() => emu.close());

it('adds UserMailbox recipients once, skipping addresses that already have a mailbox', async () => {
  expect(emu.control.addMailboxes(['bench.00001@contoso.edu', 'Bench.00001@contoso.edu', 'terrya@contoso.edu', 'bench.00002@fabrikam.edu'])).toBe(2);
  expect(emu.control.addMailboxes(['bench.00001@contoso.edu'])).toBe(0);
  const m = await one(emu, 'Get-Mailbox', { Identity: 'BENCH.00001@contoso.edu' });
  expect(m.PrimarySmtpAddress).toBe('bench.00001@contoso.edu');
  expect(m.RecipientTypeDetails).toBe('UserMailbox');
  expect(await one(emu, 'Get-Mailbox', { Identity: 'bench.00002@fabrikam.edu' })).toBeTruthy();
  expect(() => emu.control.addMailboxes(['no-at-sign'])).toThrow(/not an email address/);
});

it('lets a 5,000-user batch be created for them, and reset() takes them away again', async () => {
  const addresses = Array.from({ length: 5000 }, (_, i) => `bench.${String(i).padStart(5, '0')}@contoso.edu`);
  emu.control.addMailboxes(addresses);
  await newEndpoint(emu);
  const csv = ['EmailAddress,UserName,Password', ...addresses.map((a, i) => `${a},${a.split('@')[0]},pw-${i}`)].join('\r\n');
  const started = Date.now();
  const batch = await one(emu, 'New-MigrationBatch', { Name: 'big', SourceEndpoint: 'contoso-imap', CSVData: csvData(csv) });
  // Mailbox lookups are indexed: thousands of rows must not be a quadratic scan.
  expect(Date.now() - started).toBeLessThan(5000);
  expect(batch.TotalCount).toBe(5000);
  const last = await one(emu, 'Get-MigrationUser', { Identity: addresses[4999] });
  expect(last.BatchId).toBe('big');
  expect(last.MailboxGuid).toBe((await one(emu, 'Get-Mailbox', { Identity: addresses[4999] })).ExchangeGuid);

  emu.control.reset();
  const gone = await invoke(emu, 'Get-Mailbox', { Identity: addresses[0] });
  expect(gone.status).toBeGreaterThanOrEqual(400);
  expect(await one(emu, 'Get-Mailbox', { Identity: 'terrya@contoso.edu' })).toBeTruthy();
});
