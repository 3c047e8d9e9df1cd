// Microsoft Graph (v1.0), emulated on loopback for local mode and tests: the slice Cutover
// uses, with Graph's shapes. Users by id or UPN and $filter=mail eq, licenseDetails,
// contacts and events (paged with @odata.nextLink, named extended properties),
// JSON $batch (max 20, unique ids, per-item statuses, answered out of order), Teams app
// installs, error bodies { error: { code, message, innerError } }, and injected faults
// (429 with Retry-After) on whole requests or on single batch items.

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { graphTimeZone } from '../../domain/pim/timezones';
import { demoDirectory, type EmulatedUser } from './directory';
import { readBody } from '../http';

export { demoDirectory, FIXED_IDS, UNLICENSED_ALIASES } from './directory';

export const DEFAULT_GRAPH_TOKEN = 'graph-emulator-access-token';
const MAX_BATCH = 20;
const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;

export interface GraphFault {
  /** Matches "METHOD /v1.0/path" (regular expression source); omitted = every request. */
  match?: string;
  status: number;
  retryAfterSeconds?: number;
  /** 'http': whole HTTP requests; 'item': requests inside a $batch; 'any' (default). */
  where?: 'http' | 'item' | 'any';
  times?: number;
}

export interface GraphEmulatorControl {
  injectFault(fault: GraphFault): void;
  clearFaults(): void;
  /** Everything stored for a user (by id). */
  contacts(userId: string): Record<string, unknown>[];
  events(userId: string): Record<string, unknown>[];
  installedApps(userId: string): string[];
  /** Whether POST installedApps is allowed (the production permission in place). */
  setAppInstallAllowed(allowed: boolean): void;
  /** HTTP requests served (a $batch counts once) and batch items. */
  counts(): { requests: number; batchItems: number; throttled: number; invitationsSent: number };
  users(): EmulatedUser[];
  reset(): void;
}

export interface RunningGraphEmulator {
  /** http://127.0.0.1:port (the adapter adds /v1.0). */
  baseUrl: string;
  accessToken: string;
  control: GraphEmulatorControl;
  close(): Promise<void>;
}

export interface GraphEmulatorOptions {
  host?: string;
  port?: number;
  accessToken?: string;
  log?: (line: string) => void;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

function errorBody(code: string, message: string): unknown {
  return {
    error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } },
  };
}

function itemId(): string {
  // Graph item ids are long base64 strings; these are shorter but the same alphabet.
  return `AAMk${randomBytes(24).toString('base64').replace(/\//g, '-').replace(/\+/g, '_')}=`;
}

interface Mailbox {
  contacts: Record<string, unknown>[];
  events: Record<string, unknown>[];
  apps: Set<string>;
}

class GraphEmulator {
  users = demoDirectory();
  private boxes = new Map<string, Mailbox>();
  private faults: (GraphFault & { times: number })[] = [];
  private installAllowed = true;
  private n = { requests: 0, batchItems: 0, throttled: 0, invitationsSent: 0 };

  constructor(readonly accessToken: string) {}

  control(): GraphEmulatorControl {
    return {
      injectFault: (f) => void this.faults.push({ ...f, times: f.times ?? 1 }),
      clearFaults: () => void (this.faults = []),
      contacts: (id) => [...(this.boxes.get(id)?.contacts ?? [])],
      events: (id) => [...(this.boxes.get(id)?.events ?? [])],
      installedApps: (id) => [...(this.boxes.get(id)?.apps ?? [])],
      setAppInstallAllowed: (a) => void (this.installAllowed = a),
      counts: () => ({ ...this.n }),
      users: () => this.users.map((u) => ({ ...u })),
      reset: () => {
        this.users = demoDirectory();
        this.boxes.clear();
        this.faults = [];
        this.installAllowed = true;
        this.n = { requests: 0, batchItems: 0, throttled: 0, invitationsSent: 0 };
      },
    };
  }

  private box(id: string): Mailbox {
    let b = this.boxes.get(id);
    if (!b) this.boxes.set(id, (b = { contacts: [], events: [], apps: new Set() }));
    return b;
  }

