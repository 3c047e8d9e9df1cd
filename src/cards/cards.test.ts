// Every card module's builder renders a sample of its input, fully bound and under the Teams
// size limit, worst cases included; and the one batch-progress card serves both its uses.

import { validateAdaptiveCard, chartsIn } from '../../test/support/adaptiveCardSchema';
import { cardText } from '../../test/support/cutover';
import type { MigrationBatch, MigrationEndpoint, MigrationUser } from '../domain/exchange/types';
import { validateMigrationCsv } from '../domain/csv/migrationCsv';
import type { BatchSnapshot, NotificationEvent } from '../domain/notifications/events';
import { batchProgressCard, countsOfSnapshot, FAILED_SHOWN, USERS_PAGE_SIZE, type BatchProgressInput } from './batchProgress';
import { csvBuildCard } from './csvBuild';
import { csvValidationCard } from './csvValidation';
import { newPlan } from '../domain/cutover/plan';
import { newProgress } from '../domain/guide/steps';
import { cutoverPlanCard } from './cutoverPlan';
import { detailsCard } from './details';
import { guideStatusCard } from './guideStatus';
import { guideClientPickerCard, guideStepCard } from './guideStep';
import { helpCard } from './help';
import { importPreviewCard } from './importPreview';
import { importResultCard } from './importResult';
import { notice } from './notice';
import { eventsCard } from './notificationEvent';
import { cardBytes, TEAMS_CARD_BYTE_LIMIT, type AdaptiveCard } from './render';
import { throughputLine } from './charts';
import { statusCard } from './status';
import { tableCard } from './table';

const long = (n: number, word = 'word') => Array.from({ length: n }, () => word).join(' ');
const email = (i: number) => `${'a'.repeat(40)}.user${i}@${'contoso'.repeat(3)}.example.edu`;
const facts = (n: number) => Array.from({ length: n }, (_, i) => ({ title: `Fact ${i}`, value: long(12) }));

const snapshot: BatchSnapshot = {
  name: 'pilot',
  guid: 'g1',
  status: 'SyncedWithErrors',
  total: 2500,
  active: 0,
  synced: 2497,
  failed: 3,
  stopped: 0,
  pending: 0,
  creationDateTime: '2026-05-01T08:00:00.000Z',
  startDateTime: '2026-05-01T08:01:00.000Z',
  initialSyncDateTime: '2026-05-01T11:00:00.000Z',
  lastSyncedDateTime: '2026-05-04T10:12:00.000Z',
  message: null,
};
const user = (i: number, summary: MigrationUser['statusSummary']): MigrationUser => ({
  identity: email(i),
  guid: `u${i}`,
  batchId: 'pilot',
  emailAddress: email(i),
  recipientType: 'Mailbox',
  status: summary === 'Failed' ? 'Failed' : summary === 'Synced' ? 'Synced' : 'Syncing',
  statusSummary: summary,
  syncedItemCount: 123456,
  skippedItemCount: 0,
  mailboxGuid: null,
  requestGuid: null,
  lastSuccessfulSyncTime: null,
  lastSubscriptionCheckTime: null,
  errorSummary: summary === 'Failed' ? long(80, 'error') : null,
});
const failedLines = Array.from({ length: FAILED_SHOWN }, (_, i) => ({ email: email(i), status: 'Failed', error: long(80, 'error') }));
const live: BatchProgressInput = {
  kind: 'live',
  batch: snapshot,
  counts: countsOfSnapshot(snapshot),
  source: { endpoint: 'school', excludedFolders: ['Junk', 'Deleted Items', 'Spam'] },
  failed: failedLines,
  users: { sorted: Array.from({ length: 3 * USERS_PAGE_SIZE }, (_, i) => user(i, i < 3 ? 'Failed' : 'Synced')), page: 1 },
  now: new Date('2026-05-04T10:13:05Z'),
  lastAdminAction: null,
  notes: ['Cutover could read 1,000 of 2,500 users from Exchange: the list is incomplete.'],
};
const events: NotificationEvent[] = Array.from({ length: 40 }, (_, i) => ({
  kind: 'user.failed',
  key: `user.failed/g1/${i}`,
  batch: 'pilot',
  needsPerson: true,
  user: email(i),
  error: long(60, 'error'),
}));

const batch = (i: number): MigrationBatch => ({
  identity: `wave-${i}-${'x'.repeat(40)}`,
  status: 'Syncing',
  batchGuid: `b${i}`,
  migrationType: 'IMAP',
  sourceEndpoint: 'school',
  notificationEmails: [],
  excludedFolders: [],
  submittedByUser: null,
  totalCount: 50000,
  activeCount: 12345,
  stoppedCount: 10,
  syncedCount: 23456,
  finalizedCount: 0,
  failedCount: 123,
  failedInitialSyncCount: 0,
  failedIncrementalSyncCount: 0,
  pendingCount: 14066,
  provisionedCount: 0,
  creationDateTime: null,
  startDateTime: null,
  initialSyncDateTime: null,
  lastSyncedDateTime: new Date('2026-05-04T10:12:00Z'),
  message: null,
});

