// Microsoft Graph through the Graph SDK (@microsoft/microsoft-graph-client): its middleware
// chain carries every request (RetryHandler -> OriginBoundAuthHandler -> TelemetryHandler ->
// CountingHandler -> HTTPMessageHandler, see middleware.ts), $batch bodies are built and read by
// its BatchRequestContent / BatchResponseContent, lists are read with its PageIterator.
// Production uses an app-only token (MSAL, Graph scope); local mode the Graph emulator, on the
// same code path with another base URL.
// Throttling (reference §5): 429 with Retry-After (seconds, may be fractional) on the whole
// request or on single $batch items. The RetryHandler waits and resends whole requests; it cannot
// see items inside a $batch answered 200, so the batch loop below resends only the throttled
// items, first in the next batch, which keeps the number of requests near items / 20.
// Tokens stay home: the token goes only to the base URL's origin, and a @odata.nextLink to any
// other origin is not followed (the list is reported incomplete instead).

import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphClientError,
  GraphError as SdkGraphError,
  HTTPMessageHandler,
  PageIterator,
  RetryHandler,
  TelemetryHandler,
  type BatchResponseBody,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { retryAfterMs } from '../../lib/retryAfter';
import { sleep as defaultSleep } from '../../lib/sleep';
import type { TokenSource } from '../exchange/tokenSource';
import {
  GraphError,
  type GraphBatchRequest,
  type GraphBatchResponse,
  type GraphItemWithProps,
  type GraphLicenseDetail,
  type GraphPort,
  type GraphRequestStats,
  type GraphUser,
} from '../../ports/graph';
import { boundedRetryOptions, CountingHandler, OriginBoundAuthHandler, originOf, TokenSourceAuthProvider } from './middleware';

export interface GraphClientOptions {
  /** https://graph.microsoft.com or the emulator's base URL; /v1.0 is added. */
  baseUrl: string;
  /** Where the bearer token comes from; absent: no token (an emulator that needs none). */
  tokenSource?: TokenSource;
  /** Attempts per request or batch item before giving up (default 6, at most 11). */
  maxAttempts?: number;
  /** Longest wait Cutover accepts from one Retry-After (default 60 s). */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  onRetry?: (e: { status: number; waitMs: number; attempt: number; what: string }) => void;
  /** How the batch loop waits before resending throttled items. */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BATCH = 20;
// A server that keeps handing out nextLinks must not keep Cutover busy for ever.
const MAX_PAGES = 500;
// Graph's advice without a Retry-After: back off, starting around a second.
const BASE_DELAY_SECONDS = 1;

function odataQuote(s: string): string {
  return s.replace(/'/g, "''");
}

export class GraphClient implements GraphPort {
  private readonly client: Client;
  private readonly base: URL;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly maxWaitMs: number;
  private readonly counters: GraphRequestStats = { requests: 0, throttled: 0 };

  constructor(private readonly o: GraphClientOptions) {
    const baseUrl = o.baseUrl.replace(/\/+$/, '');
    if (!originOf(baseUrl)) throw new Error(`The Graph base URL must be an absolute http(s) URL, not "${o.baseUrl}".`);
    this.base = new URL(baseUrl);
    this.sleep = o.sleep ?? ((ms) => defaultSleep(ms));
    // The SDK's RetryHandler allows at most 10 retries.
    this.maxAttempts = Math.min(Math.max(1, o.maxAttempts ?? 6), 11);
    this.maxWaitMs = o.maxRetryAfterMs ?? 60_000;
    const retry = boundedRetryOptions(BASE_DELAY_SECONDS, this.maxAttempts - 1, this.maxWaitMs / 1000, (_delay, retried, request, options, response) => {
      const url = typeof request === 'string' ? request : request.url;
      const waitMs = Math.min(retryAfterMs(response.headers.get('retry-after')) ?? BASE_DELAY_SECONDS * 1000, this.maxWaitMs);
      this.o.onRetry?.({ status: response.status, waitMs, attempt: retried + 1, what: `${options?.method ?? 'GET'} ${new URL(url).pathname}` });
      // The RetryHandler only reads the headers of the answer it replaces; free its connection.
      response.body?.cancel().catch(() => undefined);
      return true;
    });
    this.client = Client.initWithMiddleware({
      baseUrl,
      defaultVersion: 'v1.0',
      fetchOptions: { headers: { Accept: 'application/json' } },
      middleware: [
        new RetryHandler(retry),
        new OriginBoundAuthHandler(baseUrl, o.tokenSource ? new TokenSourceAuthProvider(o.tokenSource) : null),
        new TelemetryHandler(),
        new CountingHandler(this.counters, o.timeoutMs ?? 60_000),
        new HTTPMessageHandler(),
      ],
    });
  }

  stats(): GraphRequestStats {
    return { ...this.counters };
  }

  /** Runs one SDK call and turns its errors into the port's GraphError (or a plain Error when Graph was not reached). */
  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw toPortError(e);
    }
  }

