// The PowerShell line equivalent to an InvokeCommand call. Every card shows it, so an
// admin can run or audit the same step by hand. Pure; never prints secret values.

export interface ToPowerShellOptions {
  /** File name shown for byte[] parameters (-CSVData); the admin's own upload name if known. */
  csvFileName?: string;
}

/** Parameter names whose values are never printed. */
const SECRET_NAME = /password|secret|credential|token|key$/i;

const REDACTED = "'********'";

/** Single-quoted PowerShell string: '' escapes a quote; curly quotes count as quotes in PowerShell. */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

function isBytes(value: unknown): value is Uint8Array {
  return Buffer.isBuffer(value) || value instanceof Uint8Array;
}

function formatValue(value: unknown, options: ToPowerShellOptions): string {
  if (isBytes(value)) {
    // The CSV holds IMAP passwords: show where it comes from, never its bytes.
    const file = options.csvFileName ?? 'migration.csv';
    return `([System.IO.File]::ReadAllBytes(${quotePowerShell(file)}))`;
  }
  if (typeof value === 'boolean') return value ? '$true' : '$false';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return quotePowerShell(value.toISOString());
  if (Array.isArray(value)) {
    if (value.length === 0) return '@()';
    const items = value.map((v) => formatValue(v, options));
    return items.length === 1 ? `@(${items[0]})` : items.join(',');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
    const body = entries.map(([k, v]) => `${safeName(k)}=${SECRET_NAME.test(k) ? REDACTED : formatValue(v, options)}`).join('; ');
    return `@{${body}}`;
  }
  return quotePowerShell(String(value));
}

/** Parameter and hashtable key names are identifiers; anything else is dropped to stay runnable. */
function safeName(name: string): string {
  return name.replace(/^-/, '').replace(/[^A-Za-z0-9_]/g, '');
}

/**
 * `Get-MigrationBatch -Identity 'pilot'`; switches as `-SyncNow`, false switches and
 * Confirm as `-Confirm:$false`; arrays as `'a','b'`; byte[] as a ReadAllBytes of the CSV file.
 * Undefined/null parameters are omitted (the REST client never sends them either).
 */
export function toPowerShell(cmdlet: string, parameters: Record<string, unknown> = {}, options: ToPowerShellOptions = {}): string {
  const parts = [safeCmdlet(cmdlet)];
  for (const [rawName, value] of Object.entries(parameters)) {
    if (value === undefined || value === null) continue;
    const name = safeName(rawName);
    if (!name) continue;
    if (typeof value === 'boolean') {
      parts.push(value ? `-${name}` : `-${name}:$false`);
      continue;
    }
    if (SECRET_NAME.test(name) && !isBytes(value)) {
      parts.push(`-${name} ${REDACTED}`);
      continue;
    }
    parts.push(`-${name} ${formatValue(value, options)}`);
  }
  return parts.join(' ');
}

function safeCmdlet(cmdlet: string): string {
  return cmdlet.replace(/[^A-Za-z0-9-]/g, '');
}
