import { ExchangeAdminRest } from '../../src/adapters/exchange/exchangeAdminRest';
import { InvokeCommandClient } from '../../src/adapters/exchange/invokeCommandClient';
import { StaticTokenSource } from '../../src/adapters/exchange/tokenSource';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { ExchangeError, IncompleteListError } from '../../src/ports/exchange';
import { cmd, invoke, invokeUrl, post } from '../emulator/client';
import { captureBytes, captureJson, captureText, shapeOf } from './captures';
import { startRecordedServer, type RecordedServer } from './recordedServer';

// Ground truth: Microsoft's own bytes (shared/reference/exo-captures, read from disk). Each capture is
// fed verbatim to the production adapter, and the emulator's answer for the same case is compared with
// the capture's shape (keys, nesting, annotation placement, texts; key order aside).

const TENANT = '00000000-0000-0000-0000-00000000c0de';
const TRUNCATED = '04-paging-truncated.capture-2026-07-23.json';
const COMPLETE = '04-paging-complete.capture-2026-07-23.json';
const BAD_ENUM = '05-error-400-invalid-enum.capture-2026-07-23.json';
const UNKNOWN_PARAMETER = '05-error-400-unknown-parameter.capture-2026-07-23.json';
const PAGING_EXPIRED = '05-error-400-pagination-expired.capture-2022-09-21.json';
const NOT_FOUND_TEXT = '06-error-404-remove-mailbox.capture-2023-08-18.txt';
const NOT_FOUND_PARTIAL = '06-error-404-get-applicationaccesspolicy.capture-2023-03-14.txt';
const BATCH_NOT_FOUND = '06-error-404-get-migrationbatch.module-text-2022-12-26.txt';
const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** The `error` object the v3 module printed in 06-…-remove-mailbox, joined back from its console lines. */

function capturedNotFoundError(): Record<string, any> {
  const lines = captureText(NOT_FOUND_TEXT)
    .split('\n')
    .filter((l) => l.startsWith('# ') && !/^# (SOURCE|KIND|NOTE|\s)/.test(l))
    .map((l) => l.slice(2));
  const joined = lines.join('');
  const end = '"@adminapi.warnings": [] }';
  return JSON.parse(joined.slice(joined.indexOf('{         '), joined.indexOf(end) + end.length));
}

/** The ExBDDC58 line as the module printed it. */
function capturedBatchNotFoundLine(): string {
  return /ExBDDC58\|[^\n]+/.exec(captureText(BATCH_NOT_FOUND))![0].trim();
}

const squash = (s: string) => s.replace(/\s+/g, '');

let server: RecordedServer;
let emu: RunningExchangeEmulator;

function client(baseUrl = server.baseUrl) {
  return new InvokeCommandClient({
    baseUrl,
    tenantId: TENANT,
    tokenSource: new StaticTokenSource('token-for-loopback-only'),
    sleep: async () => undefined,
    maxRetries: 1,
  });
}

function verbatim(status: number, bytes: Buffer | string, headers: Record<string, string> = { 'content-type': JSON_TYPE }) {
  return { status, headers, bodyBase64: Buffer.from(bytes).toString('base64') };
}

/** Rows captured without their envelope (02-*, 03-*), inside the captured complete envelope, bytes unchanged. */
function inEnvelope(rowsJson: string): string {
  const envelope = captureText(COMPLETE);
  const at = envelope.indexOf('"value"');
  const rows = rowsJson.trim().startsWith('[') ? rowsJson.trim().slice(1, -1) : rowsJson;
  return `${envelope.slice(0, at)}"value": [${rows}]}`;
}

async function failure(p: Promise<unknown>): Promise<ExchangeError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ExchangeError);
  return e as ExchangeError;
}

beforeAll(async () => {
  emu = await startExchangeEmulator({ timeScale: 0, startTime: new Date('2026-11-24T10:00:00Z') });
});
afterAll(() => emu.close());
beforeEach(async () => {
  server = await startRecordedServer();
});
afterEach(() => server.close());

