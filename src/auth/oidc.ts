/**
 * Sign-in with E-klase or Mykoob (students) or Latvija.lv (school and agency staff): the OpenID Connect authorisation-code flow with PKCE (S256), `state` and
 * `nonce`, through openid-client. Each provider is configured by its issuer, client id and secret; its metadata
 * is discovered once per process (a failed discovery is retried on the next sign-in). What a sign-in must remember
 * until the provider answers travels sealed in the browser's login cookie (login-cookie.ts). The person is matched
 * by the personal code the provider returns in a configurable claim, read from the ID token or else from the
 * UserInfo endpoint.
 */
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import type { AuthConfig, OidcProviderConfig } from '../config.js';
import { LOGIN_ATTEMPT_MS } from '../data/web-sessions.js';
import { parsePersonalCode } from '../domain/personal-code.js';
import { loginCookieKey, openLogin, sealLogin, type LoginInProgress } from './login-cookie.js';
import { createProviderFetch, type ProviderFetch } from './provider-fetch.js';
import { randomToken } from '../random.js';

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
  /** The clock, ms since the epoch; tests move it. */
  now?: () => number;
}

export interface LoginStart {
  /** The provider's authorisation URL to send the browser to. */
  url: URL;
  /** The login cookie's value: the sign-in, sealed. */
  cookie: string;
}

/** Why the browser's way back cannot be taken: `state` (not this browser's sign-in), `expired` (too late). */
export type LoginResumeProblem = 'state' | 'expired';

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
  private readonly now: () => number;
  private readonly cookieKeys = new Map<ProviderName, Buffer>();

  constructor(private readonly settings: OidcSettings) {
    this.claim = settings.personalCodeClaim ?? 'personal_code';
    this.scopes = settings.scopes ?? 'openid';
    this.timeout = settings.timeoutSeconds ?? 10;
    this.fetch = createProviderFetch({ timeoutMs: this.timeout * 1000 });
    this.now = settings.now ?? Date.now;
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

  /** The provider's authorisation URL with fresh state, nonce and PKCE challenge, and the cookie that keeps them. */
  async start(name: ProviderName, options: { lang?: string; returnTo: string }): Promise<LoginStart> {
    const config = await this.configuration(name);
    const login: LoginInProgress = {
      // 32 random bytes each, as openid-client's own random*() make them, from one draw (src/random.ts).
      state: randomToken(),
      nonce: randomToken(),
      codeVerifier: randomToken(),
      returnTo: options.returnTo,
      startedAt: this.now(),
    };
    const parameters: Record<string, string> = {
      redirect_uri: this.redirectUri(name),
      scope: this.scopes,
      response_type: 'code',
      code_challenge: pkceChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    };
    if (options.lang) parameters.ui_locales = options.lang;
    return { url: client.buildAuthorizationUrl(config, parameters), cookie: this.seal(name, login) };
  }

  /** The login cookie of a sign-in, as `start` makes it (tests make altered ones with it). */
  seal(name: ProviderName, login: LoginInProgress): string {
    return sealLogin(this.cookieKey(name), name, login);
  }

  /**
   * The sign-in the provider's answer belongs to: the browser's login cookie, opened, for this provider, with the
   * same state as the answer, begun within LOGIN_ATTEMPT_MS. A cookie that does not open was altered or made for
   * another provider; a state that differs is another sign-in's answer (login CSRF).
   */
  resume(name: ProviderName, cookie: string | undefined, state: string | null): { login: LoginInProgress } | { problem: LoginResumeProblem; why: string } {
    if (!cookie) return { problem: 'state', why: 'no login cookie' };
    const login = openLogin(this.cookieKey(name), name, cookie);
    if (!login) return { problem: 'state', why: 'login cookie not valid' };
    if (!state || state !== login.state) return { problem: 'state', why: 'state differs' };
    // Both ways: an instance whose clock is far behind the one that started the sign-in must not keep it open.
    const age = this.now() - login.startedAt;
    if (Math.abs(age) > LOGIN_ATTEMPT_MS) return { problem: 'expired', why: 'too late' };
    return { login };
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

  private cookieKey(name: ProviderName): Buffer {
    let key = this.cookieKeys.get(name);
    if (!key) {
      const provider = this.settings.providers[name];
      if (!provider) throw new LoginError('unavailable', `${name} is not configured`);
      this.cookieKeys.set(name, (key = loginCookieKey(name, provider.clientId, provider.clientSecret)));
    }
    return key;
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
