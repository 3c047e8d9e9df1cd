// The emulated tenant's mailboxes. The demo tenant is contoso.edu with a mailbox for every
// demo source user, at Exchange Online's default limits (35 MB send / 36 MB receive).

import { randomUUID } from 'node:crypto';
import { DEMO_DOMAIN, DEMO_USERS } from './demoSource';

export interface TenantMailbox {
  guid: string;
  exchangeGuid: string;
  externalDirectoryObjectId: string;
  alias: string;
  displayName: string;
  primarySmtpAddress: string;
  userPrincipalName: string;
  emailAddresses: string[]; // "SMTP:primary", "smtp:proxy"
  recipientTypeDetails: string;
  maxReceiveSize: number | 'Unlimited';
  maxSendSize: number | 'Unlimited';
  whenCreated: Date;
}

const MB = 1024 * 1024;
export const DEFAULT_MAX_SEND_SIZE = 35 * MB;
export const DEFAULT_MAX_RECEIVE_SIZE = 36 * MB;
export const DEMO_INITIAL_DOMAIN = 'contoso.onmicrosoft.com';

export function newMailbox(alias: string, displayName: string, domain: string, initialDomain: string, whenCreated: Date): TenantMailbox {
  const primary = `${alias}@${domain}`;
  return {
    guid: randomUUID(),
    exchangeGuid: randomUUID(),
    externalDirectoryObjectId: randomUUID(),
    alias,
    displayName,
    primarySmtpAddress: primary,
    userPrincipalName: primary,
    emailAddresses: [`SMTP:${primary}`, `smtp:${alias}@${initialDomain}`],
    recipientTypeDetails: 'UserMailbox',
    maxReceiveSize: DEFAULT_MAX_RECEIVE_SIZE,
    maxSendSize: DEFAULT_MAX_SEND_SIZE,
    whenCreated,
  };
}

export function demoMailboxes(now: Date): TenantMailbox[] {
  return [
    newMailbox('admin', 'Contoso IT Admin', DEMO_DOMAIN, DEMO_INITIAL_DOMAIN, now),
    ...DEMO_USERS.map((u) => newMailbox(u.alias, u.displayName, DEMO_DOMAIN, DEMO_INITIAL_DOMAIN, now)),
  ];
}

/** Get-Mailbox -Identity accepts name/alias, any proxy address, UPN, GUIDs, display name. */
export function mailboxMatches(m: TenantMailbox, identity: string): boolean {
  const id = identity.trim().toLowerCase();
  return (
    m.alias.toLowerCase() === id ||
    m.displayName.toLowerCase() === id ||
    m.userPrincipalName.toLowerCase() === id ||
    m.guid === id ||
    m.exchangeGuid === id ||
    m.externalDirectoryObjectId === id ||
    m.emailAddresses.some((a) => a.slice(a.indexOf(':') + 1).toLowerCase() === id)
  );
}

export function effectiveLimit(v: number | 'Unlimited'): number {
  // Unlimited in Exchange Online still means the 150 MB service ceiling.
  return v === 'Unlimited' ? 150 * MB : v;
}
