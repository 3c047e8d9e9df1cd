import { dateField, parseBoolean, parseByteSize, parseDate, parseEnum, parseNumber, parseStringArray, parseTimeSpan, parseUnlimited } from './wire';

describe('wire values (reference §1.4)', () => {
  it('parses DateTime strings with 7 fractional digits, +00:00 or Z, and null', () => {
    expect(parseDate('2026-11-24T10:00:00.1234567+00:00')!.toISOString()).toBe('2026-11-24T10:00:00.123Z');
    expect(parseDate('2026-11-24T10:00:00.1234567Z')!.toISOString()).toBe('2026-11-24T10:00:00.123Z');
    expect(parseDate('2026-11-24T12:00:00+02:00')!.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(parseDate('2026-11-24T10:00:00')!.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(parseDate('/Date(1700000000000)/')!.getTime()).toBe(1_700_000_000_000);
    expect(parseDate(null)).toBeNull();
    expect(parseDate('')).toBeNull();
    expect(parseDate('not a date')).toBeNull();
  });

  it('prefers the ...UTC twin and ignores @data.type annotations', () => {
    const row = {
      'LastSyncedDateTime@data.type': 'System.DateTime',
      LastSyncedDateTime: '2026-11-24T11:00:00.0000000+01:00',
      LastSyncedDateTimeUTC: '2026-11-24T10:00:00.5000000Z',
    };
    expect(dateField(row, 'LastSyncedDateTime')!.toISOString()).toBe('2026-11-24T10:00:00.500Z');
    expect(dateField({ StartDateTime: '2026-01-01T00:00:00.0000000+00:00' }, 'StartDateTime')!.getUTCFullYear()).toBe(2026);
    expect(dateField({ StartDateTime: null }, 'StartDateTime')).toBeNull();
  });

  it('parses ByteQuantifiedSize by the exact byte count, and Unlimited', () => {
    expect(parseByteSize('35 MB (36,700,160 bytes)')).toBe(36_700_160);
    expect(parseByteSize('49.5 GB (53,150,220,288 bytes)')).toBe(53_150_220_288);
    expect(parseByteSize('0 B (0 bytes)')).toBe(0);
    expect(parseByteSize('150MB')).toBe(157_286_400);
    expect(parseByteSize('512 KB')).toBe(524_288);
    expect(parseByteSize('36700160')).toBe(36_700_160);
    expect(parseByteSize(1024)).toBe(1024);
    expect(parseByteSize('Unlimited')).toBe('Unlimited');
    expect(parseByteSize(null)).toBeNull();
    expect(parseByteSize('lots')).toBeNull();
  });

  it('numbers as strings, Unlimited<T>, booleans, TimeSpan, enums', () => {
    expect(parseNumber('1234')).toBe(1234);
    expect(parseNumber(7)).toBe(7);
    expect(parseNumber('1,234')).toBe(1234);
    expect(parseNumber('Unlimited')).toBeNull();
    expect(parseUnlimited('Unlimited')).toBe('Unlimited');
    expect(parseUnlimited('100')).toBe(100);
    expect(parseBoolean(true)).toBe(true);
    expect(parseBoolean('False')).toBe(false);
    expect(parseBoolean(null)).toBeNull();
    expect(parseTimeSpan('90.00:00:00')).toBe(90 * 86400);
    expect(parseTimeSpan('01:29:55')).toBe(5395);
    expect(parseTimeSpan('1.02:03:04.5000000')).toBe(93784.5);
    expect(parseEnum('SyncedwithErrors', ['Synced', 'SyncedWithErrors'] as const)).toBe('SyncedWithErrors');
    expect(parseEnum('Nope', ['Synced'] as const)).toBeNull();
  });

  it('multi-valued properties: arrays, empty, null, a lone value', () => {
    expect(parseStringArray(['a', 'b'])).toEqual(['a', 'b']);
    expect(parseStringArray([])).toEqual([]);
    expect(parseStringArray(null)).toEqual([]);
    expect(parseStringArray('x')).toEqual(['x']);
  });
});
