/** Public certificate verification: upload an .edoc, or a number with the holder's personal code. */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { checkCertificateByNumber, checkUploadedCertificate } from '../../data/verification.js';
import { parseCertificateNumber } from '../../domain/certificate-number.js';
import { parsePersonalCode } from '../../domain/personal-code.js';
import { READ_LIMITS } from '../../sealing/asic.js';
import type { TrustAnchors } from '../../sealing/verify.js';
import { numberCheckStatements, uploadCheckStatements } from '../../verification-text.js';
import { verifyPage } from '../../../views/verify.js';
import type { AppEnv } from '../app.js';
import { pageContext } from '../app.js';
import type { Assets } from '../assets.js';
import { clientAddress, type TrustedProxies } from '../client-address.js';
import { RateLimiter } from '../../data/rate-limits.js';
import { HTTPException } from 'hono/http-exception';
import { sendHtml } from '../respond.js';

export interface VerifyDependencies {
  db: Kysely<Database>;
  trust: TrustAnchors;
  assets: Assets;
  /** Proxies whose X-Forwarded-For names the visitor, so each visitor has a limit of their own. */
  trustedProxies?: TrustedProxies;
}

/**
 * Whose attempts count together: one IPv4 address, or one IPv6 /64 (one household or phone gets a whole /64,
 * and counting single IPv6 addresses would give it millions of tries).
 */
export function limiterKey(address: string | undefined): string {
  if (!address) return 'unknown';
  if (!address.includes(':')) return address;
  const expanded = expandIpv6(address);
  return expanded ? `${expanded.slice(0, 4).join(':')}::/64` : address;
}

function expandIpv6(address: string): string[] | undefined {
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  if (tail === undefined && left.length !== 8) return undefined;
  const middle = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...middle, ...right].map((h) => h.toLowerCase().replace(/^0+(?=.)/, ''));
}

export function verifyRoutes(deps: VerifyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Shared by every instance: guessing personal codes against a number is slowed down wherever it lands.
  const limiter = new RateLimiter(deps.db, { name: 'verify.lookup', limit: 20, windowMs: 10 * 60_000 });
  // Each upload is unzipped and its signature checked on this thread: a bound keeps one visitor from filling it.
  const uploadLimiter = new RateLimiter(deps.db, { name: 'verify.upload', limit: 60, windowMs: 10 * 60_000 });
  const context = { actor: 'public', channel: 'verify' };

  app.get('/', (c) => sendHtml(c, verifyPage(pageContext(c, deps.assets))));

  app.post(
    '/',
    bodyLimit({ maxSize: READ_LIMITS.containerBytes + 64 * 1024, onError: () => { throw new HTTPException(413); } }),
    async (c) => {
      const page = pageContext(c, deps.assets);
      if (!(await uploadLimiter.allow(limiterKey(clientAddress(c, deps.trustedProxies))))) {
        c.header('Retry-After', '600');
        return sendHtml(c, verifyPage(page, { errors: [page.t('verify.too-many')] }), 429);
      }
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const file = body['edoc'];
      if (!(file instanceof File) || file.size === 0) {
        return sendHtml(c, verifyPage(page, { errors: [page.t('verify.no-file')] }), 400);
      }
      const check = await checkUploadedCertificate(deps.db, new Uint8Array(await file.arrayBuffer()), deps.trust, context);
      return sendHtml(c, verifyPage(page, {}, uploadCheckStatements(check, page.t, page.lang)));
    },
  );

  app.post('/number', bodyLimit({ maxSize: 4096, onError: () => { throw new HTTPException(413); } }), async (c) => {
    const page = pageContext(c, deps.assets);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const number = String(body['number'] ?? '').trim();
    const codeText = String(body['code'] ?? '');
    const errors: string[] = [];
    if (!parseCertificateNumber(number)) errors.push(page.t('verify.bad-number'));
    const code = parsePersonalCode(codeText);
    if (!code.ok) errors.push(page.t(`personalCode.${code.problem}`));
    if (errors.length > 0 || !code.ok) return sendHtml(c, verifyPage(page, { number, errors }), 400);
    if (!(await limiter.allow(limiterKey(clientAddress(c, deps.trustedProxies))))) {
      c.header('Retry-After', '600');
      return sendHtml(c, verifyPage(page, { number, errors: [page.t('verify.too-many')] }), 429);
    }
    const check = await checkCertificateByNumber(deps.db, number, code.code, context);
    return sendHtml(c, verifyPage(page, { number }, numberCheckStatements(check, page.t, page.lang)));
  });

  return app;
}
