// Exchange Online's admin REST endpoint (InvokeCommand), emulated on loopback for local mode
// and tests. The real REST adapter talks to it with only the base URL and token changed.
// See README.md beside this file for the contract, the control endpoints and the choices made
// where Exchange's behaviour is unconfirmed.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveCmdlet, runCmdlet } from './cmdlets';
import { createDemoSourceDirectory } from './demoSource';
import { MigrationEngine } from './engine';
import { addEnterpriseApp, imapSignIn, resetPermissions } from './permissions';
import { CmdletError, errorBody, paginationExpired } from './errors';
import { envelope, selectProperties, serializeRow } from './serializer';
import type { SourceMailboxDirectory } from '../../domain/source/mailboxDirectory';
import { DEMO_INITIAL_DOMAIN, demoMailboxes, newMailbox, type TenantMailbox } from './tenant';
import { readBody } from '../http';

export type { SourceMailboxDirectory } from '../../domain/source/mailboxDirectory';
export { createDemoSourceDirectory, DEMO_USERS, DEMO_SOURCE_HOSTS } from './demoSource';

export const DEFAULT_TENANT_ID = '6f8c2d41-3b7a-4e59-9c1d-2a0e5b7f4c13';
export const DEFAULT_ACCESS_TOKEN = 'emulator-access-token';
/** Local default: a 3-user demo batch reaches Synced in ~25 real seconds, visibly. */
export const DEFAULT_TIME_SCALE = 60;
export const DEFAULT_ITEMS_PER_SECOND = 2;

export interface ExchangeEmulatorOptions {
  host?: string;
  port?: number;
  tenantId?: string;
  accessToken?: string;
  /** Simulated seconds per real second; 0 freezes the clock (tests drive it with control.advance). */
  timeScale?: number;
  /** Items one syncing user copies per simulated second. */
  itemsPerSecond?: number;
  /** The contoso.edu demo mailboxes (default true). */
  demoTenant?: boolean;
  /** Extra source directories, consulted after the built-in demo source (imap.contoso.edu). */
  sourceDirectories?: SourceMailboxDirectory[];
  /** Leave out the demo source (default false). */
  noDemoSource?: boolean;
  /** Serve /_emulator/* control endpoints (default false; the programmatic control is always there). */
  enableControl?: boolean;
  startTime?: Date;
  /** One line per request: method, cmdlet, status, duration. Never parameters. */
  log?: (line: string) => void;
  /**
   * Strict paging: every next link answers the captured 400 "Expired or Invalid pagination request…",
   * as an app-only client measured against the real service (exo-captures/04-paging.md). Default: on
   * under jest (JEST_WORKER_ID set), off otherwise (the module's clients do follow next links).
   */
  strictPaging?: boolean;
}

/** Strict paging unless told otherwise: on in tests, off for a local run. */
export function defaultStrictPaging(): boolean {
  return process.env.JEST_WORKER_ID !== undefined;
}

/** (capture) 04-paging-truncated: the warning that comes with every next link. */
export const MORE_RESULTS_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

export interface EmulatorFault {
  /** Cmdlet name (case-insensitive) or omitted / '*' for every cmdlet. */
  cmdlet?: string;
  /** HTTP status to answer with (429, 500, 503, ...); omit for a slow but normal answer. */
  status?: number;
  /** Retry-After header, fractional allowed. */
  retryAfterSeconds?: number;
  /** Delay before answering, real milliseconds. */
  delayMs?: number;
  /** How many requests it hits (default 1). */
  times?: number;
}

