import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/** The peer's address as the socket sees it ("::ffff:" stripped from IPv4 on a dual-stack listener). */
export function socketAddress(c: Context): string {
  try {
    const address = getConnInfo(c).remote.address ?? '';
    return address.startsWith('::ffff:') ? address.slice(7) : address;
  } catch {
    return 'unknown';
  }
}