  async getUser(idOrUpn: string): Promise<GraphUser | null> {
    try {
      const r = await this.send(() => this.client.api(`/users/${encodeURIComponent(idOrUpn)}?$select=id,userPrincipalName,mail,displayName`).get());
      return pickUser(r);
    } catch (e) {
      if (e instanceof GraphError && e.httpStatus === 404) return null;
      throw e;
    }
  }

  async findUserByMail(mail: string): Promise<GraphUser | null> {
    const filter = encodeURIComponent(`mail eq '${odataQuote(mail)}'`);
    const r = await this.send(() => this.client.api(`/users?$filter=${filter}&$select=id,userPrincipalName,mail,displayName`).get());
    const first = (Array.isArray(r?.value) ? r.value : [])[0];
    return first ? pickUser(first) : null;
  }

  async licenseDetails(userId: string): Promise<GraphLicenseDetail[]> {
    return (await this.all(`/users/${encodeURIComponent(userId)}/licenseDetails`)) as GraphLicenseDetail[];
  }

  async listWithProperty(userId: string, collection: 'contacts' | 'events', propertyId: string): Promise<GraphItemWithProps[]> {
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${odataQuote(propertyId)}')`);
    // $top=1000 is the largest page Outlook resources give: one request per 1,000 items.
    return (await this.all(`/users/${encodeURIComponent(userId)}/${collection}?$select=id&$top=1000&$expand=${expand}`)) as GraphItemWithProps[];
  }

  /**
   * Every item of a collection, all pages, with the SDK's PageIterator. The iterator follows
   * @odata.nextLink through `client.api(link)`, so the client it gets is a guard that checks each
   * link before any connection: only the base URL's origin (and path) is followed, at most
   * MAX_PAGES pages; otherwise the list is incomplete and this says so rather than return part.
   */
  private async all(path: string): Promise<unknown[]> {
    const out: unknown[] = [];
    let pages = 1;
    const first = asPage(await this.send(() => this.client.api(path).get()));
    const guard = {
      api: (link: string) => {
        if (++pages > MAX_PAGES) throw incomplete(`Microsoft Graph kept handing out next pages (more than ${MAX_PAGES})`, out.length);
        const next = this.sameBase(link);
        if (!next)
          throw incomplete(
            `Microsoft Graph's next page link points to ${originOf(link) ?? 'an address that is not a URL'}, not to ${this.base.origin}, so Cutover did not follow it`,
            out.length,
          );
        return { get: async () => asPage(await this.client.api(next.path).version(next.version).get()) };
      },
    };
    // The guard has the one Client method PageIterator uses (api(link).get()).
    const pager = new PageIterator(guard as unknown as Client, first, (item) => {
      out.push(item);
      return true;
    });
    await this.send(() => pager.iterate());
    if (!pager.isComplete()) throw incomplete('Microsoft Graph stopped before the last page', out.length);
    return out;
  }

