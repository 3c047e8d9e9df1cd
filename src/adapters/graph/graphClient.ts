// Microsoft Graph over fetch with an app-only token (MSAL, Graph scope) or, in local mode,
// the Graph emulator's token: the same code path, only the base URL differs.
// Throttling (reference §5): 429 with Retry-After (seconds, may be fractional) on the whole
// request or on single $batch items; only the throttled items are sent again. One mailbox's
// batches go one after another ($batch already runs up to 4 at a time per mailbox).

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

export interface GraphClientOptions {
  /** https://graph.microsoft.com or the emulator's base URL; /v1.0 is added. */
  baseUrl: string;
  tokenSource: TokenSource;
  fetch?: typeof fetch;
  /** Attempts per request or batch item before giving up (default 6). */
  maxAttempts?: number;
  /** Longest wait Cutover accepts from one Retry-After (default 60 s). */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  onRetry?: (e: { status: number; waitMs: number; attempt: number; what: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BATCH = 20;

function retryAfterMs(value: string | null | undefined, attempt: number): number {
  const n = Number(value);
  // Without a Retry-After, back off exponentially (Graph's advice).
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : Math.min(2 ** attempt * 250, 8000);
}

function odataQuote(s: string): string {
  return s.replace(/'/g, "''");
}

export class GraphClient implements GraphPort {
  private readonly root: string;
  private readonly f: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private counters: GraphRequestStats = { requests: 0, throttled: 0 };

  constructor(private readonly o: GraphClientOptions) {
    this.root = `${o.baseUrl.replace(/\/+$/, '')}/v1.0`;
    this.f = o.fetch ?? fetch;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  stats(): GraphRequestStats {
    return { ...this.counters };
  }

  /** One HTTP call with retries on 429/503/504 and one token refresh on 401. */
  private async call(method: string, pathOrUrl: string, body?: unknown): Promise<{ status: number; body: any }> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.root}${pathOrUrl}`;
    const max = this.o.maxAttempts ?? 6;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.o.tokenSource.getToken(refreshed ? { forceRefresh: true } : undefined);
      this.counters.requests++;
      const res = await this.f(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 60_000),
      });
      const text = await res.text();
      let parsed: any = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (res.status === 401 && !refreshed) {
        refreshed = true;
        continue;
      }
      if ((res.status === 429 || res.status === 503 || res.status === 504) && attempt < max) {
        if (res.status === 429) this.counters.throttled++;
        const wait = Math.min(retryAfterMs(res.headers.get('retry-after'), attempt), this.o.maxRetryAfterMs ?? 60_000);
        this.o.onRetry?.({ status: res.status, waitMs: wait, attempt, what: `${method} ${new URL(url).pathname}` });
        await this.sleep(wait);
        continue;
      }
      if (res.status >= 400) {
        const err = parsed?.error ?? {};
        throw new GraphError(res.status, String(err.code ?? `HTTP${res.status}`), String(err.message ?? `Microsoft Graph answered HTTP ${res.status}.`));
      }
      return { status: res.status, body: parsed };
    }
  }

  async getUser(idOrUpn: string): Promise<GraphUser | null> {
    try {
      const r = await this.call('GET', `/users/${encodeURIComponent(idOrUpn)}?$select=id,userPrincipalName,mail,displayName`);
      return pickUser(r.body);
    } catch (e) {
      if (e instanceof GraphError && e.httpStatus === 404) return null;
      throw e;
    }
  }

  async findUserByMail(mail: string): Promise<GraphUser | null> {
    const filter = encodeURIComponent(`mail eq '${odataQuote(mail)}'`);
    const r = await this.call('GET', `/users?$filter=${filter}&$select=id,userPrincipalName,mail,displayName`);
    const first = (r.body?.value ?? [])[0];
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

  private async all(path: string): Promise<unknown[]> {
    const out: unknown[] = [];
    let next: string | undefined = path;
    // A server that keeps handing out nextLinks must not keep Cutover busy for ever.
    for (let pages = 0; next && pages < 500; pages++) {
      const r: { body: any } = await this.call('GET', next);
      out.push(...(r.body?.value ?? []));
      next = typeof r.body?.['@odata.nextLink'] === 'string' ? r.body['@odata.nextLink'] : undefined;
    }
    return out;
  }

  async batch(requests: GraphBatchRequest[], options: { onProgress?: (done: number, total: number) => void } = {}): Promise<GraphBatchResponse[]> {
    const final = new Map<string, GraphBatchResponse>();
    const byId = new Map(requests.map((r) => [r.id, r]));
    if (byId.size !== requests.length) throw new Error('batch request ids must be unique');
    const max = this.o.maxAttempts ?? 6;
    let queue = [...requests];
    const attempts = new Map<string, number>();
    while (queue.length > 0) {
      const chunk = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      const r = await this.call('POST', '/$batch', {
        requests: chunk.map((q) => ({
          id: q.id,
          method: q.method,
          url: q.url,
          ...(q.body !== undefined ? { body: q.body, headers: { 'Content-Type': 'application/json' } } : {}),
        })),
      });
      let wait = 0;
      const retry: GraphBatchRequest[] = [];
      const seen = new Set<string>();
      for (const item of (r.body?.responses ?? []) as { id: string; status: number; headers?: Record<string, string>; body: unknown }[]) {
        const q = byId.get(item.id);
        if (!q) continue;
        seen.add(item.id);
        const n = (attempts.get(item.id) ?? 0) + 1;
        attempts.set(item.id, n);
        if ((item.status === 429 || item.status === 503) && n < max) {
          if (item.status === 429) this.counters.throttled++;
          const h = Object.entries(item.headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
          wait = Math.max(wait, Math.min(retryAfterMs(h, n), this.o.maxRetryAfterMs ?? 60_000));
          retry.push(q);
        } else final.set(item.id, { id: item.id, status: item.status, body: item.body });
      }
      // An item the server never answered counts as failed rather than silently lost.
      for (const q of chunk) if (!seen.has(q.id)) final.set(q.id, { id: q.id, status: 0, body: { error: { code: 'NoResponse', message: 'The batch answer had no response for this request.' } } });
      options.onProgress?.(final.size, requests.length);
      if (retry.length > 0) {
        this.o.onRetry?.({ status: 429, waitMs: wait, attempt: Math.max(...retry.map((q) => attempts.get(q.id) ?? 1)), what: `$batch (${retry.length} items)` });
        await this.sleep(wait);
        // Throttled items go first in the next batch, so the count of batches stays minimal.
        queue = [...retry, ...queue];
      }
    }
    return requests.map((q) => final.get(q.id)!);
  }

  async isAppInstalled(userId: string, teamsAppId: string): Promise<boolean> {
    const filter = encodeURIComponent(`teamsAppDefinition/teamsAppId eq '${odataQuote(teamsAppId)}'`);
    const r = await this.call('GET', `/users/${encodeURIComponent(userId)}/teamwork/installedApps?$expand=teamsAppDefinition&$filter=${filter}`);
    return (r.body?.value ?? []).length > 0;
  }

  async installApp(userId: string, teamsAppId: string): Promise<void> {
    try {
      await this.call('POST', `/users/${encodeURIComponent(userId)}/teamwork/installedApps`, {
        'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${teamsAppId}`,
      });
    } catch (e) {
      // Already there is what we wanted.
      if (e instanceof GraphError && e.httpStatus === 409) return;
      throw e;
    }
  }
}

function pickUser(b: any): GraphUser {
  return { id: String(b.id), userPrincipalName: String(b.userPrincipalName ?? ''), mail: b.mail ?? null, displayName: String(b.displayName ?? '') };
}
