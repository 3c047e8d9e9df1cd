import { validateAdaptiveCard, chartsIn } from '../../test/support/adaptiveCardSchema';
import type { PreflightReport, PreflightUser } from '../domain/preflight/report';
import { sourceVsTargetBars } from './charts';
import { detailsCard } from './details';
import { notice } from './notice';
import { folderKind, preflightCharts } from './preflightCharts';

const MB = 1024 * 1024;
const user = (email: string, folders: [string, number][], large = 0): PreflightUser =>
  ({
    emailAddress: email,
    folders: folders.map(([name, mb]) => ({ name, itemCount: 10, sizeBytes: mb * MB })),
    largeItems: Array.from({ length: large }, () => ({
      folderName: 'INBOX',
      size: 40 * MB,
      subject: 's',
      sender: 'x',
      dateSent: null,
      fixableByRaisingLimit: true,
    })),
  }) as unknown as PreflightUser;
const report = (users: PreflightUser[]) => ({ users }) as unknown as PreflightReport;

describe('preflight charts', () => {
  it('sorts folders into kinds by their top-level name', () => {
    expect(['INBOX', 'INBOX/Projects', 'Sent Items', 'Gesendet', 'Trash', 'Junk E-mail', 'Archive.2024', 'Projects'].map(folderKind)).toEqual([
      'Inbox',
      'Inbox',
      'Sent',
      'Sent',
      'Deleted',
      'Junk',
      'Archive',
      'Other',
    ]);
  });

  it('shows size by folder kind over every user, and the users with items over the limit', () => {
    const charts = preflightCharts(
      report([
        user(
          'a@x',
          [
            ['INBOX', 3],
            ['Sent', 1],
          ],
          2,
        ),
        user('b@x', [
          ['INBOX', 2],
          ['Projects', 5],
        ]),
      ]),
    );
    expect(charts).toHaveLength(2);
    expect(charts[0]).toMatchObject({
      type: 'Chart.HorizontalBar',
      data: [
        { x: 'Inbox', y: 5 },
        { x: 'Sent', y: 1 },
        { x: 'Other', y: 5 },
      ],
    });
    expect(charts[0].fallback).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Inbox', value: expect.any(String) },
        { title: 'Sent', value: expect.any(String) },
        { title: 'Other', value: expect.any(String) },
      ],
    });
    expect(charts[1]).toMatchObject({ type: 'Chart.HorizontalBar', data: [{ x: 'a@x', y: 2 }] });
    const card = detailsCard({ title: 'Preflight result', sections: [], charts });
    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(chartsIn(card)).toHaveLength(2);
    expect(preflightCharts(report([user('c@x', [])]))).toEqual([]);
    expect(chartsIn(detailsCard({ title: 'x', sections: [] }))).toEqual([]);
  });

  it('the cut-over proof notice carries source vs target where they differ', () => {
    const card = notice({ title: 'Batch pilot is not verified', charts: [sourceVsTargetBars([{ email: 'a@x', source: 10, target: 9 }])] }).card;
    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(chartsIn(card)).toEqual([expect.objectContaining({ type: 'Chart.VerticalBar.Grouped' })]);
    expect(chartsIn(notice({ title: 'x' }).card)).toEqual([]);
  });
});
