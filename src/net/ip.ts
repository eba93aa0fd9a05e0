/** IP addresses as the portal compares and looks them up, whatever spelling a socket or a header gives them in. */
import { isIP, isIPv4 } from 'node:net';

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
