/**
 * Serving a development PKI service (the time-stamp authority, the OCSP responder) over HTTP on a local port: a
 * POSTed DER request in, a DER answer out. Bodies over the limit get HTTP 413, other methods 405.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DevelopmentServer {
  /** The URL to POST requests to, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  close(): Promise<void>;
}

export interface DerPostService {
  /** Answers one request body; never throws for a bad request (the protocol has its own refusals). */
  handle(requestDer: Uint8Array): Promise<Uint8Array>;
  /** Content-Type of the answers, e.g. `application/timestamp-reply`. */
  replyType: string;
  /** What a request is, for the 405 text: "a TimeStampReq". */
  requestName: string;
  maxRequestBytes: number;
}

export async function startDerPostServer(service: DerPostService, options: { host?: string; port?: number } = {}): Promise<DevelopmentServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => serve(service, req, res));
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function serve(service: DerPostService, req: IncomingMessage, res: ServerResponse): void {
  const limit = service.maxRequestBytes;
  req.on('error', () => req.destroy());
  if (req.method !== 'POST') {
    req.resume();
    res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' }).end(`POST ${service.requestName}\n`);
    return;
  }
  const tooLarge = () => {
    res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(`the request is larger than ${limit} bytes\n`);
    // Let a client that is still sending finish (so it can read the answer), up to a bound.
    let discarded = 0;
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.byteLength;
      if (discarded > 16 * limit) req.destroy();
    });
    req.resume();
  };
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    total += chunk.byteLength;
    if (total > limit) {
      refused = true;
      chunks.length = 0;
      tooLarge();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    service
      .handle(new Uint8Array(Buffer.concat(chunks)))
      .then((body) => {
        res.writeHead(200, { 'Content-Type': service.replyType, 'Content-Length': body.byteLength, 'Cache-Control': 'no-store' }).end(body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('service failure\n');
      });
  });
}
