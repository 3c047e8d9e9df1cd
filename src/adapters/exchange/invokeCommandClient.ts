import { randomUUID } from 'node:crypto';
import { ExchangeError, IncompleteListError } from '../../ports/exchange';
import type { TokenSource } from './tokenSource';
import type { Secret } from '../../domain/secret';
import { retryAfterMs } from '../../lib/retryAfter';
import { sleep as defaultSleep } from '../../lib/sleep';
import { errorText } from '../../lib/errorText';

// POST {base}/adminapi/beta/{tenant}/InvokeCommand, as the v3 module does it
// (reference §1.1–§1.5). The only way Cutover reaches Exchange, in production and
// against the local emulator alike.

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RetryEvent {
  cmdlet: string;
  attempt: number; // 1-based number of the attempt that failed
  status: number | null; // null = network error
  reason: string;
  delayMs: number;
}

export interface InvokeCommandClientOptions {
  /** https://outlook.office365.com in production; the emulator's URL locally. */
  baseUrl: string;
  tenantId: string;
  tokenSource: TokenSource;
  fetch?: FetchLike;
  /** Retries after the first attempt (429/503/504/408/transient/network). Default 5, as the module. */
  maxRetries?: number;
  /** Injected in tests so backoff costs nothing. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (event: RetryEvent) => void;
  /** Warnings other than "more results" (the module prints them as WARNING:). */
  onWarning?: (cmdlet: string, warning: string) => void;
  /** Default: the app-only system mailbox for the tenant (constant, so nextLink stays valid). */
  anchorMailbox?: string;
  /** First backoff step; doubles per retry (module: 2 s). */
  baseDelayMs?: number;
  /** Upper bound for one wait, Retry-After included. */
  maxDelayMs?: number;
  /** Per-request timeout (module: 960 s). */
  timeoutMs?: number;
  /** Jitter source, injectable for deterministic tests. */
  random?: () => number;
}

export interface InvokeOptions {
  resultSize?: number | 'Unlimited';
  select?: string[];
  /** Passwords among the parameters (the CSV's): masked in every error and warning text. */
  secrets?: readonly Secret[];
}

/** ConfirmImpact=High: the module would prompt; REST needs Confirm:false to act (§1.3). */
const CONFIRM_HIGH = new Set(
  ['Remove-MigrationBatch', 'Stop-MigrationBatch', 'Remove-MigrationUser', 'Complete-MigrationBatch', 'Remove-MigrationEndpoint'].map((c) => c.toLowerCase()),
);

/** Exchange's transient failures the module and ExoHelper retry (§1.5). */
const TRANSIENT_TEXT = /DCOverloadedException|ServerInMMException|StorageTransientException|maximum number of concurrent requests per tenant/i;

const MORE_RESULTS = /more results available|ResultSize/i;

/** Encode one parameter value the way the module's Transform-Parameters does. */
export function encodeParameterValue(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return { '@odata.type': '#Exchange.ByteArrayType', Data: Array.from(value as Uint8Array) };
  }
  if (value instanceof Date) {
    // UTC yyyy-MM-ddTHH:mm:ss
    return value.toISOString().slice(0, 19);
  }
  if (Array.isArray(value)) return value.map(encodeParameterValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = { '@odata.type': '#Exchange.GenericHashTable' };
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = encodeParameterValue(v);
    }
    return out;
  }
  return value;
}

export function encodeParameters(cmdlet: string, parameters: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawName, value] of Object.entries(parameters)) {
    const name = rawName.replace(/^-/, '');
    if (value === undefined || value === null) continue;
    // A null/empty Identity makes Get-* return everything (§1.3): never send it.
    if (name.toLowerCase() === 'identity' && typeof value === 'string' && value.trim() === '') continue;
    out[name] = encodeParameterValue(value);
  }
  if (CONFIRM_HIGH.has(cmdlet.toLowerCase()) && !Object.keys(out).some((k) => k.toLowerCase() === 'confirm')) {
    out.Confirm = false;
  }
  return out;
}

