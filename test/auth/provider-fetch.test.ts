/**
 * The sign-in's HTTP client for the providers, against a real node:http server on 127.0.0.1: what it sends, what
 * it hands back, the connection kept between calls, and each way a call can fail.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProviderFetch, type ProviderFetch } from '../../src/auth/provider-fetch.js';
import { freePort } from '../support/ports.js';
import { serveNode, type Listening } from '../support/http-browser.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number;
}

describe('the providers’ HTTP client', () => {
  let server: Listening;
  let answer: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  const seen: Seen[] = [];
  const fetchers: ProviderFetch[] = [];
  const newFetch = (...args: Parameters<typeof createProviderFetch>) => {
    const made = createProviderFetch(...args);
    fetchers.push(made);
    return made;
  };

  beforeAll(async () => {
    server = await serveNode();
    server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, remotePort: req.socket.remotePort! });
        answer(req, res, body);
      });
    });
  });

  afterEach(() => {
    for (const made of fetchers.splice(0)) made.close();
    seen.length = 0;
  });

  afterAll(async () => {
    await server?.close();
  });

  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };

  it('sends a form as fetch would and hands back status, headers and body as a Response', async () => {
    answer = (_req, res) => json(res, 200, { access_token: 'at', token_type: 'Bearer' }, { 'cache-control': 'no-store', 'x-two': ['a', 'b'] });
    const fetch = newFetch();
    const res = await fetch(`${server.url}/token?x=1`, {
      method: 'POST',
      headers: { authorization: 'Basic cG9ydGFsOnNlY3JldA==', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c-1', code_verifier: 'v' }),
      redirect: 'manual',
    });
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-two')).toBe('a, b');
    expect(await res.json()).toEqual({ access_token: 'at', token_type: 'Bearer' });

    const [request] = seen;
    expect(request).toMatchObject({ method: 'POST', url: '/token?x=1', body: 'grant_type=authorization_code&code=c-1&code_verifier=v' });
    expect(request!.headers).toMatchObject({
      authorization: 'Basic cG9ydGFsOnNlY3JldA==',
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      'content-length': String(request!.body.length),
    });
  });

  it('hands back a body that reads once, as fetch’s does, in every form a Response offers', async () => {
    answer = (_req, res) => json(res, 200, { id_token: 'ā.b.c' });
    const fetch = newFetch();
    const call = () => fetch(`${server.url}/token`, { method: 'POST', headers: {}, body: 'a=b' });

    const res = await call();
    expect(res.bodyUsed).toBe(false);
    const copy = res.clone();
    expect(await res.json()).toEqual({ id_token: 'ā.b.c' });
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
    expect(() => res.clone()).toThrow(TypeError);
    // The clone was taken before: it reads on its own.
    expect(copy.bodyUsed).toBe(false);
    expect(new TextDecoder().decode(await copy.arrayBuffer())).toBe('{"id_token":"ā.b.c"}');

    // As a stream, as openid-client asks for it when it gives up on an answer.
    const streamed = await call();
    const reader = streamed.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    expect(Buffer.concat(chunks).toString()).toBe('{"id_token":"ā.b.c"}');
    expect(streamed.bodyUsed).toBe(true);
    await expect(streamed.json()).rejects.toThrow(TypeError);

    const blob = await (await call()).blob();
    expect(blob.type).toBe('application/json');
    expect(await blob.text()).toBe('{"id_token":"ā.b.c"}');
  });

  it('keeps the connection open between calls', async () => {
    answer = (_req, res) => json(res, 200, { ok: true });
    const fetch = newFetch();
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/userinfo`, { method: 'GET', headers: {} })).status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(1);
    expect(seen[0]!.headers.connection).toBe('keep-alive');
  });

  it('sends again, on a new connection, a call whose kept connection the provider had closed', async () => {
    // The provider drops a kept connection just as the next call arrives on it, before answering: to the portal
    // this looks the same as a provider closing an idle connection while the call is on its way.
    const served = new WeakSet<object>();
    answer = (req, res) => {
      if (served.has(req.socket)) return req.socket.destroy();
      served.add(req.socket);
      json(res, 200, { ok: true });
    };
    const fetch = newFetch({ idleMs: 60_000 });
    expect((await fetch(`${server.url}/a`, { method: 'GET', headers: {} })).status).toBe(200);
    const again = await fetch(`${server.url}/b`, { method: 'POST', headers: {}, body: 'x=1' });
    expect(again.status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/a', '/b', '/b']);
    expect(seen[1]!.remotePort).toBe(seen[0]!.remotePort);
    expect(seen[2]!.remotePort).not.toBe(seen[0]!.remotePort);
  });

  it('returns redirects and error statuses as they are, and a body-less answer without a body', async () => {
    answer = (req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/empty') res.writeHead(204).end();
      else json(res, 400, { error: 'invalid_grant' });
    };
    const fetch = newFetch();
    const moved = await fetch(`${server.url}/moved`, { method: 'GET', headers: {}, redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('/elsewhere');
    const empty = await fetch(`${server.url}/empty`, { method: 'GET', headers: {} });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const refused = await fetch(`${server.url}/token`, { method: 'POST', headers: {}, body: 'a=b' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'invalid_grant' });
    expect(seen.map((s) => s.url)).toEqual(['/moved', '/empty', '/token']);
  });

  it('gives up when the caller’s signal aborts, with the signal’s reason', async () => {
    answer = () => {}; // never answers
    const fetch = newFetch();
    const started = Date.now();
    const call = fetch(`${server.url}/slow`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(200) });
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(seen.map((s) => s.url)).toEqual(['/slow']);
  });

  it('gives up after its own time limit when the caller passes no signal', async () => {
    answer = () => {};
    const fetch = newFetch({ timeoutMs: 200 });
    const error = await fetch(`${server.url}/slow`, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('fetch failed');
    expect(String((error as TypeError).cause)).toContain('no answer within 200 ms');
  });

  it('waits for a slow answer within the limit, longer than a connection may stay idle', async () => {
    answer = (_req, res) => setTimeout(() => json(res, 200, { late: true }), 300);
    const fetch = newFetch({ idleMs: 100, timeoutMs: 30_000 });
    const res = await fetch(`${server.url}/late`, { method: 'GET', headers: {} });
    expect(await res.json()).toEqual({ late: true });
  });

  it('refuses an answer larger than the limit, by its length or by what arrives', async () => {
    const fetch = newFetch({ maxResponseBytes: 1000 });
    answer = (_req, res) => json(res, 200, { big: 'x'.repeat(2000) });
    const declared = await fetch(`${server.url}/big`, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(declared).toBeInstanceOf(TypeError);
    expect(String((declared as TypeError).cause)).toContain('larger than 1000 bytes');

    // No Content-Length: the body is streamed in pieces, and reading stops once it passes the limit.
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = 'y'.repeat(400);
      let sent = 0;
      const more = () => {
        if (res.destroyed || sent++ > 20) return res.end();
        res.write(piece, () => setTimeout(more, 5));
      };
      more();
    };
    const streamed = await fetch(`${server.url}/stream`, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(TypeError);
    expect(String((streamed as TypeError).cause)).toContain('larger than 1000 bytes');
  });

  it('fails as fetch does when nothing listens, and refuses what is not HTTP', async () => {
    const fetch = newFetch();
    const port = await freePort();
    const refused = await fetch(`http://127.0.0.1:${port}/token`, { method: 'POST', headers: {}, body: 'a=b' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).message).toBe('fetch failed');
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await expect(fetch('file:///etc/passwd', { method: 'GET', headers: {} })).rejects.toBeInstanceOf(TypeError);
  });

  it('refuses a compressed answer it did not ask for', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('not really gzip');
    };
    const fetch = newFetch();
    const error = await fetch(`${server.url}/gz`, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as TypeError).cause)).toContain('gzip');
    expect(seen[0]!.headers['accept-encoding']).toBeUndefined();
  });
});
