/**
 * The login cookie: a sign-in sealed for its provider opens only for that provider with that key, unaltered;
 * OidcLogin takes it back only with the same state and within ten minutes.
 */
import { describe, expect, it } from 'vitest';
import { loginCookieKey, openLogin, sealLogin, type LoginInProgress } from '../../src/auth/login-cookie.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { LOGIN_ATTEMPT_MS } from '../../src/data/web-sessions.js';

const login: LoginInProgress = {
  state: 'state-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  nonce: 'nonce-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  codeVerifier: 'verifier-ccccccccccccccccccccccccccccccccccccc',
  returnTo: '/results?lang=en',
  startedAt: Date.UTC(2026, 6, 3, 6, 0, 0),
};

describe('the sealed login', () => {
  const key = loginCookieKey('eklase', 'portal', 'a-client-secret');

  it('opens to what was sealed, and shows none of it', () => {
    const sealed = sealLogin(key, 'eklase', login);
    expect(openLogin(key, 'eklase', sealed)).toEqual(login);
    for (const value of [login.state, login.nonce, login.codeVerifier, 'results']) expect(sealed).not.toContain(value);
    expect(Buffer.from(sealed.slice(3), 'base64url').toString('latin1')).not.toContain('verifier');
    // A fresh IV each time: the same sign-in never seals to the same value.
    expect(sealLogin(key, 'eklase', login)).not.toBe(sealed);
  });

  it('refuses an altered cookie, another provider’s, another key’s, and anything that is not one', () => {
    const sealed = sealLogin(key, 'eklase', login);
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = altered[at]! ^ 1;
      expect(openLogin(key, 'eklase', `v1.${altered.toString('base64url')}`)).toBeUndefined();
    }
    expect(openLogin(key, 'mykoob', sealed)).toBeUndefined();
    expect(openLogin(loginCookieKey('eklase', 'portal', 'another-secret'), 'eklase', sealed)).toBeUndefined();
    expect(openLogin(loginCookieKey('mykoob', 'portal', 'a-client-secret'), 'eklase', sealed)).toBeUndefined();
    for (const junk of ['', 'v1.', 'v1.AAAA', sealed.slice(3), `v2.${sealed.slice(3)}`, `v1.${'A'.repeat(5000)}`]) {
      expect(openLogin(key, 'eklase', junk)).toBeUndefined();
    }
  });
});

describe('taking a sign-in back from its cookie', () => {
  let clock = login.startedAt;
  const oidc = new OidcLogin({
    publicUrl: 'http://127.0.0.1:3000',
    providers: {
      eklase: { issuer: 'http://127.0.0.1:1', clientId: 'portal', clientSecret: 'eklase-secret' },
      mykoob: { issuer: 'http://127.0.0.1:2', clientId: 'portal', clientSecret: 'mykoob-secret' },
    },
    now: () => clock,
  });

  it('gives the sign-in back for its own state, within ten minutes', () => {
    const cookie = oidc.seal('eklase', login);
    clock = login.startedAt + LOGIN_ATTEMPT_MS;
    expect(oidc.resume('eklase', cookie, login.state)).toEqual({ login });
    clock = login.startedAt + LOGIN_ATTEMPT_MS + 1;
    expect(oidc.resume('eklase', cookie, login.state)).toMatchObject({ problem: 'expired' });
    clock = login.startedAt - LOGIN_ATTEMPT_MS - 1;
    expect(oidc.resume('eklase', cookie, login.state)).toMatchObject({ problem: 'expired' });
  });

  it('refuses another state, no cookie, and a cookie made for the other provider', () => {
    clock = login.startedAt + 1000;
    const cookie = oidc.seal('eklase', login);
    expect(oidc.resume('eklase', cookie, `${login.state}x`)).toMatchObject({ problem: 'state' });
    expect(oidc.resume('eklase', cookie, null)).toMatchObject({ problem: 'state' });
    expect(oidc.resume('eklase', undefined, login.state)).toMatchObject({ problem: 'state' });
    expect(oidc.resume('mykoob', cookie, login.state)).toMatchObject({ problem: 'state' });
    expect(oidc.resume('mykoob', oidc.seal('mykoob', login), login.state)).toEqual({ login });
  });
});
