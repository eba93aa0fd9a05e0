/**
 * The Latvija.lv e-service.
 *
 * - `GET /eservice/certificates` with the e-service's token (`?token=` or `Authorization: Bearer`; or `POST` with
 *   the form field `token`, which keeps it out of every address): as JSON when
 *   asked with `Accept: application/json`; otherwise the token opens a 15-minute embed session and the browser is
 *   sent (303) to `?s=<session id>`, the embedded list. The token is usable once, so the frame's reloads and
 *   in-frame links run on the session, carried in the address and in forms (no cookie: browsers block
 *   third-party cookies in frames). A session id is unguessable and never ambient, which also makes the forms
 *   safe from cross-site requests; they must in addition come from our own origin.
 * - `GET /eservice/download?link=…`: the sealed certificate behind a short-lived link made for one person and one
 *   certificate; every download is audited with channel `eservice` and, for a representative, whom they acted for.
 * - `GET|POST /eservice/paper/<number>`: the paper copy request: delivery, review, then
 *   `GET /eservice/paper/<number>/confirmation` with the request's reference. A form sent after the session
 *   ended is kept as the same person's draft and comes back filled in when they open the e-service again.
 * - `/eservice/share` and `/eservice/history`: the holder's share links and access history (eservice-share.ts).
 * - `GET /api/eservice/openapi.json`: the OpenAPI description.
 *
 * Random ids travel only in query strings and form bodies: request logs keep query names, never values.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import {
  certificateListPage,
  embedHref,
  embedRefusedPage,
  paperConfirmationPage,
  paperDraftSavedPage,
  paperFormPage,
  paperPath,
  paperReviewPage,
  type EmbedContext,
  type EmbedRefusal,
} from '../../../views/eservice.js';
import { audit } from '../../data/audit.js';
import {
  createDownloadLinks,
  createEmbedSession,
  downloadableCertificate,
  EMBED_SESSION_MS,
  eserviceActor,
  eserviceAuditActor,
  eserviceAuditDetails,
  eserviceCertificates,
  eservicePerson,
  findEservicePerson,
  loadDownloadLink,
  loadEmbedSession,
  loadEndedEmbedSession,
  type EserviceSubject,
} from '../../data/eservice.js';
import { createPaperRequest, isOpen, PaperRequestError, paperDraftsOf, paperRequestsOfPerson, savePaperDraft } from '../../data/paper-requests.js';
import { DEVELOPMENT_CONTACT, DEVELOPMENT_PAPER_COPY } from '../../config.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import { EMBED_PATH, OPENAPI_PATH } from '../../eservice/claims.js';
import { certificateListJson, eserviceOpenApi, problemJson, type ProblemJson } from '../../eservice/openapi.js';
import { draftFields, parsePaperForm } from '../../eservice/paper-form.js';
import type { EserviceDependencies } from '../../eservice/setup.js';
import { EserviceTokenError } from '../../eservice/token.js';
import { translator, type Language } from '../../i18n.js';
import type { Logger } from '../../log.js';
import type { AppEnv } from '../context.js';
import { documentFor, sendEdoc } from '../edoc.js';
import { limitBody, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { isSameOriginRequest } from '../session.js';
import { eserviceShareRoutes } from './eservice-share.js';
import { prepareHeader } from '../response-headers.js';

export interface EserviceRouteDependencies extends EserviceDependencies {
  db: Kysely<Database>;
  log: Logger;
}

/** The token form and the paper request form: a few fields each. */
const EMBED_FORM_BYTES = 16 * 1024;

// Requests answered by one of the routes the e-service frames. Marked by the route itself, not by the path, so
// that a 404 under /eservice/, a method a route does not take, or anything added later stays unframeable.
const framedRequests = new WeakSet<Context>();

/** Route middleware of the pages meant to be framed: the certificate list and what opens inside its frame. */
export const framed: MiddlewareHandler = async (c, next) => {
  framedRequests.add(c);
  await next();
};

/** The e-service's paths (its embed pages, downloads and API), which the framing policy below applies to. */
export const ESERVICE_PREFIX = '/eservice/';

/**
 * Response headers under /eservice/: nothing personal is kept in a cache, and the pages meant to be framed may
 * be framed by the configured e-service origins only (CSP frame-ancestors; X-Frame-Options cannot name an
 * origin, so it is left out). Every other answer keeps the portal's `frame-ancestors 'none'`. Mount before
 * completeAnswers (response-headers.ts), so it runs after it on the way out.
 */
export function eserviceFraming(origins: readonly string[]): MiddlewareHandler {
  const ancestors = origins.length > 0 ? origins.join(' ') : "'none'";
  return async (c, next) => {
    await next();
    if (!c.req.path.startsWith(ESERVICE_PREFIX)) return;
    c.res.headers.set('Cache-Control', 'no-store');
    if (!framedRequests.has(c)) return;
    const policy = c.res.headers.get('Content-Security-Policy');
    if (policy) c.res.headers.set('Content-Security-Policy', policy.replace(/frame-ancestors [^;]*/, `frame-ancestors ${ancestors}`));
    c.res.headers.delete('X-Frame-Options');
  };
}

