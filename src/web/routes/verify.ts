/** Public certificate verification: upload an .edoc, or a number with the holder's personal code. */
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { checkCertificateByNumber, checkUploadedCertificate, type EdocVerifier } from '../../data/verification.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import { formatRigaDateTime } from '../../domain/riga-time.js';
import { parsePersonalCode } from '../../domain/personal-code.js';
import { READ_LIMITS } from '../../sealing/asic.js';
import { PoolBusyError } from '../../sealing/pool.js';
import { VerificationTimeoutError } from '../../sealing/verify-pool.js';
import { verifyEdoc, type TrustAnchors } from '../../sealing/verify.js';
import { numberCheckStatements, uploadCheckStatements } from '../../verification-text.js';
import type { FormError } from '../../../views/forms.js';
import { verifyPage } from '../../../views/verify.js';
import { pageContext, type AppEnv } from '../context.js';
import { limitBody } from '../forms.js';
import { clientAddress } from '../client-address.js';
import { addressBuckets, type AddressScope } from '../../net/address-buckets.js';
import type { TrustedProxies } from '../../net/trusted-proxies.js';
import { RateLimits, type Attempt, type RateLimit } from '../../data/rate-limits.js';
import { sendHtml } from '../respond.js';

export interface VerifyDependencies {
  db: Kysely<Database>;
  trust: TrustAnchors;
  /**
   * Checks an upload off the HTTP thread: the portal passes its verification pool. Without it uploads are checked
   * in this thread, which only tests that build the app without worker threads may do.
   */
  verify?: EdocVerifier;
  /** Proxies whose X-Forwarded-For names the visitor, so each visitor has a limit of their own. */
  trustedProxies?: TrustedProxies;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * Number look-ups per 10 minutes. One visitor (an IPv4 address, an IPv6 /64) gets what a person checking a few
 * certificates needs; an IPv6 /56 (one customer of an ISP) a little more; an IPv4 /24 (a company, a school
 * district, a carrier's NAT pool) and an IPv6 /48 (one site, or 256 ISP customers) three visitors' worth, so
 * neighbours are not shut out by one busy visitor and one attacker's /48 gives 60 tries, not 1.3 million.
 */
const LOOKUP_LIMITS = addressLimits('verify.lookup', { visitor: 20, 'ipv6/56': 40, wide: 60 });

/** Each upload is unzipped and its signature checked, the costliest thing anyone may ask: one network's share is bounded. */
const UPLOAD_LIMITS = addressLimits('verify.upload', { visitor: 60, 'ipv6/56': 120, wide: 180 });

/**
 * Wrong guesses against one certificate number, from anywhere: five an hour, ten a day. A holder typing their
 * own code needs far fewer; a guesser who knows the holder's birth date still faces some thousand codes.
 */
const NUMBER_LIMITS: readonly RateLimit[] = [
  { name: 'verify.number', limit: 5, windowMs: 60 * 60_000 },
  { name: 'verify.number.day', limit: 10, windowMs: 24 * 60 * 60_000 },
];

function addressLimits(name: string, limits: { visitor: number; 'ipv6/56': number; wide: number }): Record<AddressScope, RateLimit> {
  const visitor = { name, limit: limits.visitor, windowMs: TEN_MINUTES };
  return {
    unknown: visitor,
    ipv4: visitor,
    'ipv6/64': visitor,
    'ipv6/56': { name: `${name}/56`, limit: limits['ipv6/56'], windowMs: TEN_MINUTES },
    'ipv4/24': { name: `${name}/24`, limit: limits.wide, windowMs: TEN_MINUTES },
    'ipv6/48': { name: `${name}/48`, limit: limits.wide, windowMs: TEN_MINUTES },
  };
}

function addressAttempts(limits: Record<AddressScope, RateLimit>, address: string | undefined): Attempt[] {
  return addressBuckets(address).map((bucket) => ({ rule: limits[bucket.scope], key: bucket.key }));
}

export function verifyRoutes(deps: VerifyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Counted in the database, shared by every instance: guesses are slowed down wherever they land.
  const limits = new RateLimits(deps.db);
  const uploadLimiter = { allow: async (address: string | undefined) => (await limits.admit(addressAttempts(UPLOAD_LIMITS, address))).allowed };
  const context = { actor: 'public', channel: 'verify' };
  const verify = deps.verify ?? ((bytes: Uint8Array) => verifyEdoc(bytes, deps.trust));

  app.get('/', (c) => sendHtml(c, verifyPage(pageContext(c))));

  app.post('/', limitBody(READ_LIMITS.containerBytes + 64 * 1024), async (c) => {
    const page = pageContext(c);
    if (!(await uploadLimiter.allow(clientAddress(c, deps.trustedProxies)))) {
      c.header('Retry-After', '600');
      return sendHtml(c, verifyPage(page, { errors: [{ text: page.t('verify.too-many') }] }), 429);
    }
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const file = body['edoc'];
    if (!(file instanceof File) || file.size === 0) {
      return sendHtml(c, verifyPage(page, { errors: [{ field: 'edoc', text: page.t('verify.no-file') }] }), 400);
    }
    let check;
    try {
      check = await checkUploadedCertificate(deps.db, new Uint8Array(await file.arrayBuffer()), verify, context);
    } catch (error) {
      if (error instanceof PoolBusyError) {
        c.header('Retry-After', String(error.retryAfterSeconds));
        return sendHtml(c, verifyPage(page, { errors: [{ text: page.t('verify.busy', { seconds: error.retryAfterSeconds }) }] }), 503);
      }
      if (error instanceof VerificationTimeoutError) {
        return sendHtml(c, verifyPage(page, { errors: [{ text: page.t('verify.too-slow', { seconds: Math.ceil(error.timeoutMs / 1000) }) }] }), 422);
      }
      throw error;
    }
    return sendHtml(c, verifyPage(page, {}, uploadCheckStatements(check, page.t, page.lang)));
  });

  app.post('/number', limitBody(4096), async (c) => {
    const page = pageContext(c);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const number = String(body['number'] ?? '').trim();
    const codeText = String(body['code'] ?? '');
    const errors: FormError[] = [];
    const parsed = parseCertificateNumber(number);
    if (!parsed) errors.push({ field: 'number', text: page.t('verify.bad-number') });
    const code = parsePersonalCode(codeText);
    if (!code.ok) errors.push({ field: 'code', text: page.t(`personalCode.${code.problem}`) });
    if (errors.length > 0 || !parsed || !code.ok) return sendHtml(c, verifyPage(page, { number, errors }), 400);
    // Every spelling of a number (a lower-case exam code) spends the same budget.
    const numberAttempts = NUMBER_LIMITS.map((rule) => ({ rule, key: buildCertificateNumber(parsed) }));
    // The visitor's own counters first: a visitor already refused does not spend a number's budget.
    const admission = await limits.admit([...addressAttempts(LOOKUP_LIMITS, clientAddress(c, deps.trustedProxies)), ...numberAttempts]);
    if (!admission.allowed) {
      c.header('Retry-After', String(admission.retryAfterSeconds));
      const message = NUMBER_LIMITS.includes(admission.rule)
        ? page.t('verify.too-many-number', { time: formatRigaDateTime(admission.retryAt) })
        : page.t('verify.too-many');
      return sendHtml(c, verifyPage(page, { number, errors: [{ text: message }] }), 429);
    }
    const check = await checkCertificateByNumber(deps.db, number, code.code, context);
    // Only wrong guesses spend a number's budget, so the holder and those they show it to can check it as often
    // as they like. Whether to answer was decided above, before the code was compared: once the budget is
    // spent the right code is refused like any other, or the refusal itself would tell a guesser "wrong".
    if (check.found) await limits.giveBack(admission.counted.filter((attempt) => NUMBER_LIMITS.includes(attempt.rule)));
    return sendHtml(c, verifyPage(page, { number }, numberCheckStatements(check, page.t, page.lang)));
  });

  return app;
}
