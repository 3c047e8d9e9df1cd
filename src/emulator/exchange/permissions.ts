// Service principals and mailbox permissions (reference §4.1): what an app needs before it may
// write into mailboxes over IMAP with an app-only token. New-ServicePrincipal registers the Entra
// enterprise application's service principal in Exchange; Add-MailboxPermission -AccessRights
// FullAccess lets it open one mailbox. The wrong -ObjectId (the App registration's instead of the
// Enterprise application's) is accepted by the cmdlet, as in Exchange, and only the sign-in then
// fails: imapSignIn() answers with the texts the sheet records, so tests can see it.

import { randomUUID } from 'node:crypto';
import type { MigrationEngine } from './engine';
import { badArgument, badEnum, missingParameter, notFound, taskError } from './errors';
import { Params } from './params';
import { w, type WireRow } from './serializer';
import type { TenantMailbox } from './tenant';
import type { CmdletContext, CmdletResult } from './cmdletTypes';

export interface ServicePrincipalState {
  appId: string;
  objectId: string;
  displayName: string;
  guid: string;
  createdAt: Date;
}

interface Ace {
  user: string; // the service principal's ObjectId, or a mailbox's alias
  accessRights: string[];
  inheritanceType: string;
  autoMapping: boolean;
}

interface PermissionState {
  servicePrincipals: Map<string, ServicePrincipalState>; // by ObjectId (lower case)
  /** Enterprise applications Entra knows (appId → Enterprise application object id). */
  enterpriseApps: Map<string, string>;
  acl: Map<string, Ace[]>; // by mailbox guid
}

const states = new WeakMap<MigrationEngine, PermissionState>();

function state(engine: MigrationEngine): PermissionState {
  let s = states.get(engine);
  if (!s) {
    s = { servicePrincipals: new Map(), enterpriseApps: new Map(), acl: new Map() };
    states.set(engine, s);
  }
  return s;
}

export function resetPermissions(engine: MigrationEngine): void {
  const s = state(engine);
  s.servicePrincipals.clear();
  s.acl.clear();
}