const builders: [string, () => AdaptiveCard][] = [
  ['batchProgress (live)', () => batchProgressCard(live).card],
  ['batchProgress (subscribed)', () => batchProgressCard({ ...live, kind: 'subscribed', source: undefined, users: undefined }).card],
  ['batchProgress (removed)', () => batchProgressCard({ ...live, kind: 'subscribed', removed: true }).card],
  [
    'batchProgress (live, items, throughput line, finish range)',
    () =>
      batchProgressCard({
        ...live,
        volume: { done: 1_234_567, left: 7_654_321, unit: 'items' },
        extraCharts: [
          throughputLine(
            Array.from({ length: 48 }, (_, i) => ({ minutesAgo: (48 - i) * 5, perHour: 1000 + i * 37.25 })),
            'items',
            long(30),
          ),
        ],
        eta: long(40),
      }).card,
  ],
  [
    'status (40 batches, gauge)',
    () =>
      statusCard({
        batches: Array.from({ length: 60 }, (_, i) => batch(i)),
        exchangeProblem: '',
        watcher: facts(6),
        throttling: long(20),
        concurrency: { used: 290, endpointLimit: 100 },
        eta: long(30),
      }).card,
  ],
  [
    'notice',
    () =>
      notice({
        title: 'Done',
        tone: 'good',
        text: long(100),
        facts: facts(10),
        lines: [long(40)],
        usage: ['batch show <name>'],
        powershell: 'Get-MigrationBatch',
        actions: [{ title: 'Go', verb: 'x', data: {} }],
      }).card,
  ],
  ['notificationEvent', () => eventsCard(events).card],
  ['status', () => statusCard({ batches: [], exchangeProblem: '', watcher: facts(6), throttling: long(20) }).card],
  [
    'table',
    () =>
      tableCard({
        title: 'Migration batches',
        columns: ['A', 'B', 'C'].map((label) => ({ label, width: 2 })),
        rows: Array.from({ length: 15 }, (_, i) => [{ text: email(i) }, { text: 'Synced', color: 'Good' }, { text: '1,000 / 1,000' }]),
        empty: 'None.',
        powershell: 'Get-MigrationBatch',
      }),
  ],
  [
    'details',
    () =>
      detailsCard({
        title: email(1),
        sections: [
          { heading: 'Statistics', facts: facts(12), powershell: 'Get-MigrationUserStatistics' },
          { heading: 'Sync request', text: long(30) },
        ],
      }),
  ],
  [
    'help',
    () =>
      helpCard({
        isAdmin: true,
        modeNote: '',
        commands: Array.from({ length: 40 }, (_, i) => ({
          family: ['batch', 'user', 'csv', 'x'][i % 4],
          usage: `batch verb${i} <name>`,
          description: long(15),
        })),
      }),
  ],
  [
    'csvBuild',
    () =>
      csvBuildCard({
        title: 'Build the CSV',
        text: long(30),
        facts: facts(3),
        lines: [long(20)],
        askDomain: true,
        askPattern: false,
        powershell: 'New-MigrationBatch',
        actions: [{ title: 'Build', verb: 'csv.build', data: { build: 'b1' }, style: 'positive' }],
      }),
  ],
  [
    'csvValidation',
    () => {
      // 2,000 rows with a bad address, a long name each, over an endpoint that sends passwords in clear.
      const rows = Array.from({ length: 2000 }, (_, i) => `not-an-address-${i}-${'x'.repeat(40)},${'u'.repeat(60)}${i},pw${i}`);
      const validation = validateMigrationCsv(['EmailAddress,UserName,Password', ...rows].join('\n'));
      const endpoint: MigrationEndpoint = {
        identity: 'school',
        endpointType: 'IMAP',
        remoteServer: 'imap.contoso.edu',
        port: 143,
        security: 'None',
        authentication: 'Basic',
        maxConcurrentMigrations: 20,
        maxConcurrentIncrementalSyncs: 10,
        activeMigrationCount: 0,
        guid: 'e1',
      };
      const reply = csvValidationCard(
        { batch: 'pilot', endpoint, excludeFolders: ['Junk', 'Deleted Items'], fileName: 'pilot.csv', pendingId: 'p1' },
        validation,
        3,
        long(40),
      );
      expect(cardText(reply.card)).toMatch(/Row 47, EmailAddress/);
      expect(JSON.stringify(reply.card)).not.toContain('pw46');
      return reply.card;
    },
  ],
  [
    'cutoverPlan',
    () => {
      const plan = newPlan({
        batch: 'pilot',
        domain: 'contoso.edu',
        now: new Date('2026-05-01T08:00:00Z'),
        by: 'Megan Bowen',
        mxTtl: 3600,
        oldMxHosts: ['mx.contoso.edu'],
      });
      plan.steps[0] = { ...plan.steps[0], status: 'done', doneAt: '2026-05-01T09:00:00Z', doneBy: 'Megan Bowen', forced: true };
      return cutoverPlanCard({ plan, facts: facts(8) }).card;
    },
  ],
  [
    'guideStep',
    () =>
      guideStepCard({ ...newProgress(new Date()), client: 'outlook-windows', done: ['add-account'] }, 'copy-contacts', { showHow: true, warnings: [long(10)] })
        .card,
  ],
  ['guideStep (client picker)', () => guideClientPickerCard(long(30), [long(10)]).card],
  [
    'guideStatus',
    () =>
      guideStatusCard({
        title: 'Guide progress',
        text: '40 people.',
        totals: facts(3),
        people: Array.from({ length: 40 }, (_, i) => ({ name: email(i), progress: '3 of 9', help: '' })),
        lines: [],
        actions: [],
      }),
  ],
  [
    'importPreview',
    () =>
      importPreviewCard({
        title: 'x.vcf',
        tone: '',
        text: long(30),
        facts: facts(2),
        sampleTitle: 'First entries',
        sample: [long(8)],
        problemsTitle: 'Not imported',
        problems: Array.from({ length: 15 }, () => long(15)),
        notes: [long(10)],
        actions: [],
      }),
  ],
  [
    'importResult',
    () =>
      importResultCard({
        title: 'x.vcf',
        tone: 'warn',
        text: long(10),
        facts: facts(5),
        sampleTitle: '',
        sample: [],
        problemsTitle: 'Not imported',
        problems: Array.from({ length: 15 }, () => long(15)),
        notes: [],
        actions: [],
      }),
  ],
];

