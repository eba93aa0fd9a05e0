/**
 * A real OpenID Connect provider (oidc-provider) for tests: the portal as its one client, PKCE required, and
 * accounts that release a personal code, as E-klase or Mykoob would.
 */
import Provider from 'oidc-provider';
import { serveNode, type Listening } from './http-browser.js';

export const OIDC_CLIENT_SECRET = 'portal-client-secret-for-tests-only';

/** `accounts`: login name → the personal code it releases (undefined: none). Read at sign-in time. */
export async function startOidcProvider(portalUrl: string, accounts: ReadonlyMap<string, string | undefined>): Promise<Listening & { issuer: string }> {
  const listening = await serveNode();
  const issuer = listening.url;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'portal',
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: [`${portalUrl}/auth/eklase/callback`, `${portalUrl}/auth/mykoob/callback`, `${portalUrl}/auth/latvija/callback`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // PKCE for every client, confidential ones included.
    pkce: { required: () => true },
    // Released with the openid scope; by default oidc-provider puts it in UserInfo, not in the ID token.
    claims: { openid: ['sub', 'personal_code'] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => {
        const code = accounts.get(id);
        return code === undefined ? { sub: id } : { sub: id, personal_code: code };
      },
    }),
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    features: { devInteractions: { enabled: true } },
  });
  listening.server.on('request', provider.callback());
  return { ...listening, issuer };
}