export interface EmulatorControl {
  /** Move simulated time forward; source reads finish before time moves on. */
  advance(seconds: number): Promise<void>;
  /** Run until nothing is in flight (not counting the next 24 h incremental). */
  settle(): Promise<void>;
  injectFault(fault: EmulatorFault): void;
  clearFaults(): void;
  faults(): EmulatorFault[];
  now(): Date;
  setTimeScale(n: number): void;
  timeScale(): number;
  setItemsPerSecond(n: number): void;
  /** Forget endpoints, batches and users; restore the demo mailboxes. */
  reset(): void;
  /**
   * Add UserMailbox recipients (at Exchange Online's default limits) for these addresses, e.g. a
   * 50,000-user tenant for a benchmark. Addresses a mailbox already answers to are skipped.
   * Returns how many mailboxes were added.
   */
  addMailboxes(addresses: string[]): number;
  /** Entra's side of app-only IMAP: this app's enterprise application has this object id. */
  addEnterpriseApp(app: { appId: string; objectId: string }): void;
  /** InvokeCommand requests received so far, by cmdlet (each page of a paged answer counts): for tests and benchmarks. */
  requestCounts(): Record<string, number>;
  /** An app-only IMAP sign-in to `mailbox` as Exchange answers it ("OK AUTHENTICATE completed." or the failure). */
  imapSignIn(appId: string, mailbox: string): string;
  /** Switch strict paging (next links answer 400) on or off at run time. */
  setStrictPaging(on: boolean): void;
  strictPaging(): boolean;
}

export interface RunningExchangeEmulator {
  baseUrl: string;
  tenantId: string;
  accessToken: string;
  control: EmulatorControl;
  close(): Promise<void>;
}

const TICK_MS = 250;
const FORBIDDEN_NUL_BYTES = 4096;

