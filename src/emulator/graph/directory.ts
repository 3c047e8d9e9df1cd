// The Graph emulator's directory: the contoso.edu demo tenant (the same people as the
// Exchange emulator's mailboxes), with licences. Most have Microsoft 365 Business Basic;
// two have no Exchange Online plan, to show the licence warning.

import { createHash } from 'node:crypto';
import { DEMO_DOMAIN, DEMO_USERS } from '../exchange/demoSource';

export interface EmulatedLicence {
  skuId: string;
  skuPartNumber: string;
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
}

export interface EmulatedUser {
  id: string;
  userPrincipalName: string;
  mail: string;
  displayName: string;
  licences: EmulatedLicence[];
}

const plan = (servicePlanId: string, servicePlanName: string) => ({ servicePlanId, servicePlanName, provisioningStatus: 'Success', appliesTo: 'User' });

export const BUSINESS_BASIC: EmulatedLicence = {
  skuId: '3b555118-da6a-4418-894f-7df1e2096870',
  skuPartNumber: 'O365_BUSINESS_ESSENTIALS',
  servicePlans: [
    plan('9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'EXCHANGE_S_STANDARD'),
    plan('57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1'),
    plan('5dbe027f-2339-4123-9542-606e4d348a72', 'SHAREPOINTSTANDARD'),
  ],
};
export const BUSINESS_STANDARD: EmulatedLicence = {
  skuId: 'f245ecc8-75af-4f8e-b61f-27d8114de5b3',
  skuPartNumber: 'O365_BUSINESS_PREMIUM',
  servicePlans: [plan('9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'EXCHANGE_S_STANDARD'), plan('57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1')],
};
// A free SKU whose only Exchange plan is EXCHANGE_S_FOUNDATION: no mailbox.
export const FLOW_FREE: EmulatedLicence = {
  skuId: 'f30db892-07e9-47e9-837c-80727f46fd3d',
  skuPartNumber: 'FLOW_FREE',
  servicePlans: [plan('113feb6c-3fe4-4440-bddc-54d774bf0318', 'EXCHANGE_S_FOUNDATION'), plan('50e68c76-46c6-4674-81f9-75456511b170', 'FLOW_P2_VIRAL')],
};

/** Teams test users (test/support/activities.ts) keep their Entra object ids here, so a chat maps to a mailbox. */
export const FIXED_IDS: Record<string, string> = {
  alexw: '00000000-0000-0000-0000-0000000000a1',
  meganb: '00000000-0000-0000-0000-0000000000a2',
};
export const UNLICENSED_ALIASES = ['adelev', 'miriamg'];

function stableId(alias: string): string {
  const h = createHash('sha256').update(`contoso.edu/${alias}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function demoDirectory(): EmulatedUser[] {
  const make = (alias: string, displayName: string, licences: EmulatedLicence[]): EmulatedUser => ({
    id: FIXED_IDS[alias] ?? stableId(alias),
    userPrincipalName: `${alias}@${DEMO_DOMAIN}`,
    mail: `${alias}@${DEMO_DOMAIN}`,
    displayName,
    licences,
  });
  return [
    make('admin', 'Contoso IT Admin', [BUSINESS_STANDARD]),
    ...DEMO_USERS.map((u) => make(u.alias, u.displayName, u.alias === 'adelev' ? [] : u.alias === 'miriamg' ? [FLOW_FREE] : [BUSINESS_BASIC])),
  ];
}