describe('the adapter on captured success bodies', () => {
  it('01: the full 2024 Get-Mailbox row maps to a Mailbox (sizes from the exact byte count, addresses as array)', async () => {
    server.enqueue(verbatim(200, captureBytes('01-get-mailbox.capture-2024-05-22.json')));
    const m = await new ExchangeAdminRest(client()).getMailbox('CBergin');
    expect(m).toMatchObject({
      identity: 'CBergin',
      primarySmtpAddress: 'C@lvin.ie',
      userPrincipalName: 'C@lvin.ie',
      guid: '9feb45ad-0cc9-43dc-a609-2110e2216c15',
      recipientTypeDetails: 'UserMailbox',
      maxReceiveSize: 37_748_736,
      maxSendSize: 36_700_160,
    });
    expect(m!.emailAddresses).toContain('SMTP:C@lvin.ie');
  });

  it('02: the 2026 rows (Identity = a GUID, no Guid key) map, falling back to ExchangeGuid', async () => {
    const rows = ['discovery', 'user1', 'user2'].map((n) => captureText(`02-get-mailbox.g2o-fixtures-2026-07-23.${n}.json`)).join(',');
    server.enqueue(verbatim(200, inEnvelope(rows)));
    const list = await new ExchangeAdminRest(client()).getMailboxes();
    expect(list).toHaveLength(3);
    const rob = list.find((m) => m.primarySmtpAddress === 'rob@m7kni.io')!;
    expect(rob.identity).toBe('bbcfc3c5-0b93-4135-9ef9-18477a9fb504');
    expect(rob.guid).toBe('2f0eef8a-ac24-475e-beae-3da243345ad9');
  });

  it('03: every annotated row of other cmdlets is read without error (annotations are not rows or values)', async () => {
    for (const name of [
      '03-annotations.get-adminauditlogconfig.capture-2026-07-23.json',
      '03-annotations.get-dkimsigningconfig.capture-2026-07-23.json',
      '03-annotations.get-mailboxauditbypassassociation.capture-2026-07-28.json',
      '03-annotations.get-quarantinemessage.capture-2026-07-23.json',
    ]) {
      server.enqueue(verbatim(200, inEnvelope(captureText(name))));
      const rows = await client().invoke('Get-Something');
      const expected = captureJson(name);
      expect(rows).toEqual(Array.isArray(expected) ? expected : [expected]);
    }
    server.enqueue(verbatim(200, captureBytes('03-envelope.get-atppolicyforo365.capture-2026-07-23.json')));
    expect(await client().invoke('Get-AtpPolicyForO365')).toEqual(captureJson('03-envelope.get-atppolicyforo365.capture-2026-07-23.json').value);
  });

  it('04 complete: three rows, nothing incomplete', async () => {
    server.enqueue(verbatim(200, captureBytes(COMPLETE)));
    expect((await client().invoke('Get-Mailbox')).map((r) => r.Identity)).toEqual(['one', 'two', 'three']);
  });
});

