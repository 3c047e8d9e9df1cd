import { ExchangeAdminRest } from '../../src/adapters/exchange/exchangeAdminRest';
import { InvokeCommandClient, type RetryEvent } from '../../src/adapters/exchange/invokeCommandClient';
import type { TokenSource } from '../../src/adapters/exchange/tokenSource';
import { ExchangeError } from '../../src/ports/exchange';
import { captureText } from './captures';
import { loadRecorded, startRecordedServer, type RecordedServer } from './recordedServer';
import { validateMigrationCsv } from '../../src/domain/csv/migrationCsv';

// The adapter against Exchange Online response shapes, over real HTTP on loopback. Error bodies and
// paging envelopes come from the real captures (captures.contract.test.ts has them all); the files in
// recorded/ are only for cases with no capture (see recorded/README.md).

const TENANT = '00000000-0000-0000-0000-00000000c0de';

class CountingTokenSource implements TokenSource {
  calls: Array<{ forceRefresh?: boolean } | undefined> = [];
  async getToken(options?: { forceRefresh?: boolean }): Promise<string> {
    this.calls.push(options);
    return `token-${this.calls.length}`;
  }
}

let server: RecordedServer;
let tokens: CountingTokenSource;
let sleeps: number[];
let retries: RetryEvent[];

function client(extra: Partial<ConstructorParameters<typeof InvokeCommandClient>[0]> = {}) {
  return new InvokeCommandClient({
    baseUrl: server.baseUrl,
    tenantId: TENANT,
    tokenSource: tokens,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onRetry: (e) => retries.push(e),
    random: () => 0.5, // jitter factor 1.0: delays are exact
    ...extra,
  });
}

beforeEach(async () => {
  server = await startRecordedServer();
  tokens = new CountingTokenSource();
  sleeps = [];
  retries = [];
});
afterEach(async () => {
  await server.close();
});

function sentBody(i: number): { CmdletInput: { CmdletName: string; Parameters: Record<string, unknown> } } {
  return JSON.parse(server.requests[i].body);
}

