/**
 * /staff/agency/applications, agency staff only (404 to anyone else): find an application by candidate code and
 * change it after the window has closed, always with a reason (part of the application's history the student sees).
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { agencyApplicationsPage, applicationPage } from '../../../views/school-applications.js';
import type { FormError } from '../../../views/forms.js';
import { ApplicationError, applicationById, offeredExams, saveApplication } from '../../data/applications.js';
import { applicationExtras } from '../../data/school-applications.js';
import { isCandidateCode } from '../../domain/certificate-number.js';
import { requireAgency } from '../agency-access.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor, staffUser } from '../staff.js';
import { refusalTexts } from './staff-applications.js';

export function agencyApplicationRoutes(deps: { db: Kysely<Database>; clock?: () => Date }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', requireAgency());

  app.get('/', async (c) => {
    const { t } = pageContext(c);
    const search = (c.req.query('code') ?? '').trim().slice(0, 20);
    if (search === '') return sendHtml(c, agencyApplicationsPage(pageContext(c), { search, errors: [] }));
    if (!isCandidateCode(search))
      return sendHtml(c, agencyApplicationsPage(pageContext(c), { search, errors: [{ field: 'code', text: t('applySchool.agency.badCode') }] }), 400);
    const found = await deps.db
      .selectFrom('applications')
      .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
      .innerJoin('persons', 'persons.id', 'applications.person_id')
      .innerJoin('institutions', 'institutions.id', 'applications.institution_id')
      .select(['applications.id', 'persons.first_name', 'persons.last_name', 'candidates.code', 'institutions.name'])
      .where('candidates.code', '=', search)
      .execute();
    return sendHtml(
      c,
      agencyApplicationsPage(pageContext(c), {
        search,
        errors: [],
        found: found.map((f) => ({ id: f.id, name: `${f.first_name} ${f.last_name}`, candidateCode: f.code, institutionName: f.name })),
      }),
    );
  });

  async function view(c: Context<AppEnv>, extra: { form?: Record<string, string | string[]>; errors?: FormError[]; done?: string } = {}) {
    const id = idParam(c.req.param('id'));
    const [application, extras] = await Promise.all([applicationById(deps.db, id, { agency: true }), applicationExtras(deps.db, id, null)]);
    if (!application || !extras) throw new HTTPException(404);
    const [offered, person] = await Promise.all([
      offeredExams(deps.db, application.schoolYear, application.group),
      deps.db.selectFrom('persons').select(['first_name', 'last_name']).where('id', '=', application.personId).executeTakeFirstOrThrow(),
    ]);
    return {
      application,
      extras,
      name: `${person.first_name} ${person.last_name}`,
      windowOpen: false,
      extrasOpen: false,
      offered,
      formKey: randomUUID(),
      errors: extra.errors ?? [],
      agency: { action: `/staff/agency/applications/${id}` },
      ...(extra.form ? { form: extra.form } : {}),
      ...(extra.done ? { done: extra.done } : {}),
    };
  }

  app.get('/:id', async (c) => {
    const { t } = pageContext(c);
    return sendHtml(c, applicationPage(pageContext(c), await view(c, c.req.query('done') === 'changed' ? { done: t('applySchool.done.changed') } : {})));
  });

  app.post('/:id', async (c) => {
    const { t } = pageContext(c);
    const body = await c.req.parseBody({ all: true });
    const form = textFields(body);
    const exams = ([] as unknown[]).concat(body.exams ?? []).filter((e): e is string => typeof e === 'string');
    const reason = (form.reason ?? '').trim().slice(0, 500);
    const shown = { ...form, exams };
    if (!reason)
      return sendHtml(
        c,
        applicationPage(pageContext(c), await view(c, { form: shown, errors: [{ field: 'reason', text: t('applySchool.late.reasonRequired') }] })),
        422,
      );
    const application = await applicationById(deps.db, idParam(c.req.param('id')), { agency: true });
    if (!application) throw new HTTPException(404);
    try {
      await saveApplication(
        deps.db,
        {
          personId: application.personId,
          schoolYear: application.schoolYear,
          institutionId: application.institutionId,
          group: application.group,
          examCodes: exams,
          idempotencyKey: form.key || randomUUID(),
          actor: { kind: 'agency', name: `${staffUser(c).displayName} (${t('applySchool.agency.name')})`, audit: staffActor(c) },
          lateReason: reason,
          channel: 'agency',
        },
        clock(),
      );
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      return sendHtml(
        c,
        applicationPage(pageContext(c), await view(c, { form: shown, errors: refusalTexts(t, error).map((text) => ({ field: 'exams', text })) })),
        422,
      );
    }
    return c.redirect(`/staff/agency/applications/${application.id}?done=changed`, 303);
  });
  return app;
}
