/**
 * Sign-in with E-klase or Mykoob (students) or Latvija.lv (school and agency staff): the OpenID Connect authorisation-code flow with PKCE (S256), `state` and
 * `nonce`, through openid-client. Each provider is configured by its issuer, client id and secret; its metadata
 * is discovered once per process (a failed discovery is retried on the next sign-in). The person is matched
 * by the personal code the provider returns in a configurable claim, read from the ID token or else from the
 * UserInfo endpoint.
 */
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import type { AuthConfig, OidcProviderConfig } from '../config.js';
import { parsePersonalCode } from '../domain/personal-code.js';
import { createProviderFetch, type ProviderFetch } from './provider-fetch.js';

export const PROVIDER_NAMES = ['eklase', 'mykoob', 'latvija'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Who signs in through which provider: students through their school e-journal, staff through Latvija.lv. */
export const PROVIDER_AUDIENCE: Record<ProviderName, 'student' | 'staff'> = { eklase: 'student', mykoob: 'student', latvija: 'staff' };

/** How each provider is named on buttons and pages. */
export const PROVIDER_LABELS: Record<ProviderName, string> = { eklase: 'E-klase', mykoob: 'Mykoob', latvija: 'Latvija.lv' };

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && (PROVIDER_NAMES as readonly string[]).includes(value);
}

/**
 * Why a sign-in failed, as the error page explains it: `state` (the answer does not belong to a sign-in
 * started in this browser), `expired` (too late, or already used), `provider` (the provider refused or the
 * person cancelled), `failed` (the answer did not pass the checks: code, PKCE, nonce, ID token),
 * `no-code` (no usable personal code), `unavailable` (the provider cannot be reached).
 */
export type LoginProblem = 'state' | 'expired' | 'provider' | 'failed' | 'no-code' | 'unavailable';

export class LoginError extends Error {
  constructor(
    readonly problem: LoginProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LoginError';
  }
}

export interface OidcSettings {
  /** PUBLIC_URL without a trailing slash; redirect URIs are `${publicUrl}/auth/<provider>/callback`. */
  publicUrl: string;
  providers: AuthConfig['providers'];
  /** Default `personal_code`. */
  personalCodeClaim?: string;
  /** Default `openid`. */
  scopes?: string;
  /** Seconds for each request to a provider (default 10). */
  timeoutSeconds?: number;
}

/** What a login needs to remember until the provider sends the browser back. */
export interface LoginStart {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface LoginResult {
  /** The provider's subject identifier. */
  subject: string;
  /** The normalised personal code (11 digits), or null when the provider gave none that is valid. */
  personalCode: string | null;
}

export class OidcLogin {
  private readonly discovered = new Map<ProviderName, Promise<client.Configuration>>();
  private readonly claim: string;
  private readonly scopes: string;
  private readonly timeout: number;
  /** Every call to a provider goes through it: connections kept open between sign-ins. */
  private readonly fetch: ProviderFetch;

  constructor(private readonly settings: OidcSettings) {
    this.claim = settings.personalCodeClaim ?? 'personal_code';
    this.scopes = settings.scopes ?? 'openid';
    this.timeout = settings.timeoutSeconds ?? 10;
    this.fetch = createProviderFetch({ timeoutMs: this.timeout * 1000 });
  }

  /** Closes the connections kept to the providers. */
  close(): void {
    this.fetch.close();
  }

  /** The providers offered to students or to staff, in a fixed order. */
  configured(audience: 'student' | 'staff' = 'student'): ProviderName[] {
    return PROVIDER_NAMES.filter((name) => PROVIDER_AUDIENCE[name] === audience && this.settings.providers[name] !== undefined);
  }

  has(name: string): name is ProviderName {
    return isProviderName(name) && this.settings.providers[name] !== undefined;
  }

  redirectUri(name: ProviderName): string {
    return `${this.settings.publicUrl}/auth/${name}/callback`;
  }

  /** The provider's authorisation URL with fresh state, nonce and PKCE challenge. */
  async start(name: ProviderName, options: { lang?: string } = {}): Promise<LoginStart> {
    const config = await this.configuration(name);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const parameters: Record<string, string> = {
      redirect_uri: this.redirectUri(name),
      scope: this.scopes,
      response_type: 'code',
      code_challenge: pkceChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (options.lang) parameters.ui_locales = options.lang;
    return { url: client.buildAuthorizationUrl(config, parameters), state, nonce, codeVerifier };
  }

  /**
   * Checks the provider's answer (the callback's query string) against what the login remembered, redeems the
   * code with the PKCE verifier, checks the ID token (issuer, audience, nonce, times) and reads the personal code.
   */
  async finish(name: ProviderName, callbackQuery: URLSearchParams, checks: LoginChecks): Promise<LoginResult> {
    const config = await this.configuration(name);
    const currentUrl = new URL(this.redirectUri(name));
    currentUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) {
        throw new LoginError('provider', `${name} answered ${error.error}`, { cause: error });
      }
      // openid-client wraps the failed check (e.g. 'unexpected ID Token "nonce" claim value'); values are not in messages.
      const cause = (error as { cause?: unknown }).cause;
      const detail = cause instanceof Error ? `: ${cause.message}` : '';
      throw new LoginError('failed', `${name}: ${(error as Error).message}${detail}`, { cause: error });
    }
    const idToken = tokens.claims();
    if (!idToken) throw new LoginError('failed', `${name} returned no ID token`);
    let value: unknown = idToken[this.claim];
    if (value === undefined && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
        value = info[this.claim];
      } catch (error) {
        throw new LoginError('failed', `${name} UserInfo: ${(error as Error).message}`, { cause: error });
      }
    }
    const parsed = typeof value === 'string' ? parsePersonalCode(value) : undefined;
    return { subject: idToken.sub, personalCode: parsed?.ok ? parsed.code : null };
  }

  /** Discovery, once per process and provider; a failure is forgotten so the next sign-in tries again. */
  private configuration(name: ProviderName): Promise<client.Configuration> {
    const cached = this.discovered.get(name);
    if (cached) return cached;
    const provider = this.settings.providers[name];
    if (!provider) return Promise.reject(new LoginError('unavailable', `${name} is not configured`));
    const pending = discover(provider, this.timeout, this.fetch).catch((error: unknown) => {
      this.discovered.delete(name);
      throw new LoginError('unavailable', `${name} discovery failed: ${(error as Error).message}`, { cause: error });
    });
    this.discovered.set(name, pending);
    return pending;
  }
}

/**
 * The S256 PKCE challenge (RFC 7636 §4.2): BASE64URL(SHA-256(verifier)). The same value as openid-client's
 * `calculatePKCECodeChallenge`, which goes through WebCrypto's thread pool and a promise: several times the CPU
 * of one synchronous hash of 43 bytes, on every sign-in.
 */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

/**
 * The provider's configuration; the calls made with it later (token, UserInfo) go through the same `fetch`, which
 * also holds them to the time limit (openid-client's own limit is turned off after discovery: it would add an
 * `AbortSignal.timeout()` to every call, a second timer that outlives the call by the whole limit).
 */
async function discover(provider: OidcProviderConfig, timeout: number, fetch: ProviderFetch): Promise<client.Configuration> {
  const issuer = new URL(provider.issuer);
  const config = await client.discovery(issuer, provider.clientId, { client_secret: provider.clientSecret }, client.ClientSecretBasic(provider.clientSecret), {
    timeout,
    [client.customFetch]: fetch,
    // Plain http only reaches this far outside production (the settings refuse it there): local test providers.
    execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
  });
  config.timeout = 0;
  return config;
}
