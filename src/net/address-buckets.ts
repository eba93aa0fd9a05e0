/**
 * Which groups of addresses one visitor's attempts count toward, for rate limits.
 *
 * One IPv4 address is one visitor (perhaps a whole household or school behind NAT). In IPv6 a household or a
 * phone gets a whole /64, so counting single IPv6 addresses would give it millions of tries; and anyone can get
 * a /56 or a /48 (ISPs hand them to customers, tunnel brokers give them away), so a /64 alone still gives one
 * attacker 256 or 65,536 visitors' worth of tries. Every attempt therefore counts toward the visitor and toward
 * the wider blocks around it: an IPv4 /24, an IPv6 /56 and /48. Each caller sets its own limit per scope.
 */
import { isIP } from 'node:net';

/** `unknown` is an attempt without an address (an in-process request), counted as one visitor. */
export type AddressScope = 'ipv4' | 'ipv4/24' | 'ipv6/64' | 'ipv6/56' | 'ipv6/48' | 'unknown';

export interface AddressBucket {
  scope: AddressScope;
  /** The block in CIDR notation (the address itself for `ipv4`), written the same way for every spelling. */
  key: string;
}

/**
 * The buckets of a visitor's address, narrowest first. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as the IPv4
 * address it carries, so a dual-stack listener does not give IPv4 visitors a second set of counters.
 */
export function addressBuckets(address: string | undefined): AddressBucket[] {
  const text = address?.split('%')[0];
  if (text !== undefined && isIP(text) === 4) return ipv4Buckets(text.split('.').map(Number));
  const groups = text === undefined ? undefined : ipv6Groups(text);
  if (!groups) return [{ scope: 'unknown', key: 'unknown' }];
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return ipv4Buckets([groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff]);
  }
  const prefix = (bits: 48 | 56 | 64) => {
    const kept = groups.slice(0, Math.ceil(bits / 16));
    if (bits === 56) kept[3] = kept[3]! & 0xff00;
    return `${kept.map((g) => g.toString(16)).join(':')}::/${bits}`;
  };
  return [
    { scope: 'ipv6/64', key: prefix(64) },
    { scope: 'ipv6/56', key: prefix(56) },
    { scope: 'ipv6/48', key: prefix(48) },
  ];
}

function ipv4Buckets(octets: number[]): AddressBucket[] {
  return [
    { scope: 'ipv4', key: octets.join('.') },
    { scope: 'ipv4/24', key: `${octets.slice(0, 3).join('.')}.0/24` },
  ];
}

/** The eight 16-bit groups of an IPv6 address (with `::` filled in and a dotted IPv4 tail read), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  if (isIP(text) !== 6) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    const [a, b, c, d] = body
      .slice(lastColon + 1)
      .split('.')
      .map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    body = body.slice(0, lastColon + 1);
    // "1:2:3:4:5:6:" before the tail loses its separator; "::" before it stays a gap.
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', rest] = body.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const gap = 8 - tail.length - left.length - right.length;
  if (rest === undefined ? gap !== 0 : gap < 0) return undefined;
  const zeros = Array.from({ length: rest === undefined ? 0 : gap }, () => '0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16)).concat(tail);
}
