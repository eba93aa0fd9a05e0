/**
 * Share links and "who has seen my certificates" inside the Latvija.lv e-service's frame, for an adult holder
 * or a parent acting for their child (the child is the holder; the parent is audited as their representative).
 * Like every embed page the session travels as `s` in the address and in forms, never in a cookie; forms must
 * also come from our own origin. The recipient's pages are the same as for students (routes/share.ts).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { embedAccessHistoryPage, embedShareCreatedPage, embedSharePage, embedSharePreviewPage, type EmbedFrame } from '../../../views/eservice-share.js';
import { embedHref, type EmbedContext, type EmbedRefusal } from '../../../views/eservice.js';
import { hiddenField } from '../../../views/forms.js';
import { html } from 'hono/html';
import type { HolderPaths } from '../../../views/share.js';
import { accessHistory } from '../../data/access-history.js';
import { eserviceAuditActor, eserviceAuditDetails, eservicePerson, loadEmbedSession, type EmbedSession } from '../../data/eservice.js';
import { createShareLink, holderShareLink, revokeShareLink, shareableCertificates, shareLinksOf, type ShareActor } from '../../data/share-links.js';
import { parseShareRequest } from '../../domain/share-links.js';
import type { Language } from '../../i18n.js';
import type { AppEnv } from '../context.js';
import { idParam, limitBody } from '../forms.js';
import { sendHtml } from '../respond.js';
import { isSameOriginRequest } from '../session.js';
import { linkView, publicBase, shareForm, shareUrl } from './share.js';

export interface EserviceShareDependencies {
  db: Kysely<Database>;
  publicUrl: string;
  clock: () => Date;
  /** Marks a route as one the e-service may frame (routes/eservice.ts). */
  framed: MiddlewareHandler;
  /** The embed page context, with the same view in the other language. */
  embed: (c: Context<AppEnv>, switchHref?: string) => EmbedContext;
  /** The embed refusal page, thrown. */
  refusal: (c: Context<AppEnv>, kind: EmbedRefusal, status: 401 | 403 | 404, sessionId?: string) => Promise<Error>;
}

const FORM_BYTES = 16 * 1024;
const LIST_PATH = '/eservice/share';
const HISTORY_PATH = '/eservice/history';