describe('card builders', () => {
  it.each(builders)('%s renders a worst-case sample, fully bound and under the Teams size limit', (_name, build) => {
    const card = build();
    expect(card.type).toBe('AdaptiveCard');
    expect(JSON.stringify(card)).not.toContain('${');
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_BYTE_LIMIT);
    expect(validateAdaptiveCard(card)).toEqual([]);
    for (const chart of chartsIn(card)) expect(chart.fallback).toBeDefined();
  });
});

describe('the one batch-progress card', () => {
  const lines = (card: AdaptiveCard) => cardText(card).split('\n');

  it('answers batch show with the source, a page of users and the batch buttons', () => {
    const l = lines(batchProgressCard(live).card);
    expect(l.slice(0, 3)).toEqual(['Batch pilot', 'IMAP migration from endpoint school, excluding Junk, Deleted Items, Spam', 'SyncedWithErrors']);
    const text = l.join('\n');
    expect(text).toContain(`Users 11–20 of 2500`);
    expect(text).toMatch(/Last synced\n2026-05-04 10:12 UTC/);
    expect(text).toContain('Updated 2026-05-04 10:13:05 UTC');
    expect(text).toContain('Cutover could read 1,000 of 2,500 users from Exchange');
    expect(text).not.toContain('unsubscribe batch pilot');
    const actions = (batchProgressCard(live).card.actions as { title: string }[]).map((a) => a.title);
    expect(actions).toEqual(['Refresh', 'Previous users', 'Next users', 'Sync now', 'Start (retry failed)', 'Stop', 'Remove…']);
  });

  it("is a subscribed conversation's notification from the same template: status right under the title, counts, failed users, and why it came", () => {
    const card = batchProgressCard({
      ...live,
      kind: 'subscribed',
      source: undefined,
      users: undefined,
      failed: [{ email: 'paulc@contoso.edu', error: 'We had trouble signing in.' }],
    }).card;
    const text = cardText(card);
    expect(text).toMatch(/^Batch pilot\nSyncedWithErrors\n2497 of 2500 users synced, 3 failed\./);
    expect(text).toMatch(/2,500\nTotal/);
    expect(text).toContain('**paulc@contoso.edu**\nWe had trouble signing in.');
    expect(text).toMatch(/Last synced\n2026-05-04 10:12 UTC/);
    expect(text).toContain('you get this card because this conversation subscribed (unsubscribe batch pilot)');
    expect(text).not.toMatch(/Users \d/);
    expect((card.actions as { title: string; verb: string }[]).map((a) => `${a.title}:${a.verb}`)).toEqual(['Open batch:batch.refresh']);
  });

  it('says a removed batch is removed, with no buttons', () => {
    const reply = batchProgressCard({ ...live, kind: 'subscribed', source: undefined, removed: true });
    expect(cardText(reply.card)).toMatch(/^Batch pilot\nRemoved\nRemoved from Exchange\./);
    expect(reply.card.actions).toBeUndefined();
    expect(reply.summary).toBe('Batch pilot: removed from Exchange.');
  });
});