/** What the embed pages are rendered with: the frame's language, the static files, the contact. */
export function embedContext(c: Context<AppEnv>, switchHref?: string): EmbedContext {
  const lang = c.get('lang');
  const assets = c.get('assets');
  return {
    t: translator(lang),
    lang,
    css: assets.url('app.css'),
    sessionScript: assets.url('eservice-session.js'),
    contact: c.get('contact') ?? DEVELOPMENT_CONTACT,
    ...(switchHref ? { switchHref } : {}),
  };
}

function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? c.req.query('token') ?? undefined;
}

/** JSON when the caller asks for it and does not also ask for a page. */
function wantsJson(c: Context): boolean {
  const accept = c.req.header('accept') ?? '';
  return /\bapplication\/json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);
}

function certificateNumberParam(raw: string): string | undefined {
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const parsed = parseCertificateNumber(text);
  return parsed ? buildCertificateNumber(parsed) : undefined;
}

export function eserviceRoutes(deps: EserviceRouteDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  const openApi = JSON.stringify(eserviceOpenApi({ ...deps.token, publicUrl: deps.publicUrl, origins: deps.origins }));

  const paper = deps.paper ?? DEVELOPMENT_PAPER_COPY;

  const embed = embedContext;
  const otherLanguage = (lang: Language): Language => (lang === 'lv' ? 'en' : 'lv');

  // Refusals are thrown (`throw await refusal(…)`), carrying the answer: the handler stops there, and the
  // application's error handler sends it as it is.
  /** The embed page saying why not. */
  const refusal = async (c: Context<AppEnv>, kind: EmbedRefusal, status: 401 | 403 | 404 | 503, sessionId?: string) => {
    if (status === 401) prepareHeader(c, 'WWW-Authenticate', 'Bearer error="invalid_token"');
    return new HTTPException(status, { res: await sendHtml(c, embedRefusedPage(embed(c), kind, sessionId), status) });
  };
  /** The JSON answer's refusal, with no data. */
  const jsonRefusal = (c: Context<AppEnv>, error: ProblemJson['error'], status: 401 | 503) =>
    new HTTPException(status, { res: c.json(problemJson(error), status, { 'Cache-Control': 'no-store' }) });

  const tokenRefusal = async (c: Context<AppEnv>, error: EserviceTokenError) => {
    deps.log.warn('e-service token refused', { id: c.get('requestId'), reason: error.reason });
    const unavailable = error.reason === 'keys-unavailable';
    if (wantsJson(c)) {
      if (!unavailable) prepareHeader(c, 'WWW-Authenticate', 'Bearer error="invalid_token"');
      return unavailable ? jsonRefusal(c, 'temporarily_unavailable', 503) : jsonRefusal(c, 'invalid_token', 401);
    }
    return unavailable ? refusal(c, 'unavailable', 503) : refusal(c, 'token', 401);
  };

  /** The list with fresh download links, as JSON or as the embed page. */
  const showList = async (c: Context<AppEnv>, subject: EserviceSubject | undefined, expiresAt: Date, sessionId?: string) => {
    const now = clock();
    const lang = c.get('lang');
    const holder = subject ? await eservicePerson(deps.db, subject.personId) : undefined;
    const certificates = subject ? await eserviceCertificates(deps.db, subject.personId, now) : [];
    const valid = certificates.filter((cert) => cert.state === 'issued');
    const links = subject
      ? await createDownloadLinks(
          deps.db,
          subject,
          valid.map((cert) => cert.certificateId),
          expiresAt,
          now,
        )
      : new Map<number, string>();
    const papers = subject ? await paperRequestsOfPerson(deps.db, subject.personId) : new Map();
    const drafts = subject && sessionId ? await paperDraftsOf(deps.db, subject, now) : new Map();
    const downloads = new Map([...links].map(([id, link]) => [id, `/eservice/download?${new URLSearchParams({ link }).toString()}`]));
    if (wantsJson(c)) {
      const downloadUrls = new Map([...downloads].map(([id, path]) => [id, `${deps.publicUrl}${path}`]));
      const list = { holder, representative: subject?.representative ?? false, linksExpireAt: expiresAt, certificates, downloadUrls, papers };
      return c.json(certificateListJson(list, lang), 200, { 'Cache-Control': 'no-store' });
    }
    const requested = c.req.query('requested');
    const page = embed(c, sessionId ? embedHref(EMBED_PATH, sessionId, otherLanguage(lang)) : undefined);
    return sendHtml(
      c,
      certificateListPage(page, {
        holder,
        representative: subject?.representative ?? false,
        certificates,
        downloads,
        papers,
        drafts,
        ...(sessionId ? { sessionId, expiresAt } : {}),
        ...(requested && certificates.some((cert) => cert.number === requested) ? { requested } : {}),
      }),
    );
  };

  /** A token arrives: verify it, then answer JSON, or open an embed session and send the frame to it. */
  const open = async (c: Context<AppEnv>, token: string | undefined) => {
    let verified;
    try {
      verified = await deps.verify(token);
    } catch (error) {
      if (error instanceof EserviceTokenError) throw await tokenRefusal(c, error);
      throw error;
    }
    const now = clock();
    const person = await findEservicePerson(deps.db, verified.holderCode);
    const subject: EserviceSubject | undefined = person && {
      personId: person.personId,
      actorCode: verified.actorCode,
      representative: verified.representative,
    };
    if (subject) {
      // Who looked at whose certificates, through which way in: a representative's access is on record too.
      await audit(
        deps.db,
        {
          ...eserviceAuditActor(subject),
          channel: 'eservice',
          action: 'certificates.list',
          subject: `person:${subject.personId}`,
          details: { ...eserviceAuditDetails(subject), json: wantsJson(c) },
        },
        now,
      );
    }
    if (wantsJson(c) || !subject) return showList(c, subject, new Date(now.getTime() + EMBED_SESSION_MS));
    const opened = await createEmbedSession(deps.db, subject, verified.tokenIdHash, now);
    // The token leaves the frame's address: a reload or the back button now uses the session, not a spent token.
    return c.redirect(embedHref(EMBED_PATH, opened.id, c.get('lang')), 303);
  };

  app.get(EMBED_PATH, framed, async (c) => {
    const token = bearerToken(c);
    const sessionId = c.req.query('s');
    if (token === undefined && sessionId !== undefined) {
      const session = await loadEmbedSession(deps.db, sessionId, clock());
      if (!session) throw wantsJson(c) ? jsonRefusal(c, 'invalid_token', 401) : await refusal(c, 'expired', 401);
      return showList(c, session, session.expiresAt, sessionId);
    }
    return open(c, token);
  });

  // The token as a form field (a form the e-service posts into the frame): the token, which carries the personal
  // code, then never appears in an address, a history entry or a proxy's access log.
  app.post(EMBED_PATH, framed, limitBody(EMBED_FORM_BYTES), async (c) => {
    const body = await c.req.parseBody();
    return open(c, typeof body.token === 'string' ? body.token : bearerToken(c));
  });

  app.get('/eservice/download', framed, async (c) => {
    const now = clock();
    const link = await loadDownloadLink(deps.db, c.req.query('link'), now);
    const certificate = link ? await downloadableCertificate(deps.db, link.personId, link.certificateId, now) : undefined;
    if (!link || !certificate) throw await refusal(c, 'not-found', 404);
    const document = await documentFor(deps.db, link.certificateId, { seal: deps.seal, actor: eserviceActor(link), channel: 'eservice' });
    if (!document) throw await refusal(c, 'not-found', 404);
    await audit(
      deps.db,
      {
        ...eserviceAuditActor(link),
        channel: 'eservice',
        action: 'certificate.download',
        subject: `certificate:${certificate.number}`,
        details: eserviceAuditDetails(link),
      },
      now,
    );
    return sendEdoc(c, document, certificate.number);
  });

  /** The person's certificate with this number that may be had on paper (issued, released), or undefined. */
  const paperCertificate = async (c: Context<AppEnv>, personId: number, now: Date) => {
    const number = certificateNumberParam(c.req.param('number') ?? '');
    const certificates = await eserviceCertificates(deps.db, personId, now);
    return certificates.find((cert) => cert.number === number && cert.state === 'issued');
  };

  /** The session and the certificate a paper request is about; refused when either is gone. */
  const paperContext = async (c: Context<AppEnv>, sessionId: string | undefined) => {
    const now = clock();
    const session = await loadEmbedSession(deps.db, sessionId, now);
    if (!session || sessionId === undefined) throw await refusal(c, 'expired', 401);
    const certificate = await paperCertificate(c, session.personId, now);
    if (!certificate) throw await refusal(c, 'not-found', 404, sessionId);
    const existing = (await paperRequestsOfPerson(deps.db, session.personId)).get(certificate.certificateId);
    const holder = await eservicePerson(deps.db, session.personId);
    const person = { holderName: holder ? `${holder.firstName} ${holder.lastName}` : '', representative: session.representative };
    const lang = c.get('lang');
    const page = embed(c, embedHref(paperPath(certificate.number), sessionId, otherLanguage(lang)));
    return { now, session, sessionId, certificate, existing, person, page };
  };
  type PaperContext = Awaited<ReturnType<typeof paperContext>>;

  const formView = (context: PaperContext) => ({
    sessionId: context.sessionId,
    expiresAt: context.session.expiresAt,
    certificate: context.certificate,
    person: context.person,
    paper,
  });

  const formDefaults = (page: EmbedContext, holderName: string): Record<string, string> => ({
    delivery: 'post',
    recipient: holderName,
    country: page.t('eservice.paper.defaultCountry'),
  });

  app.get('/eservice/paper/:number', framed, async (c) => {
    const context = await paperContext(c, c.req.query('s'));
    // A form this person sent after an earlier session ended comes back filled in, as they typed it.
    const draft = (await paperDraftsOf(deps.db, context.session, context.now)).get(context.certificate.certificateId);
    return sendHtml(
      c,
      paperFormPage(context.page, {
        ...formView(context),
        values: { ...formDefaults(context.page, context.person.holderName), ...draft?.form },
        problems: [],
        ...(draft ? { restored: draft } : {}),
        ...(isOpen(context.existing) ? { existing: context.existing } : {}),
      }),
    );
  });

  /**
   * A form sent after its session ended: what was typed is kept as a draft of the same person (the holder and
   * whoever signed in at Latvija.lv), found filled in when they open the e-service again. Undefined when the
   * session is unknown or ended too long ago, or the certificate is not theirs to ask for.
   */
  const keepLateForm = async (c: Context<AppEnv>, values: Record<string, string>) => {
    const now = clock();
    const ended = await loadEndedEmbedSession(deps.db, values.s, now);
    if (!ended) return undefined;
    const certificate = await paperCertificate(c, ended.personId, now);
    if (!certificate) return undefined;
    const expiresAt = new Date(now.getTime() + paper.draftHours * 60 * 60_000);
    await savePaperDraft(deps.db, ended, certificate.certificateId, draftFields(values), now, expiresAt);
    return sendHtml(c, paperDraftSavedPage(embed(c), { certificateNumber: certificate.number, expiresAt }), 401);
  };

  app.post('/eservice/paper/:number', framed, limitBody(EMBED_FORM_BYTES), async (c) => {
    const values = textFields(await c.req.parseBody());
    // The session id in the form already defeats cross-site forgery (it is not ambient); the origin is checked too.
    if (!isSameOriginRequest(c, deps.publicUrl)) throw await refusal(c, 'forbidden', 403);
    if (!(await loadEmbedSession(deps.db, values.s, clock()))) {
      const kept = await keepLateForm(c, values);
      if (kept) return kept;
    }
    const context = await paperContext(c, values.s);
    const { page } = context;
    if (isOpen(context.existing)) return sendHtml(c, paperFormPage(page, { ...formView(context), values, problems: [], existing: context.existing }), 409);

    const parsed = parsePaperForm(values);
    if (values.step === 'change') return sendHtml(c, paperFormPage(page, { ...formView(context), values, problems: [] }));
    if (!parsed.ok) return sendHtml(c, paperFormPage(page, { ...formView(context), values, problems: parsed.problems }), 400);
    if (values.step !== 'confirm') {
      return sendHtml(c, paperReviewPage(page, { ...formView(context), choice: parsed.value, values }));
    }
    try {
      await createPaperRequest(
        deps.db,
        { certificateId: context.certificate.certificateId, certificateNumber: context.certificate.number, subject: context.session, choice: parsed.value },
        clock(),
      );
    } catch (error) {
      if (!(error instanceof PaperRequestError)) throw error;
      const existing = (await paperRequestsOfPerson(deps.db, context.session.personId)).get(context.certificate.certificateId);
      return sendHtml(
        c,
        paperFormPage(page, { ...formView(context), values, problems: [], ...(existing ? { existing } : {}), message: page.t(error.key, error.params) }),
        409,
      );
    }
    return c.redirect(embedHref(`${paperPath(context.certificate.number)}/confirmation`, context.sessionId, c.get('lang')), 303);
  });

  // The confirmation after the redirect (a reload shows it again, and files nothing): the person's newest request
  // for the certificate, with its reference.
  app.get('/eservice/paper/:number/confirmation', framed, async (c) => {
    const context = await paperContext(c, c.req.query('s'));
    if (!context.existing) throw await refusal(c, 'not-found', 404, context.sessionId);
    const page = embed(c, embedHref(`${paperPath(context.certificate.number)}/confirmation`, context.sessionId, otherLanguage(c.get('lang'))));
    return sendHtml(c, paperConfirmationPage(page, { ...formView(context), request: context.existing }));
  });

  // The holder's share links and access history, inside the frame.
  app.route('/', eserviceShareRoutes({ db: deps.db, publicUrl: deps.publicUrl, clock, framed, embed, refusal }));

  app.get(OPENAPI_PATH, (c) => c.body(openApi, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));

  return app;
}
