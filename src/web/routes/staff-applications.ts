/**
 * /staff/applications, for a school's or a partner university's staff (agency staff: 404, they use
 * /staff/agency/applications). A school registers its 9th graders for the basic exams, one at a time or from a
 * class list (all rows or none); a university registers external candidates with their exams and, in the same
 * step, an international certificate. Both see and print their applicants, correct secondary applications while
 * the window is open, and record support measures, exemptions (by 1 March) and international certificates. The
 * institution is always the signed-in user's own, in every query.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { CefrLevel, Database, ExamGroup } from '../../../db/schema.js';
import {
  applicantsPrintPage,
  applicationPage,
  applicationsPage,
  APPLICATIONS_PATH,
  type ApplicationsView,
  type FileProblem,
} from '../../../views/school-applications.js';
import type { FormError } from '../../../views/forms.js';
import {
  ApplicationError,
  ApplicationRefused,
  applicationById,
  offeredExams,
  windowAt,
  saveApplication,
  type ApplicationActor,
} from '../../data/applications.js';
import {
  applicationExtras,
  CertificateRefused,
  institutionApplicants,
  recordExemption,
  recordInternationalCertificate,
  registerApplicants,
  RegistrationRefused,
  setSupportMeasures,
  type CertificateInput,
} from '../../data/school-applications.js';
import { CEFR_LEVELS, isForeignLanguageExam, schoolYearAt } from '../../domain/applications.js';
import { parsePersonalCode } from '../../domain/personal-code.js';
import { isIsoDate, rigaDate } from '../../domain/riga-time.js';
import {
  APPLICATION_BASES,
  exemptionProblems,
  exemptionsOpen,
  SUPPORT_MEASURES,
  supportMeasureProblem,
  type ApplicationBasis,
  type SupportMeasure,
} from '../../domain/school-applications.js';
import type { Translate } from '../../i18n.js';
import { validateClassList } from '../../import/class-list.js';
import { ImportRefused, readTable } from '../../import/score-file.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor, staffScope, staffUser } from '../staff.js';

export const CLASS_LIST_UPLOAD_PATH = `${APPLICATIONS_PATH}/class-list`;

export interface StaffApplicationDependencies {
  db: Kysely<Database>;
  clock?: () => Date;
}

type Scope = { institutionId: number; institutionName: string; university: boolean };

/** The refusal's reasons in the reader's language (every reason the rules give). */
export function refusalTexts(t: Translate, error: ApplicationError): string[] {
  const inner = error instanceof RegistrationRefused ? error.refusal : error;
  if (inner instanceof ApplicationRefused) return inner.refusals.map((r) => t(r.key, r.params));
  return [t(inner.key, inner.params)];
}

/** The form's certificate fields, when any is filled: the certificate, or the problems with it. */
export function readCertificate(t: Translate, form: Record<string, string>, errors: FormError[]): CertificateInput | undefined {
  const name = (form.certificate_name ?? '').trim();
  const level = form.certificate_level ?? '';
  const number = (form.certificate_number ?? '').trim();
  const validUntil = (form.certificate_valid_until ?? '').trim();
  if (!name && !level && !number && !validUntil) return undefined;
  if (!name || name.length > 100) errors.push({ field: 'certificate_name', text: t('applySchool.certificate.problem.name') });
  if (!(CEFR_LEVELS as readonly string[]).includes(level)) errors.push({ field: 'certificate_level', text: t('applySchool.certificate.problem.level') });
  if (!number || number.length > 50) errors.push({ field: 'certificate_number', text: t('applySchool.certificate.problem.number') });
  if (validUntil && !isIsoDate(validUntil)) errors.push({ field: 'certificate_valid_until', text: t('applySchool.certificate.problem.validUntil') });
  return { name, cefrLevel: level as CefrLevel, number, validUntil: validUntil || null };
}

