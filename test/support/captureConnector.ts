import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { waitFor } from './ports';

/**
 * A loopback stand-in for the Bot Framework connector (Teams' "serviceUrl"). The bot
 * posts its replies, card updates and proactive messages here; tests read what it sent.
 * Routes follow the Bot Connector REST API v3 as botframework-connector calls it.
 */

// Plain JSON shapes on purpose: no botbuilder types outside src/teams/.

export type Json = any;

export type CapturedKind = 'send' | 'reply' | 'update' | 'delete';

export interface CapturedActivity {
  kind: CapturedKind;
  conversationId: string;
  /** Id this connector assigned (send/reply) or the activity being updated/deleted. */
  activityId: string;
  /** For replies: the activity id in the URL (what the bot replied to). */
  replyToId?: string;
  /** The activity JSON exactly as the bot sent it (undefined for delete). */
  activity: Json;
  at: number;
}

export interface CapturedRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface CreatedConversation {
  id: string;
  /** The body of POST /v3/conversations: {bot, members, channelData:{tenant}, isGroup, activity?}. */
  parameters: Json;
  at: number;
}

export interface ConnectorMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  givenName?: string;
  surname?: string;
  tenantId?: string;
  userRole?: string;
}

export interface FailNextOptions {
  /** HTTP status to answer, e.g. 429, 403, 404, 500. */
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Sent as the Retry-After header (seconds); defaults to 1 for 429. */
  retryAfterSeconds?: number;
  /** Only requests for this conversation fail (default: any request). */
  conversationId?: string;
  /** Only this HTTP method fails (default: any). */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Error code in the body, e.g. 'BotNotInConversationRoster'. */
  code?: string;
  message?: string;
}

export interface WaitOptions {
  conversationId?: string;
  /** Only count activities of this type (e.g. 'message'). */
  type?: string;
  timeoutMs?: number;
}

export interface CaptureConnector {
  /** e.g. `http://127.0.0.1:41234/` — put it in the activity's serviceUrl. */
  serviceUrl: string;
  port: number;
  /** Sends and replies (not updates/deletes), oldest first. */
  activities(conversationId?: string): CapturedActivity[];
  /** PUT updateActivity calls (in-place card updates), oldest first. */
  updates(conversationId?: string): CapturedActivity[];
  deletes(conversationId?: string): CapturedActivity[];
  /** POST /v3/conversations calls (proactive 1:1 chats the bot opened). */
  createdConversations(): CreatedConversation[];
  /** Every request with the status this connector answered, failures included. */
  requests(): CapturedRequest[];
  /** Resolves with the activities (as activities() would) once at least n were sent. */
  waitForActivities(n: number, options?: WaitOptions): Promise<CapturedActivity[]>;
  waitForUpdates(n: number, options?: WaitOptions): Promise<CapturedActivity[]>;
  /** Queue a failure for the next matching request(s); 429 carries Retry-After. */
  failNext(options: FailNextOptions): void;
  /** Every request for this conversation fails (403: bot removed; 404: gone) until reset(). */
  failConversation(conversationId: string, status: 403 | 404, code?: string): void;
  /** Members returned by the members endpoints for a conversation (or team id). */
  setMembers(conversationId: string, members: ConnectorMember[]): void;
  /** Forget recorded traffic, queued failures and member overrides. */
  reset(): void;
  close(): Promise<void>;
}

export interface CaptureConnectorOptions {
  /** Members for conversations without setMembers(); default: one user, Alex Wilber. */
  defaultMembers?: ConnectorMember[];
}

export const DEFAULT_MEMBER: ConnectorMember = {
  id: '29:user-id-0',
  name: 'Alex Wilber',
  aadObjectId: '00000000-0000-0000-0000-0000000000a1',
  givenName: 'Alex',
  surname: 'Wilber',
  email: 'alexw@contoso.example',
  userPrincipalName: 'alexw@contoso.example',
  tenantId: '00000000-0000-0000-0000-0000000000f1',
  userRole: 'user',
};

const DEFAULT_ERRORS: Record<number, { code: string; message: string }> = {
  403: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' },
  404: { code: 'ConversationNotFound', message: 'Conversation not found.' },
  429: { code: 'Throttled', message: 'Too many requests.' },
};

interface Rule extends FailNextOptions {
  remaining: number;
}

