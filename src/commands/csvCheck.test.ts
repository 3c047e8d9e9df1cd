// The one "validate, then look up in Exchange" path: what it asks Exchange, what it adds,
// and the endpoint a kept upload still shows after Exchange lost it.

import { validateMigrationCsv } from '../domain/csv/migrationCsv';
import type { MigrationEndpoint } from '../domain/exchange/types';
import { checkCsvAgainstExchange, endpointOfKept, readKeptCsv, recordCheck, worthKeeping } from './csvCheck';
import type { CommandDeps } from './types';
import { handlerDeps } from '../../test/support/handlerDeps';

const CSV = 'EmailAddress,UserName,Password\r\nanna@contoso.edu,anna,pw1\r\nben@contoso.edu,ben,pw2\r\ncleo@contoso.edu,cleo,pw3\r\n';

function exchange(calls: string[], endpoints: MigrationEndpoint[] = []) {
  return {
    getMigrationUsers: async () => (calls.push('getMigrationUsers'), [{ emailAddress: 'ben@contoso.edu', batchId: 'wave1' }]),
    getMailbox: async (email: string) => (
      calls.push(`getMailbox ${email}`),
      email === 'cleo@contoso.edu' ? null : { primarySmtpAddress: email, emailAddresses: [] }
    ),
    getMigrationEndpoint: async (id: string) => endpoints.find((e) => e.identity === id) ?? null,
  } as unknown as CommandDeps['exchange'];
}

describe('checkCsvAgainstExchange', () => {
  it('adds what only Exchange knows: a missing target mailbox and a user already in a batch', async () => {
    const calls: string[] = [];
    const v = await checkCsvAgainstExchange({ exchange: exchange(calls) }, validateMigrationCsv(CSV));
    expect(v.problems.map((p) => [p.rowNumber, p.code])).toEqual([
      [2, 'AlreadyInBatch'],
      [3, 'TargetMailboxNotFound'],
    ]);
    expect(calls.sort()).toEqual(['getMailbox anna@contoso.edu', 'getMailbox ben@contoso.edu', 'getMailbox cleo@contoso.edu', 'getMigrationUsers']);
    expect(worthKeeping(v)).toBe(true);
  });

  it('asks Exchange nothing about a file that cannot be used', async () => {
    const calls: string[] = [];
    const v = await checkCsvAgainstExchange({ exchange: exchange(calls) }, validateMigrationCsv('Email,User\r\na,b\r\n'));
    expect(v.fatal).toBe(true);
    expect(calls).toEqual([]);
    expect(worthKeeping(v)).toBe(false);
  });

  it('reads a kept upload as the admin chose on the card', () => {
    const kept = { csv: Buffer.from('EmailAddress;UserName;Password\r\nanna@contoso.edu;anna;a,b\r\n'), pending: { reading: { separator: ';' as const } } };
    const v = readKeptCsv(kept);
    expect(v.reading?.separator).toBe(';');
    expect(v.rows[0].password.reveal()).toBe('a,b');
  });

  it('audits the check and has no licence line without Graph', async () => {
    const entries: unknown[] = [];
    const h = await handlerDeps({ audit: { record: async (e: unknown) => void entries.push(e), recent: async () => [] } });
    const line = await recordCheck(h.deps, { id: 'u1' }, 'pilot', validateMigrationCsv(CSV)).finally(() => h.close());
    expect(line).toBe('');
    expect(entries).toEqual([{ actor: { id: 'u1' }, action: 'batch.validate', target: 'pilot', result: 'ok', detail: '3 rows, 0 with problems' }]);
  });
});

describe('endpointOfKept', () => {
  const school = { identity: 'school', remoteServer: 'imap.contoso.edu', port: 993, security: 'Ssl' } as MigrationEndpoint;

  it('is the endpoint as Exchange has it now', async () => {
    expect(await endpointOfKept({ exchange: exchange([], [school]) }, { endpoint: 'school', summary: {} })).toBe(school);
  });

  it('is the server kept with the upload when Exchange no longer has the endpoint', async () => {
    const summary = { server: { remoteServer: 'imap.old.example', port: 143, security: 'Tls' } };
    expect(await endpointOfKept({ exchange: exchange([]) }, { endpoint: 'gone', summary })).toEqual({
      identity: 'gone',
      remoteServer: 'imap.old.example',
      port: 143,
      security: 'Tls',
    });
  });
});
