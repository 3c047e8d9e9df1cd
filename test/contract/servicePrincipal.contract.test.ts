import { createExchangeAdmin, StaticTokenSource } from '../../src/adapters/exchange';
import type { ExchangeAdminRest } from '../../src/adapters/exchange/exchangeAdminRest';
import { ExchangeError } from '../../src/ports/exchange';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { cmd, invokeUrl, post } from '../emulator/client';

// App-only IMAP access (reference §4.1): New-/Get-/Remove-ServicePrincipal and
// Add-/Get-/Remove-MailboxPermission on the emulator, first as raw InvokeCommand over HTTP
// (field names, error shape), then through the production REST adapter.

const APP_ID = '71487acd-ec93-476d-bd0e-6c8b31831053';
const ENTERPRISE_OBJECT_ID = '6233fba6-0198-4277-892f-9275bf728bcc';
const REGISTRATION_OBJECT_ID = '0f3c2b1a-1111-4222-8333-944455566677';

let emu: RunningExchangeEmulator;
let admin: ExchangeAdminRest;

beforeAll(async () => {
  emu = await startExchangeEmulator({ timeScale: 0 });
  emu.control.addEnterpriseApp({ appId: APP_ID, objectId: ENTERPRISE_OBJECT_ID });
  admin = createExchangeAdmin({
    baseUrl: emu.baseUrl,
    tenantId: emu.tenantId,
    tokenSource: new StaticTokenSource(emu.accessToken),
    sleep: async () => undefined,
  });
});
afterAll(async () => emu?.close());
beforeEach(() => emu.control.reset());

describe('emulator over HTTP', () => {
  const run = (name: string, p: Record<string, unknown>) => post(invokeUrl(emu), emu.accessToken, cmd(name, p));

  test('New-ServicePrincipal answers with Exchange fields; Get lists it; a bad GUID is a parameter error', async () => {
    const made = await run('New-ServicePrincipal', { AppId: APP_ID, ObjectId: ENTERPRISE_OBJECT_ID, DisplayName: 'Cutover IMAP' });
    expect(made.status).toBe(200);
    expect(made.body.value[0]).toMatchObject({
      AppId: APP_ID,
      ObjectId: ENTERPRISE_OBJECT_ID,
      ServiceId: ENTERPRISE_OBJECT_ID,
      DisplayName: 'Cutover IMAP',
      Identity: ENTERPRISE_OBJECT_ID,
    });
    const got = await run('Get-ServicePrincipal', {});
    expect(got.body.value).toHaveLength(1);
    const dup = await run('New-ServicePrincipal', { AppId: APP_ID, ObjectId: ENTERPRISE_OBJECT_ID });
    expect(dup.status).toBe(400);
    const bad = await run('New-ServicePrincipal', { AppId: 'not-a-guid', ObjectId: ENTERPRISE_OBJECT_ID });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].message).toMatch(/System\.Guid/);
    const missing = await run('New-ServicePrincipal', { AppId: APP_ID });
    expect(missing.body.error.details[0].message).toMatch(/missing mandatory parameters: ObjectId/);
  });

  test('FullAccess grant, list, revoke; a revoke of nothing is a warning; an unknown -User is NotFound', async () => {
    await run('New-ServicePrincipal', { AppId: APP_ID, ObjectId: ENTERPRISE_OBJECT_ID });
    const add = await run('Add-MailboxPermission', {
      Identity: 'terrya@contoso.edu',
      User: ENTERPRISE_OBJECT_ID,
      AccessRights: ['FullAccess'],
      InheritanceType: 'All',
      AutoMapping: false,
    });
    expect(add.status).toBe(200);
    expect(add.body.value[0]).toMatchObject({ User: ENTERPRISE_OBJECT_ID, AccessRights: ['FullAccess'], IsInherited: false, Deny: false });
    const list = await run('Get-MailboxPermission', { Identity: 'terrya@contoso.edu' });
    expect(list.body.value.map((r: { User: string }) => r.User)).toEqual(['NT AUTHORITY\\SELF', ENTERPRISE_OBJECT_ID]);
    const confirm = await run('Remove-MailboxPermission', {
      Identity: 'terrya@contoso.edu',
      User: ENTERPRISE_OBJECT_ID,
      AccessRights: ['FullAccess'],
      Confirm: true,
    });
    expect(confirm.body['@adminapi.confirmationmessage']).toMatch(/Removing mailbox permission/);
    expect((await run('Get-MailboxPermission', { Identity: 'terrya@contoso.edu', User: ENTERPRISE_OBJECT_ID })).body.value).toHaveLength(1);
    const rm = await run('Remove-MailboxPermission', {
      Identity: 'terrya@contoso.edu',
      User: ENTERPRISE_OBJECT_ID,
      AccessRights: ['FullAccess'],
      Confirm: false,
    });
    expect(rm.status).toBe(200);
    expect((await run('Get-MailboxPermission', { Identity: 'terrya@contoso.edu', User: ENTERPRISE_OBJECT_ID })).body.value).toHaveLength(0);
    const again = await run('Remove-MailboxPermission', {
      Identity: 'terrya@contoso.edu',
      User: ENTERPRISE_OBJECT_ID,
      AccessRights: ['FullAccess'],
      Confirm: false,
    });
    expect(again.body['@adminapi.warnings'][0]).toMatch(/because the ACE doesn't exist on the object/);
    const nobody = await run('Add-MailboxPermission', {
      Identity: 'terrya@contoso.edu',
      User: '11111111-2222-4333-8444-555555555555',
      AccessRights: ['FullAccess'],
    });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.details[0].message).toMatch(/ManagementObjectNotFoundException\|The operation couldn't be performed because object '11111111/);
    const badRight = await run('Add-MailboxPermission', { Identity: 'terrya@contoso.edu', User: ENTERPRISE_OBJECT_ID, AccessRights: ['Everything'] });
    expect(badRight.status).toBe(400);
    // A bad enum has no details (capture 05-error-400-invalid-enum): the valid names are in internalexception.
    expect(badRight.body.error.details).toBeUndefined();
    expect(badRight.body.error.innererror.internalexception.message).toMatch(/FullAccess/);
  });

  test('the App registration object id is accepted, and the IMAP sign-in then fails (sheet §4.1)', async () => {
    expect(emu.control.imapSignIn(APP_ID, 'terrya@contoso.edu')).toBe('NO AUTHENTICATE failed.');
    const wrong = await run('New-ServicePrincipal', { AppId: APP_ID, ObjectId: REGISTRATION_OBJECT_ID });
    expect(wrong.status).toBe(200);
    await run('Add-MailboxPermission', { Identity: 'terrya@contoso.edu', User: REGISTRATION_OBJECT_ID, AccessRights: ['FullAccess'] });
    expect(emu.control.imapSignIn(APP_ID, 'terrya@contoso.edu')).toBe('NO AUTHENTICATE failed.');
    await run('Remove-ServicePrincipal', { Identity: REGISTRATION_OBJECT_ID, Confirm: false });
    await run('New-ServicePrincipal', { AppId: APP_ID, ObjectId: ENTERPRISE_OBJECT_ID });
    expect(emu.control.imapSignIn(APP_ID, 'terrya@contoso.edu')).toBe('BAD User is authenticated but not connected.');
    await run('Add-MailboxPermission', { Identity: 'terrya@contoso.edu', User: ENTERPRISE_OBJECT_ID, AccessRights: ['FullAccess'] });
    expect(emu.control.imapSignIn(APP_ID, 'terrya@contoso.edu')).toBe('OK AUTHENTICATE completed.');
    expect(emu.control.imapSignIn(APP_ID, 'annb@contoso.edu')).toBe('BAD User is authenticated but not connected.');
  });
});