export function eserviceShareRoutes(deps: EserviceShareDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const other = (lang: Language): Language => (lang === 'lv' ? 'en' : 'lv');

  /** The embed session named by `s` (query or form), or the "session ended" refusal. */
  const session = async (c: Context<AppEnv>, sessionId: string | undefined) => {
    const found = await loadEmbedSession(deps.db, sessionId, deps.clock());
    if (!found || sessionId === undefined) throw await deps.refusal(c, 'expired', 401);
    const holder = await eservicePerson(deps.db, found.personId);
    const frame: EmbedFrame = {
      person: { holderName: holder ? `${holder.firstName} ${holder.lastName}` : '', representative: found.representative },
      session: { expiresAt: found.expiresAt },
    };
    return { found, sessionId, frame };
  };

  const paths = (sessionId: string, lang: Language): HolderPaths => ({
    list: embedHref(LIST_PATH, sessionId, lang),
    hidden: html`${hiddenField('s', sessionId)}`,
    preview: (id) => embedHref(`${LIST_PATH}/${id}/preview`, sessionId, lang),
    revoke: (id) => embedHref(`${LIST_PATH}/${id}/revoke`, sessionId, lang),
    history: embedHref(HISTORY_PATH, sessionId, lang),
  });

  const actor = (found: EmbedSession): ShareActor => ({ ...eserviceAuditActor(found), channel: 'eservice', details: eserviceAuditDetails(found) });

  /** A form from another site is refused, whatever it carries. */
  const formSession = async (c: Context<AppEnv>) => {
    const form = await shareForm(c);
    if (!isSameOriginRequest(c, deps.publicUrl)) throw await deps.refusal(c, 'forbidden', 403);
    return { form, ...(await session(c, form.values.s)) };
  };

  const listPage = async (
    c: Context<AppEnv>,
    opened: Awaited<ReturnType<typeof session>>,
    extra: { values?: Record<string, string | string[]>; errors?: { field?: string; text: string }[]; revoked?: string } = {},
    status: 200 | 400 = 200,
  ) => {
    const now = deps.clock();
    const lang = c.get('lang');
    const personId = opened.found.personId;
    const [shareable, links] = await Promise.all([shareableCertificates(deps.db, personId, 'eservice', now), shareLinksOf(deps.db, personId)]);
    const page = deps.embed(c, embedHref(LIST_PATH, opened.sessionId, other(lang)));
    const view = { shareable, links, now, values: extra.values ?? {}, errors: extra.errors ?? [], ...(extra.revoked ? { revoked: extra.revoked } : {}) };
    return sendHtml(c, embedSharePage(page, opened.frame, paths(opened.sessionId, lang), view), status);
  };

  app.get(LIST_PATH, deps.framed, async (c) => listPage(c, await session(c, c.req.query('s'))));

  app.post(LIST_PATH, deps.framed, limitBody(FORM_BYTES), async (c) => {
    const opened = await formSession(c);
    const { values, certificates } = opened.form;
    const now = deps.clock();
    const personId = opened.found.personId;
    const shareable = await shareableCertificates(deps.db, personId, 'eservice', now);
    const parsed = parseShareRequest({ ...values, certificates }, shareable);
    const page = deps.embed(c);
    if (!parsed.ok) {
      const errors = parsed.problems.map((p) => ({ field: p.field, text: page.t(p.key) }));
      return listPage(c, opened, { values: { ...values, certificates }, errors }, 400);
    }
    const made = await createShareLink(deps.db, personId, parsed.value, actor(opened.found), now);
    return sendHtml(
      c,
      embedShareCreatedPage(page, opened.frame, paths(opened.sessionId, c.get('lang')), {
        url: shareUrl(publicBase(c, deps.publicUrl), made.token),
        recipient: parsed.value.recipient,
        expiresAt: made.expiresAt,
        linkId: made.id,
      }),
    );
  });

  app.get(`${LIST_PATH}/:id/preview`, deps.framed, async (c) => {
    const opened = await session(c, c.req.query('s'));
    const link = await holderShareLink(deps.db, opened.found.personId, idParam(c.req.param('id')));
    if (!link) throw await deps.refusal(c, 'not-found', 404, opened.sessionId);
    // The frame's downloads are the e-service list's own; the preview shows the facts and states the recipient sees.
    const view = await linkView(deps.db, link, deps.clock(), () => undefined);
    const lang = c.get('lang');
    const page = deps.embed(c, embedHref(`${LIST_PATH}/${link.id}/preview`, opened.sessionId, other(lang)));
    return sendHtml(c, embedSharePreviewPage(page, opened.frame, { ...view, preview: { back: paths(opened.sessionId, lang).list } }));
  });

  app.post(`${LIST_PATH}/:id/revoke`, deps.framed, limitBody(FORM_BYTES), async (c) => {
    const opened = await formSession(c);
    const link = await holderShareLink(deps.db, opened.found.personId, idParam(c.req.param('id')));
    if (!link) throw await deps.refusal(c, 'not-found', 404, opened.sessionId);
    await revokeShareLink(deps.db, opened.found.personId, link.id, actor(opened.found), deps.clock());
    return listPage(c, opened, { revoked: link.recipient });
  });

  app.get(HISTORY_PATH, deps.framed, async (c) => {
    const opened = await session(c, c.req.query('s'));
    const lang = c.get('lang');
    const history = await accessHistory(deps.db, opened.found.personId);
    const page = deps.embed(c, embedHref(HISTORY_PATH, opened.sessionId, other(lang)));
    return sendHtml(c, embedAccessHistoryPage(page, opened.frame, { ...history, back: paths(opened.sessionId, lang).list }));
  });

  return app;
}
