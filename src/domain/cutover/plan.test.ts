import { completeStep, newPlan, recordDeltaPass, WAIT_AFTER_SWITCH_MS, type CutoverPlan, type StepId } from './plan';
import { decideCopies, messageKey, planScan, type MessageMeta } from './delta';
import { assessDns, isExchangeMx } from './dnsReadiness';

const t0 = new Date('2026-03-02T09:00:00Z');
const at = (h: number) => new Date(t0.getTime() + h * 3600_000);

function done(plan: CutoverPlan, id: StepId, now: Date, facts = {}): CutoverPlan {
  const r = completeStep(plan, id, { now, by: 'alex', facts });
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
}

describe('cut-over plan', () => {
  it('refuses steps out of order unless forced, and Remove-MigrationBatch before the final pass after 72 h', () => {
    let p = newPlan({ batch: 'pilot', domain: 'contoso.edu', now: t0, by: 'alex', mxTtl: 3600, oldMxHosts: ['mail.contoso.edu'] });
    const early = completeStep(p, 'switch-mx', { now: t0, by: 'alex' });
    expect(early).toMatchObject({ ok: false, canForce: true });
    p = done(p, 'lower-ttl', t0, { mxTtl: 300 });
    expect(completeStep(p, 'wait-synced', { now: at(1), by: 'alex', facts: { batchStatus: 'Syncing' } }).ok).toBe(false);
    p = done(p, 'wait-synced', at(1), { batchStatus: 'Synced' });
    p = done(p, 'switch-mx', at(2));
    expect(completeStep(p, 'watch-dns', { now: at(2.5), by: 'alex', facts: { visibleEverywhere: true } })).toMatchObject({ ok: false });
    p = done(p, 'watch-dns', at(3.1), { visibleEverywhere: true });
    p = done(p, 'sync-now', at(3.2));
    p = recordDeltaPass(p, at(3.3));
    p = done(p, 'delta-pass', at(3.3));
    expect(completeStep(p, 'repeat-delta', { now: at(40), by: 'alex' }).ok).toBe(false);
    const forcedRemove = completeStep(p, 'remove-batch', { now: at(40), by: 'alex', force: true });
    expect(forcedRemove.ok && forcedRemove.plan.steps[8].forced).toBe(true);
    p = recordDeltaPass(p, new Date(at(2).getTime() + WAIT_AFTER_SWITCH_MS + 60_000));
    p = done(p, 'repeat-delta', at(80));
    p = done(p, 'guide', at(80));
    expect(completeStep(p, 'remove-batch', { now: at(80), by: 'alex', facts: { batchLastSynced: at(1) } })).toMatchObject({ ok: false });
    expect(completeStep(p, 'remove-batch', { now: at(80), by: 'alex', facts: { batchLastSynced: at(50) } }).ok).toBe(true);
  });
});

const m = (uid: number, id: string | null, extra: Partial<MessageMeta> = {}): MessageMeta => ({
  uid,
  messageId: id,
  date: '2025-01-01T00:00:00.000Z',
  from: 'a@b',
  subject: 's',
  size: 10,
  flags: [],
  internalDate: null,
  ...extra,
});

describe('delta rules', () => {
  it('copies only what is missing, keeps both copies of a duplicated Message-ID, and hashes messages without one', () => {
    const target = new Map([
      ['mid:a', 1],
      [messageKey(m(0, null)), 1],
    ]);
    const d = decideCopies([m(1, 'a'), m(2, 'a'), m(3, 'b'), m(4, null), m(5, null, { subject: 'other' })], target);
    expect(d.toCopy.map((x) => x.uid)).toEqual([2, 3, 5]);
    expect(d.duplicateIds).toEqual(['a']);
    expect(d.withoutMessageId).toBe(2);
    // An older source copy already matched the target's one: the new candidate is copied.
    expect(decideCopies([m(9, 'a')], new Map([['mid:a', 1]]), new Map([['mid:a', 1]])).toCopy.map((x) => x.uid)).toEqual([9]);
  });

  it('reads a folder only when UIDNEXT moved, a retry is pending, or UIDVALIDITY changed', () => {
    expect(planScan(undefined, { uidValidity: 1, uidNext: 5 })).toEqual({ kind: 'full', reason: 'first-pass' });
    expect(planScan({ uidValidity: 1, uidNext: 5, retry: [] }, { uidValidity: 1, uidNext: 5 })).toEqual({ kind: 'unchanged' });
    expect(planScan({ uidValidity: 1, uidNext: 5, retry: [2] }, { uidValidity: 1, uidNext: 5 })).toEqual({ kind: 'incremental', fromUid: 5, retry: [2] });
    expect(planScan({ uidValidity: 1, uidNext: 5, retry: [] }, { uidValidity: 2, uidNext: 5 })).toEqual({ kind: 'full', reason: 'uidvalidity-changed' });
  });

  it('knows both Exchange MX forms and writes the SPF fix before -all', () => {
    expect(isExchangeMx('contoso.edu', 'contoso-edu.mail.protection.outlook.com.')).toBe(true);
    expect(isExchangeMx('contoso.edu', 'contoso-edu.o-v1.mx.microsoft')).toBe(true);
    expect(isExchangeMx('contoso.edu', 'fabrikam-com.mail.protection.outlook.com')).toBe(false);
    const r = assessDns('contoso.edu', {
      mx: { status: 'ok', records: [] },
      txt: { status: 'ok', records: [{ text: 'v=spf1 a -all', ttl: 1 }] },
      autodiscover: { status: 'nxdomain' },
    });
    expect(r.checks.find((c) => c.id === 'spf')!.fix).toBe('contoso.edu. 3600 IN TXT "v=spf1 a include:spf.protection.outlook.com -all"');
  });
});
