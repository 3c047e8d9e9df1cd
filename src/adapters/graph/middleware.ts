// The Graph SDK's middleware chain as Cutover builds it (see graphClient.ts for the order):
// - TokenSourceAuthProvider: the SDK's AuthenticationProvider over Cutover's TokenSource (MSAL
//   app-only in production), or no token at all when none is configured.
// - OriginBoundAuthHandler: attaches the bearer token only to requests for the Graph base URL's
//   origin, and asks for a fresh token once after a 401. The SDK's own AuthenticationHandler is not
//   used because it decides by host name alone (any port, every national-cloud Graph host) and
//   never matches the plain-http emulator; a token must not follow a link to another origin.
// - CountingHandler: counts what goes on the wire (GraphPort.stats) and bounds each attempt.
// - boundedRetryOptions: the SDK's RetryHandler honours Retry-After, but caps the wait at a fixed
//   180 s; this keeps Cutover's own cap (maxRetryAfterMs).

import {
  RetryHandlerOptions,
  type AuthenticationProvider,
  type AuthenticationProviderOptions,
  type Context,
  type FetchOptions,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type { TokenSource } from '../exchange/tokenSource';

/** The SDK's provider options plus the one Cutover needs: skip any token cache (after a 401). */
export type RefreshableOptions = AuthenticationProviderOptions & { forceRefresh?: boolean };

/** The SDK's token provider over Cutover's token source; `forceRefresh` skips MSAL's cache. */
export class TokenSourceAuthProvider implements AuthenticationProvider {
  constructor(private readonly source: TokenSource) {}

  getAccessToken(options?: RefreshableOptions): Promise<string> {
    return this.source.getToken(options?.forceRefresh ? { forceRefresh: true } : undefined);
  }
}

function urlOf(request: RequestInfo): string {
  return typeof request === 'string' ? request : request.url;
}

/** The origin of a URL, or null when it is not an absolute http(s) URL. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Sets or removes a header whatever its case, on the plain-object or Headers form the SDK uses. */
function setHeader(options: FetchOptions, name: string, value: string | null): void {
  const h = options.headers;
  if (h instanceof Headers) {
    if (value === null) h.delete(name);
    else h.set(name, value);
    return;
  }
  if (Array.isArray(h)) {
    const kept = (h as [string, string][]).filter(([k]) => k.toLowerCase() !== name.toLowerCase());
    options.headers = value === null ? kept : [...kept, [name, value]];
    return;
  }
  const plain: Record<string, string> = { ...((h as Record<string, string> | undefined) ?? {}) };
  for (const k of Object.keys(plain)) if (k.toLowerCase() === name.toLowerCase()) delete plain[k];
  if (value !== null) plain[name] = value;
  options.headers = plain;
}

export class OriginBoundAuthHandler implements Middleware {
  private next!: Middleware;
  private readonly origin: string;

  /** `provider` null: no token at all (an emulator that needs none). */
  constructor(
    baseUrl: string,
    private readonly provider: AuthenticationProvider | null,
  ) {
    const origin = originOf(baseUrl);
    if (!origin) throw new Error(`The Graph base URL must be an absolute http(s) URL, not "${baseUrl}".`);
    this.origin = origin;
  }

  async execute(context: Context): Promise<void> {
    context.options ??= {};
    const ours = originOf(urlOf(context.request)) === this.origin;
    if (!ours || !this.provider) {
      setHeader(context.options, 'Authorization', null);
      return this.next.execute(context);
    }
    const provider = this.provider;
    setHeader(context.options, 'Authorization', `Bearer ${await provider.getAccessToken()}`);
    await this.next.execute(context);
    if (context.response?.status === 401) {
      // A token revoked or rotated before MSAL's cache noticed: one fresh token, one more try.
      await context.response.body?.cancel().catch(() => undefined);
      setHeader(context.options, 'Authorization', `Bearer ${await provider.getAccessToken({ forceRefresh: true } as RefreshableOptions)}`);
      await this.next.execute(context);
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export interface WireStats {
  requests: number;
  throttled: number;
}

/** Counts every request put on the wire (retries included) and every 429; one deadline per attempt. */
export class CountingHandler implements Middleware {
  private next!: Middleware;

  constructor(
    private readonly stats: WireStats,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    context.options ??= {};
    context.options.signal = AbortSignal.timeout(this.timeoutMs);
    this.stats.requests++;
    await this.next.execute(context);
    if (context.response?.status === 429) this.stats.throttled++;
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/**
 * RetryHandlerOptions with Cutover's cap on one wait (the SDK's own is a fixed 180 s). The cap is an
 * own property because the RetryHandler copies its options with Object.assign for each request,
 * which would drop an overriding method of a subclass.
 */
export function boundedRetryOptions(
  delaySeconds: number,
  maxRetries: number,
  maxDelaySeconds: number,
  shouldRetry?: ConstructorParameters<typeof RetryHandlerOptions>[2],
): RetryHandlerOptions {
  const options = new RetryHandlerOptions(delaySeconds, maxRetries, shouldRetry);
  options.getMaxDelay = () => maxDelaySeconds;
  return options;
}
