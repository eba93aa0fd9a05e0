/**
 * Who is asking: the visitor's IP address, from the socket, or from `X-Forwarded-For` when (and only when) the
 * socket peer is one of our own trusted proxies.
 *
 * The header is read right to left: each trusted proxy appends the address it received the request from, so the
 * rightmost entry was written by the proxy we are talking to, the one before it by the proxy before that, and so
 * on. The first entry (from the right) that is not a trusted proxy is the visitor. Anything further left was
 * written by the visitor and is never believed: a forged `X-Forwarded-For: 85.254.0.1` from abroad changes
 * nothing.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/** The set of proxy addresses whose `X-Forwarded-For` is believed; empty means "no proxy in front". */
export interface TrustedProxies {
  readonly entries: readonly string[];
  /** Whether an address (already normalised) is a trusted proxy. */
  has(address: string): boolean;
}

const IPV4_MAPPED = /^(?:::|(?:0{1,4}:){5})ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * An address as we compare and look it up: IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as a dual-stack listener reports
 * IPv4 clients) becomes plain IPv4, an IPv6 zone (`fe80::1%eth0`) is dropped, IPv6 is lower-cased.
 * Undefined when the text is not an IP address.
 */
export function normaliseAddress(text: string): string | undefined {
  let address = text;
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const mapped = IPV4_MAPPED.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  return address.toLowerCase();
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

/**
 * Parses `TRUSTED_PROXIES`: addresses and CIDR ranges, IPv4 or IPv6, separated by commas (spaces allowed).
 * Returns the normalised entries and a message for every entry that is not one.
 */
export function parseTrustedProxies(text: string | undefined): { entries: string[]; problems: string[] } {
  const entries: string[] = [];
  const problems: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const slash = item.indexOf('/');
    const address = normaliseAddress(slash >= 0 ? item.slice(0, slash) : item);
    if (!address || item.includes('%')) {
      problems.push(`"${item}" is not an IP address or CIDR range`);
      continue;
    }
    if (slash < 0) {
      entries.push(address);
      continue;
    }
    const prefixText = item.slice(slash + 1);
    const max = isIPv4(address) ? 32 : 128;
    // A mapped IPv4 range (::ffff:10.0.0.0/104) is written as the IPv4 range it means.
    const mappedShift = isIPv4(address) && !isIPv4(item.slice(0, slash)) ? 96 : 0;
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) - mappedShift : NaN;
    if (!(prefix >= 0 && prefix <= max)) {
      problems.push(`"${item}": the prefix length must be 0–${max + mappedShift}`);
      continue;
    }
    entries.push(`${address}/${prefix}`);
  }
  return { entries, problems };
}

/** The trusted-proxy set from parsed entries (see parseTrustedProxies); throws on an entry that is not valid. */
export function trustedProxies(entries: readonly string[] | string = []): TrustedProxies {
  const parsed = parseTrustedProxies(typeof entries === 'string' ? entries : entries.join(','));
  if (parsed.problems.length > 0) throw new Error(`TRUSTED_PROXIES: ${parsed.problems.join('; ')}`);
  const list = new BlockList();
  for (const entry of parsed.entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  const empty = parsed.entries.length === 0;
  return {
    entries: parsed.entries,
    has: (address) => !empty && list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6'),
  };
}

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
 * The visitor's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
 * `X-Forwarded-For` entry that is not a trusted proxy. An entry that is not an address stops the walk at the
 * last proxy reached (a trusted, private address, which the geo filter never lets through in production).
 * Undefined when there is no socket.
 */
export function clientAddress(c: Context, trusted: TrustedProxies = NO_PROXIES): string | undefined {
  const peer = socketAddress(c);
  if (peer === undefined || !trusted.has(peer)) return peer;
  const header = c.req.header('x-forwarded-for');
  if (!header) return peer;
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