/**
 * Values that must never surface in an error text: the passwords of the CSV rows we send
 * (the caller hands them over as Secrets). Exchange may quote a CSV row back in a validation error.
 */
function secretTexts(secrets: readonly Secret[] = []): string[] {
  const out = secrets.map((s) => s.reveal()).filter((s) => s.length > 0);
  // Longest first so a password containing another is fully masked.
  return out.sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('********');
  return out;
}

interface ParsedError {
  code: string;
  message: string;
  errorId: string | null;
  exceptionType: string | null;
}

/** `ErrorId|ExceptionType|Text` (details[0].message) → parts (the ErrorId may be empty, as in the captured
 * unknown-parameter 400); anything else → text only. */
function splitDetail(message: string): { errorId: string | null; exceptionType: string | null; text: string } {
  const parts = message.split('|');
  if (parts.length >= 3 && /^[A-Za-z0-9]*$/.test(parts[0].trim()) && /^[\w.`+]+\.[\w`+]+$/.test(parts[1].trim())) {
    return { errorId: parts[0].trim() || null, exceptionType: parts[1].trim(), text: parts.slice(2).join('|').trim() };
  }
  return { errorId: null, exceptionType: null, text: message.trim() };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** What a cmdlet's noun is called in an admin's words. */
function objectNoun(cmdlet: string): string {
  const noun = cmdlet.replace(/^[A-Za-z]+-/, '').toLowerCase();
  const names: Record<string, string> = {
    migrationbatch: 'migration batch',
    migrationuser: 'migration user',
    migrationuserstatistics: 'migration user',
    migrationendpoint: 'migration endpoint',
    syncrequest: 'sync request',
    syncrequeststatistics: 'sync request',
    mailbox: 'mailbox',
    mailboxpermission: 'mailbox',
    serviceprincipal: 'service principal',
  };
  return names[noun] ?? 'object';
}

/**
 * A not-found in plain words. Exchange's own text names a domain controller
 * (`…couldn't be found on 'XYZ.PROD.OUTLOOK.COM'`) or is only a generic exception name.
 */
function notFoundText(cmdlet: string, exchangeText: string | null): string {
  const quoted =
    /object\s+(?:#\s*)?'([^']*)'\s+couldn't be found/.exec(exchangeText ?? '')?.[1] ??
    /migration batch "([^"]+)" can't be found/.exec(exchangeText ?? '')?.[1] ??
    null;
  const noun = objectNoun(cmdlet);
  return quoted ? `Not found: Exchange Online has no ${noun} '${quoted}'.` : `Not found: Exchange Online has no such ${noun} (${cmdlet}).`;
}

/** The fix for a 403, shown to the admin as is. */
export const FORBIDDEN_FIX =
  "Fix: in the Entra admin center, assign the Exchange Administrator role to Cutover's app (Roles and administrators), " +
  'and under App registrations > API permissions add Office 365 Exchange Online > Application > Exchange.ManageAsApp ' +
  'and grant admin consent. Changes can take up to an hour to reach Exchange.';

/**
 * Turn an error response into Exchange's own reason (§1.5), never crashing on a body that
 * cannot be read (`body` null: undecodable, e.g. NUL bytes declared as gzip).
 */
