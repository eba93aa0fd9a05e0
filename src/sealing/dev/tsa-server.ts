/** Serving the development time-stamp authority over HTTP on a local port. */
import { startDerPostServer, type DevelopmentServer } from './der-post-server.js';
import type { DevelopmentTsa } from './tsa.js';

/** Largest request body the server reads. */
export const DEVELOPMENT_TSA_MAX_REQUEST_BYTES = 64 * 1024;

export type DevelopmentTsaServer = DevelopmentServer;

/**
 * Serves `tsa` over HTTP (RFC 3161 §3.4): POST a TimeStampReq (`application/timestamp-query`), get a
 * TimeStampResp (`application/timestamp-reply`). Bodies over 64 KB get HTTP 413, other methods 405; a body that
 * is not a TimeStampReq gets a rejection response (status 2, badDataFormat).
 */
export function startDevelopmentTsaServer(tsa: DevelopmentTsa, options: { host?: string; port?: number } = {}): Promise<DevelopmentTsaServer> {
  const service = {
    handle: (request: Uint8Array) => tsa.handle(request),
    replyType: 'application/timestamp-reply',
    requestName: 'a TimeStampReq',
    maxRequestBytes: DEVELOPMENT_TSA_MAX_REQUEST_BYTES,
  };
  return startDerPostServer(service, options);
}