describe('request shape', () => {
  it('POSTs CmdletInput to /adminapi/beta/{tenant}/InvokeCommand with the module headers', async () => {
    server.enqueue(loadRecorded('get-mailbox-page'));
    await client().invoke('Get-Mailbox', { Identity: 'alice' });
    const req = server.requests[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/adminapi/beta/${TENANT}/InvokeCommand`);
    expect(req.headers.authorization).toBe('Bearer token-1');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-anchormailbox']).toBe(`APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT}`);
    expect(req.headers.prefer).toBe('odata.maxpagesize=1000');
    expect(req.headers['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(sentBody(0)).toEqual({ CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { Identity: 'alice' } } });
  });

  it('encodes CSVData as ByteArrayType ints, drops null/empty Identity, adds Confirm:false on High cmdlets', async () => {
    const ok = { status: 200, body: { '@adminapi.warnings': [], value: [] } };
    server.enqueue(ok, ok, ok);
    const c = client();
    await c.invoke('Set-MigrationBatch', { Identity: 'pilot', AddUsers: true, CSVData: Buffer.from('Em\n') });
    await c.invoke('Get-MigrationBatch', { Identity: '', Status: null }, { resultSize: 'Unlimited' });
    await c.invoke('Remove-MigrationBatch', { Identity: 'pilot' });
    expect(sentBody(0).CmdletInput.Parameters).toEqual({
      Identity: 'pilot',
      AddUsers: true,
      CSVData: { '@odata.type': '#Exchange.ByteArrayType', Data: [69, 109, 10] },
    });
    expect(sentBody(1).CmdletInput.Parameters).toEqual({ ResultSize: 'Unlimited' });
    expect(sentBody(2).CmdletInput.Parameters).toEqual({ Identity: 'pilot', Confirm: false });
  });

  it('adds $select when asked', async () => {
    server.enqueue(loadRecorded('get-mailbox-page'));
    await client().invoke('Get-Mailbox', {}, { select: ['Identity', 'MaxReceiveSize'] });
    expect(server.requests[0].url).toBe(`/adminapi/beta/${TENANT}/InvokeCommand?$select=Identity,MaxReceiveSize`);
  });
});

describe('parsing recorded rows', () => {
  it('maps a Get-Mailbox page to a Mailbox (sizes in bytes, addresses as array)', async () => {
    server.enqueue(loadRecorded('get-mailbox-page'));
    const mailbox = await new ExchangeAdminRest(client()).getMailbox('alice');
    expect(mailbox).toEqual({
      identity: 'alice',
      displayName: 'Alice Example',
      primarySmtpAddress: 'alice@contoso.example',
      userPrincipalName: 'alice@contoso.example',
      guid: '7f0c2a51-3d1e-4b9e-8a3c-2f1d0e9b6a41',
      recipientTypeDetails: 'UserMailbox',
      maxReceiveSize: 37_748_736,
      maxSendSize: 36_700_160,
      emailAddresses: ['SMTP:alice@contoso.example', 'smtp:alice@contoso.onmicrosoft.com', 'SPO:SPO_1234@SPO_5678'],
    });
  });

  it('maps a Get-MigrationBatch row, preferring the ...UTC date twins', async () => {
    server.enqueue(loadRecorded('get-migrationbatch'));
    const batch = await new ExchangeAdminRest(client()).getMigrationBatch('pilot');
    expect(sentBody(0).CmdletInput.Parameters).toEqual({ Identity: 'pilot', ResultSize: 'Unlimited' });
    expect(batch).toMatchObject({
      identity: 'pilot',
      status: 'SyncedWithErrors',
      migrationType: 'IMAP',
      sourceEndpoint: 'imap-contoso',
      notificationEmails: ['admin@contoso.example'],
      excludedFolders: ['Junk', 'Trash/*'],
      totalCount: 3,
      syncedCount: 2,
      failedCount: 1,
      failedInitialSyncCount: 1,
      message: null,
      initialSyncDateTime: new Date('2026-11-20T09:30:00Z'),
      lastSyncedDateTime: new Date('2026-11-21T09:30:00Z'),
    });
    expect(batch!.startDateTime!.toISOString()).toBe('2026-11-20T08:00:05.123Z');
  });
});

describe('Get-MigrationUser without EmailAddress (absent on the REST surface, exo-captures/16-…)', () => {
  it('takes the address from MailboxEmailAddress, else from Identity', async () => {
    const row = (extra: Record<string, unknown>) => ({
      Guid: 'c6b0b1c2-6a0e-4a53-9a40-1f5b2f0f9d11',
      BatchId: 'pilot',
      Status: 'Synced',
      StatusSummary: 'Synced',
      ...extra,
    });
    server.enqueue({
      status: 200,
      body: {
        '@adminapi.warnings': [],
        value: [
          row({ Identity: 'alice@contoso.example', MailboxEmailAddress: 'alice.mailbox@contoso.example' }),
          row({ Identity: 'bob@contoso.example' }),
          row({ Identity: 'carol@contoso.example', EmailAddress: 'carol.smtp@contoso.example' }),
        ],
      },
    });
    const users = await new ExchangeAdminRest(client()).getMigrationUsers({ batchId: 'pilot' });
    expect(users.map((u) => u.emailAddress)).toEqual(['alice.mailbox@contoso.example', 'bob@contoso.example', 'carol.smtp@contoso.example']);
  });
});

describe('errors', () => {
  it('401 → one retry with a fresh token; a second 401 (HTML) → a tag-free error', async () => {
    server.enqueue(loadRecorded('error-401-html'), loadRecorded('get-mailbox-page'));
    await client().invoke('Get-Mailbox', { Identity: 'alice' });
    expect(tokens.calls).toEqual([undefined, { forceRefresh: true }]);
    expect(server.requests[1].headers.authorization).toBe('Bearer token-2');

    server.enqueue(loadRecorded('error-401-html'), loadRecorded('error-401-html'));
    const e = (await client()
      .invoke('Get-Mailbox', { Identity: 'alice' })
      .catch((x: unknown) => x)) as ExchangeError;
    expect(e.httpStatus).toBe(401);
    expect(e.message).toContain('Unauthorized');
    expect(e.message).not.toMatch(/<[a-z]/i);
  });

  it('never puts CSV passwords or the request body into an error text', async () => {
    const password = 'S3cr3t!pw';
    // Exchange may quote a CSV row back; the adapter must mask it.
    server.enqueue({
      status: 400,
      body: {
        error: {
          code: 'BadRequest',
          message: 'Invalid Operation',
          details: [
            {
              code: 'Client',
              message: `Ex1A2B3C|Microsoft.Exchange.Migration.MigrationCsvValidationException|Row 2 is invalid: alice@contoso.example,alice,${password}`,
            },
          ],
        },
      },
    });
    const csv = Buffer.from(`EmailAddress,UserName,Password\r\nalice@contoso.example,alice,${password}\r\n`);
    const e = (await new ExchangeAdminRest(client())
      .newImapMigrationBatch({ name: 'pilot', sourceEndpoint: 'imap', rows: validateMigrationCsv(csv).rows })
      .catch((x: unknown) => x)) as ExchangeError;
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e.message).toContain('Row 2 is invalid');
    expect(e.message).not.toContain(password);
    expect(JSON.stringify(e)).not.toContain(password);
    expect(e.message).not.toContain('ByteArrayType');
  });

  it("writes Exchange's CSV from the rows it is given (Set-MigrationBatch -AddUsers) and masks their passwords", async () => {
    const password = 'Perché,"2026"';
    server.enqueue({
      status: 400,
      body: {
        error: {
          code: 'BadRequest',
          message: 'Invalid Operation',
          details: [{ code: 'Client', message: `Ex1A2B3C|Microsoft.Exchange.Migration.MigrationCsvValidationException|Row 2 is invalid: ${password}` }],
        },
      },
    });
    // Read as Excel writes it in Italy (semicolons, Windows-1252); Exchange gets commas and UTF-8.
    const excel = Buffer.from(`EmailAddress;UserName;Password\r\nanna@contoso.example;anna;"${password.replace(/"/g, '""')}"\r\n`, 'latin1');
    const rows = validateMigrationCsv(excel).rows;
    const e = (await new ExchangeAdminRest(client()).addUsersToMigrationBatch('pilot', rows).catch((x: unknown) => x)) as ExchangeError;
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e.message).toContain('Row 2 is invalid');
    expect(e.message).not.toContain(password);
    const sent = sentBody(server.requests.length - 1).CmdletInput.Parameters as { CSVData: { Data: number[] } };
    expect(Buffer.from(sent.CSVData.Data).toString('utf8')).toBe('EmailAddress,UserName,Password\r\nanna@contoso.example,anna,"Perché,""2026"""\r\n');
  });
});

