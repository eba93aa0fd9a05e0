/**
 * The proxies and load balancers in front of the portal (`TRUSTED_PROXIES`): addresses and CIDR ranges, IPv4 or
 * IPv6, whose `X-Forwarded-For` is believed.
 */
import { BlockList, isIPv4 } from 'node:net';
import { normaliseAddress } from './ip.js';

/** The set of proxy addresses whose `X-Forwarded-For` is believed; empty means "no proxy in front". */
export interface TrustedProxies {
  readonly entries: readonly string[];
  /** Whether an address (already normalised) is a trusted proxy. */
  has(address: string): boolean;
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
