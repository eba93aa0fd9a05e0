/** A very small browser for tests: real HTTP with fetch, a cookie jar, redirects followed by hand. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

interface StoredCookie {
  value: string;
  path: string;
  attributes: string;
}

/** Cookies by name and path; like browsers, ports are ignored (every test server is on 127.0.0.1). */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie & { name: string }>();

  store(res: Response, url: string): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attr('path') ?? new URL(url).pathname.replace(/\/[^/]*$/, '') ?? '/';
      const maxAge = attr('max-age');
      const expires = attr('expires');
      const key = `${name}\u0000${path || '/'}`;
      if ((maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now())) {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, { name, value, path: path || '/', attributes: attributes.join('; ') });
      }
    }
  }

  header(url: string): string {
    const path = new URL(url).pathname;
    return [...this.cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(name: string): string | undefined {
    return [...this.cookies.values()].find((c) => c.name === name)?.value;
  }

  delete(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }
}

export interface BrowserRequest {
  method?: string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** One request with the jar's cookies; redirects are returned, not followed. */
export async function request(jar: CookieJar, url: string, init: BrowserRequest = {}): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  const cookie = jar.header(url);
  if (cookie && !('cookie' in headers)) headers.cookie = cookie;
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  jar.store(res, url);
  return res;
}

export function isRedirect(res: Response): boolean {
  return res.status >= 300 && res.status < 400 && res.headers.has('location');
}

export function location(res: Response, base: string): string {
  return new URL(res.headers.get('location')!, base).href;
}

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function listening(server: Server): Promise<Listening> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A hono application on a random port; the handler may be set after the address is known. */
export async function serveFetch(handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> }): Promise<Listening> {
  const server = createAdaptorServer({
    fetch: (req: Request, env: unknown) => (handler.fetch ? handler.fetch(req, env) : new Response('not ready', { status: 503 })),
  }) as Server;
  return listening(server);
}

/** A plain node HTTP server on a random port, its request handler attached later. */
export async function serveNode(): Promise<Listening> {
  return listening(createServer());
}