describe('paging (captured envelopes: 04-paging-*)', () => {
  const onLoopback = (text: string) => text.split('https://outlook.office365.com/adminapi/beta/tenant').join(`${server.baseUrl}/adminapi/beta/${TENANT}`);

  it('follows a same-origin @odata.nextLink by re-POSTing the same body, anchor and page size', async () => {
    server.enqueue(
      { status: 200, bodyText: onLoopback(captureText('04-paging-truncated.capture-2026-07-23.json')) },
      { status: 200, bodyText: onLoopback(captureText('04-paging-complete.capture-2026-07-23.json')) },
    );
    const rows = await client().invoke('Get-Mailbox', {}, { resultSize: 'Unlimited' });
    expect(rows.map((r) => r.Identity)).toEqual(['one', 'one', 'two', 'three']);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].url).toMatch(/^\/adminapi\/beta\/[^/]+\/InvokeCommand\?%24skiptoken=ADZm/);
    expect(server.requests[1].body).toBe(server.requests[0].body);
    expect(server.requests[1].headers['x-anchormailbox']).toBe(server.requests[0].headers['x-anchormailbox']);
    expect(server.requests[1].headers.prefer).toBe(server.requests[0].headers.prefer);
  });

  it('a "more results" warning on the last page throws: incomplete results never look complete', async () => {
    const page = JSON.parse(captureText('04-paging-truncated.capture-2026-07-23.json'));
    delete page['@odata.nextLink'];
    server.enqueue({ status: 200, body: page });
    const e = (await client()
      .invoke('Get-Mailbox', {})
      .catch((x: unknown) => x)) as ExchangeError;
    expect(e.code).toBe('IncompleteResults');
    expect(e.message).toContain('more results available');
  });

  it('a numeric ResultSize is honoured: no paging beyond it, smaller page size asked', async () => {
    server.enqueue({ status: 200, bodyText: onLoopback(captureText('04-paging-truncated.capture-2026-07-23.json')) });
    const rows = await client().invoke('Get-Mailbox', {}, { resultSize: 1 });
    expect(rows).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].headers.prefer).toBe('odata.maxpagesize=1');
  });
});