  /** A nextLink on the base URL's origin and path, split for the SDK (version, path and query); else null. */
  private sameBase(link: string): { version: string; path: string } | null {
    if (originOf(link) !== this.base.origin) return null;
    const u = new URL(link);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    if (!u.pathname.startsWith(`${prefix}/`)) return null;
    const m = /^\/([^/]+)(\/.*)$/.exec(u.pathname.slice(prefix.length));
    return m ? { version: m[1], path: `${m[2]}${u.search}` } : null;
  }

  async batch(requests: GraphBatchRequest[], options: { onProgress?: (done: number, total: number) => void } = {}): Promise<GraphBatchResponse[]> {
    const final = new Map<string, GraphBatchResponse>();
    const byId = new Map(requests.map((r) => [r.id, r]));
    if (byId.size !== requests.length) throw new Error('batch request ids must be unique');
    let queue = [...requests];
    const attempts = new Map<string, number>();
    while (queue.length > 0) {
      const chunk = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      const content = new BatchRequestContent(
        chunk.map((q) => ({
          id: q.id,
          // BatchRequestContent keeps the path and query after the origin: the URL relative to the version root.
          request: new Request(new URL(q.url.replace(/^\/*/, '/'), this.base.origin), {
            method: q.method,
            ...(q.body !== undefined && q.method !== 'GET' ? { body: JSON.stringify(q.body), headers: { 'Content-Type': 'application/json' } } : {}),
          }),
        })),
      );
      const body = await content.getContent();
      const raw = await this.send(() => this.client.api('/$batch').post(body));
      const answers = new BatchResponseContent(forResponseContent(raw, new Set(chunk.map((q) => q.id))));
      let wait = 0;
      const retry: GraphBatchRequest[] = [];
      for (const q of chunk) {
        const res = answers.getResponseById(q.id);
        // An item the server never answered counts as failed rather than silently lost.
        if (!res) {
          final.set(q.id, { id: q.id, status: 0, body: { error: { code: 'NoResponse', message: 'The batch answer had no response for this request.' } } });
          continue;
        }
        const n = (attempts.get(q.id) ?? 0) + 1;
        attempts.set(q.id, n);
        if (res.status === 429) this.counters.throttled++;
        if ((res.status === 429 || res.status === 503) && n < this.maxAttempts) {
          await res.body?.cancel();
          const advised = retryAfterMs(res.headers.get('retry-after'));
          wait = Math.max(wait, Math.min(advised ?? Math.min(2 ** n * 250, 8000), this.maxWaitMs));
          retry.push(q);
        } else final.set(q.id, { id: q.id, status: res.status, body: await readBody(res) });
      }
      options.onProgress?.(final.size, requests.length);
      if (retry.length > 0) {
        this.o.onRetry?.({
          status: 429,
          waitMs: wait,
          attempt: Math.max(...retry.map((q) => attempts.get(q.id) ?? 1)),
          what: `$batch (${retry.length} items)`,
        });
        await this.sleep(wait);
        // Throttled items go first in the next batch, so the count of batches stays minimal.
        queue = [...retry, ...queue];
      }
    }
    return requests.map((q) => final.get(q.id)!);
  }

  async isAppInstalled(userId: string, teamsAppId: string): Promise<boolean> {
    const filter = encodeURIComponent(`teamsAppDefinition/teamsAppId eq '${odataQuote(teamsAppId)}'`);
    const r = await this.send(() =>
      this.client.api(`/users/${encodeURIComponent(userId)}/teamwork/installedApps?$expand=teamsAppDefinition&$filter=${filter}`).get(),
    );
    return (Array.isArray(r?.value) ? r.value : []).length > 0;
  }

  async installApp(userId: string, teamsAppId: string): Promise<void> {
    try {
      await this.send(() =>
        this.client.api(`/users/${encodeURIComponent(userId)}/teamwork/installedApps`).post({
          'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${teamsAppId}`,
        }),
      );
    } catch (e) {
      // Already there is what we wanted.
      if (e instanceof GraphError && e.httpStatus === 409) return;
      throw e;
    }
  }
}

function pickUser(raw: unknown): GraphUser {
  const b = (raw ?? {}) as Record<string, unknown>;
  return {
    id: String(b.id),
    userPrincipalName: String(b.userPrincipalName ?? ''),
    mail: typeof b.mail === 'string' ? b.mail : null,
    displayName: String(b.displayName ?? ''),
  };
}

/** A list page as PageIterator needs it: a `value` array, a nextLink only when it is a string. */
function asPage(page: unknown): PageCollection {
  const p = (page ?? {}) as Record<string, unknown>;
  const next = p['@odata.nextLink'];
  return { value: Array.isArray(p.value) ? p.value : [], ...(typeof next === 'string' ? { '@odata.nextLink': next } : {}) };
}

function incomplete(why: string, read: number): GraphError {
  return new GraphError(0, 'IncompleteList', `${why}; the list is incomplete (${read} items read).`);
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const NULL_BODY = new Set([204, 205, 304]);

/**
 * The $batch answer made safe for BatchResponseContent, which builds a fetch Response per item:
 * items for ids we did not send, statuses a Response cannot carry and unusable headers are left
 * out, and a JSON body gets the exact "Content-Type" key the SDK looks for (Graph leaves it off
 * on some error items; without it the SDK would turn the body into "[object Object]").
 */
function forResponseContent(raw: unknown, ids: Set<string>): BatchResponseBody {
  const items = (raw as { responses?: unknown } | null)?.responses;
  const responses: Record<string, unknown>[] = [];
  for (const item of Array.isArray(items) ? (items as Record<string, unknown>[]) : []) {
    if (!item || typeof item.id !== 'string' || !ids.has(item.id)) continue;
    const status = item.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) continue;
    const headers: Record<string, string> = {};
    let contentType: string | undefined;
    for (const [k, v] of Object.entries((item.headers ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string' || !TOKEN.test(k) || /[\r\n\0]/.test(v) || v.length > 8192) continue;
      if (k.toLowerCase() === 'content-type') contentType = v;
      else headers[k] = v;
    }
    const body = NULL_BODY.has(status) ? undefined : item.body;
    if (body !== undefined && (typeof body !== 'string' || contentType === undefined || /^application\/json/i.test(contentType)))
      headers['Content-Type'] = 'application/json';
    else if (contentType !== undefined) headers['Content-Type'] = contentType;
    responses.push({ id: item.id, status, headers, body });
  }
  return { responses };
}

/** One item's body as the port gives it: parsed JSON, text, or undefined when empty. */
async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  if (!/^application\/json/i.test(res.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The SDK's errors in the port's terms: Graph's error code and message when it sent one. */
function toPortError(e: unknown): unknown {
  if (e instanceof GraphError || e instanceof GraphClientError) return e;
  if (e instanceof SdkGraphError) {
    if (typeof e.statusCode === 'number' && e.statusCode > 0) {
      let sent: { code?: unknown; message?: unknown } | undefined;
      try {
        sent = typeof e.body === 'string' ? JSON.parse(e.body) : undefined;
      } catch {
        sent = undefined;
      }
      const fromGraph = sent !== null && typeof sent === 'object' && typeof sent.code === 'string' && sent.code !== '';
      return new GraphError(
        e.statusCode,
        fromGraph ? String(sent!.code) : `HTTP${e.statusCode}`,
        fromGraph && typeof sent!.message === 'string' ? sent!.message : `Microsoft Graph answered HTTP ${e.statusCode}.`,
      );
    }
    // No answer at all (connection refused, timeout): not a Graph error.
    return new Error(`Microsoft Graph could not be reached: ${e.message}`);
  }
  return e;
}
