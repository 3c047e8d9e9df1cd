import { parse } from 'csv-parse/sync';
import type { ExportFile, FileRecipient } from '../ports/reportDelivery';
import type { CommandDeps } from './types';
import type { MigrationUserStatistics } from '../domain/exchange/types';
import { handlerDeps, overlay } from '../../test/support/handlerDeps';

const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closing) await close();
});
import { reportUser } from './user';

// Subject and Sender come from outside senders: whatever they wrote must stay text in Excel.
const HOSTILE = ['=HYPERLINK("http://evil.example","Invoice")', "+1+cmd|' /C calc'!A0", '-1', '@SUM(A1)', '\t=1+1', '\r=1+1'];

test('user report: the skipped-items CSV neutralises formulas, keeps accents, one row per item; no link in the summary', async () => {
  const handed: { to: FileRecipient; files: ExportFile[] }[] = [];
  const stats: MigrationUserStatistics = {
    identity: 'zoë@contoso.edu',
    guid: '6f1c2b52-0000-4000-8000-000000000001',
    recipientType: 'Mailbox',
    mailboxGuid: null,
    requestGuid: null,
    lastSubscriptionCheckTime: null,
    errorSummary: null,
    migrationType: 'IMAP',
    initialSeedingCompletedTime: null,
    lastUpdatedTime: null,
    emailAddress: 'zoë@contoso.edu',
    batchId: 'pilot',
    status: 'Synced',
    statusSummary: 'Synced',
    syncedItemCount: 10,
    skippedItemCount: HOSTILE.length,
    totalItemsInSourceMailboxCount: 16,
    percentageComplete: 100,
    error: null,
    lastSuccessfulSyncTime: null,
    skippedItems: HOSTILE.map((h, i) => ({
      kind: 'LargeItem' as const,
      folderName: 'Boîte de réception',
      subject: h,
      sender: h,
      dateSent: new Date(Date.UTC(2026, 0, i + 1)),
      messageSize: 40_000_000,
      failure: '',
    })),
    report: null,
    diagnosticInfo: null,
  };
  const h = await handlerDeps({
    reports: {
      deliver: async (to: FileRecipient, files: ExportFile[]) => {
        handed.push({ to, files });
        return { status: 'sent' as const, to: 'personal-chat' as const, how: 'consent' as const, files: files.map((f) => f.fileName) };
      },
    },
  });
  closing.push(h.close);
  const deps: CommandDeps = { ...h.deps, exchange: overlay(h.deps.exchange, { getMigrationUserStatistics: async () => stats }) };
  const reply = await reportUser(deps, { id: '29:alex', aadObjectId: 'a1', name: 'Alex' }, 'zoë@contoso.edu');
  expect(reply.summary).toBe('Report for zoë@contoso.edu');
  expect(JSON.stringify(reply.card)).toMatch(/Sent to you in your personal chat with Cutover/);
  expect(handed).toHaveLength(1);
  expect(handed[0].to).toEqual({ id: '29:alex', aadObjectId: 'a1', name: 'Alex' });
  const csv = handed[0].files.find((f) => f.fileName.endsWith('-skipped-items.csv'))!;
  expect(csv.contentType).toBe('text/csv; charset=utf-8');
  expect(csv.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  const rows = parse(csv.body.subarray(3).toString('utf8')) as string[][];
  expect(rows[0]).toEqual(['Kind', 'FolderName', 'Subject', 'Sender', 'DateSent', 'MessageSize', 'Failure']);
  expect(rows).toHaveLength(1 + HOSTILE.length);
  expect(rows.slice(1).map((r) => r[2])).toEqual(HOSTILE.map((h) => `'${h}`));
  expect(rows.slice(1).map((r) => r[3])).toEqual(HOSTILE.map((h) => `'${h}`));
  expect(rows[1][1]).toBe('Boîte de réception');
  expect(rows[1][4]).toBe('2026-01-01T00:00:00.000Z');
});
