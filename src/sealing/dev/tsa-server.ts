/** Serving the development time-stamp authority over HTTP on a local port. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevelopmentTsa } from './tsa.js';

/** Largest request body the server reads. */
export const DEVELOPMENT_TSA_MAX_REQUEST_BYTES = 64 * 1024;

export interface DevelopmentTsaServer {
  /** The URL to POST requests to, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `tsa` over HTTP (RFC 3161 §3.4): POST a TimeStampReq (`application/timestamp-query`), get a
 * TimeStampResp (`application/timestamp-reply`). Bodies over 64 KB get HTTP 413, other methods 405; a body that
 * is not a TimeStampReq gets a rejection response (status 2, badDataFormat).
 */
export async function startDevelopmentTsaServer(tsa: DevelopmentTsa, options: { host?: string; port?: number } = {}): Promise<DevelopmentTsaServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => serve(tsa, req, res));
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

function serve(tsa: DevelopmentTsa, req: IncomingMessage, res: ServerResponse): void {
  req.on('error', () => req.destroy());
  if (req.method !== 'POST') {
    req.resume();
    res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' }).end('POST a TimeStampReq\n');
    return;
  }
  const tooLarge = () => {
    res
      .writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
      .end(`the request is larger than ${DEVELOPMENT_TSA_MAX_REQUEST_BYTES} bytes\n`);
    // Let a client that is still sending finish (so it can read the answer), up to a bound.
    let discarded = 0;
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.byteLength;
      if (discarded > 16 * DEVELOPMENT_TSA_MAX_REQUEST_BYTES) req.destroy();
    });
    req.resume();
  };
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > DEVELOPMENT_TSA_MAX_REQUEST_BYTES) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    total += chunk.byteLength;
    if (total > DEVELOPMENT_TSA_MAX_REQUEST_BYTES) {
      refused = true;
      chunks.length = 0;
      tooLarge();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    tsa
      .handle(new Uint8Array(Buffer.concat(chunks)))
      .then((body) => {
        res
          .writeHead(200, {
            'Content-Type': 'application/timestamp-reply',
            'Content-Length': body.byteLength,
            'Cache-Control': 'no-store',
          })
          .end(body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('time-stamp authority failure\n');
      });
  });
}
