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
import { numberAnswer, uploadAnswer } from '../../verification-text.js';
import type { FormError } from '../../../views/forms.js';
import { verifyPage, verifyResultPage } from '../../../views/verify.js';
import { pageContext, type AppEnv } from '../context.js';
import { limitBody } from '../forms.js';
import type { TrustedProxies } from '../../net/trusted-proxies.js';
import { sendHtml } from '../respond.js';
import { isNotAnEdoc, Verification } from '../verification.js';
import { prepareHeader } from '../response-headers.js';

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

/** The form page's address in the reader's language: where the language switch and "check another" lead. */
const FORM_PATH = '/verify';

export function verifyRoutes(deps: VerifyDependencies, checks: Verification = verification(deps)): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const channel = 'verify';

  /**
   * The page context of an answer sent to a POST, or of a look-up by personal code: its language switch leads to
   * the form in the other language. A POST's address cannot be opened again (the switch led to a 404), and the
   * answer cannot travel with the switch without a personal code in an address.
   */
  const formPageContext = (c: Context<AppEnv>) => ({ ...pageContext(c), path: FORM_PATH });

  /** A look-up from the form or from the printed address: the verdict, the form's problems or a refusal. */
  const lookup = async (c: Context<AppEnv>, number: string, code: string, viaAddress: boolean) => {
    const result = await checks.lookup(c, number, code, channel);
    // The form is shown again with what was typed, the personal code too (in its field, never in an address).
    const typed = { number, code };
    if (result.outcome === 'invalid') {
      const page = formPageContext(c);
      const errors: FormError[] = result.problems.map((p) => ({ field: p.field, text: page.t(p.key, p.params ?? {}) }));
      return sendHtml(c, verifyPage(page, { ...typed, errors }), 400);
    }
    if (result.outcome === 'refused') {
      const page = formPageContext(c);
      prepareHeader(c, 'Retry-After', String(result.retryAfterSeconds));
      const message = result.byNumber
        ? page.t(result.kind === 'verification-code' ? 'verify.too-many-number-code' : 'verify.too-many-number', { time: formatRigaDateTime(result.retryAt) })
        : page.t('verify.too-many');
      return sendHtml(c, verifyPage(page, { ...typed, errors: [{ text: message }] }), 429);
    }
    // The printed address holds the document's verification code, not a personal code: switching language there
    // opens the same address, which checks again in the other language.
    const page = viaAddress && result.kind === 'verification-code' ? pageContext(c) : formPageContext(c);
    return sendHtml(c, verifyResultPage(page, numberAnswer(result.check, page.t, page.lang, result.kind), formatRigaDateTime(new Date())));
  };

  app.get('/', async (c) => {
    const number = c.req.query('number');
    const code = c.req.query('code');
    if (number === undefined && code === undefined) return sendHtml(c, verifyPage(pageContext(c)));
    // An address that holds a document's code is not for search engines (pages are never in shared caches).
    prepareHeader(c, 'X-Robots-Tag', 'noindex');
    return lookup(c, (number ?? '').trim(), code ?? '', true);
  });

  app.post('/', limitBody(READ_LIMITS.containerBytes + 64 * 1024), async (c) => {
    const page = formPageContext(c);
    const admission = await checks.admitUpload(c);
    if (!admission.allowed) {
      prepareHeader(c, 'Retry-After', String(admission.retryAfterSeconds));
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
        prepareHeader(c, 'Retry-After', String(error.retryAfterSeconds));
        return sendHtml(c, verifyPage(page, { errors: [{ text: page.t('verify.busy', { seconds: error.retryAfterSeconds }) }] }), 503);
      }
      if (error instanceof VerificationTimeoutError) {
        return sendHtml(c, verifyPage(page, { errors: [{ text: page.t('verify.too-slow', { seconds: Math.ceil(error.timeoutMs / 1000) }) }] }), 422);
      }
      throw error;
    }
    // A PDF, a photo or any other file that is no .edoc at all: the wrong file was chosen, nothing was forged.
    if (isNotAnEdoc(check.report)) {
      return sendHtml(c, verifyPage(page, { errors: [{ field: 'edoc', text: page.t('verify.not-an-edoc') }] }), 400);
    }
    return sendHtml(c, verifyResultPage(page, uploadAnswer(check, page.t, page.lang), formatRigaDateTime(new Date())));
  });

  app.post('/number', limitBody(4096), async (c) => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    return lookup(c, String(body['number'] ?? '').trim(), String(body['code'] ?? ''), false);
  });

  // The answer to a look-up has no address of its own: an old link or a reload as GET gets the form, not a 404.
  app.get('/number', (c) => {
    const lang = c.req.query('lang');
    return c.redirect(lang === 'lv' || lang === 'en' ? `${FORM_PATH}?lang=${lang}` : FORM_PATH, 303);
  });

  return app;
}
