// The Bot Framework credentials the bot signs its replies with (client credentials of the Azure Bot's app).
// Public cloud and US Government (login.microsoftonline.com / .us): botbuilder's own factory. Any other
// login URL configured with ToChannelFromBotLoginUrl (21Vianet, another sovereign cloud, a test stand-in):
// the same token from that authority through MSAL, told to trust the configured host as given, since
// botbuilder's private-cloud path would first ask login.microsoftonline.com's instance discovery about it.

import { ConfidentialClientApplication } from '@azure/msal-node';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import { TeamsAdapter } from '@microsoft/teams-ai';

/** What botbuilder's connector client needs from a credential: a header on each request. */
interface SigningCredentials {
  signRequest<T extends { headers: { set(name: string, value: string): void } }>(webResource: T): Promise<T>;
}

const BUILT_IN_LOGIN_PREFIXES = ['https://login.microsoftonline.com/', 'https://login.microsoftonline.us/'];

export interface BotCredentialOptions {
  MicrosoftAppId: string;
  MicrosoftAppPassword: string;
  MicrosoftAppType: string;
  MicrosoftAppTenantId: string;
}

export class BotCredentialFactory extends ConfigurationServiceClientCredentialFactory {
  private readonly apps = new Map<string, ConfidentialClientApplication>();

  constructor(private readonly options: BotCredentialOptions) {
    super(options);
  }

  override async createCredentials(appId: string, audience: string, loginEndpoint: string, validateAuthority: boolean) {
    const endpoint = (loginEndpoint ?? '').toLowerCase();
    if (
      !endpoint ||
      BUILT_IN_LOGIN_PREFIXES.some((p) => endpoint.startsWith(p)) ||
      !this.options.MicrosoftAppPassword ||
      (await this.isAuthenticationDisabled())
    ) {
      return super.createCredentials(appId, audience, loginEndpoint, validateAuthority);
    }
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    let app = this.apps.get(endpoint);
    if (!app) {
      app = new ConfidentialClientApplication({
        auth: {
          clientId: this.options.MicrosoftAppId,
          clientSecret: this.options.MicrosoftAppPassword,
          authority: loginEndpoint,
          knownAuthorities: [new URL(loginEndpoint).host],
        },
      });
      this.apps.set(endpoint, app);
    }
    const scope = audience.endsWith('/.default') ? audience : `${audience.replace(/\/+$/, '')}/.default`;
    const client = app;
    const credentials: SigningCredentials = {
      async signRequest(webResource) {
        // MSAL keeps the token in memory and renews it before it expires.
        const result = await client.acquireTokenByClientCredential({ scopes: [scope] });
        if (!result?.accessToken) throw new Error(`Microsoft Entra returned no Bot Framework token for ${scope}`);
        webResource.headers.set('authorization', `Bearer ${result.accessToken}`);
        return webResource;
      },
    };
    return credentials as unknown as Awaited<ReturnType<ConfigurationServiceClientCredentialFactory['createCredentials']>>;
  }
}

/**
 * The bot's adapter: incoming requests are checked against the app id (JWT from Bot Framework; an empty id is
 * local mode, unauthenticated), replies signed with its credentials. Sovereign clouds: botbuilder's own settings
 * (ToBotFromChannelOpenIdMetadataUrl, …), read by ConfigurationBotFrameworkAuthentication.
 */
export function teamsAdapter(credentials: BotCredentialOptions, cloud: object = {}): TeamsAdapter {
  return new TeamsAdapter({ ...credentials, ...cloud }, new BotCredentialFactory(credentials));
}

/** The credentials of local mode and tests: no app id, nothing checked (the connector is on loopback). */
export const NO_BOT_CREDENTIALS: BotCredentialOptions = {
  MicrosoftAppId: '',
  MicrosoftAppPassword: '',
  MicrosoftAppType: 'MultiTenant',
  MicrosoftAppTenantId: '',
};

/** An adapter with no app credentials: local mode and tests (the connector is on loopback). */
export function unauthenticatedAdapter(): TeamsAdapter {
  return new TeamsAdapter({ ...NO_BOT_CREDENTIALS }, new ConfigurationServiceClientCredentialFactory(NO_BOT_CREDENTIALS));
}
