/**
 * Public certificate verification: upload an .edoc, or a number with the holder's personal code or the
 * document's verification code. The address printed on a document (and held by its QR code),
 * `/verify?number=…&code=…`, opens the check with both filled in and shows the verdict at once.
 */
import { Hono, type Context } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { EdocVerifier } from '../../data/verification.js';
import { formatRigaDateTime } from '../../domain/riga-time.js';
import { READ_LIMITS } from '../../sealing/asic.js';
import { PoolBusyError } from '../../sealing/pool.js';
import { VerificationTimeoutError } from '../../sealing/verify-pool.js';
import { verifyEdoc, type TrustAnchors } from '../../sealing/verify.js';
import { numberCheckStatements, uploadCheckStatements } from '../../verification-text.js';
import type { FormError } from '../../../views/forms.js';
import { verifyPage } from '../../../views/verify.js';
import { pageContext, type AppEnv } from '../context.js';
import { limitBody } from '../forms.js';
import type { TrustedProxies } from '../../net/trusted-proxies.js';
import { sendHtml } from '../respond.js';
import { Verification } from '../verification.js';

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

/** The checks with their limits, as the page and the API share them. */
export function verification(deps: VerifyDependencies): Verification {
  return new Verification({ db: deps.db, verify: deps.verify ?? ((bytes: Uint8Array) => verifyEdoc(bytes, deps.trust)), trustedProxies: deps.trustedProxies });
}

export function verifyRoutes(deps: VerifyDependencies, checks: Verification = verification(deps)): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const channel = 'verify';

  /** A look-up from the form or from the printed address: the verdict, the form's problems or a refusal. */
  const lookup = async (c: Context<AppEnv>, number: string, code: string) => {
    const page = pageContext(c);
    const result = await checks.lookup(c, number, code, channel);
    // The form is shown again with what was typed, except a personal code (no letters): that stays off the page.
    const shown = { number, code: /\p{L}/u.test(code) ? code : '' };
    if (result.outcome === 'invalid') {
      const errors: FormError[] = result.problems.map((p) => ({ field: p.field, text: page.t(p.key, p.params ?? {}) }));
      return sendHtml(c, verifyPage(page, { ...shown, errors }), 400);
    }
    if (result.outcome === 'refused') {
      c.header('Retry-After', String(result.retryAfterSeconds));
      const message = result.byNumber
        ? page.t(result.kind === 'verification-code' ? 'verify.too-many-number-code' : 'verify.too-many-number', { time: formatRigaDateTime(result.retryAt) })
        : page.t('verify.too-many');
      return sendHtml(c, verifyPage(page, { ...shown, errors: [{ text: message }] }), 429);
    }
    return sendHtml(c, verifyPage(page, shown, numberCheckStatements(result.check, page.t, page.lang, result.kind)));
  };

  app.get('/', async (c) => {
    const number = c.req.query('number');
    const code = c.req.query('code');
    if (number === undefined && code === undefined) return sendHtml(c, verifyPage(pageContext(c)));
    // An address that holds a document's code is not for search engines (pages are never in shared caches).
    c.header('X-Robots-Tag', 'noindex');
    return lookup(c, (number ?? '').trim(), code ?? '');
  });

  app.post('/', limitBody(READ_LIMITS.containerBytes + 64 * 1024), async (c) => {
    const page = pageContext(c);
    const admission = await checks.admitUpload(c);
    if (!admission.allowed) {
      c.header('Retry-After', String(admission.retryAfterSeconds));
      return sendHtml(c, verifyPage(page, { errors: [{ text: page.t('verify.too-many') }] }), 429);
    }
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const file = body['edoc'];
    if (!(file instanceof File) || file.size === 0) {
      return sendHtml(c, verifyPage(page, { errors: [{ field: 'edoc', text: page.t('verify.no-file') }] }), 400);
    }
    let check;
    try {
      check = await checks.checkUpload(new Uint8Array(await file.arrayBuffer()), channel);
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
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    return lookup(c, String(body['number'] ?? '').trim(), String(body['code'] ?? ''));
  });

  return app;
}
