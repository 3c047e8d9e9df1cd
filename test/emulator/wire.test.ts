// The emulator's InvokeCommand contract over real loopback HTTP: envelope, annotations,
// paging, errors, auth, throttling and the control endpoints.

import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { request } from 'node:http';
import { cmd, csvData, detail, invoke, invokeUrl, newEndpoint, one, post, rows } from './client';

let emu: RunningExchangeEmulator;

/** The bytes as sent, without any decoding. */
function rawPost(url: string, token: string, payload: unknown): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

beforeAll(async () => {
  emu = await startExchangeEmulator({ timeScale: 0, enableControl: true, startTime: new Date('2026-11-24T10:00:00Z') });
});
afterAll(() => emu.close());
afterEach(() => emu.control.clearFaults());

describe('envelope and wire shape of rows', () => {
  it('answers Get-Mailbox with the 200 envelope, sizes, GUID and collection annotations', async () => {
    const r = await invoke(emu, 'Get-Mailbox', { Identity: 'terrya@contoso.edu' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.body)).toEqual(['@odata.context', 'adminapi.warnings@odata.type', '@adminapi.warnings', 'value']);
    expect(r.body['@odata.context']).toBe(`${emu.baseUrl}/adminapi/beta/${emu.tenantId}/$metadata#Collection(Exchange.GenericHashTable)`);
    expect(r.body['adminapi.warnings@odata.type']).toBe('#Collection(String)');
    expect(r.body['@adminapi.warnings']).toEqual([]);
    const m = r.body.value[0];
    expect(m.PrimarySmtpAddress).toBe('terrya@contoso.edu');
    expect(m.MaxSendSize).toBe('35 MB (36,700,160 bytes)');
    expect(m.MaxReceiveSize).toBe('36 MB (37,748,736 bytes)');
    expect(m['MaxSendSize@data.type']).toBeUndefined();
    expect(m['Guid@data.type']).toBe('System.Guid');
    expect(m['Guid@odata.type']).toBe('#Guid');
    expect(m.Guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(m['EmailAddresses@odata.type']).toBe('#Collection(String)');
    expect(m.EmailAddresses).toEqual(['SMTP:terrya@contoso.edu', 'smtp:terrya@contoso.onmicrosoft.com']);
    expect(m.IsMailboxEnabled).toBe(true);
    expect(m.RecipientTypeDetails).toBe('UserMailbox');
  });

  it('writes DateTime with 7 fractional digits and a System.DateTime sibling; …UTC twins end Z; null dates bare', async () => {
    await newEndpoint(emu, 'wire-ep');
    const b = await one(emu, 'New-MigrationBatch', {
      Name: 'wire-batch',
      SourceEndpoint: 'wire-ep',
      CSVData: csvData('EmailAddress,UserName,Password\r\nkima@contoso.edu,kim.akers,1101980\r\n'),
    });
    expect(b.CreationDateTime).toBe('2026-11-24T10:00:00.0000000+00:00');
    expect(b['CreationDateTime@data.type']).toBe('System.DateTime');
    expect(b.CreationDateTimeUTC).toBe('2026-11-24T10:00:00.0000000Z');
    expect(b['CreationDateTimeUTC@data.type']).toBe('System.DateTime');
    expect(b.StartDateTime).toBeNull();
    expect('StartDateTime@data.type' in b).toBe(false);
    expect(b.LastSyncedDateTimeUTC).toBeNull();
    expect(b.TotalCount).toBe(1);
    expect(b['TotalCount@data.type']).toBe('System.Int32');
    expect(b.Status).toBe('Created');
    expect(b.MigrationType).toBe('IMAP');
    expect(b['NotificationEmails@odata.type']).toBe('#Collection(String)');
    expect(b.NotificationEmails).toEqual([]);
    expect(b['BatchGuid@data.type']).toBe('System.Guid');
  });

  it('trims properties with $select, keeping their annotations', async () => {
    const r = await post(`${invokeUrl(emu)}?$select=PrimarySmtpAddress,Guid`, emu.accessToken, cmd('Get-Mailbox', { Identity: 'annb' }));
    expect(r.body.value[0]).toEqual({
      PrimarySmtpAddress: 'annb@contoso.edu',
      Guid: expect.any(String),
      'Guid@data.type': 'System.Guid',
      'Guid@odata.type': '#Guid',
    });
  });

  it('accepts any path casing and the onmicrosoft.com tenant name; v1.0 answers 405 as measured', async () => {
    const url = `${emu.baseUrl}/AdminApi/beta/contoso.onmicrosoft.com/invokecommand`;
    const r = await post(url, emu.accessToken, cmd('Get-MigrationConfig'));
    expect(r.status).toBe(200);
    expect(r.body.value[0].MaxNumberOfBatches).toBe(100);
    const v1 = await post(`${emu.baseUrl}/adminapi/v1.0/${emu.tenantId}/InvokeCommand`, emu.accessToken, cmd('Get-MigrationConfig'));
    expect(v1.status).toBe(405);
  });
});

const MORE = 'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

describe('paging', () => {
  it('lenient: pages with Prefer: odata.maxpagesize, each truncated page carrying the nextLink and the warning together', async () => {
    emu.control.setStrictPaging(false);
    try {
      const body = cmd('Get-Mailbox', { ResultSize: 'Unlimited' });
      const seen: string[] = [];
      let url: string | undefined = invokeUrl(emu);
      let pages = 0;
      while (url) {
        const r = await post(url, emu.accessToken, body, { Prefer: 'odata.maxpagesize=10' });
        expect(r.status).toBe(200);
        url = r.body['@odata.nextLink'];
        if (url) {
          expect(url).toMatch(/\/InvokeCommand\?%24skiptoken=/);
          expect(Object.keys(r.body)).toEqual(['@odata.context', '@odata.nextLink', 'adminapi.warnings@odata.type', '@adminapi.warnings', 'value']);
          expect(r.body['@adminapi.warnings']).toEqual([MORE]);
        } else expect(r.body['@adminapi.warnings']).toEqual([]);
        seen.push(...r.body.value.map((m: any) => m.PrimarySmtpAddress));
        pages++;
      }
      expect(seen.length).toBe(26); // admin + 25 demo users
      expect(new Set(seen).size).toBe(26);
      expect(pages).toBe(3);
    } finally {
      emu.control.setStrictPaging(true);
    }
  });

  it('strict by default under jest: the next link answers the captured 400 "Expired or Invalid pagination request"', async () => {
    expect(emu.control.strictPaging()).toBe(true);
    const first = await invoke(emu, 'Get-Mailbox', { ResultSize: 'Unlimited' }, { Prefer: 'odata.maxpagesize=10' });
    expect(first.body.value).toHaveLength(10);
    expect(first.body['@adminapi.warnings']).toEqual([MORE]);
    const r = await post(first.body['@odata.nextLink'], emu.accessToken, cmd('Get-Mailbox', { ResultSize: 'Unlimited' }));
    expect(r.status).toBe(400);
    expect(r.body.error.innererror.internalexception).toEqual({
      message: 'Expired or Invalid pagination request. Default Expiry time is 00:30:00',
      type: 'System.Exception',
      stacktrace: '',
    });
  });

  it('cuts at ResultSize with the nextLink and the "more results" warning together, as Get-Mailbox -ResultSize 1 was captured', async () => {
    const r = await invoke(emu, 'Get-Mailbox', { ResultSize: 5 });
    expect(r.body.value).toHaveLength(5);
    expect(r.body['@odata.nextLink']).toMatch(/\/InvokeCommand\?%24skiptoken=/);
    expect(r.body['@adminapi.warnings']).toEqual([MORE]);
  });

  it('refuses a skiptoken it did not issue with the captured pagination 400', async () => {
    emu.control.setStrictPaging(false);
    try {
      const r = await post(`${invokeUrl(emu)}?%24skiptoken=bm9wZQ==`, emu.accessToken, cmd('Get-Mailbox'));
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe('Invalid Operation');
      expect(r.body.error.innererror.internalexception.message).toBe('Expired or Invalid pagination request. Default Expiry time is 00:30:00');
    } finally {
      emu.control.setStrictPaging(true);
    }
  });
});

describe('errors', () => {
  it('404 NotFound with the 3-part ManagementObjectNotFoundException detail and a generic internalexception', async () => {
    const r = await invoke(emu, 'Get-MigrationUser', { Identity: 'nobody@contoso.edu' });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NotFound');
    expect(r.body.error.message).toBe('Error executing cmdlet');
    expect(r.body.error.details[0].code).toBe('Client');
    const d = detail(r);
    expect(d.errorId).toMatch(/^Ex[0-9A-F]{6}$/);
    expect(d.type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect(d.text).toMatch(/^The operation couldn't be performed because object 'nobody@contoso\.edu' couldn't be found on '[A-Z0-9.]+'\.$/);
    expect(r.body.error.innererror.type).toBe('Microsoft.Exchange.Admin.OData.Core.ODataServiceException');
    expect(r.body.error.innererror.internalexception.message).toBe(
      "Exception of type 'Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException' was thrown.",
    );
    // Warnings sit inside `error`, after innererror (capture 06-…-remove-mailbox).
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(r.body.error['@adminapi.warnings']).toEqual([]);
  });

  it('a missing batch is ExBDDC58 with its own text', async () => {
    const r = await invoke(emu, 'Get-MigrationBatch', { Identity: 'no-such-batch' });
    expect(r.status).toBe(404);
    expect(r.body.error.details[0].message).toBe(
      'ExBDDC58|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The migration batch "no-such-batch" can\'t be found.',
    );
  });

  it('400 BadRequest for a bad enum lists the valid values with no details; unknown parameters have an empty ErrorId', async () => {
    const r = await invoke(emu, 'New-MigrationEndpoint', { IMAP: true, Name: 'x', RemoteServer: 'imap.contoso.edu', Security: 'Starttls' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest');
    expect(r.body.error.details).toBeUndefined();
    expect(r.body.error.innererror.internalexception.type).toBe('Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException');
    expect(r.body.error.innererror.internalexception.message).toContain('try again: None, Ssl, Tls');
    const onPrem = await invoke(emu, 'New-MigrationBatch', { Name: 'x', BadItemLimit: 10 });
    expect(onPrem.status).toBe(400);
    expect(onPrem.body.error.details[0].message).toBe(
      '|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BadItemLimit',
    );
    expect(onPrem.body.error['@adminapi.warnings']).toBeUndefined();
  });

  it('401 without the bearer token, 404 for another tenant, 403 with a NUL body for an unknown cmdlet', async () => {
    expect((await post(invokeUrl(emu), null, cmd('Get-Mailbox'))).status).toBe(401);
    expect((await post(invokeUrl(emu), 'wrong', cmd('Get-Mailbox'))).status).toBe(401);
    expect((await post(invokeUrl(emu, '11111111-2222-3333-4444-555555555555'), emu.accessToken, cmd('Get-Mailbox'))).status).toBe(404);
    const r = await invoke(emu, 'Get-Recipient');
    expect(r.status).toBe(403);
    expect(r.text).toBeNull(); // fetch cannot decode it
    const raw = await rawPost(invokeUrl(emu), emu.accessToken, cmd('Get-Recipient'));
    expect(raw.status).toBe(403);
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.body.length).toBe(4096);
    expect(raw.body.every((b) => b === 0)).toBe(true);
  });

  it('Confirm:true returns only the confirmation message and changes nothing', async () => {
    await newEndpoint(emu, 'confirm-ep');
    const r = await invoke(emu, 'Remove-MigrationEndpoint', { Identity: 'confirm-ep', Confirm: true });
    expect(r.status).toBe(200);
    expect(r.body['@adminapi.confirmationmessage']).toContain('confirm-ep');
    expect((await invoke(emu, 'Get-MigrationEndpoint', { Identity: 'confirm-ep' })).status).toBe(200);
    expect((await invoke(emu, 'Remove-MigrationEndpoint', { Identity: 'confirm-ep', Confirm: false })).status).toBe(200);
    expect((await invoke(emu, 'Get-MigrationEndpoint', { Identity: 'confirm-ep' })).status).toBe(404);
  });
});

describe('fault injection', () => {
  it('429 with a fractional Retry-After, N times, for one cmdlet', async () => {
    emu.control.injectFault({ cmdlet: 'Get-Mailbox', status: 429, retryAfterSeconds: 0.5, times: 2 });
    const other = await invoke(emu, 'Get-MigrationConfig');
    expect(other.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await invoke(emu, 'Get-Mailbox', { Identity: 'annb' });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('0.5');
      expect(r.body.error.code).toBe('TooManyRequests');
    }
    expect((await invoke(emu, 'Get-Mailbox', { Identity: 'annb' })).status).toBe(200);
  });

  it('5xx and slow answers; the HTTP control endpoints list, add and clear faults', async () => {
    const url = `${emu.baseUrl}/_emulator/faults`;
    await fetch(url, { method: 'POST', body: JSON.stringify({ status: 503, times: 1 }) });
    await fetch(url, { method: 'POST', body: JSON.stringify({ cmdlet: 'Get-MigrationConfig', delayMs: 300 }) });
    expect((await (await fetch(url)).json()).faults).toHaveLength(2);
    const failed = await invoke(emu, 'Get-MigrationConfig');
    expect(failed.status).toBe(503);
    expect(detail(failed).type).toContain('DCOverloadedException');
    const t0 = Date.now();
    expect((await invoke(emu, 'Get-MigrationConfig')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    await fetch(url, { method: 'POST', body: JSON.stringify({ status: 500, times: 5 }) });
    await fetch(url, { method: 'DELETE' });
    expect((await invoke(emu, 'Get-MigrationConfig')).status).toBe(200);
  });

  it('advances the clock over HTTP; control endpoints are off unless enabled', async () => {
    const before = emu.control.now().getTime();
    const r = await fetch(`${emu.baseUrl}/_emulator/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 90 }) });
    expect(new Date((await r.json()).now).getTime() - before).toBe(90_000);
    const closed = await startExchangeEmulator({ timeScale: 0 });
    try {
      expect((await fetch(`${closed.baseUrl}/_emulator/clock`)).status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});

describe('parameter decoding', () => {
  it('takes switches as "True" strings and CSVData as base64 in Data', async () => {
    await newEndpoint(emu, 'decode-ep');
    const b = await one(emu, 'New-MigrationBatch', {
      Name: 'decode-batch',
      SourceEndpoint: 'decode-ep',
      AutoStart: 'True',
      CSVData: {
        '@odata.type': '#Exchange.ByteArrayType',
        Data: Buffer.from('EmailAddress,UserName,Password\nleeg@contoso.edu,lee.gu,7281998\n').toString('base64'),
      },
    });
    expect(b.TotalCount).toBe(1);
    expect(b.Status).toBe('Starting');
    expect(await rows(emu, 'Get-MigrationUser', { Identity: null, BatchId: 'decode-batch' })).toHaveLength(1);
  });
});

describe('real-time clock', () => {
  it('moves simulated time at timeScale simulated seconds per real second, and setTimeScale(0) freezes it', async () => {
    const live = await startExchangeEmulator({ timeScale: 600 });
    try {
      const t0 = live.control.now().getTime();
      await new Promise((r) => setTimeout(r, 700));
      const moved = (live.control.now().getTime() - t0) / 1000;
      expect(moved).toBeGreaterThanOrEqual(150); // ≥ 2 ticks of 250 ms at 600×
      expect(moved).toBeLessThanOrEqual(600);
      live.control.setTimeScale(0);
      const frozen = live.control.now().getTime();
      await new Promise((r) => setTimeout(r, 400));
      expect(live.control.now().getTime()).toBe(frozen);
    } finally {
      await live.close();
    }
  });
});
