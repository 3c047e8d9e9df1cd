// The service principal's FullAccess grants around app-only delta passes, against the emulator
// over HTTP: registered and granted on exactly the batch's mailboxes before the first pass, kept
// (not re-added) on the next, removed when the plan ends. The demo mailboxes stand in for
// Exchange's IMAP; the access is marked app-only, as the XOAUTH2 target is in production.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExchangeAdmin, StaticTokenSource } from '../../src/adapters/exchange';
import { DemoDnsResolver } from '../../src/adapters/dns/demoResolver';
import { FileStore } from '../../src/adapters/storage/fileStore';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { CutoverError, CutoverService } from '../../src/services/cutover';
import { demoMailboxAccess } from '../../src/emulator/mailboxes/demoMailboxes';
import { validateMigrationCsv } from '../../src/domain/csv/migrationCsv';

const APP_ID = '71487acd-ec93-476d-bd0e-6c8b31831053';
const SP = '6233fba6-0198-4277-892f-9275bf728bcc';
const CSV = Buffer.from('EmailAddress,UserName,Password\r\nterrya@contoso.edu,terry.adams,1091990\r\nannb@contoso.edu,ann.beebe,2111991\r\n');

let emu: RunningExchangeEmulator;
let dir: string;
const exchange = () =>
  createExchangeAdmin({ baseUrl: emu.baseUrl, tenantId: emu.tenantId, tokenSource: new StaticTokenSource(emu.accessToken), sleep: async () => undefined });

function service(servicePrincipal: { appId: string; objectId: string } | null, sub: string): CutoverService {
  const ex = exchange();
  const demo = demoMailboxAccess(async () => 35 * 1024 * 1024);
  return new CutoverService({
    store: new FileStore(path.join(dir, sub)),
    clock: { now: () => new Date() },
    exchange: ex,
    resolvers: [new DemoDnsResolver('contoso.edu', async () => false)],
    key: Buffer.alloc(32, 3),
    mailboxes: () => ({ ...demo, kind: 'IMAP', appOnly: true, description: 'demo mailboxes as the app-only target' }),
    servicePrincipal,
  });
}

beforeAll(async () => {
  emu = await startExchangeEmulator({ timeScale: 0 });
  emu.control.addEnterpriseApp({ appId: APP_ID, objectId: SP });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-grants-'));
  const ex = exchange();
  await ex.newImapMigrationEndpoint({ name: 'school', remoteServer: 'imap.contoso.edu', port: 993, security: 'Ssl' });
  await ex.newImapMigrationBatch({ name: 'pilot', sourceEndpoint: 'school', rows: validateMigrationCsv(CSV).rows, autoStart: true });
  await emu.control.advance(3600);
  await emu.control.settle();
});
afterAll(async () => {
  await emu?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const fullAccess = async (mailbox: string) =>
  (
    await exchange()
      .getMailboxPermissions(mailbox, SP)
      .catch(() => [])
  ).filter((p) => p.accessRights.includes('FullAccess')).length;

test('grants FullAccess on exactly the batch mailboxes before the pass, and removes them when the plan ends', async () => {
  const svc = service({ appId: APP_ID, objectId: SP }, 'a');
  await svc.plan('pilot', { domain: 'contoso.edu', by: 'admin', csv: CSV });
  expect(emu.control.imapSignIn(APP_ID, 'terrya@contoso.edu')).toBe('NO AUTHENTICATE failed.');

  const first = await svc.runDeltaPass('pilot');
  expect(first.failedUsers).toEqual([]);
  expect(first.grants).toEqual({
    kind: 'granted',
    servicePrincipal: SP,
    registered: true,
    added: ['terrya@contoso.edu', 'annb@contoso.edu'],
    kept: 0,
    removed: [],
  });
  expect(await fullAccess('terrya@contoso.edu')).toBe(1);
  expect(await fullAccess('annb@contoso.edu')).toBe(1);
  // Not in the batch: no access.
  expect(await fullAccess('paulc@contoso.edu')).toBe(0);
  expect(emu.control.imapSignIn(APP_ID, 'annb@contoso.edu')).toBe('OK AUTHENTICATE completed.');
  expect(emu.control.imapSignIn(APP_ID, 'paulc@contoso.edu')).toBe('BAD User is authenticated but not connected.');

  const second = await svc.runDeltaPass('pilot');
  expect(second.grants).toMatchObject({ kind: 'granted', registered: false, added: [], kept: 2 });
  expect((await svc.getPlan('pilot'))?.grants?.mailboxes).toEqual(['terrya@contoso.edu', 'annb@contoso.edu']);

  const end = await svc.step('pilot', 'remove-batch', 'admin', true);
  expect(end.ok).toBe(true);
  expect(end.revoked).toEqual({ removed: ['terrya@contoso.edu', 'annb@contoso.edu'], failed: [] });
  expect(await fullAccess('terrya@contoso.edu')).toBe(0);
  expect(await fullAccess('annb@contoso.edu')).toBe(0);
  expect((await svc.getPlan('pilot'))?.grants?.revokedAt).toBeTruthy();
  // The service principal stays registered: other plans may hold grants through it.
  expect(await exchange().getServicePrincipal(SP)).not.toBeNull();
});

test('an app-only target without AZURE_CLIENT_SP_OBJECT_ID is refused with the fix, before any copy', async () => {
  const svc = service(null, 'b');
  await svc.plan('pilot', { domain: 'contoso.edu', by: 'admin', csv: CSV });
  const err = await svc.runDeltaPass('pilot').catch((e) => e);
  expect(err).toBeInstanceOf(CutoverError);
  expect(err.message).toMatch(/AZURE_CLIENT_SP_OBJECT_ID .*Enterprise application/);
});
