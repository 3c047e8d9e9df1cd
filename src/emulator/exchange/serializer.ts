// The ONE place that knows how Exchange Online writes rows on the wire (reference §1.4
// "Wire shape of rows"). Cmdlet handlers describe each property with a typed value
// (w.int32, w.dateTime, ...); this module turns those into the JSON the REST adapter reads.

export type WireValue =
  | { kind: 'string'; value: string | null }
  | { kind: 'enum'; value: string | null }
  | { kind: 'int32'; value: number | null }
  | { kind: 'int64'; value: number | null }
  | { kind: 'bool'; value: boolean | null }
  | { kind: 'dateTime'; value: Date | null; utc: boolean }
  | { kind: 'guid'; value: string | null }
  | { kind: 'strings'; value: string[] }
  | { kind: 'byteSize'; value: number | null }
  | { kind: 'unlimitedByteSize'; value: number | 'Unlimited' }
  | { kind: 'unlimited'; value: number | 'Unlimited' }
  | { kind: 'timeSpan'; seconds: number | null }
  | { kind: 'rows'; value: WireRow[] };

/** A row in property order, as Exchange's GenericHashTable. */
export type WireRow = Record<string, WireValue>;

export const w = {
  str: (value: string | null | undefined): WireValue => ({ kind: 'string', value: value ?? null }),
  enum: (value: string | null | undefined): WireValue => ({ kind: 'enum', value: value ?? null }),
  int32: (value: number | null | undefined): WireValue => ({ kind: 'int32', value: value ?? null }),
  int64: (value: number | null | undefined): WireValue => ({ kind: 'int64', value: value ?? null }),
  bool: (value: boolean | null | undefined): WireValue => ({ kind: 'bool', value: value ?? null }),
  /** An ordinary DateTime property: `+00:00`. */
  date: (value: Date | null | undefined): WireValue => ({ kind: 'dateTime', value: value ?? null, utc: false }),
  /** A `…UTC` twin: `Z`. */
  dateUtc: (value: Date | null | undefined): WireValue => ({ kind: 'dateTime', value: value ?? null, utc: true }),
  guid: (value: string | null | undefined): WireValue => ({ kind: 'guid', value: value ?? null }),
  strings: (value: readonly string[] | null | undefined): WireValue => ({ kind: 'strings', value: [...(value ?? [])] }),
  byteSize: (value: number | null | undefined): WireValue => ({ kind: 'byteSize', value: value ?? null }),
  unlimitedByteSize: (value: number | 'Unlimited'): WireValue => ({ kind: 'unlimitedByteSize', value }),
  unlimited: (value: number | 'Unlimited'): WireValue => ({ kind: 'unlimited', value }),
  timeSpan: (seconds: number | null | undefined): WireValue => ({ kind: 'timeSpan', seconds: seconds ?? null }),
  rows: (value: WireRow[]): WireValue => ({ kind: 'rows', value }),
};

/** .NET round-trip format with 7 fractional digits: 2026-11-24T10:00:00.1230000+00:00 or …Z. */
export function formatDateTime(date: Date, utc: boolean): string {
  const iso = date.toISOString(); // 2026-11-24T10:00:00.123Z
  return `${iso.slice(0, 23)}0000${utc ? 'Z' : '+00:00'}`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** ByteQuantifiedSize.ToString(): "35 MB (36,700,160 bytes)", "49.5 GB (53,150,220,288 bytes)". */
export function formatByteSize(bytes: number): string {
  const exact = Math.round(bytes);
  let unit = 0;
  let scaled = exact;
  while (unit < UNITS.length - 1 && scaled >= 1024) {
    scaled /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(exact) : String(Math.round(scaled * 1000) / 1000);
  return `${shown} ${UNITS[unit]} (${exact.toLocaleString('en-US')} bytes)`;
}

/** TimeSpan.ToString(): "90.00:00:00", "00:15:00", "1.02:03:04.5000000". */
export function formatTimeSpan(totalSeconds: number): string {
  const negative = totalSeconds < 0;
  let rest = Math.abs(totalSeconds);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const seconds = Math.floor(rest);
  const ticks = Math.round((rest - seconds) * 1e7);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    (negative ? '-' : '') + (days ? `${days}.` : '') + `${pad(hours)}:${pad(minutes)}:${pad(seconds)}` + (ticks ? `.${String(ticks).padStart(7, '0')}` : '')
  );
}

/** One row as Exchange's JSON: values plus their annotation siblings. */
export function serializeRow(row: WireRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(row)) {
    switch (v.kind) {
      case 'string':
      case 'enum':
      case 'bool':
        out[name] = v.value;
        break;
      case 'int32':
        out[name] = v.value;
        if (v.value !== null) out[`${name}@data.type`] = 'System.Int32';
        break;
      case 'int64':
        out[name] = v.value;
        if (v.value !== null) out[`${name}@data.type`] = 'System.Int64';
        break;
      case 'dateTime':
        // null date = bare null, no sibling
        out[name] = v.value ? formatDateTime(v.value, v.utc) : null;
        if (v.value) out[`${name}@data.type`] = 'System.DateTime';
        break;
      case 'guid':
        out[name] = v.value;
        if (v.value !== null) {
          out[`${name}@data.type`] = 'System.Guid';
          out[`${name}@odata.type`] = '#Guid';
        }
        break;
      case 'strings':
        out[`${name}@odata.type`] = '#Collection(String)';
        out[name] = v.value;
        break;
      case 'byteSize':
        out[name] = v.value === null ? null : formatByteSize(v.value);
        break;
      case 'unlimitedByteSize':
        out[name] = v.value === 'Unlimited' ? 'Unlimited' : formatByteSize(v.value);
        break;
      case 'unlimited':
        out[name] = v.value === 'Unlimited' ? 'Unlimited' : String(v.value);
        break;
      case 'timeSpan':
        out[name] = v.seconds === null ? null : formatTimeSpan(v.seconds);
        break;
      case 'rows':
        out[`${name}@odata.type`] = '#Collection(Exchange.GenericHashTable)';
        out[name] = v.value.map(serializeRow);
        break;
    }
  }
  return out;
}

/** `?$select=A,B`: keep the named properties and their annotation siblings. */
export function selectProperties(row: Record<string, unknown>, select: string[] | null): Record<string, unknown> {
  if (!select || select.length === 0) return row;
  const wanted = new Set(select.map((s) => s.trim().toLowerCase()).filter(Boolean));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const base = key.split('@')[0].toLowerCase();
    if (wanted.has(base)) out[key] = value;
  }
  return out;
}

/** The 200 envelope (§1.4): context, warnings (always), value, nextLink only when truncated. */
export function envelope(options: {
  contextUrl: string;
  rows: Record<string, unknown>[];
  warnings: string[];
  nextLink?: string;
  confirmationMessage?: string;
}): Record<string, unknown> {
  // (capture) 04-paging-truncated key order: context, nextLink, warnings pair, value.
  const body: Record<string, unknown> = { '@odata.context': options.contextUrl };
  if (options.nextLink) body['@odata.nextLink'] = options.nextLink;
  body['adminapi.warnings@odata.type'] = '#Collection(String)';
  body['@adminapi.warnings'] = options.warnings;
  // Not captured: where @adminapi.confirmationmessage sits (exo-captures INDEX gap 3).
  if (options.confirmationMessage !== undefined) body['@adminapi.confirmationmessage'] = options.confirmationMessage;
  body.value = options.rows;
  return body;
}
