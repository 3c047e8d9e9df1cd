// Microsoft Graph as Cutover uses it: directory users and their licences, a person's
// contacts and calendar, and Teams app installs. The adapter (src/adapters/graph) speaks
// Graph's REST contract to graph.microsoft.com or, in local mode, to the Graph emulator.

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
}

export interface GraphServicePlan {
  servicePlanId: string;
  servicePlanName: string;
  provisioningStatus: string;
  appliesTo: string;
}

export interface GraphLicenseDetail {
  id: string;
  skuId: string;
  skuPartNumber: string;
  servicePlans: GraphServicePlan[];
}

/** One request inside a JSON batch; url is relative to the version root ("/users/{id}/contacts"). */
export interface GraphBatchRequest {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
}

export interface GraphBatchResponse {
  id: string;
  status: number;
  body: unknown;
}

/** A named MAPI property (singleValueExtendedProperties) Cutover stamps on what it creates. */
export interface ExtendedPropertyValue {
  id: string;
  value: string;
}

export interface GraphItemWithProps {
  id: string;
  singleValueExtendedProperties?: ExtendedPropertyValue[];
}

export interface GraphRequestStats {
  /** HTTP requests sent (a $batch counts once), including retries. */
  requests: number;
  /** Requests or batch items answered 429. */
  throttled: number;
}

export interface GraphPort {
  /** GET /users/{id|upn}; null on 404. */
  getUser(idOrUpn: string): Promise<GraphUser | null>;
  /** GET /users?$filter=mail eq '…'; null when nobody has that address. */
  findUserByMail(mail: string): Promise<GraphUser | null>;
  /** GET /users/{id}/licenseDetails (all pages). */
  licenseDetails(userId: string): Promise<GraphLicenseDetail[]>;
  /**
   * Every contact or event of the mailbox with one extended property expanded (all pages),
   * so an import can tell what it already created.
   */
  listWithProperty(userId: string, collection: 'contacts' | 'events', propertyId: string): Promise<GraphItemWithProps[]>;
  /**
   * Sends requests in $batch calls of at most 20, retrying items answered 429 after their
   * Retry-After; returns one final response per request (order of the input).
   */
  batch(requests: GraphBatchRequest[], options?: { onProgress?: (done: number, total: number) => void }): Promise<GraphBatchResponse[]>;
  /** GET /users/{id}/teamwork/installedApps filtered on the Teams app id. */
  isAppInstalled(userId: string, teamsAppId: string): Promise<boolean>;
  /** POST /users/{id}/teamwork/installedApps; needs TeamsAppInstallation.ReadWriteSelfForUser.All. */
  installApp(userId: string, teamsAppId: string): Promise<void>;
  stats(): GraphRequestStats;
}

/** Graph answered with an error body ({ error: { code, message } }). */
/**
 * The directory user for a migration address (the CSV's EmailAddress): by primary SMTP address,
 * else by user principal name, which is often the same address when mail is not set yet.
 */
export async function findUserByAddress(graph: Pick<GraphPort, 'findUserByMail' | 'getUser'>, address: string): Promise<GraphUser | null> {
  return (await graph.findUserByMail(address)) ?? (address.includes('@') ? await graph.getUser(address) : null);
}

export class GraphError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

// Service plans that give a user an Exchange Online mailbox (reference §5).
// EXCHANGE_S_FOUNDATION is in many non-mail SKUs and is not a mailbox.
export const EXCHANGE_MAILBOX_PLANS: Record<string, string> = {
  '9aaf7827-d63c-4b61-89c3-182f06f82e5c': 'EXCHANGE_S_STANDARD',
  'efb87545-963c-4e0d-99df-69c6916d9eb0': 'EXCHANGE_S_ENTERPRISE',
  '1126bef5-da20-4f07-b45e-ad25d2581aa8': 'EXCHANGE_S_ESSENTIALS',
};
const MAILBOX_PLAN_NAMES = new Set(['EXCHANGE_S_STANDARD', 'EXCHANGE_S_ENTERPRISE', 'EXCHANGE_S_ESSENTIALS', 'EXCHANGE_S_DESKLESS']);

/** Plans people can buy that include an Exchange Online mailbox, for the warning text. */
export const PLANS_WITH_EXCHANGE = ['Microsoft 365 Business Basic', 'Microsoft 365 Business Standard', 'Microsoft 365 A1/A3/A5', 'Exchange Online (Plan 1)'];

/** True when a licence gives a working Exchange Online mailbox plan. */
export function hasExchangeLicence(details: GraphLicenseDetail[]): boolean {
  return details.some((d) =>
    d.servicePlans.some(
      (p) => (EXCHANGE_MAILBOX_PLANS[p.servicePlanId] !== undefined || MAILBOX_PLAN_NAMES.has(p.servicePlanName)) && p.provisioningStatus !== 'Disabled',
    ),
  );
}
