/**
 * Who is asking: the visitor's IP address, from the request's socket, or from its `X-Forwarded-For` when (and
 * only when) the socket peer is one of our own trusted proxies (see src/net/forwarded-for.ts).
 */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { forwardedClient } from '../net/forwarded-for.js';
import { normaliseAddress } from '../net/ip.js';
import { trustedProxies, type TrustedProxies } from '../net/trusted-proxies.js';

const NO_PROXIES = trustedProxies();

/** The socket peer's address, normalised; undefined when there is no socket (an in-process `app.request`). */
export function socketAddress(c: Context): string | undefined {
  let raw: string | undefined;
  try {
    raw = getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
  return raw === undefined ? undefined : normaliseAddress(raw);
}

/**
 * The visitor's address: the socket peer, or, when the peer is a trusted proxy, the visitor named in
 * `X-Forwarded-For` (forwardedClient). Undefined when there is no socket.
 */
export function clientAddress(c: Context, trusted: TrustedProxies = NO_PROXIES): string | undefined {
  const peer = socketAddress(c);
  // Headers are looked at only when they may be believed: most requests come straight from the visitor.
  if (peer === undefined || !trusted.has(peer)) return peer;
  return forwardedClient(peer, c.req.header('x-forwarded-for'), trusted);
}
