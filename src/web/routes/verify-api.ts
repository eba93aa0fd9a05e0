/**
 * The verification API (src/api/verification.ts describes it):
 *
 * - `GET /api/verify?number=…&code=…`: a look-up by number with the verification code or the personal code;
 * - `POST /api/verify`: an .edoc as the raw body (`Content-Type: application/vnd.etsi.asic-e+zip`) or as the
 *   multipart field `file`, checked in the same verification pool as the page's uploads;
 * - `GET /api/openapi.json` and `GET /api/certificate-data.schema.json`: the descriptions.
 *
 * The same limits and audit as /verify (one set of counters, channel `verify-api`); refusals are RFC 9457
 * problems. Open to any origin without credentials (`publicApiHeaders` in app.ts answers preflights).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import {
  API_OPENAPI_PATH,
  EDOC_MEDIA_TYPE,
  numberReportJson,
  PROBLEM_MEDIA_TYPE,
  problemJson,
  uploadReportJson,
  verificationOpenApi,
  VERIFY_API_PATH,
  type ProblemJson,
  type VerificationApiSettings,
} from '../../api/verification.js';
import { CERTIFICATE_DATA_SCHEMA_PATH, certificateDataSchema } from '../../certificate/data.js';
import { formatRigaDateTime } from '../../domain/riga-time.js';
import { isLanguage, translator, type Language } from '../../i18n.js';
import { READ_LIMITS } from '../../sealing/asic.js';
import { PoolBusyError } from '../../sealing/pool.js';
import { VerificationTimeoutError } from '../../sealing/verify-pool.js';
import type { AppEnv } from '../context.js';
import type { Verification } from '../verification.js';

const CHANNEL = 'verify-api';

export const PUBLIC_API_PATHS: ReadonlySet<string> = new Set([VERIFY_API_PATH, API_OPENAPI_PATH, CERTIFICATE_DATA_SCHEMA_PATH]);

/**
 * CORS for the verification API: any web page may call it, without cookies (there is nothing of the visitor's to
 * protect: every answer depends only on what the request carries), and preflights are answered here. Its answers
 * may also be read cross-origin (Cross-Origin-Resource-Policy), which the portal's pages are not. Mount before
 * completeAnswers (../response-headers.ts), so that this runs after it on the way out.
 */
export function publicApiHeaders(): MiddlewareHandler {
  const allowAnyOrigin = cors({
    origin: '*',
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Content-Type'],
    exposeHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 86400,
    credentials: false,
  });
  return async (c, next) => {
    if (!PUBLIC_API_PATHS.has(c.req.path)) return next();
    const preflight = await allowAnyOrigin(c, next);
    if (preflight) return preflight;
    c.res.headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
  };
}

function problem(c: Context, body: ProblemJson, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), body.status as 400, { 'Content-Type': PROBLEM_MEDIA_TYPE, 'Cache-Control': 'no-store', ...headers });
}

/** Answers in English unless `lang=lv` is asked for: the API's readers are mostly abroad. */
function apiLanguage(c: Context): Language {
  const asked = c.req.query('lang');
  return isLanguage(asked) ? asked : 'en';
}

function json(c: Context, body: unknown, cache: string): Response {
  return c.body(JSON.stringify(body), 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cache });
}

export function verifyApiRoutes(checks: Verification, settings: VerificationApiSettings): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const openApi = JSON.stringify(verificationOpenApi(settings));
  const schema = JSON.stringify(certificateDataSchema());

  app.get(API_OPENAPI_PATH, (c) => c.body(openApi, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  app.get(CERTIFICATE_DATA_SCHEMA_PATH, (c) => c.body(schema, 200, { 'Content-Type': 'application/schema+json', 'Cache-Control': 'public, max-age=3600' }));

  app.get(VERIFY_API_PATH, async (c) => {
    const t = translator(apiLanguage(c));
    const result = await checks.lookup(c, (c.req.query('number') ?? '').trim(), c.req.query('code') ?? '', CHANNEL);
    if (result.outcome === 'invalid') {
      const errors = result.problems.map((p) => ({ field: p.field, message: t(p.key, p.params ?? {}) }));
      return problem(c, problemJson(400, errors.map((e) => e.message).join(' '), errors));
    }
    if (result.outcome === 'refused') {
      const key = result.byNumber ? (result.kind === 'verification-code' ? 'verify.too-many-number-code' : 'verify.too-many-number') : 'verify.too-many';
      return problem(c, problemJson(429, t(key, { time: formatRigaDateTime(result.retryAt) })), { 'Retry-After': String(result.retryAfterSeconds) });
    }
    return json(c, numberReportJson(result.check, result.kind, t), 'no-store');
  });

  app.post(
    VERIFY_API_PATH,
    bodyLimit({
      maxSize: READ_LIMITS.containerBytes + 64 * 1024,
      onError: (c) => problem(c, problemJson(413, translator(apiLanguage(c))('verify.container.too-large'))),
    }),
    async (c) => {
      const t = translator(apiLanguage(c));
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== EDOC_MEDIA_TYPE && type !== 'multipart/form-data') {
        return problem(c, problemJson(415, `Send the .edoc as ${EDOC_MEDIA_TYPE}, or as the field "file" of multipart/form-data.`), {
          'Accept-Post': `${EDOC_MEDIA_TYPE}, multipart/form-data`,
        });
      }
      const admission = await checks.admitUpload(c);
      if (!admission.allowed) {
        return problem(c, problemJson(429, t('verify.too-many')), { 'Retry-After': String(admission.retryAfterSeconds) });
      }
      let bytes: Uint8Array | undefined;
      if (type === EDOC_MEDIA_TYPE) {
        bytes = new Uint8Array(await c.req.arrayBuffer());
      } else {
        const file = (await c.req.parseBody().catch(() => ({}) as Record<string, unknown>))['file'];
        if (file instanceof File) bytes = new Uint8Array(await file.arrayBuffer());
      }
      if (!bytes || bytes.length === 0) return problem(c, problemJson(400, t('verify.no-file')));
      try {
        return json(c, uploadReportJson(await checks.checkUpload(bytes, CHANNEL), t), 'no-store');
      } catch (error) {
        if (error instanceof PoolBusyError) {
          return problem(c, problemJson(503, t('verify.busy', { seconds: error.retryAfterSeconds })), { 'Retry-After': String(error.retryAfterSeconds) });
        }
        if (error instanceof VerificationTimeoutError) {
          return problem(c, problemJson(422, t('verify.too-slow', { seconds: Math.ceil(error.timeoutMs / 1000) })));
        }
        throw error;
      }
    },
  );

  return app;
}