export function parseErrorBody(
  status: number,
  statusText: string,
  body: string | null,
  cmdlet: string,
  headers?: { get(name: string): string | null },
): ParsedError {
  const exceptionHeader = str(headers?.get('x-exceptiontype') ?? null);
  let json: unknown;
  try {
    json = body === null ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  const err = (json as { error?: Record<string, unknown> } | undefined)?.error;
  if (status === 403 && !(err && typeof err === 'object' && (str(err.message) || Array.isArray(err.details)))) {
    // Captured: a run of NUL bytes (declared as gzip), not JSON. The reason, if any, is in X-ExceptionType.
    return {
      code: 'Forbidden',
      message:
        `Cutover's app lacks the Exchange Administrator role or Exchange.ManageAsApp: Exchange refused ${cmdlet} (403` +
        `${exceptionHeader ? `, ${exceptionHeader}` : ''}). ${FORBIDDEN_FIX}`,
      errorId: null,
      exceptionType: exceptionHeader,
    };
  }
  if (err && typeof err === 'object') {
    const code = str(err.code) ?? (statusText || String(status));
    const details = Array.isArray(err.details) ? (err.details as Array<Record<string, unknown>>) : [];
    const detail = str(details[0]?.message);
    let inner = err.innererror as Record<string, unknown> | undefined;
    // innererror → internalexception chain: the deepest message is the cause (400s carry no details).
    let innerMessage: string | null = null;
    let innerType: string | null = null;
    while (inner && typeof inner === 'object') {
      innerMessage = str(inner.message) ?? innerMessage;
      innerType = str(inner.type) ?? innerType;
      inner = inner.internalexception as Record<string, unknown> | undefined;
    }
    // On a 404 the internalexception is only "Exception of type '…DirectInvokeCmdletExecutionException' was thrown."
    const generic = innerMessage !== null && /^Exception of type '[^']+' was thrown\.?$/.test(innerMessage);
    const chosen = detail ?? (generic ? null : innerMessage) ?? str(err.message) ?? `${cmdlet} failed (${status})`;
    const parts = splitDetail(chosen);
    const exceptionType = parts.exceptionType ?? (detail ? null : generic ? null : innerType);
    const isNotFound = status === 404 || code === 'NotFound' || /ManagementObjectNotFoundException/.test(exceptionType ?? '');
    // innererror.type is the OData wrapper (ODataServiceException), never the cause.
    return {
      code,
      message: isNotFound ? notFoundText(cmdlet, detail ? parts.text : null) : parts.text,
      errorId: parts.errorId,
      exceptionType: exceptionType === 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' ? null : exceptionType,
    };
  }
  if (status === 404) {
    // Not JSON (a proxy's page, a console-wrapped copy): still a not-found, named if the text names it.
    return { code: 'NotFound', message: notFoundText(cmdlet, body), errorId: null, exceptionType: null };
  }
  // HTML or text (auth failures, front-door errors): a short, tag-free excerpt.
  const raw = body ?? '';
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1];
  const text = (title ?? raw.replace(/<[^>]*>/g, ' '))
    .replace(/[\u0000-\u0008\u000e-\u001f]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  if (status === 401) {
    return {
      code: 'Unauthorized',
      message:
        `Exchange rejected the token for ${cmdlet} (401${text ? `: ${text}` : ''}): the app needs the ` +
        `Exchange.ManageAsApp application permission with admin consent, and a token for https://outlook.office365.com.`,
      errorId: null,
      exceptionType: null,
    };
  }
  return {
    code: statusText || String(status),
    message: text
      ? `${cmdlet} failed (${status}): ${text}`
      : `${cmdlet} failed (${status} ${statusText})${body === null ? ': Exchange sent a body that could not be read' : ''}`.trim(),
    errorId: null,
    exceptionType: null,
  };
}

interface Page {
  value: Record<string, unknown>[];
  nextLink: string | null;
  warnings: string[];
  errors: string[];
}

