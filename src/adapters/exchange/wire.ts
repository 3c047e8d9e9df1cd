// Exchange's InvokeCommand wire values (reference §1.4), parsed in one place.
// Rows are GenericHashTables: PascalCase properties, enums as plain strings,
// dates as ISO strings with a "<Name>@data.type" sibling, sizes as
// "35 MB (36,700,160 bytes)", Unlimited<T> as "Unlimited" or a number string,
// multi-valued properties as arrays. Nothing outside the adapter sees these shapes.

export type WireRow = Record<string, unknown>;

/** A property by its cmdlet name; falls back to a case-insensitive match (clients differ in casing). */
export function field(row: WireRow, name: string): unknown {
  if (name in row) return row[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(row)) {
    if (key.toLowerCase() === lower) return row[key];
  }
  return undefined;
}

/** A date property, preferring its `…UTC` twin (always `Z`) when the row carries one. */
export function dateField(row: WireRow, name: string): Date | null {
  const utc = field(row, `${name}UTC`);
  if (utc !== undefined && utc !== null && utc !== '') return parseDate(utc);
  return parseDate(field(row, name));
}

/**
 * ISO strings with up to 7 fractional digits, `+00:00` or `Z` or no zone (taken as UTC,
 * as the module sends DateTime as UTC), `/Date(ms)/`, epoch numbers, or null.
 */
export function parseDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value !== 'string') return null;
  const msDate = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (msDate) return new Date(Number(msDate[1]));
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!m) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : new Date(t);
  }
  // JS parses at most milliseconds reliably; .NET sends ticks (7 digits).
  const fraction = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  let zone = m[4] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2];
  const t = Date.parse(`${m[1]}T${time}${fraction}${zone.toUpperCase()}`);
  return Number.isNaN(t) ? null : new Date(t);
}

const UNIT_BYTES: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/**
 * ByteQuantifiedSize → bytes. "35 MB (36,700,160 bytes)" reads the exact count in
 * parentheses; "150MB" / "35 MB" / "36700160" / 36700160 also accepted.
 * "Unlimited" → 'Unlimited'; null/empty → null.
 */
export function parseByteSize(value: unknown): number | 'Unlimited' | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (/^unlimited$/i.test(s)) return 'Unlimited';
  const exact = /\(([\d,.\s]+)\s*bytes?\)/i.exec(s);
  if (exact) return Number(exact[1].replace(/[,.\s]/g, ''));
  const plain = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(s.replace(/,/g, ''));
  if (plain) return Math.round(Number(plain[1]) * UNIT_BYTES[(plain[2] ?? 'B').toUpperCase()]);
  return null;
}

/** Numbers arrive as JSON numbers or as strings (Unlimited<T>, longs); "Unlimited"/junk → null. */
export function parseNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const s = value.trim().replace(/,/g, '');
    if (!/^-?\d+(?:\.\d+)?$/.test(s)) return null;
    return Number(s);
  }
  return null;
}

/** Unlimited<T>: "Unlimited" or a number (possibly as a string). */
export function parseUnlimited(value: unknown): number | 'Unlimited' | null {
  if (typeof value === 'string' && /^\s*unlimited\s*$/i.test(value)) return 'Unlimited';
  return parseNumber(value);
}

export function parseBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (/^true$/i.test(value.trim())) return true;
    if (/^false$/i.test(value.trim())) return false;
  }
  if (typeof value === 'number') return value !== 0;
  return null;
}

/**
 * Identity-like and complex values come flattened to strings; a hashtable-shaped
 * value (older serializers) is reduced to its name or identity.
 */
export function parseString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length ? value.map((v) => parseString(v) ?? '').join(', ') : null;
  if (typeof value === 'object') {
    const o = value as WireRow;
    for (const k of ['Name', 'Identity', 'Value', 'DisplayName', 'Address']) {
      const v = field(o, k);
      if (typeof v === 'string') return v;
    }
    return JSON.stringify(value);
  }
  return null;
}

/** Multi-valued properties: always an array on the wire, but tolerate null and a lone value. */
export function parseStringArray(value: unknown): string[] {
  if (value === null || value === undefined || value === '') return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => parseString(v)).filter((v): v is string => v !== null && v !== '');
}

/** TimeSpan "d.hh:mm:ss(.fffffff)" or "hh:mm:ss" → seconds. */
export function parseTimeSpan(value: unknown): number | null {
  if (typeof value !== 'string') return parseNumber(value);
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return null;
  const seconds = Number(m[2] ?? 0) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]) + Number(`0.${m[6] ?? '0'}`);
  return m[1] ? -seconds : seconds;
}

/** An enum value matched case-insensitively to its canonical spelling (PS writes "SyncedwithErrors"). */
export function parseEnum<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  const s = parseString(value);
  if (s === null) return null;
  const hit = allowed.find((a) => a.toLowerCase() === s.toLowerCase());
  return hit ?? null;
}