class Emulator {
  readonly engine: MigrationEngine;
  readonly tenantId: string;
  readonly accessToken: string;
  private readonly tenantAliases: Set<string>;
  private faultList: Array<Required<Pick<EmulatorFault, 'times'>> & EmulatorFault> = [];
  private readonly requestCounts = new Map<string, number>();
  private timeScale: number;
  private strict: boolean;
  private chain: Promise<void> = Promise.resolve();
  private ticking = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: ExchangeEmulatorOptions) {
    this.tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
    this.accessToken = options.accessToken ?? DEFAULT_ACCESS_TOKEN;
    this.tenantAliases = new Set([this.tenantId.toLowerCase(), DEMO_INITIAL_DOMAIN]);
    this.timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
    this.strict = options.strictPaging ?? defaultStrictPaging();
    const start = options.startTime ?? new Date();
    this.engine = new MigrationEngine({
      startTime: start,
      directories: [...(options.noDemoSource ? [] : [createDemoSourceDirectory()]), ...(options.sourceDirectories ?? [])],
      itemsPerSecond: options.itemsPerSecond ?? DEFAULT_ITEMS_PER_SECOND,
      mailboxes: options.demoTenant === false ? [] : demoMailboxes(start),
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Clock moves are serialized: the ticker skips a beat rather than queue behind a test's advance. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private tick(): void {
    if (this.timeScale <= 0 || this.ticking) return;
    this.ticking = true;
    void this.serial(() => this.engine.runFor((TICK_MS / 1000) * this.timeScale, false)).finally(() => {
      this.ticking = false;
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  control(): EmulatorControl {
    return {
      advance: (seconds) => this.serial(() => this.engine.runFor(seconds, true)),
      settle: () => this.serial(() => this.engine.settle()),
      injectFault: (f) => {
        this.faultList.push({ ...f, times: f.times ?? 1 });
      },
      clearFaults: () => {
        this.faultList = [];
      },
      faults: () => this.faultList.map((f) => ({ ...f })),
      now: () => this.engine.now(),
      setTimeScale: (n) => {
        this.timeScale = Math.max(0, n);
      },
      timeScale: () => this.timeScale,
      setItemsPerSecond: (n) => {
        if (n > 0) this.engine.itemsPerSecond = n;
      },
      reset: () => {
        this.engine.batches.clear();
        this.engine.users.clear();
        this.engine.endpoints.clear();
        resetPermissions(this.engine);
        this.engine.mailboxes = this.options.demoTenant === false ? [] : demoMailboxes(this.engine.now());
        this.faultList = [];
      },
      addEnterpriseApp: (app) => addEnterpriseApp(this.engine, app),
      requestCounts: () => Object.fromEntries(this.requestCounts),
      imapSignIn: (appId, mailbox) => imapSignIn(this.engine, appId, mailbox),
      setStrictPaging: (on) => {
        this.strict = on;
      },
      strictPaging: () => this.strict,
      addMailboxes: (addresses) => {
        const now = this.engine.now();
        const added: TenantMailbox[] = [];
        const seen = new Set<string>();
        for (const address of addresses) {
          const at = address.lastIndexOf('@');
          if (at <= 0 || at === address.length - 1) throw new Error(`not an email address: ${address}`);
          const key = address.trim().toLowerCase();
          if (seen.has(key) || this.engine.findMailbox(address)) continue;
          seen.add(key);
          const alias = address.slice(0, at);
          added.push(newMailbox(alias, alias, address.slice(at + 1), DEMO_INITIAL_DOMAIN, now));
        }
        this.engine.mailboxes = [...this.engine.mailboxes, ...added];
        return added.length;
      },
    };
  }

  private takeFault(cmdlet: string): EmulatorFault | undefined {
    const i = this.faultList.findIndex((f) => !f.cmdlet || f.cmdlet === '*' || f.cmdlet.toLowerCase() === cmdlet.toLowerCase());
    if (i < 0) return undefined;
    const f = this.faultList[i];
    f.times--;
    if (f.times <= 0) this.faultList.splice(i, 1);
    return f;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const base = `http://${req.headers.host ?? 'localhost'}`;
    let cmdletForLog = '-';
    res.on('finish', () => this.options.log?.(`${req.method} ${url.pathname} ${cmdletForLog} ${res.statusCode} ${Date.now() - started}ms`));

    if (url.pathname.startsWith('/_emulator/')) {
      if (!this.options.enableControl) return sendText(res, 404, 'Not Found');
      return this.handleControl(req, res, url);
    }
    // Only /adminapi/beta: every client calls beta, and a client measured 405 on v1.0 InvokeCommand
    // (exchange-online.md §1.1). The v1.0 body was not recorded: a plain 405 here.
    if (/^\/adminapi\/v1\.0\/[^/]+\/invokecommand\/?$/i.test(url.pathname)) return sendText(res, 405, 'Method Not Allowed');
    const m = /^\/adminapi\/(beta)\/([^/]+)\/invokecommand\/?$/i.exec(url.pathname);
    if (!m) return sendText(res, 404, 'Not Found');
    if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed');
    const auth = req.headers.authorization ?? '';
    if (!/^bearer\s+/i.test(auth) || auth.replace(/^bearer\s+/i, '').trim() !== this.accessToken) {
      res.setHeader(
        'WWW-Authenticate',
        'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"',
      );
      return sendText(res, 401, 'Unauthorized');
    }
    const tenant = decodeURIComponent(m[2]).toLowerCase();
    if (!this.tenantAliases.has(tenant)) {
      return sendJson(res, 404, {
        error: {
          code: 'NotFound',
          message: `Tenant '${decodeURIComponent(m[2])}' not found.`,
          details: [],
          innererror: { message: 'TenantNotFound', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException', stacktrace: '' },
        },
      });
    }
    let input: { CmdletInput?: { CmdletName?: unknown; Parameters?: unknown } };
    try {
      input = JSON.parse((await readBody(req)).toString('utf8') || '{}');
    } catch {
      return sendJson(
        res,
        400,
        errorBody(
          new CmdletError(400, 'BadRequest', 'Ex1A2B3C', 'Microsoft.OData.ODataException', 'The request body is not valid JSON.', '', 'Invalid Operation'),
        ),
      );
    }
    const name = typeof input?.CmdletInput?.CmdletName === 'string' ? input.CmdletInput.CmdletName : '';
    if (!name) {
      return sendJson(
        res,
        400,
        errorBody(
          new CmdletError(
            400,
            'BadRequest',
            'Ex1A2B3D',
            'Microsoft.OData.ODataException',
            "The parameter 'CmdletInput' is missing or has no CmdletName.",
            'CmdletInput',
            'Invalid Operation',
          ),
        ),
      );
    }
    const cmdlet = resolveCmdlet(name);
    cmdletForLog = cmdlet ?? name;
    this.requestCounts.set(cmdlet ?? name, (this.requestCounts.get(cmdlet ?? name) ?? 0) + 1);
    // Unknown cmdlet (or no role for it): 403 with a run of NUL bytes declared as gzip (exo-captures/07-…:
    // observed, never dumped; G2O's fixture is 4096 NULs). A client that trusts the header fails to decode it.
    if (!cmdlet) {
      res.setHeader('Content-Encoding', 'gzip');
      return send(res, 403, 'application/json', Buffer.alloc(FORBIDDEN_NUL_BYTES));
    }

    const fault = this.takeFault(cmdlet);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status) return sendFault(res, fault);

    const params = input.CmdletInput?.Parameters;
    if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
      return sendJson(
        res,
        400,
        errorBody(
          new CmdletError(
            400,
            'BadRequest',
            'Ex1A2B3E',
            'Microsoft.OData.ODataException',
            'Parameters must be a hashtable.',
            'Parameters',
            'Invalid Operation',
          ),
        ),
      );
    }
    try {
      const result = await runCmdlet(cmdlet, (params ?? {}) as Record<string, unknown>, {
        engine: this.engine,
        tenantId: this.tenantId,
        submittedByUser: 'Cutover app',
      });
      const select = url.searchParams.get('$select')?.split(',') ?? null;
      // Serialize only the page that goes out: a 50,000-user Get-MigrationUser is 50 pages.
      let rows = result.rows;
      const warnings = [...(result.warnings ?? [])];
      const contextUrl = `${base}/adminapi/${m[1]}/${m[2]}/$metadata#Collection(Exchange.GenericHashTable)`;
      let nextLink: string | undefined;
      if (result.resultSize !== undefined) {
        // (capture) 04-paging: a page that is not the last carries @odata.nextLink AND the "more results"
        // warning together. Get-Mailbox -ResultSize 1 gave one row plus both, so ResultSize caps the page
        // as Prefer: odata.maxpagesize does (the module sends min(ResultSize, 1000); default page 1000).
        const skiptoken = url.searchParams.get('$skiptoken');
        // Strict: the measured app-only behaviour, every continuation is refused with the captured 400.
        if (skiptoken !== null && this.strict) return sendJson(res, 400, errorBody(paginationExpired()));
        const offset = readSkipToken(skiptoken, cmdlet);
        if (offset === null) return sendJson(res, 400, errorBody(paginationExpired()));
        const limit = result.resultSize === 'Unlimited' ? Infinity : result.resultSize;
        const pageSize = Math.min(preferPageSize(String(req.headers.prefer ?? '')) ?? 1000, limit);
        const page = rows.slice(offset, offset + pageSize);
        if (offset + pageSize < rows.length) {
          nextLink = `${base}/adminapi/${m[1]}/${m[2]}/InvokeCommand?%24skiptoken=${encodeURIComponent(makeSkipToken(offset + pageSize, cmdlet))}`;
          warnings.push(MORE_RESULTS_WARNING);
        }
        rows = page;
      }
      const out = rows.map((r) => selectProperties(serializeRow(r), select));
      sendJson(res, 200, envelope({ contextUrl, rows: out, warnings, nextLink, confirmationMessage: result.confirmationMessage }));
    } catch (e) {
      if (e instanceof CmdletError) return sendJson(res, e.httpStatus, errorBody(e));
      // Never echo parameters (they may hold a CSV with passwords).
      sendJson(
        res,
        500,
        errorBody(
          new CmdletError(
            500,
            'InternalServerError',
            'Ex000000',
            'System.Exception',
            'An internal error occurred in the emulator.',
            '',
            'Error executing cmdlet',
          ),
        ),
      );
    }
  }

  private async handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const control = this.control();
    let body: Record<string, unknown> = {};
    try {
      const raw = (await readBody(req)).toString('utf8');
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return sendJson(res, 400, { error: 'invalid JSON' });
    }
    const route = `${req.method} ${url.pathname.replace(/\/$/, '')}`;
    const state = () => ({ now: control.now().toISOString(), timeScale: control.timeScale(), faults: control.faults() });
    switch (route) {
      case 'GET /_emulator/clock':
        return sendJson(res, 200, state());
      case 'POST /_emulator/clock':
        if (typeof body.timeScale === 'number') control.setTimeScale(body.timeScale);
        if (typeof body.itemsPerSecond === 'number') control.setItemsPerSecond(body.itemsPerSecond);
        return sendJson(res, 200, state());
      case 'POST /_emulator/clock/advance':
        await control.advance(Number(body.seconds ?? 0));
        return sendJson(res, 200, state());
      case 'POST /_emulator/clock/settle':
        await control.settle();
        return sendJson(res, 200, state());
      case 'GET /_emulator/faults':
        return sendJson(res, 200, { faults: control.faults() });
      case 'POST /_emulator/faults':
        control.injectFault(body as EmulatorFault);
        return sendJson(res, 200, { faults: control.faults() });
      case 'DELETE /_emulator/faults':
        control.clearFaults();
        return sendJson(res, 200, { faults: [] });
      case 'POST /_emulator/reset':
        control.reset();
        return sendJson(res, 200, state());
      case 'GET /_emulator/state':
        return sendJson(res, 200, {
          ...state(),
          batches: [...this.engine.batches.values()].map((b) => ({ name: b.name, status: b.status, users: b.userKeys.length })),
          users: [...this.engine.users.values()].map((u) => ({ emailAddress: u.emailAddress, status: u.status, syncedItems: Math.floor(u.syncedItems) })),
        });
      default:
        return sendText(res, 404, 'Not Found');
    }
  }
}

function makeSkipToken(offset: number, cmdlet: string): string {
  return Buffer.from(JSON.stringify({ o: offset, c: cmdlet.toLowerCase() })).toString('base64');
}

/** 0 for a first page; null for a token this cmdlet didn't issue. */
function readSkipToken(token: string | null, cmdlet: string): number | null {
  if (token === null) return 0;
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; c?: unknown };
    if (typeof t.o !== 'number' || t.o < 0 || t.c !== cmdlet.toLowerCase()) return null;
    return t.o;
  } catch {
    return null;
  }
}