export class InvokeCommandClient {
  private readonly url: string;
  private readonly fetchFn: FetchLike;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly anchorMailbox: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly options: InvokeCommandClientOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    this.url = `${base}/adminapi/beta/${encodeURIComponent(options.tenantId)}/InvokeCommand`;
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
    this.maxRetries = options.maxRetries ?? 5;
    this.sleep = options.sleep ?? defaultSleep;
    this.anchorMailbox = options.anchorMailbox ?? `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${options.tenantId}`;
    this.baseDelayMs = options.baseDelayMs ?? 2000;
    this.maxDelayMs = options.maxDelayMs ?? 120_000;
    this.timeoutMs = options.timeoutMs ?? 960_000;
    this.random = options.random ?? Math.random;
  }

  /** Run one cmdlet; resolves every row across pages, or throws ExchangeError. */
  async invoke(cmdletName: string, parameters: Record<string, unknown> = {}, options: InvokeOptions = {}): Promise<Record<string, unknown>[]> {
    const params = { ...parameters };
    if (options.resultSize !== undefined) params.ResultSize = options.resultSize;
    const secrets = secretTexts(options.secrets);
    const body = JSON.stringify({
      CmdletInput: { CmdletName: cmdletName, Parameters: encodeParameters(cmdletName, params) },
    });
    const pageSize = typeof options.resultSize === 'number' ? Math.max(1, Math.min(options.resultSize, 1000)) : 1000;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-AnchorMailbox': this.anchorMailbox,
      Prefer: `odata.maxpagesize=${pageSize}`,
      'X-CmdletName': cmdletName,
      'X-ResponseFormat': 'json',
    };
    let url = this.url;
    if (options.select?.length) url += `?$select=${options.select.map(encodeURIComponent).join(',')}`;

    const rows: Record<string, unknown>[] = [];
    let page = await this.post(cmdletName, url, body, headers, secrets, false);
    for (;;) {
      rows.push(...page.value);
      if (page.errors.length) {
        // Non-terminating errors: part of the work failed; never report it as done.
        throw new ExchangeError(redact(page.errors[0], secrets), cmdletName, 200, 'NonTerminatingError', null, null);
      }
      if (typeof options.resultSize === 'number' && rows.length >= options.resultSize) {
        return rows.slice(0, options.resultSize);
      }
      if (!page.nextLink) break;
      const next = page.nextLink;
      if (!this.sameOrigin(next)) {
        // Never send the token to a host the base URL does not name (a nextLink is data from the wire).
        throw new IncompleteListError(
          `${cmdletName} returned ${rows.length} rows, then named a next page on another host (${safeOrigin(next)}); ` +
            'Cutover did not follow it. Results are incomplete.',
          cmdletName,
          200,
          null,
          rows.length,
          rows.slice(),
        );
      }
      try {
        page = await this.post(cmdletName, next, body, headers, secrets, true);
      } catch (e) {
        const reason = errorText(e);
        const status = e instanceof ExchangeError ? e.httpStatus : 0;
        // Not a not-found: a 404 on a continuation must not make a Get look empty.
        throw new IncompleteListError(
          `${cmdletName} returned ${rows.length} rows, then the next page failed: ${reason}. Results are incomplete.`,
          cmdletName,
          status === 404 ? 0 : status,
          e instanceof ExchangeError ? e.errorId : null,
          rows.length,
          rows.slice(),
        );
      }
    }
    const more = page.warnings.find((w) => MORE_RESULTS.test(w));
    if (more) {
      throw new IncompleteListError(
        `${cmdletName} returned ${rows.length} rows but Exchange says more exist ("${more}"). Results are incomplete.`,
        cmdletName,
        200,
        null,
        rows.length,
        rows.slice(),
      );
    }
    for (const w of page.warnings) this.options.onWarning?.(cmdletName, redact(w, secrets));
    return rows;
  }

  private async post(cmdlet: string, url: string, body: string, baseHeaders: Record<string, string>, secrets: string[], continuation: boolean): Promise<Page> {
    let refreshed = false;
    let forceRefresh = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.options.tokenSource.getToken(forceRefresh ? { forceRefresh: true } : undefined);
      forceRefresh = false;
      const headers = { ...baseHeaders, Authorization: `Bearer ${token}`, 'client-request-id': randomUUID() };
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        // Connection reset/refused, timeouts: transient from our side of the wire.
        const reason = networkReason(e);
        if (attempt <= this.maxRetries) {
          await this.wait(cmdlet, attempt, null, reason, this.backoff(attempt));
          continue;
        }
        throw new ExchangeError(`${cmdlet}: could not reach Exchange (${reason})`, cmdlet, 0, 'NetworkError', null, null);
      }
      // A body can be undecodable (the captured 403 is NUL bytes declared as gzip: reading it throws
      // "TypeError: terminated"). That must become an answer, never a crash.
      let text: string | null;
      try {
        text = await res.text();
      } catch {
        text = null;
      }
      if (res.ok) {
        if (text === null) {
          throw new ExchangeError(
            `${cmdlet}: Exchange answered ${res.status} with a body that could not be read`,
            cmdlet,
            res.status,
            'InvalidResponse',
            null,
            null,
          );
        }
        return this.parsePage(cmdlet, res.status, text, secrets, continuation);
      }

      if (res.status === 401 && !refreshed) {
        refreshed = true;
        forceRefresh = true;
        this.options.onRetry?.({ cmdlet, attempt, status: 401, reason: 'token rejected; refreshing', delayMs: 0 });
        continue;
      }
      const transient = res.status === 429 || res.status === 503 || res.status === 504 || res.status === 408 || TRANSIENT_TEXT.test(text ?? '');
      if (transient && attempt <= this.maxRetries) {
        const hinted = res.status === 429 ? retryAfterMs(res.headers.get('retry-after'), Date.now()) : null;
        const delay = hinted !== null ? Math.min(hinted, this.maxDelayMs) : this.backoff(attempt);
        const reason = res.status === 429 ? 'throttled' : (TRANSIENT_TEXT.exec(text ?? '')?.[0] ?? `HTTP ${res.status}`);
        await this.wait(cmdlet, attempt, res.status, reason, delay);
        continue;
      }
      const parsed = parseErrorBody(res.status, res.statusText, text, cmdlet, res.headers);
      throw new ExchangeError(redact(parsed.message, secrets), cmdlet, res.status, parsed.code, parsed.errorId, parsed.exceptionType);
    }
  }

  private parsePage(cmdlet: string, status: number, text: string, secrets: string[], continuation: boolean): Page {
    let json: Record<string, unknown>;
    try {
      json = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      throw new ExchangeError(
        `${cmdlet}: Exchange answered ${status} with a body that is not JSON${continuation ? ' on a continuation page' : ''}`,
        cmdlet,
        status,
        'InvalidResponse',
        null,
        null,
      );
    }
    const value = Array.isArray(json.value)
      ? (json.value as Record<string, unknown>[])
      : // Some single-object answers are bare objects; an empty body means no rows.
        Object.keys(json).some((k) => !k.startsWith('@') && !k.includes('@'))
        ? [json]
        : [];
    const nextLink = str(json['@odata.nextLink']) ?? str(json['odata.nextLink']);
    const warnings = toTexts(json['@adminapi.warnings']);
    const errors = toTexts(json['@adminapi.errors']).map((e) => redact(e, secrets));
    return { value, nextLink, warnings, errors };
  }

  private sameOrigin(link: string): boolean {
    try {
      return new URL(link, this.url).origin === new URL(this.url).origin;
    } catch {
      return false;
    }
  }

  private backoff(attempt: number): number {
    // 2 s · 2^(n-1) with ±25% jitter, as the module (2 s·2^n) but spread across callers.
    const base = this.baseDelayMs * 2 ** (attempt - 1);
    const jittered = base * (0.75 + this.random() * 0.5);
    return Math.min(Math.round(jittered), this.maxDelayMs);
  }

  private async wait(cmdlet: string, attempt: number, status: number | null, reason: string, delayMs: number) {
    this.options.onRetry?.({ cmdlet, attempt, status, reason, delayMs });
    await this.sleep(delayMs);
  }
}

function toTexts(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((x) => {
      if (typeof x === 'string') return x;
      if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        return str(o.message) ?? str(o.Message) ?? str(o.ErrorDetails) ?? JSON.stringify(x);
      }
      return String(x);
    })
    .filter((s) => s.trim() !== '');
}

/** The host part of a link, for a message (never its query: a skiptoken is opaque). */
function safeOrigin(link: string): string {
  try {
    return new URL(link).origin;
  } catch {
    return 'an unreadable link';
  }
}

function networkReason(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
    if (e.name === 'TimeoutError') return 'timed out';
    return cause?.code ?? cause?.message ?? e.message;
  }
  return String(e);
}
