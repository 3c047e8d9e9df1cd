import { describeWhen, parseWhen } from './when';

// Thursday 2026-12-03 07:30 UTC (07:30 in London, 08:30 in Berlin, 23:30 Wednesday in Los Angeles).
const now = new Date('2026-12-03T07:30:00Z');

describe('parseWhen', () => {
  it("reads ISO date-times with a zone as they are, whatever the admin's zone", () => {
    const r = parseWhen('2026-12-31T22:00Z', { now, timeZone: 'America/Los_Angeles' });
    expect(r).toEqual({ ok: true, at: new Date('2026-12-31T22:00:00Z'), timeZone: 'America/Los_Angeles' });
    expect(parseWhen('2026-12-31T22:00+01:00', { now }).ok && (parseWhen('2026-12-31T22:00+01:00', { now }) as { at: Date }).at.toISOString()).toBe(
      '2026-12-31T21:00:00.000Z',
    );
  });

  it("reads local times in the admin's Teams time zone, DST included", () => {
    const berlin = parseWhen('tomorrow 22:00', { now, timeZone: 'Europe/Berlin' });
    expect(berlin.ok && berlin.at.toISOString()).toBe('2026-12-04T21:00:00.000Z');
    // Friday 19:30 in Los Angeles (UTC-8 in December) is Saturday 03:30 UTC.
    const fri = parseWhen('fri 19:30', { now, timeZone: 'America/Los_Angeles' });
    expect(fri.ok && fri.at.toISOString()).toBe('2026-12-05T03:30:00.000Z');
    // Summer: London is UTC+1.
    const summer = parseWhen('2027-07-01 09:00', { now, timeZone: 'Europe/London' });
    expect(summer.ok && summer.at.toISOString()).toBe('2027-07-01T08:00:00.000Z');
    // Thursday in London already past 07:00: the next Thursday.
    const thu = parseWhen('thu 07:00', { now, timeZone: 'Europe/London' });
    expect(thu.ok && thu.at.toISOString()).toBe('2026-12-10T07:00:00.000Z');
  });

  it('takes UTC when Teams sent no (or an unknown) zone', () => {
    const r = parseWhen('today 22:00', { now, timeZone: 'Mars/Olympus' });
    expect(r).toEqual({ ok: true, at: new Date('2026-12-03T22:00:00Z'), timeZone: 'UTC' });
  });

  it('refuses the past, far futures, impossible dates and nonsense with a clear answer', () => {
    expect(parseWhen('2026-01-01T00:00Z', { now })).toMatchObject({ ok: false, problem: expect.stringMatching(/already passed/) });
    expect(parseWhen('2029-01-01T00:00Z', { now })).toMatchObject({ ok: false, problem: expect.stringMatching(/more than a year ahead/) });
    expect(parseWhen('2027-02-31 10:00', { now })).toMatchObject({ ok: false });
    expect(parseWhen('25:00', { now })).toMatchObject({ ok: false });
    expect(parseWhen('soon', { now })).toMatchObject({ ok: false, problem: expect.stringMatching(/tomorrow 22:00/) });
    expect(parseWhen('x'.repeat(10_000), { now })).toMatchObject({ ok: false });
  });

  it('echoes the time back in both zones', () => {
    expect(describeWhen(new Date('2026-12-31T22:00:00Z'), 'Europe/Berlin')).toBe('Thu 2026-12-31 23:00 Europe/Berlin (2026-12-31 22:00 UTC)');
    expect(describeWhen(new Date('2026-12-31T22:00:00Z'), 'UTC')).toBe('2026-12-31 22:00 UTC');
  });
});
