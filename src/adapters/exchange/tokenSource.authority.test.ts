import type { NodeSystemOptions } from '@azure/msal-node';
import { EXCHANGE_SCOPE, MsalTokenSource } from './tokenSource';

// A configured authority host (AZURE_AUTHORITY_HOST: GCC High, 21Vianet, a stand-in) is trusted as given:
// MSAL reads that host's OpenID metadata and token endpoint and never asks login.microsoftonline.com's
// instance discovery about it. MSAL's real flow, with a network client that answers in memory and records.

const TENANT = '6f8c2d41-3b7a-4e59-9c1d-2a0e5b7f4c13';
const HOST = 'https://login.sovereign.example';

function recordingSystem(urls: string[]): NodeSystemOptions {
  const answer = (url: string) => {
    urls.push(url);
    const u = new URL(url);
    if (u.origin !== HOST) return { status: 404, headers: {}, body: { error: 'not this cloud' } as never };
    if (u.pathname.endsWith('/.well-known/openid-configuration')) {
      return {
        status: 200,
        headers: {},
        body: {
          token_endpoint: `${HOST}/${TENANT}/oauth2/v2.0/token`,
          authorization_endpoint: `${HOST}/${TENANT}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${HOST}/${TENANT}/oauth2/v2.0/logout`,
          issuer: `${HOST}/${TENANT}/v2.0`,
          jwks_uri: `${HOST}/${TENANT}/discovery/v2.0/keys`,
        } as never,
      };
    }
    if (u.pathname.endsWith('/oauth2/v2.0/token'))
      return { status: 200, headers: {}, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'sovereign-token' } as never };
    return { status: 404, headers: {}, body: {} as never };
  };
  return {
    networkClient: {
      sendGetRequestAsync: async (url) => answer(url),
      sendPostRequestAsync: async (url) => answer(url),
    },
  };
}

describe('MsalTokenSource with a configured authority host', () => {
  it('gets the token from that host alone, without instance discovery at login.microsoftonline.com', async () => {
    const urls: string[] = [];
    const source = new MsalTokenSource({
      tenantId: TENANT,
      clientId: 'client-id',
      credential: { clientSecret: 's' },
      authorityHost: `${HOST}/`,
      system: recordingSystem(urls),
    });
    await expect(source.getToken()).resolves.toBe('sovereign-token');
    expect(source.scope).toBe(EXCHANGE_SCOPE);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !u.startsWith(`${HOST}/`))).toEqual([]);
    expect(urls.some((u) => u.startsWith(`${HOST}/${TENANT}/oauth2/v2.0/token`))).toBe(true);
  });
});