  private takeFault(line: string, where: 'http' | 'item'): GraphFault | undefined {
    const i = this.faults.findIndex((f) => (f.where ?? 'any') !== (where === 'http' ? 'item' : 'http') && (!f.match || new RegExp(f.match, 'i').test(line)));
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (--f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private faultAnswer(f: GraphFault): Answer {
    this.n.throttled += f.status === 429 ? 1 : 0;
    const headers: Record<string, string> = {};
    if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
    if (f.status === 429)
      return { status: 429, headers, body: errorBody('TooManyRequests', 'Too many requests. Retry after the time given in the Retry-After header.') };
    if (f.status === 503) return { status: 503, headers, body: errorBody('serviceNotAvailable', 'Service unavailable. Retry the request later.') };
    return { status: f.status, headers, body: errorBody('generalException', 'An internal server error occurred.') };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.n.requests++;
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^bearer\s+/i, '').trim();
    let answer: Answer;
    if (!/^bearer\s+/i.test(auth) || token === '') answer = { status: 401, body: errorBody('InvalidAuthenticationToken', 'Access token is empty.') };
    else if (token !== this.accessToken)
      answer = { status: 401, body: errorBody('InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).') };
    else {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const fault = this.takeFault(`${req.method} ${url.pathname}`, 'http');
      if (fault) answer = this.faultAnswer(fault);
      else {
        let body: unknown;
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          body = Symbol.for('invalid');
        }
        const base = `http://${req.headers.host ?? 'localhost'}`;
        if (body === Symbol.for('invalid'))
          answer = {
            status: 400,
            body: errorBody('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'),
          };
        else if (req.method === 'POST' && /^\/v1\.0\/\$batch\/?$/.test(url.pathname)) answer = this.batch(body, base);
        else answer = this.route(req.method ?? 'GET', url, body, base);
      }
    }
    res.statusCode = answer.status;
    res.setHeader('request-id', randomUUID());
    for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
    if (answer.body === undefined) return void res.end();
    res.setHeader('Content-Type', 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8');
    res.end(JSON.stringify(answer.body));
  }

  private batch(body: unknown, base: string): Answer {
    const requests = (body as { requests?: unknown })?.requests;
    if (!Array.isArray(requests)) return { status: 400, body: errorBody('BadRequest', 'Invalid batch payload format.') };
    if (requests.length > MAX_BATCH)
      return { status: 400, body: errorBody('BadRequest', `Number of batch request steps exceeds the maximum of ${MAX_BATCH}.`) };
    const ids = new Set<string>();
    for (const r of requests as { id?: unknown }[]) {
      if (typeof r?.id !== 'string' || r.id === '') return { status: 400, body: errorBody('BadRequest', 'Batch request step is missing an id.') };
      if (ids.has(r.id)) return { status: 400, body: errorBody('BadRequest', 'Batch request contains duplicate ids.') };
      ids.add(r.id);
    }
    const responses = (requests as { id: string; method?: string; url?: string; body?: unknown; headers?: Record<string, string> }[]).map((r) => {
      this.n.batchItems++;
      const method = (r.method ?? 'GET').toUpperCase();
      const rel = String(r.url ?? '');
      const path = rel.startsWith('/') ? rel : `/${rel}`;
      const url = new URL(`/v1.0${path}`, 'http://localhost');
      if (r.body !== undefined && !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')) {
        return { id: r.id, status: 400, body: errorBody('BadRequest', 'Content-Type header must be specified for a request with a body.') };
      }
      const fault = this.takeFault(`${method} ${url.pathname}`, 'item');
      const a = fault ? this.faultAnswer(fault) : this.route(method, url, r.body, base);
      return { id: r.id, status: a.status, headers: { 'Content-Type': 'application/json', ...(a.headers ?? {}) }, body: a.body ?? null };
    });
    // Graph answers items in any order: reverse so clients cannot rely on it.
    return { status: 200, body: { responses: responses.reverse() } };
  }

  private route(method: string, url: URL, body: unknown, base: string): Answer {
    try {
      const p = url.pathname.replace(/\/$/, '');
      let m: RegExpExecArray | null;
      if (method === 'GET' && p === '/v1.0/users') return this.listUsers(url);
      if ((m = /^\/v1\.0\/users\/([^/]+)(\/.*)?$/.exec(p))) {
        const user = this.findUser(decodeURIComponent(m[1]));
        const rest = m[2] ?? '';
        if (rest === '' && method === 'GET') return { status: 200, body: { '@odata.context': `${base}/v1.0/$metadata#users/$entity`, ...publicUser(user) } };
        if (rest === '/licenseDetails' && method === 'GET') {
          return {
            status: 200,
            body: {
              '@odata.context': `${base}/v1.0/$metadata#users('${user.id}')/licenseDetails`,
              value: user.licences.map((l) => ({ id: `${user.id}_${l.skuId}`, skuId: l.skuId, skuPartNumber: l.skuPartNumber, servicePlans: l.servicePlans })),
            },
          };
        }
        if (rest === '/contacts' || rest === '/events') {
          const kind = rest.slice(1) as 'contacts' | 'events';
          if (
            !user.licences.some((l) => l.servicePlans.some((s) => s.servicePlanName.startsWith('EXCHANGE_S_') && s.servicePlanName !== 'EXCHANGE_S_FOUNDATION'))
          ) {
            throw new HttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
          }
          if (method === 'GET') return this.page(this.box(user.id)[kind], url, base, kind, user.id);
          if (method === 'POST') return { status: 201, body: kind === 'contacts' ? this.createContact(user, body) : this.createEvent(user, body) };
        }
        if (rest === '/teamwork/installedApps') return this.installedApps(method, user, url, body);
      }
      throw new HttpError(400, 'BadRequest', `Resource not found for the segment '${p.split('/').pop()}'.`);
    } catch (e) {
      if (e instanceof HttpError) return { status: e.status, body: errorBody(e.code, e.message) };
      return { status: 500, body: errorBody('generalException', 'An internal server error occurred.') };
    }
  }

  private findUser(key: string): EmulatedUser {
    const k = key.toLowerCase();
    const u = this.users.find((x) => x.id === k || x.userPrincipalName.toLowerCase() === k);
    if (!u)
      throw new HttpError(
        404,
        'Request_ResourceNotFound',
        `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return u;
  }

  private listUsers(url: URL): Answer {
    const filter = url.searchParams.get('$filter');
    let list = this.users;
    if (filter) {
      const m = /^\s*mail\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
      if (!m)
        throw new HttpError(400, 'Request_UnsupportedQuery', "Unsupported or invalid query filter clause specified for property 'mail' of resource 'User'.");
      const mail = m[1].replace(/''/g, "'").toLowerCase();
      list = list.filter((u) => u.mail.toLowerCase() === mail);
    }
    return { status: 200, body: { value: list.map(publicUser) } };
  }

  private page(items: Record<string, unknown>[], url: URL, base: string, kind: string, userId: string): Answer {
    const top = Math.min(Number(url.searchParams.get('$top') ?? DEFAULT_PAGE) || DEFAULT_PAGE, MAX_PAGE);
    const skip = Number(url.searchParams.get('$skip') ?? 0) || 0;
    const expand = url.searchParams.get('$expand') ?? '';
    const em = /singleValueExtendedProperties(?:\(\$filter=id eq '([^']+)'\))?/i.exec(expand);
    const slice = items.slice(skip, skip + top).map((it) => {
      const { singleValueExtendedProperties: props, ...rest } = it as { singleValueExtendedProperties?: { id: string; value: string }[] };
      if (!em) return rest;
      const wanted = (props ?? []).filter((p) => !em[1] || p.id.toLowerCase() === em[1].toLowerCase());
      return wanted.length ? { ...rest, singleValueExtendedProperties: wanted } : rest;
    });
    const body: Record<string, unknown> = { '@odata.context': `${base}/v1.0/$metadata#users('${userId}')/${kind}`, value: slice };
    if (skip + top < items.length) {
      const next = new URL(url.toString().replace(/^http:\/\/localhost/, base));
      next.searchParams.set('$skip', String(skip + top));
      next.searchParams.set('$top', String(top));
      body['@odata.nextLink'] = next.toString();
    }
    return { status: 200, body };
  }

  private createContact(user: EmulatedUser, body: unknown): Record<string, unknown> {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new HttpError(400, 'ErrorInvalidRequest', 'The request body is empty or not an object.');
    const c = { id: itemId(), createdDateTime: new Date().toISOString(), parentFolderId: 'AAMkContacts', ...(body as object) };
    this.box(user.id).contacts.push(c);
    return c;
  }

  private createEvent(user: EmulatedUser, body: unknown): Record<string, unknown> {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new HttpError(400, 'ErrorInvalidRequest', 'The request body is empty or not an object.');
    // What Graph checks of an event body; other fields are taken as they come.
    type When = { dateTime?: unknown; timeZone?: unknown };
    const e = body as { start?: When; end?: When; recurrence?: { pattern?: { type?: string }; range?: { type?: string } } } & Record<string, unknown>;
    for (const k of ['start', 'end'] as const) {
      const v = e[k];
      if (!v || typeof v.dateTime !== 'string' || typeof v.timeZone !== 'string')
        throw new HttpError(400, 'ErrorInvalidRequest', `The event's ${k} is missing or malformed.`);
      if (!graphTimeZone(v.timeZone))
        throw new HttpError(
          400,
          'TimeZoneNotSupportedException',
          `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${v.timeZone}'.`,
        );
    }
    if (Date.parse(String(e.end?.dateTime) + 'Z') < Date.parse(String(e.start?.dateTime) + 'Z'))
      throw new HttpError(400, 'ErrorInvalidRequest', 'The end time must be after the start time.');
    if (e.recurrence) {
      const types = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'];
      if (!types.includes(e.recurrence?.pattern?.type ?? '') || !['endDate', 'noEnd', 'numbered'].includes(e.recurrence?.range?.type ?? '')) {
        throw new HttpError(400, 'ErrorInvalidRequest', 'The recurrence pattern or range is invalid.');
      }
    }
    // Creating an event sends invitations to its attendees.
    if (Array.isArray(e.attendees)) this.n.invitationsSent += e.attendees.length;
    const ev = { id: itemId(), createdDateTime: new Date().toISOString(), type: e.recurrence ? 'seriesMaster' : 'singleInstance', ...e };
    this.box(user.id).events.push(ev);
    return ev;
  }

  private installedApps(method: string, user: EmulatedUser, url: URL, body: unknown): Answer {
    const apps = this.box(user.id).apps;
    if (method === 'GET') {
      const m = /teamsAppDefinition\/teamsAppId eq '([^']+)'/.exec(url.searchParams.get('$filter') ?? '');
      const list = [...apps].filter((a) => !m || a === m[1]);
      return {
        status: 200,
        body: {
          value: list.map((a) => ({ id: Buffer.from(`${user.id}##${a}`).toString('base64'), teamsAppDefinition: { teamsAppId: a, displayName: 'Cutover' } })),
        },
      };
    }
    if (method === 'POST') {
      if (!this.installAllowed)
        throw new HttpError(
          403,
          'Forbidden',
          "Missing role permissions on the request. API requires one of 'TeamsAppInstallation.ReadWriteSelfForUser.All, TeamsAppInstallation.ReadWriteForUser.All'.",
        );
      const bind = String((body as Record<string, unknown>)?.['teamsApp@odata.bind'] ?? '');
      const m = /\/appCatalogs\/teamsApps\/([^/'"]+)$/.exec(bind);
      if (!m) throw new HttpError(400, 'BadRequest', 'teamsApp@odata.bind is missing or invalid.');
      if (apps.has(m[1])) throw new HttpError(409, 'Conflict', 'App is already installed.');
      apps.add(m[1]);
      return { status: 201 };
    }
    throw new HttpError(405, 'Request_BadRequest', 'Method not allowed.');
  }
}

function publicUser(u: EmulatedUser) {
  return { id: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail, displayName: u.displayName };
}

export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<RunningGraphEmulator> {
  const emulator = new GraphEmulator(options.accessToken ?? DEFAULT_GRAPH_TOKEN);
  const server: Server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => options.log?.(`${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode} ${Date.now() - started}ms`));
    emulator.handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${address.address}:${address.port}`,
    accessToken: emulator.accessToken,
    control: emulator.control(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
