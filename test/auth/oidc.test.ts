/**
 * OidcLogin's calls to a provider go through the portal's own HTTP client (src/auth/provider-fetch.ts), which
 * holds them to the time limit: checked against a bare node:http "provider" that publishes its metadata and then
 * never answers the token request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LoginError, OidcLogin } from '../../src/auth/oidc.js';
import { serveNode, type Listening } from '../support/http-browser.js';
import { freePort } from '../support/ports.js';

let provider: Listening;
const seen: { url: string; headers: IncomingMessage['headers']; port: number }[] = [];

beforeAll(async () => {
  provider = await serveNode();
  provider.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url!, headers: req.headers, port: req.socket.remotePort! });
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: provider.url,
          authorization_endpoint: `${provider.url}/auth`,
          token_endpoint: `${provider.url}/token`,
          jwks_uri: `${provider.url}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    }
    // The token request is read and never answered.
  });
});

afterAll(async () => {
  await provider?.close();
});

it('asks the provider through its own client, and gives up on a token request within the time limit', async () => {
  const oidc = new OidcLogin({
    publicUrl: 'http://127.0.0.1:3000',
    providers: { eklase: { issuer: provider.url, clientId: 'portal', clientSecret: 'secret' } },
    timeoutSeconds: 1,
  });
  try {
    const start = await oidc.start('eklase', { returnTo: '/results' });
    expect(start.url.origin).toBe(provider.url);
    const callback = new URLSearchParams({ code: 'a-code', state: start.url.searchParams.get('state')! });
    const resumed = oidc.resume('eklase', start.cookie, callback.get('state'));
    if (!('login' in resumed)) throw new Error(`not resumed: ${resumed.why}`);
    const started = Date.now();
    const error = await oidc.finish('eklase', callback, resumed.login).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).problem).toBe('failed');
    expect((error as LoginError).message).toContain('no answer within 1000 ms');
    // Well before openid-client's own default limit of 30 s (a generous bound for a busy machine).
    expect(Date.now() - started).toBeLessThan(25_000);

    const [discovery, token] = seen;
    expect(discovery!.url).toBe('/.well-known/openid-configuration');
    expect(token!.url).toBe('/token');
    // The connection of the discovery was kept for the token request; and not by the global fetch, which
    // would also have sent its Fetch metadata.
    expect(token!.port).toBe(discovery!.port);
    expect(token!.headers['sec-fetch-mode']).toBeUndefined();
    expect(token!.headers.authorization).toMatch(/^Basic /);
  } finally {
    oidc.close();
  }
});

it('calls a provider that cannot be reached unavailable, and asks again on the next sign-in', async () => {
  const port = await freePort();
  const oidc = new OidcLogin({
    publicUrl: 'http://127.0.0.1:3000',
    providers: { eklase: { issuer: `http://127.0.0.1:${port}`, clientId: 'portal', clientSecret: 'secret' } },
    timeoutSeconds: 5,
  });
  try {
    const error = await oidc.start('eklase', { returnTo: '/results' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).problem).toBe('unavailable');
    // As the global fetch reported it: "fetch failed", the reason as its cause.
    expect((error as LoginError).message).toBe('eklase discovery failed: fetch failed');
    expect(((error as LoginError).cause as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    // The failed discovery is not kept: once the provider answers, the next sign-in starts.
    const late = await serveNode();
    late.server.close();
    await new Promise<void>((resolve) => late.server.listen(port, '127.0.0.1', resolve));
    late.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: `http://127.0.0.1:${port}`,
          authorization_endpoint: `http://127.0.0.1:${port}/auth`,
          token_endpoint: `http://127.0.0.1:${port}/token`,
        }),
      );
    });
    try {
      expect((await oidc.start('eklase', { returnTo: '/results' })).url.href).toContain(`http://127.0.0.1:${port}/auth?`);
    } finally {
      await late.close();
    }
  } finally {
    oidc.close();
  }
});