describe('retries', () => {
  it('429 honours a fractional Retry-After, then succeeds', async () => {
    server.enqueue(loadRecorded('throttled-429'), loadRecorded('get-mailbox-page'));
    const rows = await client().invoke('Get-Mailbox', { Identity: 'alice' });
    expect(rows).toHaveLength(1);
    expect(sleeps).toEqual([500]);
    expect(retries).toEqual([{ cmdlet: 'Get-Mailbox', attempt: 1, status: 429, reason: 'throttled', delayMs: 500 }]);
  });

  it('429 without Retry-After backs off exponentially and gives up after maxRetries', async () => {
    const throttled = loadRecorded('throttled-429');
    delete throttled.headers!['retry-after'];
    server.enqueue(throttled, throttled, throttled, throttled);
    const e = (await client({ maxRetries: 3, baseDelayMs: 100 })
      .invoke('Get-MigrationBatch')
      .catch((x: unknown) => x)) as ExchangeError;
    expect(sleeps).toEqual([100, 200, 400]);
    expect(server.requests).toHaveLength(4);
    expect(e.isThrottled).toBe(true);
    expect(e.code).toBe('TooManyRequests');
  });

  it('503 and DCOverloadedException are retried; the request is sent again unchanged', async () => {
    server.enqueue(
      { status: 503, headers: { 'content-type': 'text/plain' }, bodyText: 'Service Unavailable' },
      loadRecorded('error-500-dcoverloaded'),
      loadRecorded('get-mailbox-page'),
    );
    const rows = await client({ baseDelayMs: 10 }).invoke('Get-Mailbox', { Identity: 'alice' });
    expect(rows).toHaveLength(1);
    expect(sleeps).toEqual([10, 20]);
    expect(retries.map((r) => [r.status, r.reason])).toEqual([
      [503, 'HTTP 503'],
      [500, 'DCOverloadedException'],
    ]);
    expect(new Set(server.requests.map((r) => r.body)).size).toBe(1);
  });

  it('a plain 500 is not retried', async () => {
    server.enqueue({ status: 500, body: { error: { code: 'InternalServerError', message: 'Error executing cmdlet' } } });
    const e = (await client()
      .invoke('Get-Mailbox')
      .catch((x: unknown) => x)) as ExchangeError;
    expect(e.httpStatus).toBe(500);
    expect(e.message).toBe('Error executing cmdlet');
    expect(server.requests).toHaveLength(1);
  });

  it('a refused connection is retried, then reported without the request body', async () => {
    const closed = await startRecordedServer();
    const url = closed.baseUrl;
    await closed.close();
    const c = new InvokeCommandClient({
      baseUrl: url,
      tenantId: TENANT,
      tokenSource: tokens,
      maxRetries: 2,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      baseDelayMs: 5,
    });
    const e = (await c
      .invoke('New-MigrationBatch', { Name: 'p', CSVData: Buffer.from('EmailAddress,UserName,Password\na,b,pw123\n') })
      .catch((x: unknown) => x)) as ExchangeError;
    expect(e.code).toBe('NetworkError');
    expect(sleeps).toEqual([5, 10]);
    expect(e.message).not.toContain('pw123');
  });
});

describe('ExchangeAdminRest parameters', () => {
  const empty = { status: 200, body: { '@adminapi.warnings': [], value: [] } };

  it('sends each cmdlet the parameters Exchange expects', async () => {
    server.enqueue(empty, empty, empty, empty, empty, empty);
    const admin = new ExchangeAdminRest(client());
    await admin.getMigrationUsers({ batchId: 'pilot' });
    await admin.removeMigrationUser('alice@contoso.example');
    await admin.setMailboxSizeLimits('alice', { maxReceiveSize: 150 * 1024 * 1024, maxSendSize: 36_700_161 });
    await admin.syncMigrationBatchNow('pilot');
    await admin.stopMigrationBatch('pilot');
    expect(await admin.getMigrationUser('ghost@contoso.example')).toBeNull(); // empty value → null
    const sent = server.requests.map((_, i) => sentBody(i).CmdletInput);
    expect(sent).toEqual([
      { CmdletName: 'Get-MigrationUser', Parameters: { BatchId: 'pilot', ResultSize: 'Unlimited' } },
      { CmdletName: 'Remove-MigrationUser', Parameters: { Identity: 'alice@contoso.example', Confirm: false } },
      { CmdletName: 'Set-Mailbox', Parameters: { Identity: 'alice', MaxReceiveSize: '150MB', MaxSendSize: '36700161' } },
      { CmdletName: 'Set-MigrationBatch', Parameters: { Identity: 'pilot', SyncNow: true } },
      { CmdletName: 'Stop-MigrationBatch', Parameters: { Identity: 'pilot', Confirm: false } },
      { CmdletName: 'Get-MigrationUser', Parameters: { Identity: 'ghost@contoso.example', ResultSize: 'Unlimited' } },
    ]);
  });

  it('never sends an empty Identity: Gets resolve null, actions refuse', async () => {
    const admin = new ExchangeAdminRest(client());
    expect(await admin.getMigrationBatch('')).toBeNull();
    await expect(admin.removeMigrationBatch('  ')).rejects.toThrow(/needs an Identity/);
    expect(server.requests).toHaveLength(0);
  });
});
