/**
 * The notice pages.
 *
 * - `GET|POST /results/notices`: a signed-in student leaves, changes or removes their address (Baltic-only, as
 *   every page under /results).
 * - `GET|POST /eservice/notices?s=…`: the same in the Latvija.lv e-service frame, for a holder signed in there as
 *   themselves; a representative is told that only the holder may.
 * - `GET|POST /notices/confirm?token=…` and `/notices/unsubscribe?token=…`: the links in the messages, open from
 *   anywhere without signing in. GET only asks; the POST does it (mail scanners follow links, never buttons). The
 *   unsubscribe POST is also the RFC 8058 one-click target of the `List-Unsubscribe-Post` header, so it needs no
 *   page, cookie or CSRF token: the token in the address is the permission.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { embedHref, embedRefusedPage } from '../../../views/eservice.js';
import { confirmNoticePage, embedNoticesPage, studentNoticesPage, unsubscribePage, type NoticeDone } from '../../../views/notices.js';
import type { FormError } from '../../../views/forms.js';
import { audit, type AuditEntry } from '../../data/audit.js';
import { eserviceAuditActor, eservicePerson, loadEmbedSession } from '../../data/eservice.js';
import {
  confirmNoticeAddress,
  noticeAddressOf,
  pendingConfirmation,
  removeNoticeAddress,
  saveNoticeAddress,
  unsubscribeNotices,
  unsubscribeTarget,
} from '../../data/notices.js';
import { parseEmailAddress } from '../../domain/notices.js';
import { isLanguage, type Language } from '../../i18n.js';
import { pageContext, type AppEnv } from '../context.js';
import { limitBody, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { csrfProtection, isSameOriginRequest, signedInStudent } from '../session.js';
import { signedInActor } from '../signed-in.js';
import { embedContext, framed } from './eservice.js';

export interface NoticeRouteDependencies {
  db: Kysely<Database>;
  /** Lets only signed-in students through; without it there is no student page. */
  requireStudent?: MiddlewareHandler<AppEnv>;
  /** The sender to wake when a confirmation is queued; absent: the portal cannot send e-mail, notices are not offered. */
  sender?: { notify(): void };
  /** The e-service's pages, and the origin its forms must come from. */
  eservice?: { publicUrl: string };
  clock?: () => Date;
}

const FORM_BYTES = 8 * 1024;
export const STUDENT_NOTICES_PATH = '/results/notices';
export const EMBED_NOTICES_PATH = '/eservice/notices';
const DONE: readonly NoticeDone[] = ['saved', 'language', 'removed'];

function doneParam(c: Context): NoticeDone | undefined {
  const done = c.req.query('done');
  return DONE.find((d) => d === done);
}

type FormOutcome = { done: NoticeDone } | { errors: FormError[]; values: { email: string; language: string } };