/** Tells the emulated Entra which object id the app's enterprise application (service principal) has. */
export function addEnterpriseApp(engine: MigrationEngine, app: { appId: string; objectId: string }): void {
  state(engine).enterpriseApps.set(app.appId.toLowerCase(), app.objectId.toLowerCase());
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCESS_RIGHTS = ['ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount', 'FullAccess', 'ReadPermission'] as const;
const T_RIGHTS = 'Microsoft.Exchange.Management.RecipientTasks.MailboxRights[]';
const T_INHERIT = 'System.DirectoryServices.ActiveDirectorySecurityInheritance';
const INHERITANCE = ['None', 'All', 'Descendents', 'SelfAndChildren', 'Children'] as const;

function guidParam(p: Params, name: string): string {
  const v = p.string(name)!;
  if (!GUID.test(v)) {
    throw badArgument(
      name,
      `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${v}" to type "System.Guid". Error: "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."`,
    );
  }
  return v.toLowerCase();
}

function findSp(engine: MigrationEngine, identity: string): ServicePrincipalState | undefined {
  const id = identity.trim().toLowerCase();
  const s = state(engine);
  return s.servicePrincipals.get(id) ?? [...s.servicePrincipals.values()].find((x) => x.appId === id || x.guid === id || x.displayName.toLowerCase() === id);
}

function spRow(sp: ServicePrincipalState): WireRow {
  return {
    Identity: w.str(sp.objectId),
    Name: w.str(sp.objectId),
    DisplayName: w.str(sp.displayName),
    AppId: w.str(sp.appId),
    ObjectId: w.str(sp.objectId),
    // The deprecated name of ObjectId (PS:New-ServicePrincipal).
    ServiceId: w.str(sp.objectId),
    Guid: w.guid(sp.guid),
    WhenCreated: w.date(sp.createdAt),
    WhenCreatedUTC: w.dateUtc(sp.createdAt),
  };
}

function mailboxOf(engine: MigrationEngine, identity: string): TenantMailbox {
  const m = engine.findMailbox(identity);
  if (!m) throw notFound(identity);
  return m;
}

/** Who an ACE names, as Get-MailboxPermission shows it. */
function userLabel(engine: MigrationEngine, ace: Ace): string {
  const sp = state(engine).servicePrincipals.get(ace.user);
  return sp ? sp.objectId : ace.user;
}

function aceRow(m: TenantMailbox, user: string, ace: Pick<Ace, 'accessRights' | 'inheritanceType'>, isInherited = false): WireRow {
  return {
    Identity: w.str(m.alias),
    User: w.str(user),
    AccessRights: w.strings(ace.accessRights),
    IsInherited: w.bool(isInherited),
    Deny: w.bool(false),
    InheritanceType: w.enum(ace.inheritanceType),
  };
}

/** The -User of a permission cmdlet: a registered service principal (by ObjectId, AppId or name) or a mailbox. */
function resolveUser(engine: MigrationEngine, user: string): string {
  const sp = findSp(engine, user);
  if (sp) return sp.objectId;
  const m = engine.findMailbox(user);
  if (m) return m.alias.toLowerCase();
  throw notFound(user);
}

export const permissionHandlers: Record<string, (raw: Record<string, unknown>, ctx: CmdletContext) => CmdletResult> = {
  'New-ServicePrincipal': (raw, { engine }) => {
    const p = new Params(raw, ['AppId', 'ObjectId', 'ServiceId', 'DisplayName', 'Organization']);
    // -ServiceId is the deprecated name of -ObjectId.
    const objectName = p.present('ObjectId') ? 'ObjectId' : 'ServiceId';
    const missing = [...(p.present('AppId') ? [] : ['AppId']), ...(p.present(objectName) ? [] : ['ObjectId'])];
    if (missing.length) throw missingParameter(missing);
    const appId = guidParam(p, 'AppId');
    const objectId = guidParam(p, objectName);
    const s = state(engine);
    if (s.servicePrincipals.has(objectId) || [...s.servicePrincipals.values()].some((x) => x.appId === appId)) {
      // Exchange's exact text for a duplicate is not on record; modelled on its ADObjectAlreadyExists wording.
      throw taskError(
        'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException',
        `The service principal with AppId '${appId}' already exists in this organization.`,
        'Ex7C1D3A',
        'AppId',
      );
    }
    const sp: ServicePrincipalState = { appId, objectId, displayName: p.string('DisplayName') ?? objectId, guid: randomUUID(), createdAt: engine.now() };
    s.servicePrincipals.set(objectId, sp);
    return { rows: [spRow(sp)] };
  },

  'Get-ServicePrincipal': (raw, { engine }) => {
    const p = new Params(raw, ['Identity', 'Organization']);
    if (p.present('Identity')) {
      const sp = findSp(engine, p.string('Identity')!);
      if (!sp) throw notFound(p.string('Identity')!);
      return { rows: [spRow(sp)] };
    }
    return { rows: [...state(engine).servicePrincipals.values()].map(spRow) };
  },

  'Remove-ServicePrincipal': (raw, { engine }) => {
    const p = new Params(raw, ['Identity'], ['Identity']);
    const sp = findSp(engine, p.string('Identity')!);
    if (!sp) throw notFound(p.string('Identity')!);
    if (isConfirmPass(p))
      return { rows: [], confirmationMessage: `Are you sure you want to perform this action?\r\nRemoving service principal "${sp.objectId}".` };
    state(engine).servicePrincipals.delete(sp.objectId);
    // Its mailbox permissions stay behind as orphaned entries in Exchange; the emulator drops them.
    for (const [k, aces] of state(engine).acl)
      state(engine).acl.set(
        k,
        aces.filter((a) => a.user !== sp.objectId),
      );
    return { rows: [] };
  },

  'Add-MailboxPermission': (raw, { engine }) => {
    const p = new Params(raw, ['Identity', 'User', 'AccessRights', 'InheritanceType', 'AutoMapping', 'Deny', 'Owner'], ['Identity', 'User', 'AccessRights']);
    const m = mailboxOf(engine, p.string('Identity')!);
    const rights = (p.strings('AccessRights') ?? []).map((r) => {
      const hit = ACCESS_RIGHTS.find((a) => a.toLowerCase() === r.toLowerCase());
      if (!hit) throw badEnumRights(r);
      return hit;
    });
    const inheritanceType = p.enumValue('InheritanceType', INHERITANCE, T_INHERIT) ?? 'All';
    const user = resolveUser(engine, p.string('User')!);
    const acl = state(engine).acl.get(m.guid) ?? [];
    let ace = acl.find((a) => a.user === user);
    if (!ace) {
      ace = { user, accessRights: [], inheritanceType, autoMapping: p.present('AutoMapping') ? p.switch('AutoMapping') : true };
      acl.push(ace);
    }
    for (const r of rights) if (!ace.accessRights.includes(r)) ace.accessRights.push(r);
    state(engine).acl.set(m.guid, acl);
    return { rows: [aceRow(m, userLabel(engine, ace), { accessRights: rights, inheritanceType })] };
  },

  'Get-MailboxPermission': (raw, { engine }) => {
    const p = new Params(
      raw,
      ['Identity', 'User', 'Owner', 'ResultSize', 'SoftDeletedMailbox', 'IncludeSoftDeletedUserPermissions', 'GroupMailbox'],
      ['Identity'],
    );
    const m = mailboxOf(engine, p.string('Identity')!);
    const acl = state(engine).acl.get(m.guid) ?? [];
    let rows: WireRow[] = [
      aceRow(m, 'NT AUTHORITY\\SELF', { accessRights: ['FullAccess', 'ReadPermission'], inheritanceType: 'All' }),
      ...acl.filter((a) => a.accessRights.length > 0).map((a) => aceRow(m, userLabel(engine, a), a)),
    ];
    if (p.present('User')) {
      const user = resolveUser(engine, p.string('User')!);
      rows = acl.filter((a) => a.user === user && a.accessRights.length > 0).map((a) => aceRow(m, userLabel(engine, a), a));
    }
    return { rows, resultSize: p.resultSize() };
  },

  'Remove-MailboxPermission': (raw, { engine }) => {
    const p = new Params(
      raw,
      ['Identity', 'User', 'AccessRights', 'InheritanceType', 'Deny', 'ResetDefault', 'SoftDeletedMailbox', 'BypassMasterAccountSid'],
      ['Identity', 'User', 'AccessRights'],
    );
    const m = mailboxOf(engine, p.string('Identity')!);
    const userText = p.string('User')!;
    const rights = (p.strings('AccessRights') ?? []).map((r) => {
      const hit = ACCESS_RIGHTS.find((a) => a.toLowerCase() === r.toLowerCase());
      if (!hit) throw badEnumRights(r);
      return hit;
    });
    const user = resolveUser(engine, userText);
    if (isConfirmPass(p)) {
      return {
        rows: [],
        confirmationMessage: `Are you sure you want to perform this action?\r\nRemoving mailbox permission "${m.alias}" for user "${userText}" with access rights "'${rights.join("', '")}'".`,
      };
    }
    const acl = state(engine).acl.get(m.guid) ?? [];
    const ace = acl.find((a) => a.user === user);
    if (!ace || !rights.some((r) => ace.accessRights.includes(r))) {
      // Exchange answers a missing entry with a warning, not an error.
      return {
        rows: [],
        warnings: [`Can't remove the access control entry on the object "${m.alias}" for account "${userText}" because the ACE doesn't exist on the object.`],
      };
    }
    ace.accessRights = ace.accessRights.filter((r) => !rights.includes(r as (typeof ACCESS_RIGHTS)[number]));
    state(engine).acl.set(
      m.guid,
      acl.filter((a) => a.accessRights.length > 0),
    );
    return { rows: [] };
  },
};

function isConfirmPass(p: Params): boolean {
  const c = p.raw('Confirm');
  return c === true || c === 'true' || c === 'True';
}

function badEnumRights(value: string) {
  return badEnum('AccessRights', value, T_RIGHTS, ACCESS_RIGHTS);
}

/**
 * An app-only IMAP sign-in as Exchange Online answers it (reference §4.1): the token's app must be a
 * registered service principal whose ObjectId is the enterprise application's (else AUTHENTICATE
 * fails), and it needs FullAccess on the mailbox (else "User is authenticated but not connected.").
 */
export function imapSignIn(engine: MigrationEngine, appId: string, mailbox: string): string {
  const s = state(engine);
  const sp = [...s.servicePrincipals.values()].find((x) => x.appId === appId.toLowerCase());
  const enterpriseObjectId = s.enterpriseApps.get(appId.toLowerCase());
  if (!sp || (enterpriseObjectId !== undefined && sp.objectId !== enterpriseObjectId)) return 'NO AUTHENTICATE failed.';
  const m = engine.findMailbox(mailbox);
  const ace = m ? (s.acl.get(m.guid) ?? []).find((a) => a.user === sp.objectId) : undefined;
  if (!ace?.accessRights.includes('FullAccess')) return 'BAD User is authenticated but not connected.';
  return 'OK AUTHENTICATE completed.';
}
