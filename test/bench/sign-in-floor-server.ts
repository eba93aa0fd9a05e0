/**
 * The floor under the sign-in wall, its yardstick as the bare "hello" is the results page's: a bare hono server
 * that answers a sign-in's four requests to the portal with the same HTTP exchanges and the same sizes, and does
 * nothing else. The start redirects to the real provider (fixed state, nonce and PKCE verifier) with a login
 * cookie; the callback redeems the provider's code at its token endpoint over a kept-alive connection, reads the
 * JSON answer and redirects with a session cookie; the results page and the download are bytes of the sizes the
 * portal sends. No database, no rendering, no compression, no checks, no logs. The provider does all of its own
 * work, so both walks meet the same competition for the two cores.
 *
 * From the environment (see sign-in-wall.bench.ts): FLOOR_AUTHORIZE_URL, FLOOR_TOKEN_URL, FLOOR_CLIENT_ID,
 * FLOOR_CLIENT_SECRET, FLOOR_REDIRECT_URI (the portal's, as the provider knows it), FLOOR_LOGIN_COOKIE_BYTES and
 * FLOOR_SESSION_COOKIE_BYTES (the Set-Cookie lines), FLOOR_PAGE_BYTES (the results page as sent),
 * FLOOR_EDOC_BYTES, PORT.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';

const size = (name: string) => Number(process.env[name] ?? 0);
const setting = (name: string) => process.env[name] ?? '';
const tokenUrl = new URL(setting('FLOOR_TOKEN_URL'));
const redirectUri = setting('FLOOR_REDIRECT_URI');
const agent = new Agent({ keepAlive: true });
const codeVerifier = 'v'.repeat(43);
const authorizeUrl = new URL(setting('FLOOR_AUTHORIZE_URL'));
Object.entries({
  client_id: setting('FLOOR_CLIENT_ID'),
  redirect_uri: redirectUri,
  scope: 'openid',
  response_type: 'code',
  code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
  code_challenge_method: 'S256',
  state: 's'.repeat(43),
  nonce: 'n'.repeat(43),
  ui_locales: 'lv',
}).forEach(([name, value]) => authorizeUrl.searchParams.set(name, value));
const location = authorizeUrl.href;
const clientAuthorization = `Basic ${Buffer.from(`${encodeURIComponent(setting('FLOOR_CLIENT_ID'))}:${encodeURIComponent(setting('FLOOR_CLIENT_SECRET'))}`).toString('base64')}`;
/** A Set-Cookie line of the portal's length. */
const cookieLine = (name: string, bytes: number) => `${name}=${'c'.repeat(Math.max(1, bytes - name.length - 40))}; Path=/; HttpOnly; SameSite=Lax`;
const loginCookie = cookieLine('login', size('FLOOR_LOGIN_COOKIE_BYTES'));
const sessionCookie = cookieLine('session', size('FLOOR_SESSION_COOKIE_BYTES'));
const page = new Uint8Array(size('FLOOR_PAGE_BYTES')).fill(120);
const edoc = new Uint8Array(size('FLOOR_EDOC_BYTES')).fill(80);

/** Redeems the code at the token endpoint; resolves with the answer's body. */
function redeem(code: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      tokenUrl,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form), authorization: clientAuthorization },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`token endpoint: ${res.statusCode} ${body}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const app = new Hono();
app.get('/healthz', (c) => c.text('ok'));
app.get('/login/eklase', (c) => c.body(null, 302, { Location: location, 'Set-Cookie': loginCookie }));
app.get('/auth/eklase/callback', async (c) => {
  try {
    JSON.parse(await redeem(c.req.query('code') ?? ''));
  } catch {
    return c.body(null, 502);
  }
  return c.body(null, 303, { Location: '/results', 'Set-Cookie': sessionCookie });
});
app.get('/results', (c) => c.body(page, 200, { 'Content-Type': 'application/octet-stream' }));
app.get('/certificates/:file', (c) =>
  c.body(edoc, 200, { 'Content-Type': 'application/vnd.etsi.asic-e+zip', 'Content-Disposition': 'attachment; filename="certificate.edoc"' }),
);
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