function preferPageSize(header: string | undefined): number | undefined {
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(header ?? '');
  const n = m ? Number(m[1]) : NaN;
  return n > 0 ? n : undefined;
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('request-id', randomUUID());
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', JSON.stringify(body));
}

function sendFault(res: ServerResponse, fault: EmulatorFault): void {
  const status = fault.status!;
  if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
  if (status === 429) {
    return sendJson(res, 429, {
      error: {
        code: 'TooManyRequests',
        message: 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again.',
        details: [],
        innererror: { message: 'Throttled', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException', stacktrace: '' },
      },
    });
  }
  const e = new CmdletError(
    status,
    status === 503 ? 'ServiceUnavailable' : 'InternalServerError',
    'ExF00D01',
    'Microsoft.Exchange.Data.Storage.DCOverloadedException',
    'The domain controller is overloaded. Please try again later.',
    '',
    'Error executing cmdlet',
  );
  sendJson(res, status, errorBody(e));
}

export async function startExchangeEmulator(options: ExchangeEmulatorOptions = {}): Promise<RunningExchangeEmulator> {
  const emulator = new Emulator(options);
  const server: Server = createServer((req, res) => {
    emulator.handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    baseUrl: `http://${host}:${address.port}`,
    tenantId: emulator.tenantId,
    accessToken: emulator.accessToken,
    control: emulator.control(),
    close: () =>
      new Promise<void>((resolve) => {
        emulator.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
