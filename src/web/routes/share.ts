/**
 * Share links and the access history.
 *
 * - The holder (a signed-in student; the e-service has its own entry, routes/eservice-share.ts): `/results/share`
 *   lists their links and makes new ones, `/results/share/<id>/preview` shows exactly what the recipient sees,
 *   `POST /results/share/<id>/revoke` withdraws a link at once; `/results/history` is "who has seen my
 *   certificates". These are student pages: Baltic-only, like the results (geo.ts).
 * - The recipient, from anywhere and without an account: `/shared?t=<token>` and the downloads
 *   `/shared/download?t=<token>&n=<number>`. The token travels only in the query string, whose values request
 *   logs never keep; a token no link has is a plain 404, a withdrawn or expired link says so (410).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { accessHistoryPage } from '../../../views/access-history.js';
import { csrfField } from '../../../views/forms.js';
import { certificateHref } from '../../../views/results.js';
import {
  holderSharePage,
  shareCreatedPage,
  sharedPage,
  shareEndedPage,
  sharePreviewPage,
  shareTooManyPage,
  type HolderPaths,
  type SharedView,
} from '../../../views/share.js';
import { accessHistory } from '../../data/access-history.js';
import { audit } from '../../data/audit.js';
import { RateLimits } from '../../data/rate-limits.js';
import type { Sealer } from '../../data/sealing.js';
import {
  createShareLink,
  findShareLink,
  holderShareLink,
  recordShareView,
  revokeShareLink,
  SHARE_LINK_CHANNEL,
  shareableCertificates,
  sharedCertificates,
  shareLinkActor,
  shareLinksOf,
  type HolderEntry,
  type ShareActor,
  type ShareLinkSummary,
} from '../../data/share-links.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import { parseShareRequest, shareLinkState } from '../../domain/share-links.js';
import { isLanguage, translator } from '../../i18n.js';
import type { TrustedProxies } from '../../net/trusted-proxies.js';
import { clientAddress } from '../client-address.js';
import { pageContext, type AppEnv } from '../context.js';
import { documentFor, sendEdoc } from '../edoc.js';
import { idParam, limitBody, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { csrfProtection, signedInStudent } from '../session.js';
import { signedInActor } from '../signed-in.js';
import { addressAttempts, addressLimits } from '../verification.js';
import { prepareHeader } from '../response-headers.js';

export interface ShareDependencies {
  db: Kysely<Database>;
  requireStudent: MiddlewareHandler<AppEnv>;
  seal?: Sealer;
  clock?: () => Date;
  /** The address links are made with (PUBLIC_URL); default: the address the request came to. */
  publicUrl?: string;
  trustedProxies?: TrustedProxies;
}

/** Opening links, page or download, per 10 minutes: far more than a recipient needs, far too few to guess a token. */
const OPEN_LIMITS = addressLimits('share.open', { visitor: 60, 'ipv6/56': 120, wide: 180 });

const SHARE_FORM_BYTES = 16 * 1024;

/** The recipient's address of a link. */
export function shareUrl(base: string, token: string): string {
  return `${base}/shared?${new URLSearchParams({ t: token }).toString()}`;
}

export function publicBase(c: Context, publicUrl: string | undefined): string {
  return (publicUrl ?? new URL(c.req.url).origin).replace(/\/$/, '');
}

/** The form's values: `certificates` may be sent several times. */
export async function shareForm(c: Context): Promise<{ values: Record<string, string>; certificates: string[] }> {
  const body = await c.req.parseBody({ all: true });
  const raw = body.certificates;
  const certificates = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
  const values = textFields(Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])));
  return { values, certificates };
}

/** The preview's view of a link: what the recipient would see now, without counting a view. */
export async function linkView(
  db: Kysely<Database>,
  link: ShareLinkSummary,
  now: Date,
  downloadHref: SharedView['downloadHref'],
): Promise<Omit<SharedView, 'preview'>> {
  const certificates = await sharedCertificates(db, link.id, now);
  const holder = await db.selectFrom('persons').where('id', '=', link.personId).select(['first_name', 'last_name']).executeTakeFirstOrThrow();
  return {
    recipient: link.recipient,
    holderName: `${holder.first_name} ${holder.last_name}`,
    expiresAt: link.expiresAt,
    certificates,
    checkedAt: now,
    downloadHref,
  };
}

/** The page context in the link's language, unless the visitor chose one (`?lang=`). */
function recipientPage(c: Context<AppEnv>, link: ShareLinkSummary) {
  const asked = c.req.query('lang');
  const lang = isLanguage(asked) ? asked : link.language;
  return { ...pageContext(c), lang, t: translator(lang) };
}

