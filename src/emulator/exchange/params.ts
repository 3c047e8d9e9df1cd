// Cmdlet parameters as the module sends them (reference §1.3): names case-insensitive,
// switches true/"true"/"True", CSVData as #Exchange.ByteArrayType, hashtables, Confirm.

import { badArgument, badEnum, missingParameter, unknownParameter } from './errors';

/** PowerShell's common parameters, accepted by every cmdlet and ignored. */
const COMMON = [
  'Confirm',
  'WhatIf',
  'ErrorAction',
  'WarningAction',
  'InformationAction',
  'ErrorVariable',
  'WarningVariable',
  'InformationVariable',
  'OutVariable',
  'OutBuffer',
  'PipelineVariable',
  'Verbose',
  'Debug',
];

export class Params {
  private readonly values = new Map<string, { name: string; value: unknown }>();

  constructor(raw: Record<string, unknown> | null | undefined, allowed: readonly string[], required: readonly string[] = []) {
    const canonical = new Map([...allowed, ...COMMON].map((n) => [n.toLowerCase(), n]));
    for (const [key, value] of Object.entries(raw ?? {})) {
      if (key.includes('@')) continue; // "<Param>@odata.type" annotations
      const name = canonical.get(key.toLowerCase());
      if (!name) throw unknownParameter(key);
      this.values.set(name.toLowerCase(), { name, value });
    }
    const missing = required.filter((r) => !this.present(r));
    if (missing.length) throw missingParameter(missing);
  }

  /** Given with a value (null/"" count as absent, as an empty Identity does). */
  present(name: string): boolean {
    const v = this.values.get(name.toLowerCase())?.value;
    return v !== undefined && v !== null && v !== '';
  }

  raw(name: string): unknown {
    return this.values.get(name.toLowerCase())?.value;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v === 'object' && !Array.isArray(v)) {
      // An identity passed as an object: take its name/identity.
      const o = v as Record<string, unknown>;
      for (const k of ['Identity', 'Name', 'Value', 'Guid']) if (typeof o[k] === 'string') return (o[k] as string).trim();
    }
    throw badArgument(name, `Cannot process argument transformation on parameter '${name}'. Cannot convert the value to type "System.String".`);
  }

  /** Switch: true / "true" / "True" / 1 apply it; absent = false. */
  switch(name: string): boolean {
    const v = this.raw(name);
    if (v === undefined || v === null) return false;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string') {
      if (/^(true|\$true|1)$/i.test(v.trim())) return true;
      if (/^(false|\$false|0|)$/i.test(v.trim())) return false;
    }
    throw badArgument(
      name,
      `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${String(v)}" to type "System.Management.Automation.SwitchParameter".`,
    );
  }

  int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) {
      throw badArgument(name, `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${String(v)}" to type "System.Int32".`);
    }
    if (n < min || n > max) {
      throw badArgument(
        name,
        `Cannot validate argument on parameter '${name}'. The ${n} argument is ${n < min ? 'less than the minimum' : 'greater than the maximum'} allowed range of ${n < min ? min : max}. Supply an argument that is ${n < min ? 'greater than or equal to ' + min : 'less than or equal to ' + max} and then try the command again.`,
      );
    }
    return n;
  }

  strings(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v];
    return items.map((x) => String(x).trim()).filter(Boolean);
  }

  enumValue<T extends string>(name: string, allowed: readonly T[], typeName: string): T | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const hit = allowed.find((a) => a.toLowerCase() === s.toLowerCase());
    if (!hit) throw badEnum(name, s, typeName, allowed);
    return hit;
  }

  /** byte[]: {"@odata.type":"#Exchange.ByteArrayType","Data":[ints]} (or base64 in Data, or a bare int array). */
  bytes(name: string): Buffer | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    const data = typeof v === 'object' && !Array.isArray(v) ? ((v as Record<string, unknown>).Data ?? (v as Record<string, unknown>).data) : v;
    if (Array.isArray(data)) {
      if (!data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
        throw badArgument(name, `Cannot process argument transformation on parameter '${name}'. Cannot convert the value to type "System.Byte[]".`);
      }
      return Buffer.from(data as number[]);
    }
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    throw badArgument(name, `Cannot process argument transformation on parameter '${name}'. Cannot convert the value to type "System.Byte[]".`);
  }

  /** ResultSize: "Unlimited" or a positive integer; default 1000. */
  resultSize(): number | 'Unlimited' {
    const v = this.raw('ResultSize');
    if (v === undefined || v === null || v === '') return 1000;
    if (typeof v === 'string' && /^\s*unlimited\s*$/i.test(v)) return 'Unlimited';
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isInteger(n) || n < 1) {
      throw badArgument(
        'ResultSize',
        `Cannot process argument transformation on parameter 'ResultSize'. Cannot convert value "${String(v)}" to type "Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]".`,
      );
    }
    return n;
  }
}

const UNIT: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Unlimited<ByteQuantifiedSize> as Set-Mailbox takes it: "150MB", "150 MB", bytes, "35 MB (36,700,160 bytes)", "Unlimited". */
export function parseByteQuantifiedSize(value: unknown): number | 'Unlimited' | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (/^unlimited$/i.test(s)) return 'Unlimited';
  const exact = /\(([\d,]+)\s*bytes\)\s*$/i.exec(s);
  if (exact) return Number(exact[1].replace(/,/g, ''));
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(s.replace(/,/g, ''));
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT[(m[2] ?? 'B').toUpperCase()]);
}