describe('REST adapter contract', () => {
  test('service principal and FullAccess round trip', async () => {
    expect(await admin.getServicePrincipal(ENTERPRISE_OBJECT_ID)).toBeNull();
    const sp = await admin.newServicePrincipal({ appId: APP_ID, objectId: ENTERPRISE_OBJECT_ID, displayName: 'Cutover IMAP' });
    expect(sp).toEqual({ identity: ENTERPRISE_OBJECT_ID, appId: APP_ID, objectId: ENTERPRISE_OBJECT_ID, displayName: 'Cutover IMAP' });
    expect((await admin.getServicePrincipal(APP_ID))?.objectId).toBe(ENTERPRISE_OBJECT_ID);

    await admin.addMailboxFullAccess('annb@contoso.edu', ENTERPRISE_OBJECT_ID);
    await admin.addMailboxFullAccess('annb@contoso.edu', ENTERPRISE_OBJECT_ID); // twice is harmless
    const perms = await admin.getMailboxPermissions('annb@contoso.edu', ENTERPRISE_OBJECT_ID);
    expect(perms).toEqual([{ identity: 'annb', user: ENTERPRISE_OBJECT_ID, accessRights: ['FullAccess'], isInherited: false, deny: false }]);
    expect((await admin.getMailboxPermissions('annb@contoso.edu')).length).toBe(2);

    await admin.removeMailboxFullAccess('annb@contoso.edu', ENTERPRISE_OBJECT_ID);
    expect(await admin.getMailboxPermissions('annb@contoso.edu', ENTERPRISE_OBJECT_ID)).toEqual([]);
    await expect(admin.removeMailboxFullAccess('annb@contoso.edu', ENTERPRISE_OBJECT_ID)).resolves.toBeUndefined();

    await expect(admin.addMailboxFullAccess('nobody@contoso.edu', ENTERPRISE_OBJECT_ID)).rejects.toMatchObject({ isNotFound: true });
    await expect(admin.addMailboxFullAccess('', ENTERPRISE_OBJECT_ID)).rejects.toBeInstanceOf(ExchangeError);
    await admin.removeServicePrincipal(ENTERPRISE_OBJECT_ID);
    expect(await admin.getServicePrincipal(ENTERPRISE_OBJECT_ID)).toBeNull();
  });
});
