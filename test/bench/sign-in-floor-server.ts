/**
 * The floor under the sign-in wall, its yardstick as the bare "hello" is the results page's: a bare hono server
 * that answers a sign-in's four requests to the portal with the same HTTP exchanges and the same sizes, and does
 * nothing else. The start answers a redirect with a login cookie; the callback asks the real provider's token
 * endpoint once over a kept-alive connection (with a code it refuses: what the floor counts is our side of the
 * call) and answers a redirect with a session cookie; the results page and the download are bytes of the sizes the
 * portal sends. No database, no rendering, no compression, no crypto, no logs.
 *
 * Sizes and the token endpoint come from the environment (see sign-in-wall.bench.ts): FLOOR_LOCATION_BYTES,
 * FLOOR_LOGIN_COOKIE_BYTES and FLOOR_SESSION_COOKIE_BYTES (the Set-Cookie lines), FLOOR_PAGE_BYTES (the results
 * page as sent), FLOOR_EDOC_BYTES, FLOOR_TOKEN_URL, PORT.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Agent, request } from 'node:http';

const size = (name: string) => Number(process.env[name] ?? 0);
const tokenUrl = new URL(process.env.FLOOR_TOKEN_URL ?? 'http://127.0.0.1/token');
const agent = new Agent({ keepAlive: true });
const location = `${tokenUrl.origin}/auth?${'x'.repeat(Math.max(0, size('FLOOR_LOCATION_BYTES') - tokenUrl.origin.length - 6))}`;
/** A Set-Cookie line of the portal's length. */
const cookieLine = (name: string, bytes: number) => `${name}=${'c'.repeat(Math.max(1, bytes - name.length - 40))}; Path=/; HttpOnly; SameSite=Lax`;
const loginCookie = cookieLine('login', size('FLOOR_LOGIN_COOKIE_BYTES'));
const sessionCookie = cookieLine('session', size('FLOOR_SESSION_COOKIE_BYTES'));
const page = new Uint8Array(size('FLOOR_PAGE_BYTES')).fill(120);
const edoc = new Uint8Array(size('FLOOR_EDOC_BYTES')).fill(80);
const tokenForm = 'grant_type=authorization_code&code=refused&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&code_verifier=x';

/** One POST to the token endpoint; resolves with the answer's body, whatever its status. */
function askTokenEndpoint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      tokenUrl,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(tokenForm),
          authorization: `Basic ${Buffer.from('portal:refused').toString('base64')}`,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(tokenForm);
  });
}

const app = new Hono();
app.get('/healthz', (c) => c.text('ok'));
app.get('/login/eklase', (c) => c.body(null, 302, { Location: location, 'Set-Cookie': loginCookie }));
app.get('/auth/eklase/callback', async (c) => {
  JSON.parse(await askTokenEndpoint());
  return c.body(null, 303, { Location: '/results', 'Set-Cookie': sessionCookie });
});
app.get('/results', (c) => c.body(page, 200, { 'Content-Type': 'application/octet-stream' }));
app.get('/certificates/:file', (c) =>
  c.body(edoc, 200, { 'Content-Type': 'application/vnd.etsi.asic-e+zip', 'Content-Disposition': 'attachment; filename="certificate.edoc"' }),
);
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
