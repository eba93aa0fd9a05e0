/**
 * The visitor behind our own proxies, from `X-Forwarded-For`.
 *
 * The header is read right to left: each trusted proxy appends the address it received the request from, so the
 * rightmost entry was written by the proxy we are talking to, the one before it by the proxy before that, and so
 * on. The first entry (from the right) that is not a trusted proxy is the visitor. Anything further left was
 * written by the visitor and is never believed: a forged `X-Forwarded-For: 85.254.0.1` from abroad changes
 * nothing.
 */
import { normaliseAddress } from './ip.js';
import type { TrustedProxies } from './trusted-proxies.js';

/**
 * The visitor's address: `peer` (the socket peer, normalised), or, when it is a trusted proxy, the rightmost
 * `X-Forwarded-For` entry that is not a trusted proxy. An entry that is not an address stops the walk at the
 * last proxy reached (a trusted, private address, which the geo filter never lets through in production).
 */
export function forwardedClient(peer: string, header: string | undefined, trusted: TrustedProxies): string {
  if (!header || !trusted.has(peer)) return peer;
  let current = peer;
  // Walk from the right without splitting the whole header into an array.
  let end = header.length;
  while (end > 0) {
    const comma = header.lastIndexOf(',', end - 1);
    const entry = forwardedEntry(header.slice(comma + 1, end));
    if (entry === undefined) return current;
    current = entry;
    if (!trusted.has(entry)) return entry;
    end = comma < 0 ? 0 : comma;
  }
  // Every hop was one of our proxies (an internal request): the leftmost, itself a trusted proxy.
  return current;
}

/** One `X-Forwarded-For` entry: an address, perhaps `[v6]:port` or `v4:port` as some proxies write it. */
function forwardedEntry(raw: string): string | undefined {
  const text = raw.trim();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end > 0 ? normaliseAddress(text.slice(1, end)) : undefined;
  }
  const direct = normaliseAddress(text);
  if (direct) return direct;
  const colon = text.lastIndexOf(':');
  // "a.b.c.d:port"; a bare IPv6 address was already taken above.
  return colon > 0 && text.indexOf(':') === colon ? normaliseAddress(text.slice(0, colon)) : undefined;
}