export function shareRoutes(deps: ShareDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  const limits = new RateLimits(deps.db, clock);

  // ---- The holder (a student) ----
  const paths = (c: Context<AppEnv>): HolderPaths => ({
    list: '/results/share',
    hidden: csrfField(signedInStudent(c)),
    preview: (id) => `/results/share/${id}/preview`,
    revoke: (id) => `/results/share/${id}/revoke`,
    history: '/results/history',
  });
  const studentActor = (c: Context<AppEnv>): ShareActor => {
    const student = signedInStudent(c);
    return { actor: signedInActor(student), channel: 'student', details: { provider: student.provider } };
  };
  const entry: HolderEntry = 'student';
  // Every holder route: a signed-in student, and on a form the session's CSRF token.
  const csrf = csrfProtection();

  const listPage = async (
    c: Context<AppEnv>,
    extra: { values?: Record<string, string | string[]>; errors?: { field?: string; text: string }[]; revoked?: string } = {},
    status: 200 | 400 = 200,
  ) => {
    const now = clock();
    const personId = signedInStudent(c).personId;
    const [shareable, links] = await Promise.all([shareableCertificates(deps.db, personId, entry, now), shareLinksOf(deps.db, personId)]);
    return sendHtml(
      c,
      holderSharePage(pageContext(c), paths(c), {
        shareable,
        links,
        now,
        values: extra.values ?? {},
        errors: extra.errors ?? [],
        ...(extra.revoked ? { revoked: extra.revoked } : {}),
      }),
      status,
    );
  };

  app.get('/results/share', deps.requireStudent, (c) => listPage(c));

  app.post('/results/share', deps.requireStudent, limitBody(SHARE_FORM_BYTES), csrf, async (c) => {
    const now = clock();
    const personId = signedInStudent(c).personId;
    const { values, certificates } = await shareForm(c);
    const shareable = await shareableCertificates(deps.db, personId, entry, now);
    const parsed = parseShareRequest({ ...values, certificates }, shareable);
    const page = pageContext(c);
    if (!parsed.ok) {
      const errors = parsed.problems.map((p) => ({ field: p.field, text: page.t(p.key) }));
      return listPage(c, { values: { ...values, certificates }, errors }, 400);
    }
    const made = await createShareLink(deps.db, personId, parsed.value, studentActor(c), now);
    // Shown once: the page after a POST, not a redirect, so the token is in no address the browser keeps.
    prepareHeader(c, 'Cache-Control', 'no-store');
    return sendHtml(
      c,
      shareCreatedPage(page, paths(c), {
        url: shareUrl(publicBase(c, deps.publicUrl), made.token),
        recipient: parsed.value.recipient,
        expiresAt: made.expiresAt,
        linkId: made.id,
      }),
    );
  });

  app.get('/results/share/:id/preview', deps.requireStudent, async (c) => {
    const now = clock();
    const link = await holderShareLink(deps.db, signedInStudent(c).personId, idParam(c.req.param('id')));
    if (!link) return c.notFound();
    const view = await linkView(deps.db, link, now, (number) => certificateHref(number));
    return sendHtml(c, sharePreviewPage(recipientPage(c, link), { ...view, preview: { back: '/results/share' } }));
  });

  app.post('/results/share/:id/revoke', deps.requireStudent, limitBody(SHARE_FORM_BYTES), csrf, async (c) => {
    const personId = signedInStudent(c).personId;
    const link = await holderShareLink(deps.db, personId, idParam(c.req.param('id')));
    if (!link) return c.notFound();
    await revokeShareLink(deps.db, personId, link.id, studentActor(c), clock());
    return listPage(c, { revoked: link.recipient });
  });

  app.get('/results/history', deps.requireStudent, async (c) => {
    const history = await accessHistory(deps.db, signedInStudent(c).personId);
    return sendHtml(c, accessHistoryPage(pageContext(c), { ...history, back: '/results/share' }));
  });

  // ---- The recipient, from anywhere ----

  /** The link a request's token opens, within the visitor's limit; the answer when it cannot be shown. */
  const openLink = async (c: Context<AppEnv>): Promise<{ link: ShareLinkSummary } | { response: Response }> => {
    const admission = await limits.admit(addressAttempts(OPEN_LIMITS, clientAddress(c, deps.trustedProxies)));
    if (!admission.allowed) {
      prepareHeader(c, 'Retry-After', String(admission.retryAfterSeconds));
      return { response: await sendHtml(c, shareTooManyPage(pageContext(c), admission.retryAt), 429) };
    }
    const link = await findShareLink(deps.db, c.req.query('t'));
    if (!link) return { response: await c.notFound() };
    const state = shareLinkState(link, clock());
    if (state !== 'active') {
      const page = recipientPage(c, link);
      return { response: await sendHtml(c, shareEndedPage(page, state, state === 'revoked' ? link.revokedAt! : link.expiresAt), 410) };
    }
    return { link };
  };

  app.get('/shared', async (c) => {
    const opened = await openLink(c);
    if ('response' in opened) return opened.response;
    const { link } = opened;
    const now = clock();
    const token = c.req.query('t')!;
    const view = await linkView(deps.db, link, now, (number) => `/shared/download?${new URLSearchParams({ t: token, n: number }).toString()}`);
    await recordShareView(
      deps.db,
      link.id,
      view.certificates.map((s) => s.facts.number),
      now,
    );
    // The token is in the address; the portal's Referrer-Policy (same-origin) tells it to no other site.
    return sendHtml(c, sharedPage(recipientPage(c, link), view));
  });

  app.get('/shared/download', async (c) => {
    const opened = await openLink(c);
    if ('response' in opened) return opened.response;
    const { link } = opened;
    const parsed = parseCertificateNumber(c.req.query('n') ?? '');
    const number = parsed ? buildCertificateNumber(parsed) : undefined;
    const now = clock();
    const shared = number ? (await sharedCertificates(deps.db, link.id, now)).find((s) => s.facts.number === number && s.downloadable) : undefined;
    if (!shared || !number) return c.notFound();
    const actor = shareLinkActor(link.id);
    const document = await documentFor(deps.db, shared.certificateId, { seal: deps.seal, actor, channel: SHARE_LINK_CHANNEL });
    if (!document) return c.notFound();
    await audit(
      deps.db,
      { actor, channel: SHARE_LINK_CHANNEL, action: 'certificate.download', subject: `certificate:${number}`, details: { link: link.id } },
      now,
    );
    return sendEdoc(c, document, number, { 'Cache-Control': 'no-store' });
  });

  return app;
}
