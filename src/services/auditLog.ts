import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { isConflict, KeyValueStore } from '../ports/store';
import { sleep } from '../lib/sleep';

/** Who did something: the Teams user (AAD object id) and their display name. */
export interface Actor {
  id: string;
  name?: string;
}

export type AuditResult = 'ok' | 'failed' | 'refused';

export interface AuditInput {
  actor: Actor;
  /** What was asked, in Exchange's words where there are some: "New-MigrationBatch", "Start-MigrationBatch". */
  action: string;
  /** The batch, endpoint or migration user acted on. */
  target?: string;
  result: AuditResult;
  detail?: string;
}

export interface AuditEntry extends AuditInput {
  id: string;
  /** ISO-8601 UTC. */
  at: string;
}

const PREFIX = 'audit/';
/** Entries per stored bucket; a busy day rolls over to the next part. */
const PART_SIZE = 500;
const MAX_DETAIL = 2000;
const MAX_FIELD = 300;
const REDACTED = '[redacted]';

/**
 * Append-only record of what admins did, in the shared store so every instance
 * writes to and reads from the same log. Day buckets (`audit/<yyyy-mm-dd>/<part>`)
 * are appended with eTag-checked writes, retried on conflict.
 * A full part's successor is created only by the writer whose (eTag-checked) append
 * filled it. Known limit: the first write of a day is unconditional (the store
 * contract has no create-if-absent), so two instances writing a day's very first
 * entry in the same few milliseconds could lose one of them.
 */
