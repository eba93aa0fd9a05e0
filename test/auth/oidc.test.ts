/**
 * OidcLogin's calls to a provider go through the portal's own HTTP client (src/auth/provider-fetch.ts), which
 * holds them to the time limit: checked against a bare node:http "provider" that publishes its metadata and then
 * never answers the token request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LoginError, OidcLogin } from '../../src/auth/oidc.js';
import { serveNode, type Listening } from '../support/http-browser.js';

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
    const start = await oidc.start('eklase');
    expect(start.url.origin).toBe(provider.url);
    const callback = new URLSearchParams({ code: 'a-code', state: start.state });
    const started = Date.now();
    const error = await oidc.finish('eklase', callback, start).catch((e: unknown) => e);
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