describe('paging links (the bearer token goes only to the base URL origin)', () => {
  it('04 truncated, verbatim: its nextLink names outlook.office365.com, so paging stops and the list is reported incomplete', async () => {
    server.enqueue(verbatim(200, captureBytes(TRUNCATED)));
    const e = await failure(client().invoke('Get-Mailbox', {}, { resultSize: 'Unlimited' }));
    expect(e).toBeInstanceOf(IncompleteListError);
    expect((e as IncompleteListError).rowsRead).toBe(1);
    expect(e.message).toContain('https://outlook.office365.com');
    expect(e.message).not.toContain('skiptoken');
    expect(server.requests).toHaveLength(1);
  });

  it('a nextLink to another loopback port is never contacted, so the token never reaches it', async () => {
    const other = await startRecordedServer();
    try {
      other.enqueue(verbatim(200, captureBytes(COMPLETE)));
      const link = `${other.baseUrl}/adminapi/beta/${TENANT}/InvokeCommand?%24skiptoken=abc`;
      const page = captureText(TRUNCATED).replace(/https:\/\/outlook\.office365\.com\/adminapi\/beta\/tenant\/InvokeCommand\?%24skiptoken=[^"]+/, link);
      server.enqueue(verbatim(200, page));
      const e = await failure(client().invoke('Get-Mailbox', {}, { resultSize: 'Unlimited' }));
      expect(e).toBeInstanceOf(IncompleteListError);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('a same-origin nextLink is followed with the same body; the captured expired-paging 400 then makes the list incomplete, never whole', async () => {
    const page = captureText(TRUNCATED).split('https://outlook.office365.com/adminapi/beta/tenant').join(`${server.baseUrl}/adminapi/beta/${TENANT}`);
    server.enqueue(verbatim(200, page), verbatim(400, captureBytes(PAGING_EXPIRED)));
    const e = await failure(client().invoke('Get-Mailbox', {}, { resultSize: 'Unlimited' }));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].url).toMatch(/\/InvokeCommand\?%24skiptoken=ADZm/);
    expect(server.requests[1].body).toBe(server.requests[0].body);
    expect(e).toBeInstanceOf(IncompleteListError);
    expect((e as IncompleteListError).rowsRead).toBe(1);
    expect(e.message).toContain('Expired or Invalid pagination request. Default Expiry time is 00:30:00');
  });
});

describe('the adapter on captured error bodies', () => {
  it('05 bad enum: the valid names, from internalexception (no details), no retry', async () => {
    server.enqueue(verbatim(400, captureBytes(BAD_ENUM)));
    const e = await failure(client().invoke('Get-QuarantineMessage', { QuarantineTypes: 'Nonsense' }));
    expect(e.httpStatus).toBe(400);
    expect(e.code).toBe('BadRequest');
    expect(e.message).toMatch(/^Cannot process argument transformation on parameter 'QuarantineTypes'.*try again: Spam, TransportRule/);
    expect(e.exceptionType).toBe('Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException');
    expect(server.requests).toHaveLength(1);
  });

  it('05 unknown parameter: the empty ErrorId is handled, the text is shown without the raw |-line', async () => {
    server.enqueue(verbatim(400, captureBytes(UNKNOWN_PARAMETER)));
    const e = await failure(client().invoke('Get-QuarantineMessage', { BogusParameter: 1 }));
    expect(e.message).toBe('Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter');
    expect(e.errorId).toBeNull();
    expect(e.exceptionType).toBe('Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException');
  });

  it('06 404 (module-printed error object): "not found" in plain words, never the ErrorId|Type|Text line; a Get resolves null', async () => {
    const body = JSON.stringify({ error: capturedNotFoundError() });
    server.enqueue(verbatim(404, body), verbatim(404, body));
    const e = await failure(client().invoke('Get-Mailbox', { Identity: 'primarymailboxName_01a1dac7@glebecentre.onmicrosoft.com' }));
    expect(e.isNotFound).toBe(true);
    expect(e.errorId).toBe('Ex6F9304');
    expect(e.message).toBe("Not found: Exchange Online has no mailbox 'primarymailboxName_01a1dac7@glebecentre.onmicrosoft.com'.");
    expect(await new ExchangeAdminRest(client()).getMailbox('x')).toBeNull();
  });

  it('06 404 bodies as stored (console text, truncated JSON): still a plain not-found, no crash', async () => {
    for (const name of [NOT_FOUND_TEXT, NOT_FOUND_PARTIAL]) {
      server.enqueue(verbatim(404, captureBytes(name), { 'content-type': 'text/plain' }));
      const e = await failure(client().invoke('Remove-Mailbox', { Identity: 'x' }));
      expect(e.isNotFound).toBe(true);
      expect(e.message).toMatch(/^Not found: Exchange Online has no mailbox/);
      expect(e.message).not.toContain('|');
      expect(e.message).not.toContain('PROD.OUTLOOK.COM');
    }
  });

  it('06 missing batch (ExBDDC58, as printed by the module) reads as a missing batch', async () => {
    const err = capturedNotFoundError();
    err.details[0].message = capturedBatchNotFoundLine();
    server.enqueue(verbatim(404, JSON.stringify({ error: err })));
    const e = await failure(client().invoke('Get-MigrationBatch', { Identity: 'Migration-dev1-dev2-users-2022-12-26-21-15-36' }));
    expect(e.errorId).toBe('ExBDDC58');
    expect(e.message).toBe("Not found: Exchange Online has no migration batch 'Migration-dev1-dev2-users-2022-12-26-21-15-36'.");
  });

  it('07 403, NUL bytes declared as gzip: the missing role and its fix, never a crash', async () => {
    server.enqueue(
      verbatim(403, Buffer.alloc(4096), { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      verbatim(403, Buffer.alloc(4096), { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-exceptiontype': 'CmdletAccessDeniedException' }),
    );
    const e = await failure(client().invoke('Get-MigrationBatch'));
    expect(e.httpStatus).toBe(403);
    expect(e.message).toMatch(/^Cutover's app lacks the Exchange Administrator role or Exchange\.ManageAsApp/);
    expect(e.message).toContain('Fix:');
    expect(e.message).not.toMatch(/terminated|TypeError|\u0000/);
    const withReason = await failure(client().invoke('Get-MigrationBatch'));
    expect(withReason.message).toContain('CmdletAccessDeniedException');
  });

  it('07 401 (REST v1.0 body as captured): the token is refreshed once, then the reason is shown', async () => {
    const body = /ErrorMessage=(\{.*\})/.exec(captureText('07-errors-401-403-500.md'))![1];
    server.enqueue(verbatim(401, body), verbatim(401, body));
    const e = await failure(client().invoke('Get-Mailbox'));
    expect(e.httpStatus).toBe(401);
    expect(e.message).toBe('User is not allowed to call Get-Mailbox');
    expect(server.requests).toHaveLength(2);
  });
});

describe('the emulator answers in the captured shapes', () => {
  it('04: the complete and truncated envelopes (keys in captured order, exact warning, beta nextLink)', async () => {
    const complete = await invoke(emu, 'Get-Mailbox');
    expect(Object.keys(complete.body)).toEqual(Object.keys(captureJson(COMPLETE)));
    expect(complete.body['@adminapi.warnings']).toEqual([]);
    const truncated = await invoke(emu, 'Get-Mailbox', { ResultSize: 1 });
    const cap = captureJson(TRUNCATED);
    expect(Object.keys(truncated.body)).toEqual(Object.keys(cap));
    expect(truncated.body['@adminapi.warnings']).toEqual(cap['@adminapi.warnings']);
    expect(truncated.body.value).toHaveLength(1);
    expect(truncated.body['@odata.nextLink']).toMatch(new RegExp(`^${emu.baseUrl}/adminapi/beta/[^/]+/InvokeCommand\\?%24skiptoken=[^&]+$`));
    expect(truncated.headers.get('content-type')).toBe(JSON_TYPE);
  });

  it('04 + 05: under strict paging (on in tests) the next link answers the captured expired-paging body, shape and texts', async () => {
    const first = await invoke(emu, 'Get-Mailbox', { ResultSize: 1 });
    const r = await post(first.body['@odata.nextLink'], emu.accessToken, cmd('Get-Mailbox', { ResultSize: 1 }));
    const cap = captureJson(PAGING_EXPIRED);
    expect(r.status).toBe(400);
    expect(shapeOf(r.body)).toEqual(shapeOf(cap));
    expect(r.body).toEqual(cap);
  });

  it('01: a Get-Mailbox row has only captured keys, each with the captured JSON type and annotations', async () => {
    const row = (await invoke(emu, 'Get-Mailbox', { Identity: 'terrya@contoso.edu' })).body.value[0];
    const cap = captureJson('01-get-mailbox.capture-2024-05-22.json').value[0];
    expect(Object.keys(row).filter((k) => !(k in cap))).toEqual([]);
    for (const k of Object.keys(row)) {
      if (row[k] === null || cap[k] === null) continue;
      expect([k, shapeOf(row[k])]).toEqual([k, shapeOf(cap[k])]);
      for (const a of ['@data.type', '@odata.type']) {
        if (`${k}${a}` in cap) expect([k + a, row[`${k}${a}`]]).toEqual([k + a, cap[`${k}${a}`]]);
      }
    }
  });

  it('05 bad enum: same shape (no details, warnings inside error), same types and wording', async () => {
    const r = await invoke(emu, 'New-MigrationEndpoint', { IMAP: true, Name: 'x', RemoteServer: 'imap.contoso.edu', Security: 'Nonsense' });
    const cap = captureJson(BAD_ENUM);
    expect(r.status).toBe(400);
    expect(shapeOf(r.body)).toEqual(shapeOf(cap));
    expect({ ...r.body.error, innererror: undefined }).toEqual({ ...cap.error, innererror: undefined });
    expect(r.body.error.innererror.internalexception.type).toBe(cap.error.innererror.internalexception.type);
    const pattern = (s: string) =>
      s
        .replace(/'[^']*'/g, "'P'")
        .replace(/"[^"]*"/g, '"V"')
        .replace(/try again: .*$/, 'try again: LIST');
    expect(pattern(r.body.error.innererror.internalexception.message)).toBe(pattern(cap.error.innererror.internalexception.message));
  });

  it('05 unknown parameter: same shape (empty ErrorId, no warnings), same text before the parameter name', async () => {
    const r = await invoke(emu, 'Get-MigrationBatch', { BogusParameter: 1 });
    const cap = captureJson(UNKNOWN_PARAMETER);
    expect(r.status).toBe(400);
    expect(shapeOf(r.body)).toEqual(shapeOf(cap));
    expect(r.body).toEqual(JSON.parse(JSON.stringify(cap)));
  });

  it('06 404: same shape as the module-printed error object; generic internalexception; Ex6F9304 and ExBDDC58 texts', async () => {
    const cap = capturedNotFoundError();
    const r = await invoke(emu, 'Get-Mailbox', { Identity: 'nobody@contoso.edu' });
    expect(r.status).toBe(404);
    expect(shapeOf(r.body.error)).toEqual(shapeOf(cap));
    expect(r.body.error.code).toBe(cap.code);
    expect(r.body.error.message).toBe(cap.message);
    expect(r.body.error.details[0].code).toBe(cap.details[0].code);
    expect(squash(r.body.error.innererror.stacktrace)).toBe(squash(cap.innererror.stacktrace));
    expect(squash(r.body.error.innererror.internalexception.message)).toBe(squash(cap.innererror.internalexception.message));
    const generic = (s: string) => s.replace(/object '[^']*'/, "object 'X'").replace(/on '[^']*'\.$/, "on 'DC'.");
    expect(generic(r.body.error.details[0].message)).toBe(generic(cap.details[0].message));

    const batch = await invoke(emu, 'Get-MigrationBatch', { Identity: 'Migration-dev1-dev2-users-2022-12-26-21-15-36' });
    expect(batch.status).toBe(404);
    expect(batch.body.error.details[0].message).toBe(capturedBatchNotFoundLine());
  });

  it('07 403: NUL bytes declared as gzip (the adapter then explains the missing role)', async () => {
    const c = new InvokeCommandClient({ baseUrl: emu.baseUrl, tenantId: emu.tenantId, tokenSource: new StaticTokenSource(emu.accessToken) });
    const e = await failure(c.invoke('Get-Recipient'));
    expect(e.httpStatus).toBe(403);
    expect(e.message).toMatch(/^Cutover's app lacks the Exchange Administrator role or Exchange\.ManageAsApp/);
  });

  it('serves only /adminapi/beta: v1.0 InvokeCommand answers 405, as a client measured', async () => {
    const r = await post(invokeUrl(emu, emu.tenantId, 'v1.0'), emu.accessToken, cmd('Get-Mailbox'));
    expect(r.status).toBe(405);
  });
});