export function staffApplicationRoutes(deps: StaffApplicationDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  const scopeOf = (c: Context<AppEnv>): Scope => {
    const scope = staffScope(c);
    if (scope.kind !== 'school') throw new HTTPException(404);
    return { institutionId: scope.institutionId, institutionName: scope.institutionName, university: scope.university === true };
  };
  const groupOf = (scope: Scope): ExamGroup => (scope.university ? 'external' : 'basic');
  const actorOf = (c: Context<AppEnv>, scope: Scope): ApplicationActor => ({
    kind: scope.university ? 'university' : 'school',
    name: `${staffUser(c).displayName} (${scope.institutionName})`,
    audit: staffActor(c),
  });

  async function listView(c: Context<AppEnv>, extra: Partial<ApplicationsView> = {}): Promise<ApplicationsView> {
    const scope = scopeOf(c);
    const now = clock();
    const schoolYear = schoolYearAt(now);
    const [{ window, state }, offered, applicants] = await Promise.all([
      windowAt(deps.db, schoolYear, groupOf(scope), now),
      offeredExams(deps.db, schoolYear, groupOf(scope)),
      institutionApplicants(deps.db, scope.institutionId, schoolYear),
    ]);
    return {
      university: scope.university,
      institutionName: scope.institutionName,
      schoolYear,
      window: { state, ...(window ? { opensAt: window.opensAt, closesAt: window.closesAt } : {}) },
      offered,
      applicants,
      formKey: randomUUID(),
      errors: [],
      ...extra,
    };
  }

  app.get('/', async (c) => {
    const view = await listView(c);
    const done = c.req.query('done');
    if (done && /^\d{1,5}$/.test(done)) view.done = pageContext(c).t('applySchool.done.registered', { count: Number(done) });
    if (c.req.query('print') === '1') return sendHtml(c, applicantsPrintPage(pageContext(c), view, clock()));
    return sendHtml(c, applicationsPage(pageContext(c), view));
  });

  app.post('/register', async (c) => {
    const scope = scopeOf(c);
    const { t } = pageContext(c);
    const body = await c.req.parseBody({ all: true });
    const form = textFields(body);
    const exams = ([] as unknown[]).concat(body.exams ?? []).filter((e): e is string => typeof e === 'string');
    const errors: FormError[] = [];
    const code = parsePersonalCode(form.personal_code ?? '');
    if (!code.ok) errors.push({ field: 'personal_code', text: t('applySchool.problem.personalCode') });
    const firstName = (form.first_name ?? '').trim();
    const lastName = (form.last_name ?? '').trim();
    if (!firstName || firstName.length > 100) errors.push({ field: 'first_name', text: t('applySchool.problem.firstName') });
    if (!lastName || lastName.length > 100) errors.push({ field: 'last_name', text: t('applySchool.problem.lastName') });
    let examCodes: string[];
    let basis: { kind: ApplicationBasis; date: string } | undefined;
    let certificate: (CertificateInput & { examCode: string }) | undefined;
    const className = (form.class_name ?? '').trim();
    if (scope.university) {
      examCodes = exams;
      if (examCodes.length === 0) errors.push({ field: 'exams', text: t('applySchool.problem.exams') });
      const claim = readCertificate(t, form, errors);
      if (claim) {
        const examCode = form.certificate_exam ?? '';
        if (!examCodes.includes(examCode) || !isForeignLanguageExam(examCode))
          errors.push({ field: 'certificate_exam', text: t('applySchool.certificate.problem.exam') });
        else certificate = { ...claim, examCode };
      }
    } else {
      const language = form.foreign_language ?? '';
      if (!language) errors.push({ field: 'foreign_language', text: t('applySchool.problem.foreignLanguage') });
      if (className.length > 10) errors.push({ field: 'class_name', text: t('applySchool.problem.className') });
      const kind = form.basis as ApplicationBasis;
      if (!(APPLICATION_BASES as readonly string[]).includes(kind)) errors.push({ field: 'basis', text: t('applySchool.problem.basis') });
      const date = form.basis_date ?? '';
      if (!isIsoDate(date) || date > rigaDate(clock())) errors.push({ field: 'basis_date', text: t('applySchool.problem.basisDate') });
      else basis = { kind, date };
      // The basic exams: Latvian, mathematics and the one foreign language chosen.
      examCodes = ['LAT09', 'MAT09', language];
    }
    const shown = { ...form, exams };
    if (errors.length > 0) return sendHtml(c, applicationsPage(pageContext(c), await listView(c, { form: shown, errors })), 422);
    try {
      const [outcome] = await registerApplicants(
        deps.db,
        {
          institutionId: scope.institutionId,
          schoolYear: schoolYearAt(clock()),
          group: groupOf(scope),
          actor: actorOf(c, scope),
          channel: scope.university ? 'university' : 'school',
          registrations: [
            {
              personalCode: (code as { code: string }).code,
              firstName,
              lastName,
              className: className || null,
              examCodes,
              idempotencyKey: form.key || randomUUID(),
              ...(basis ? { basis } : {}),
              ...(certificate ? { certificate } : {}),
            },
          ],
        },
        clock(),
      );
      return c.redirect(`${APPLICATIONS_PATH}/${outcome!.applicationId}?done=registered`, 303);
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      const inner = error instanceof RegistrationRefused ? error.refusal : error;
      const field = inner instanceof CertificateRefused ? 'certificate_level' : scope.university ? 'exams' : 'foreign_language';
      const refused = refusalTexts(t, error).map((text) => ({ field, text }));
      return sendHtml(c, applicationsPage(pageContext(c), await listView(c, { form: shown, errors: refused })), 422);
    }
  });

  app.post('/class-list', async (c) => {
    const scope = scopeOf(c);
    if (scope.university) throw new HTTPException(404);
    const { t } = pageContext(c);
    const body = await c.req.parseBody();
    const file = body.file;
    const refuse = async (errors: FormError[], fileProblems: FileProblem[] = []) =>
      sendHtml(c, applicationsPage(pageContext(c), await listView(c, { errors, fileProblems })), 422);
    // The summary says the file was refused and how often; the table beside the field says where.
    const refuseFile = (problems: FileProblem[]) => refuse([{ field: 'file', text: t('applySchool.file.refused', { count: problems.length }) }], problems);
    if (!(file instanceof File) || file.size === 0) return refuse([{ field: 'file', text: t('applySchool.file.noFile') }]);
    const schoolYear = schoolYearAt(clock());
    const languages = (await offeredExams(deps.db, schoolYear, 'basic'))
      .filter((e) => isForeignLanguageExam(e.code))
      .map((e) => ({ examCode: e.code, names: [e.subjectLv, e.subjectEn] }));
    let rows;
    try {
      rows = validateClassList(await readTable(new Uint8Array(await file.arrayBuffer()), file.name), languages, rigaDate(clock()));
    } catch (error) {
      if (!(error instanceof ImportRefused)) throw error;
      return refuseFile(error.problems.map((p) => ({ row: p.row ?? null, column: p.column ?? '', reason: t(p.key, p.params ?? {}) })));
    }
    const key = typeof body.key === 'string' && body.key ? body.key : randomUUID();
    try {
      await registerApplicants(
        deps.db,
        {
          institutionId: scope.institutionId,
          schoolYear,
          group: 'basic',
          actor: actorOf(c, scope),
          channel: 'school',
          registrations: rows.map((r) => ({
            row: r.row,
            personalCode: r.personalCode,
            firstName: r.firstName,
            lastName: r.lastName,
            className: r.className,
            examCodes: ['LAT09', 'MAT09', r.foreignLanguageExam],
            basis: { kind: r.basis, date: r.basisDate },
            idempotencyKey: `${key}:${r.row}`,
          })),
        },
        clock(),
      );
    } catch (error) {
      if (!(error instanceof RegistrationRefused)) throw error;
      return refuseFile(refusalTexts(t, error).map((reason) => ({ row: error.row, column: '', reason })));
    }
    return c.redirect(`${APPLICATIONS_PATH}?done=${rows.length}`, 303);
  });

  async function applicationView(c: Context<AppEnv>, extra: { form?: Record<string, string | string[]>; errors?: FormError[]; done?: string } = {}) {
    const scope = scopeOf(c);
    const id = idParam(c.req.param('id'));
    const [application, extras] = await Promise.all([
      applicationById(deps.db, id, { institutionId: scope.institutionId }),
      applicationExtras(deps.db, id, scope.institutionId),
    ]);
    if (!application || !extras) throw new HTTPException(404);
    const now = clock();
    const [{ state }, offered, person] = await Promise.all([
      windowAt(deps.db, application.schoolYear, application.group, now),
      offeredExams(deps.db, application.schoolYear, application.group),
      deps.db.selectFrom('persons').select(['first_name', 'last_name']).where('id', '=', application.personId).executeTakeFirstOrThrow(),
    ]);
    return {
      application,
      extras,
      name: `${person.first_name} ${person.last_name}`,
      windowOpen: state === 'open',
      extrasOpen: exemptionsOpen(application.schoolYear, now),
      offered,
      formKey: randomUUID(),
      errors: extra.errors ?? [],
      ...(extra.form ? { form: extra.form } : {}),
      ...(extra.done ? { done: extra.done } : {}),
    };
  }

  app.get('/:id', async (c) => {
    const done = c.req.query('done');
    const { t } = pageContext(c);
    const view = await applicationView(c, done && /^[a-z]{1,20}$/.test(done) ? { done: t(`applySchool.done.${done}`) } : {});
    return sendHtml(c, applicationPage(pageContext(c), view));
  });

  const back = (c: Context<AppEnv>, done: string) => c.redirect(`${APPLICATIONS_PATH}/${idParam(c.req.param('id'))}?done=${done}`, 303);
  const changeContext = (c: Context<AppEnv>, scope: Scope) => ({
    applicationId: idParam(c.req.param('id')),
    institutionId: scope.institutionId,
    actor: staffActor(c),
    channel: scope.university ? 'university' : 'school',
  });
  const sendBack = async (c: Context<AppEnv>, form: Record<string, string | string[]>, errors: FormError[]) =>
    sendHtml(c, applicationPage(pageContext(c), await applicationView(c, { form, errors })), 422);

  app.post('/:id/exams', async (c) => {
    const scope = scopeOf(c);
    const { t } = pageContext(c);
    const body = await c.req.parseBody({ all: true });
    const form = textFields(body);
    const exams = ([] as unknown[]).concat(body.exams ?? []).filter((e): e is string => typeof e === 'string');
    const application = await applicationById(deps.db, idParam(c.req.param('id')), { institutionId: scope.institutionId });
    if (!application) throw new HTTPException(404);
    try {
      await saveApplication(
        deps.db,
        {
          personId: application.personId,
          schoolYear: application.schoolYear,
          institutionId: scope.institutionId,
          group: application.group,
          examCodes: exams,
          idempotencyKey: form.key || randomUUID(),
          actor: actorOf(c, scope),
          channel: scope.university ? 'university' : 'school',
        },
        clock(),
      );
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      return sendBack(
        c,
        { ...form, exams },
        refusalTexts(t, error).map((text) => ({ field: 'exams', text })),
      );
    }
    return back(c, 'changed');
  });

  app.post('/:id/support', async (c) => {
    const scope = scopeOf(c);
    const { t } = pageContext(c);
    const body = await c.req.parseBody({ all: true });
    const measures = ([] as unknown[])
      .concat(body.measures ?? [])
      .filter((m): m is SupportMeasure => typeof m === 'string' && (SUPPORT_MEASURES as readonly string[]).includes(m));
    const note = (typeof body.note === 'string' ? body.note : '').trim().slice(0, 200);
    const problem = supportMeasureProblem(measures, note);
    if (problem) return sendBack(c, { measures, note }, [{ field: 'measures', text: t(problem) }]);
    try {
      await setSupportMeasures(deps.db, { ...changeContext(c, scope), measures, note }, clock());
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      if (error.key === 'apply.not-found') throw new HTTPException(404);
      return sendBack(c, { measures, note }, [{ field: 'measures', text: t(error.key, error.params) }]);
    }
    return back(c, 'support');
  });

  app.post('/:id/exemption', async (c) => {
    const scope = scopeOf(c);
    const { t } = pageContext(c);
    const form = textFields(await c.req.parseBody());
    const exemption = { orderNumber: form.order_number ?? '', orderDate: form.order_date ?? '', specialistStatement: form.specialist_statement ?? '' };
    const fieldName = { orderNumber: 'order_number', orderDate: 'order_date', specialistStatement: 'specialist_statement' } as const;
    const problems = exemptionProblems(exemption, rigaDate(clock()));
    if (problems.length > 0)
      return sendBack(
        c,
        form,
        problems.map((p) => ({ field: fieldName[p.field], text: t(p.key) })),
      );
    try {
      await recordExemption(deps.db, { ...changeContext(c, scope), lineId: idParam(form.line), exemption }, clock());
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      if (error.key === 'apply.not-found') throw new HTTPException(404);
      return sendBack(c, form, [{ field: 'order_number', text: t(error.key, error.params) }]);
    }
    return back(c, 'exemption');
  });

  app.post('/:id/certificate', async (c) => {
    const scope = scopeOf(c);
    const { t } = pageContext(c);
    const form = textFields(await c.req.parseBody());
    const errors: FormError[] = [];
    const certificate = readCertificate(t, form, errors);
    if (!certificate && errors.length === 0) errors.push({ field: 'certificate_name', text: t('applySchool.certificate.problem.name') });
    if (errors.length > 0 || !certificate) return sendBack(c, form, errors);
    try {
      await recordInternationalCertificate(deps.db, { ...changeContext(c, scope), lineId: idParam(form.line), certificate }, clock());
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      if (error.key === 'apply.not-found') throw new HTTPException(404);
      return sendBack(c, form, [{ field: 'certificate_level', text: t(error.key, error.params) }]);
    }
    return back(c, 'certificate');
  });

  return app;
}
