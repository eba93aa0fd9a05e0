/** Serving the development OCSP responder over HTTP on a local port. */
import { startDerPostServer, type DevelopmentServer } from './der-post-server.js';
import type { DevelopmentOcspResponder } from './ocsp-responder.js';

/**
 * Serves `responder` over HTTP (RFC 6960 appendix A): POST an OCSPRequest (`application/ocsp-request`), get an
 * OCSPResponse (`application/ocsp-response`). Requests over 16 KB get HTTP 413, other methods (the GET form
 * included) 405.
 */
export function startDevelopmentOcspServer(responder: DevelopmentOcspResponder, options: { host?: string; port?: number } = {}): Promise<DevelopmentServer> {
  const service = {
    handle: (request: Uint8Array) => responder.handle(request),
    replyType: 'application/ocsp-response',
    requestName: 'an OCSPRequest',
    maxRequestBytes: 16 * 1024,
  };
  return startDerPostServer(service, options);
}