export async function startCaptureConnector(options: CaptureConnectorOptions = {}): Promise<CaptureConnector> {
  const defaultMembers = options.defaultMembers ?? [DEFAULT_MEMBER];
  let captured: CapturedActivity[] = [];
  let created: CreatedConversation[] = [];
  let log: CapturedRequest[] = [];
  let rules: Rule[] = [];
  let broken = new Map<string, { status: number; code?: string }>();
  let members = new Map<string, ConnectorMember[]>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      handle(req.method ?? 'GET', req.url ?? '/', raw, res);
    });
  });

  function send(res: http.ServerResponse, method: string, path: string, status: number, body?: Json, headers: Record<string, string> = {}) {
    log.push({ method, path, status, at: Date.now() });
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  function errorBody(status: number, code?: string, message?: string) {
    const d = DEFAULT_ERRORS[status] ?? { code: 'ServiceError', message: `HTTP ${status}` };
    return { error: { code: code ?? d.code, message: message ?? d.message } };
  }

  function injectedFailure(method: string, conversationId: string | undefined, res: http.ServerResponse, path: string): boolean {
    if (conversationId !== undefined) {
      const b = broken.get(conversationId);
      if (b) {
        send(res, method, path, b.status, errorBody(b.status, b.code));
        return true;
      }
    }
    const rule = rules.find(
      (r) => r.remaining > 0 && (r.conversationId === undefined || r.conversationId === conversationId) && (r.method === undefined || r.method === method),
    );
    if (!rule) return false;
    rule.remaining -= 1;
    rules = rules.filter((r) => r.remaining > 0);
    const headers: Record<string, string> = {};
    const retryAfter = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    send(res, method, path, rule.status, errorBody(rule.status, rule.code, rule.message), headers);
    return true;
  }

  function membersOf(id: string): ConnectorMember[] {
    return members.get(id) ?? defaultMembers;
  }

  function handle(method: string, url: string, raw: string, res: http.ServerResponse) {
    // Tolerate `${serviceUrl}/v3/...` double slashes from callers that join by hand.
    const path = url.split('?')[0].replace(/\/{2,}/g, '/');
    const seg = path
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    let body: Json = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        send(res, method, path, 400, errorBody(400, 'BadArgument', 'Body is not JSON'));
        return;
      }
    }

    if (seg[0] !== 'v3') {
      send(res, method, path, 404, errorBody(404, 'NotFound', `No route ${method} ${path}`));
      return;
    }

    // /v3/teams/:teamId and /v3/teams/:teamId/conversations (TeamsInfo)
    if (seg[1] === 'teams' && seg[2] && method === 'GET') {
      const teamId = seg[2];
      if (injectedFailure(method, teamId, res, path)) return;
      if (seg.length === 3) {
        send(res, method, path, 200, { id: teamId, name: 'My Team', aadGroupId: '00000000-0000-0000-0000-0000000000b1' });
        return;
      }
      if (seg[3] === 'conversations') {
        send(res, method, path, 200, { conversations: [{ id: teamId, name: 'General' }] });
        return;
      }
    }

    if (seg[1] !== 'conversations') {
      send(res, method, path, 404, errorBody(404, 'NotFound', `No route ${method} ${path}`));
      return;
    }

    // POST /v3/conversations: create (proactive 1:1)
    if (seg.length === 2 && method === 'POST') {
      if (injectedFailure(method, undefined, res, path)) return;
      const id = `a:${randomUUID()}`;
      created.push({ id, parameters: body, at: Date.now() });
      const activityId = body?.activity ? randomUUID() : undefined;
      if (body?.activity) {
        captured.push({ kind: 'send', conversationId: id, activityId: activityId!, activity: body.activity, at: Date.now() });
      }
      send(res, method, path, 201, { id, activityId, serviceUrl: undefined });
      return;
    }

    const conversationId = seg[2];
    if (!conversationId) {
      send(res, method, path, 404, errorBody(404, 'NotFound', `No route ${method} ${path}`));
      return;
    }
    if (injectedFailure(method, conversationId, res, path)) return;

    const tail = seg.slice(3);
    // members endpoints
    if (method === 'GET' && tail[0] === 'members') {
      const list = membersOf(conversationId);
      if (tail.length === 1) {
        send(res, method, path, 200, list);
        return;
      }
      const m = list.find((x) => x.id === tail[1] || x.aadObjectId === tail[1]);
      if (m) send(res, method, path, 200, m);
      else send(res, method, path, 404, errorBody(404, 'MemberNotFoundInConversation', 'The member is not part of the conversation.'));
      return;
    }
    if (method === 'GET' && tail[0] === 'pagedmembers') {
      send(res, method, path, 200, { members: membersOf(conversationId) });
      return;
    }
    if (method === 'GET' && tail[0] === 'activities' && tail[2] === 'members') {
      send(res, method, path, 200, membersOf(conversationId));
      return;
    }
    if (method === 'POST' && tail[0] === 'attachments' && tail.length === 1) {
      send(res, method, path, 200, { id: randomUUID() });
      return;
    }

    if (tail[0] === 'activities') {
      if (method === 'POST' && (tail.length === 1 || tail.length === 2)) {
        const id = randomUUID();
        captured.push({
          kind: tail.length === 1 ? 'send' : 'reply',
          conversationId,
          activityId: id,
          replyToId: tail[1],
          activity: body,
          at: Date.now(),
        });
        send(res, method, path, 200, { id });
        return;
      }
      if (method === 'PUT' && tail.length === 2) {
        captured.push({ kind: 'update', conversationId, activityId: tail[1], activity: body, at: Date.now() });
        send(res, method, path, 200, { id: tail[1] });
        return;
      }
      if (method === 'DELETE' && tail.length === 2) {
        captured.push({ kind: 'delete', conversationId, activityId: tail[1], activity: undefined, at: Date.now() });
        send(res, method, path, 200);
        return;
      }
    }
    send(res, method, path, 404, errorBody(404, 'NotFound', `No route ${method} ${path}`));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const of = (kinds: CapturedKind[], conversationId?: string, type?: string) =>
    captured.filter(
      (c) =>
        kinds.includes(c.kind) && (conversationId === undefined || c.conversationId === conversationId) && (type === undefined || c.activity?.type === type),
    );

  const waitKinds = async (kinds: CapturedKind[], n: number, o: WaitOptions = {}) => {
    try {
      return await waitFor(
        () => {
          const list = of(kinds, o.conversationId, o.type);
          return list.length >= n ? list : undefined;
        },
        { timeoutMs: o.timeoutMs ?? 5000, intervalMs: 10 },
      );
    } catch {
      const got = of(kinds, o.conversationId, o.type);
      const texts = got.map((c) => JSON.stringify(c.activity?.text ?? c.activity?.type ?? null)).join(', ');
      throw new Error(
        `capture connector: expected ${n} ${kinds.join('/')} activities` +
          `${o.conversationId ? ` in ${o.conversationId}` : ''}${o.type ? ` of type ${o.type}` : ''}` +
          ` within ${o.timeoutMs ?? 5000} ms, got ${got.length} [${texts}]`,
      );
    }
  };

  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    port,
    activities: (conversationId) => of(['send', 'reply'], conversationId),
    updates: (conversationId) => of(['update'], conversationId),
    deletes: (conversationId) => of(['delete'], conversationId),
    createdConversations: () => [...created],
    requests: () => [...log],
    waitForActivities: (n, o) => waitKinds(['send', 'reply'], n, o),
    waitForUpdates: (n, o) => waitKinds(['update'], n, o),
    failNext: (o) => {
      rules.push({ ...o, remaining: o.times ?? 1 });
    },
    failConversation: (conversationId, status, code) => {
      broken.set(conversationId, { status, code });
    },
    setMembers: (conversationId, list) => {
      members.set(conversationId, list);
    },
    reset: () => {
      captured = [];
      created = [];
      log = [];
      rules = [];
      broken = new Map();
      members = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One PUT the bot made to an upload session (what Teams hands out on a file consent Allow). */
export interface CapturedUpload {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface UploadServer {
  /** e.g. `http://127.0.0.1:41235`; put `${url}/upload/<name>` in uploadInfo.uploadUrl. */
  url: string;
  uploads(): CapturedUpload[];
  /** Every request, whatever its method: to prove nothing reached it. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for a OneDrive upload session: answers a PUT of the whole file with 201
 * and the driveItem JSON, as OneDrive does for the last (here: only) byte range.
 */
export async function startUploadServer(): Promise<UploadServer> {
  const uploads: CapturedUpload[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'PUT') {
        res.writeHead(405);
        res.end();
        return;
      }
      const body = Buffer.concat(chunks);
      uploads.push({ path: req.url ?? '/', headers: req.headers, body });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID(), size: body.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    uploads: () => [...uploads],
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
