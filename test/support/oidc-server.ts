/**
 * A real OpenID Connect provider (oidc-provider) for tests: the portal as its one client, PKCE required, and
 * accounts that release a personal code, as E-klase or Mykoob would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { serveNode, type Listening } from './http-browser.js';

export const OIDC_CLIENT_SECRET = 'portal-client-secret-for-tests-only';

export interface OidcProviderOptions {
  /**
   * Signs in, without a form, the account named by the authorisation request's `login_hint`, and consents to the
   * scopes asked: a load generator walks thousands of students through the provider this way (the sign-in-wall
   * benchmark). Without it the provider shows its development login and consent forms.
   */
  autoSignIn?: boolean;
}

/** `accounts`: login name → the personal code it releases (undefined: none). Read at sign-in time. */
export async function startOidcProvider(
  portalUrl: string,
  accounts: ReadonlyMap<string, string | undefined>,
  options: OidcProviderOptions = {},
): Promise<Listening & { issuer: string }> {
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
    features: { devInteractions: { enabled: !options.autoSignIn } },
  });
  const handle = provider.callback();
  if (options.autoSignIn) {
    listening.server.on('request', (req, res) => {
      if (req.url?.startsWith('/interaction/')) void signInFromHint(provider, req, res);
      else handle(req, res);
    });
  } else {
    listening.server.on('request', handle);
  }
  return { ...listening, issuer };
}

/** The interaction step of `autoSignIn`: the hinted account signs in and grants what the client asked for. */
async function signInFromHint(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    const accountId = String(details.params.login_hint ?? '');
    if (!accountId) throw new Error('no login_hint');
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 400;
    res.end(String((error as Error).message));
  }
}