export function noticeRoutes(deps: NoticeRouteDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  const offered = deps.sender !== undefined;

  /** A sent settings form: save the address (and queue its confirmation) or remove it. */
  const applyForm = async (c: Context<AppEnv>, personId: number, values: Record<string, string>, actor: Omit<AuditEntry, 'action'>): Promise<FormOutcome> => {
    const t = pageContext(c).t;
    const now = clock();
    if (values.action === 'remove') {
      if (await removeNoticeAddress(deps.db, personId)) await audit(deps.db, { ...actor, action: 'notices.address-removed' }, now);
      return { done: 'removed' };
    }
    const language: Language = isLanguage(values.language) ? values.language : c.get('lang');
    const parsed = parseEmailAddress(values.email ?? '');
    if (!parsed.ok) {
      return { errors: [{ field: 'email', text: t(`notices.error.${parsed.problem}`) }], values: { email: values.email ?? '', language } };
    }
    const saved = await saveNoticeAddress(deps.db, personId, parsed.email, language, now);
    if (saved === 'too-many') return { errors: [{ field: 'email', text: t('notices.error.tooMany') }], values: { email: values.email ?? '', language } };
    // Who changed where notices go is on record; the address itself is not.
    await audit(deps.db, { ...actor, action: saved === 'confirmation-queued' ? 'notices.address-saved' : 'notices.language-changed' }, now);
    if (saved === 'confirmation-queued') deps.sender?.notify();
    return { done: saved === 'confirmation-queued' ? 'saved' : 'language' };
  };

  if (deps.requireStudent) {
    app.get(STUDENT_NOTICES_PATH, deps.requireStudent, async (c) => {
      const address = offered ? await noticeAddressOf(deps.db, signedInStudent(c).personId) : undefined;
      const done = doneParam(c);
      return sendHtml(c, studentNoticesPage(pageContext(c), { offered, errors: [], ...(address ? { address } : {}), ...(done ? { done } : {}) }));
    });

    app.post(STUDENT_NOTICES_PATH, deps.requireStudent, limitBody(FORM_BYTES), csrfProtection(), async (c) => {
      if (!offered) return c.notFound();
      const student = signedInStudent(c);
      const values = textFields(await c.req.parseBody());
      const actor = { actor: signedInActor(student), channel: 'student', subject: `person:${student.personId}` };
      const outcome = await applyForm(c, student.personId, values, actor);
      if ('done' in outcome) return c.redirect(`${STUDENT_NOTICES_PATH}?done=${outcome.done}`, 303);
      const address = await noticeAddressOf(deps.db, student.personId);
      return sendHtml(c, studentNoticesPage(pageContext(c), { offered, ...outcome, ...(address ? { address } : {}) }), 400);
    });
  }

  if (deps.eservice) {
    const publicUrl = deps.eservice.publicUrl;
    const refusal = async (c: Context<AppEnv>, kind: 'expired' | 'forbidden', status: 401 | 403) =>
      new HTTPException(status, { res: await sendHtml(c, embedRefusedPage(embedContext(c), kind), status) });
    const otherLanguage = (lang: Language): Language => (lang === 'lv' ? 'en' : 'lv');

    const showEmbed = async (
      c: Context<AppEnv>,
      sessionId: string,
      form: { errors: FormError[]; values?: { email: string; language: string } },
      status: 200 | 400 = 200,
    ) => {
      const session = await loadEmbedSession(deps.db, sessionId, clock());
      if (!session) throw await refusal(c, 'expired', 401);
      const lang = c.get('lang');
      const holder = await eservicePerson(deps.db, session.personId);
      // Only the holder's own address is theirs to see: a representative is not shown it.
      const address = offered && !session.representative ? await noticeAddressOf(deps.db, session.personId) : undefined;
      const done = doneParam(c);
      const page = embedContext(c, embedHref(EMBED_NOTICES_PATH, sessionId, otherLanguage(lang)));
      return sendHtml(
        c,
        embedNoticesPage(page, {
          offered,
          sessionId,
          expiresAt: session.expiresAt,
          holderName: holder ? `${holder.firstName} ${holder.lastName}` : '',
          representative: session.representative,
          listHref: embedHref('/eservice/certificates', sessionId, lang),
          errors: form.errors,
          ...(form.values ? { values: form.values } : {}),
          ...(address ? { address } : {}),
          ...(done ? { done } : {}),
        }),
        status,
      );
    };

    app.get(EMBED_NOTICES_PATH, framed, (c) => showEmbed(c, c.req.query('s') ?? '', { errors: [] }));

    app.post(EMBED_NOTICES_PATH, framed, limitBody(FORM_BYTES), async (c) => {
      const values = textFields(await c.req.parseBody());
      // The session id in the form already defeats cross-site forgery (it is not ambient); the origin is checked too.
      if (!isSameOriginRequest(c, publicUrl)) throw await refusal(c, 'forbidden', 403);
      const session = await loadEmbedSession(deps.db, values.s, clock());
      if (!session || values.s === undefined) throw await refusal(c, 'expired', 401);
      if (session.representative || !offered) throw await refusal(c, 'forbidden', 403);
      const actor = { ...eserviceAuditActor(session), channel: 'eservice', subject: `person:${session.personId}` };
      const outcome = await applyForm(c, session.personId, values, actor);
      if ('done' in outcome) return c.redirect(embedHref(EMBED_NOTICES_PATH, values.s, c.get('lang'), { done: outcome.done }), 303);
      return showEmbed(c, values.s, outcome, 400);
    });
  }

  /** The form's own address: the same link, so the token and language travel on. */
  const selfAction = (c: Context<AppEnv>, path: string) => {
    const query = new URLSearchParams({ token: c.req.query('token') ?? '', lang: c.get('lang') });
    return `${path}?${query.toString()}`;
  };

  app.get('/notices/confirm', async (c) => {
    const pending = await pendingConfirmation(deps.db, c.req.query('token'), clock());
    const state = pending ? { kind: 'ask' as const, email: pending.email } : { kind: 'invalid' as const };
    return sendHtml(c, confirmNoticePage(pageContext(c), state, selfAction(c, '/notices/confirm')), pending ? 200 : 404);
  });

  app.post('/notices/confirm', limitBody(FORM_BYTES), async (c) => {
    const outcome = await confirmNoticeAddress(deps.db, c.req.query('token'), clock());
    const confirmed = outcome === 'confirmed';
    return sendHtml(c, confirmNoticePage(pageContext(c), { kind: confirmed ? 'done' : 'invalid' }, selfAction(c, '/notices/confirm')), confirmed ? 200 : 404);
  });

  app.get('/notices/unsubscribe', async (c) => {
    const known = await unsubscribeTarget(deps.db, c.req.query('token'));
    return sendHtml(c, unsubscribePage(pageContext(c), { kind: known ? 'ask' : 'invalid' }, selfAction(c, '/notices/unsubscribe')), known ? 200 : 404);
  });

  app.post('/notices/unsubscribe', limitBody(FORM_BYTES), async (c) => {
    const removed = await unsubscribeNotices(deps.db, c.req.query('token'));
    if (removed)
      await audit(deps.db, { actor: 'unsubscribe-link', channel: 'notices', action: 'notices.unsubscribed', subject: `person:${removed.personId}` }, clock());
    // A repeated click (or a mail program's second POST) finds the address gone: that is what was asked, so 200.
    return sendHtml(c, unsubscribePage(pageContext(c), { kind: removed ? 'done' : 'invalid' }, selfAction(c, '/notices/unsubscribe')));
  });

  return app;
}