export class AuditLog {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly partHint = new Map<string, number>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly options: { lookbackDays?: number; partSize?: number } = {},
  ) {}

  private get partSize(): number {
    return this.options.partSize ?? PART_SIZE;
  }

  /** Appends one entry (scrubbed of anything password-like) and resolves once it is stored. */
  async record(input: AuditInput): Promise<AuditEntry> {
    const entry = this.toEntry(input);
    // One append at a time per instance: in-process racers would only burn conflict retries.
    const run = this.queue.then(() => this.append(entry));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The newest `limit` entries, newest first. */
  async recent(limit = 50): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const lookback = this.options.lookbackDays ?? 90;
    const today = startOfUtcDay(this.clock.now());
    const CHUNK = 31;
    for (let offset = 0; offset < lookback && out.length < limit; offset += CHUNK) {
      const days: string[] = [];
      for (let i = offset; i < Math.min(offset + CHUNK, lookback); i++) {
        days.push(dayOf(new Date(today - i * 86_400_000)));
      }
      const firstParts = await this.store.read(days.map((d) => partKey(d, 0)));
      for (const day of days) {
        const first = firstParts[partKey(day, 0)] as Bucket | undefined;
        if (!first) continue;
        const parts: Bucket[] = [first];
        for (let p = 1; parts[parts.length - 1].entries.length >= this.partSize; p++) {
          const next = (await this.store.read([partKey(day, p)]))[partKey(day, p)] as Bucket | undefined;
          if (!next) break;
          parts.push(next);
        }
        const entries = parts.flatMap((b) => b.entries);
        for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) out.push(entries[i]);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  private toEntry(input: AuditInput): AuditEntry {
    if (!input || !input.actor || typeof input.actor.id !== 'string' || !input.actor.id) {
      throw new Error('Audit entry needs an actor id.');
    }
    if (!input.action) throw new Error('Audit entry needs an action.');
    if (!['ok', 'failed', 'refused'].includes(input.result)) {
      throw new Error(`Audit entry result must be ok, failed or refused, not ${String(input.result)}.`);
    }
    const entry: AuditEntry = {
      id: randomBytes(9).toString('base64url'),
      at: this.clock.now().toISOString(),
      actor: { id: clip(redactSecrets(input.actor.id), MAX_FIELD) },
      action: clip(redactSecrets(input.action), MAX_FIELD),
      result: input.result,
    };
    if (input.actor.name !== undefined) entry.actor.name = clip(redactSecrets(input.actor.name), MAX_FIELD);
    if (input.target !== undefined) entry.target = clip(redactSecrets(input.target), MAX_FIELD);
    if (input.detail !== undefined) entry.detail = clip(redactSecrets(input.detail), MAX_DETAIL);
    return entry;
  }

  private async append(entry: AuditEntry): Promise<AuditEntry> {
    const day = entry.at.slice(0, 10);
    let part = this.partHint.get(day) ?? 0;
    let waitedForPart = 0;
    for (let attempt = 1; ; attempt++) {
      const key = partKey(day, part);
      const found = (await this.store.read([key]))[key] as (Bucket & { eTag?: string }) | undefined;
      if (found && found.entries.length >= this.partSize) {
        part++;
        continue;
      }
      if (!found && part > 0 && waitedForPart < 40) {
        // The writer that filled the previous part creates this one; wait for it rather
        // than racing it with an unconditional create. After ~2 s assume it died.
        waitedForPart++;
        await sleep(50);
        continue;
      }
      const entries = [...(found?.entries ?? []), entry];
      try {
        await this.store.write({ [key]: found?.eTag ? { entries, eTag: found.eTag } : { entries } });
      } catch (err) {
        if (!isConflict(err) || attempt >= 50) throw err;
        await sleep(Math.floor(Math.random() * 10 * Math.min(attempt, 10)));
        continue;
      }
      if (entries.length >= this.partSize) {
        // Our eTag-checked write filled this part, so only we create the next one.
        await this.store.write({ [partKey(day, part + 1)]: { entries: [] } });
      }
      this.partHint.set(day, part);
      if (this.partHint.size > 3) this.partHint.delete(this.partHint.keys().next().value as string);
      return entry;
    }
  }
}

interface Bucket {
  entries: AuditEntry[];
}

function partKey(day: string, part: number): string {
  return `${PREFIX}${day}/${part}`;
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function startOfUtcDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

// A secret-looking name, then := (JSON, key=value, "Password: x"), then the value.
const SECRET_NAME = String.raw`(?:pass(?:word|wd|phrase)|pwd|secret|api_?key|token)`;
const KEY_VALUE = new RegExp(String.raw`(${SECRET_NAME}["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&"'}\]]+)`, 'gi');
// Object fields whose name ends like a secret's ("Password", "imapPassword", "clientSecret").
const SECRET_KEY = /(pass(word|wd|phrase)|pwd|secret|api_?key|token)$/i;

/**
 * Scrubs anything that looks like a password from free text: `Password=x`,
 * `"Password": "x"`, `password: x`, and the Password column of any migration CSV
 * rows (header `EmailAddress,UserName,Password`) pasted into the text.
 */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string') return text;
  let out = text.replace(KEY_VALUE, (_m, name: string, value: string) => {
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
    return `${name}${quote}${REDACTED}${quote}`;
  });
  if (/[\r\n]/.test(out)) out = redactCsvPasswordColumn(out);
  return out;
}

/** Deep copy of `value` with secret-named fields replaced and strings scrubbed. */
export function redactObject<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (depth > 20) return REDACTED;
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === 'object') {
    if (Buffer.isBuffer(value) || value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Counts and flags such as `rowsWithoutPassword: 2` stay useful; strings and objects go.
      const secret = SECRET_KEY.test(k) && ((typeof v === 'string' && v !== '') || (typeof v === 'object' && v !== null));
      out[k] = secret ? REDACTED : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

function redactCsvPasswordColumn(text: string): string {
  const lines = text.split(/(\r?\n)/);
  let column = -1;
  let delimiter = ',';
  for (let i = 0; i < lines.length; i += 2) {
    const line = lines[i];
    const delim = line.includes(';') && !line.includes(',') ? ';' : line.includes('\t') && !line.includes(',') ? '\t' : ',';
    const cells = line.split(delim);
    const header = cells.findIndex((c) => /^\s*"?\s*password\s*"?\s*$/i.test(c));
    if (header >= 0 && cells.length > 1) {
      column = header;
      delimiter = delim;
      continue;
    }
    if (column < 0) continue;
    const row = line.split(delimiter);
    if (row.length <= column) {
      if (line.trim() === '') column = -1; // a blank line ends the CSV
      continue;
    }
    // Everything from the Password column on: a password may itself hold the delimiter.
    lines[i] = [...row.slice(0, column), REDACTED].join(delimiter);
  }
  return lines.join('');
}
