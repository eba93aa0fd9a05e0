/**
 * A student applies for the exams (`/apply`, Baltic-only like /results): `GET /apply` (the window, their school and
 * their application), `GET|POST /apply/choose` (the exams offered this school year, one level per subject; the
 * POST shows the choice back for review), `POST /apply/submit` (saves it: idempotent by the review form's key),
 * `GET /apply/applications/:id` (what was submitted and when, its status, later changes, the statement of entry),
 * `GET /apply/applications/:id/receipt.pdf`, and `GET|POST /apply/applications/:id/withdraw`. Every application is
 * read with the student's own person in the query: another's id is 404.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  applicationReceiptPdf,
  applyHomePage,
  choosePage,
  reviewPage,
  studentApplicationPage,
  withdrawPage,
  type SubjectChoice,
} from '../../../views/apply.js';
import type { FormError } from '../../../views/forms.js';
import {
  ApplicationError,
  ApplicationRefused,
  applicationById,
  applicationsOfPerson,
  enrolmentOf,
  offeredExams,
  personalCodeOf,
  saveApplication,
  windowAt,
  withdrawApplication,
  type ApplicationActor,
  type OfferedExamRow,
} from '../../data/applications.js';
import { choiceRefusals, schoolYearAt, subjectOf, type Refusal } from '../../domain/applications.js';
import { maskPersonalCode } from '../../domain/personal-code.js';
import type { Translate } from '../../i18n.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, limitBody, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { csrfProtection, signedInStudent } from '../session.js';
import { signedInActor } from '../signed-in.js';
import type { StudentDependencies } from './student.js';

const APPLY_FORM_BYTES = 8 * 1024;

export function refusalText(t: Translate, refusal: Pick<Refusal, 'key' | 'params'>): string {
  return t(refusal.key, refusal.params);
}

/** The subjects offered, each with its levels, in calendar order of their first exam. */
export function subjectChoices(offered: readonly OfferedExamRow[]): SubjectChoice[] {
  const subjects = new Map<string, SubjectChoice>();
  for (const exam of offered) {
    const subject = subjectOf(exam.code);
    const entry = subjects.get(subject) ?? { subject, exams: [] };
    entry.exams.push(exam);
    subjects.set(subject, entry);
  }
  return [...subjects.values()];
}

/** The exam codes a choice form sent: one field per subject, `none` or an exam code. */
function chosenCodes(body: Record<string, string>): string[] {
  return Object.entries(body)
    .filter(([name, value]) => name.startsWith('subject-') && value !== '' && value !== 'none')
    .map(([, value]) => value);
}

export function applyRoutes(deps: StudentDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', deps.requireStudent, limitBody(APPLY_FORM_BYTES), csrfProtection());

  const actorOf = (c: Context<AppEnv>): ApplicationActor => {
    const student = signedInStudent(c);
    return { kind: 'student', name: student.displayName, audit: signedInActor(student) };
  };

  /** What the student's own application depends on: the school year, its window, their school, their applications. */
  const situation = async (c: Context<AppEnv>) => {
    const now = clock();
    const personId = signedInStudent(c).personId;
    const schoolYear = schoolYearAt(now);
    const [window, enrolment, applications] = await Promise.all([
      windowAt(deps.db, schoolYear, 'secondary', now),
      enrolmentOf(deps.db, personId, schoolYear),
      applicationsOfPerson(deps.db, personId, schoolYear),
    ]);
    const secondary = enrolment !== undefined && !/^9\b|^9\./.test(enrolment.className ?? '');
    const own = applications.find((a) => a.group === 'secondary' && a.institutionId === enrolment?.institutionId);
    return { now, personId, schoolYear, window, enrolment, secondary, applications, own };
  };

  app.get('/', async (c) => {
    const s = await situation(c);
    return sendHtml(
      c,
      applyHomePage(pageContext(c), {
        schoolYear: s.schoolYear,
        window: s.window,
        enrolment: s.enrolment,
        secondary: s.secondary,
        applications: s.applications,
        own: s.own,
        refused: c.req.query('refused'),
      }),
    );
  });

  const showChoose = async (c: Context<AppEnv>, chosen: string[] | undefined, errors: FormError[], status: 200 | 400 | 409 = 200) => {
    const s = await situation(c);
    if (!s.enrolment || !s.secondary || s.window.state !== 'open') return c.redirect('/apply', 303);
    const offered = await offeredExams(deps.db, s.schoolYear, 'secondary');
    const current = chosen ?? (s.own && s.own.status !== 'withdrawn' ? s.own.lines.map((l) => l.code) : []);
    return sendHtml(
      c,
      choosePage(pageContext(c), {
        schoolYear: s.schoolYear,
        window: s.window.window!,
        institutionName: s.enrolment.institutionName,
        subjects: subjectChoices(offered),
        chosen: current,
        errors,
        changing: s.own !== undefined && s.own.status !== 'withdrawn',
      }),
      status,
    );
  };

  app.get('/choose', (c) => showChoose(c, undefined, []));

  // The choice comes back for review: refused choices go back to the form with every reason.
  app.post('/choose', async (c) => {
    const s = await situation(c);
    if (!s.enrolment || !s.secondary || s.window.state !== 'open') return c.redirect('/apply', 303);
    const chosen = chosenCodes(textFields(await c.req.parseBody()));
    const offered = await offeredExams(deps.db, s.schoolYear, 'secondary');
    const elsewhere = s.applications.filter((a) => a !== s.own).flatMap((a) => a.lines.map((l) => l.code));
    const refusals = choiceRefusals({ offered, chosen, takenElsewhere: elsewhere });
    const t = pageContext(c).t;
    if (refusals.length > 0) {
      return showChoose(
        c,
        chosen,
        refusals.map((r) => ({ field: r.params.exam ? `subject-${subjectOf(String(r.params.exam))}` : 'subject-first', text: refusalText(t, r) })),
        400,
      );
    }
    const lines = offered.filter((e) => chosen.includes(e.code));
    return sendHtml(
      c,
      reviewPage(pageContext(c), {
        schoolYear: s.schoolYear,
        institutionName: s.enrolment.institutionName,
        lines,
        idempotencyKey: randomUUID(),
        changing: s.own !== undefined && s.own.status !== 'withdrawn',
      }),
    );
  });

  app.post('/submit', async (c) => {
    const s = await situation(c);
    const body = textFields(await c.req.parseBody());
    const key = body['idempotency_key'] ?? '';
    if (!/^[0-9a-f-]{36}$/.test(key)) throw new HTTPException(400);
    if (!s.enrolment || !s.secondary) return c.redirect('/apply', 303);
    const codes = (body['exams'] ?? '').split(',').filter((code) => code !== '');
    try {
      const result = await saveApplication(
        deps.db,
        {
          personId: s.personId,
          schoolYear: s.schoolYear,
          institutionId: s.enrolment.institutionId,
          group: 'secondary',
          examCodes: codes,
          idempotencyKey: key,
          actor: actorOf(c),
          channel: 'student',
        },
        clock(),
      );
      const done = result.outcome === 'changed' || result.outcome === 'unchanged' ? 'changed' : 'submitted';
      return c.redirect(`/apply/applications/${result.applicationId}?done=${done}`, 303);
    } catch (error) {
      if (error instanceof ApplicationRefused) {
        const t = pageContext(c).t;
        return showChoose(
          c,
          codes,
          error.refusals.map((r) => ({ field: 'subject-first', text: refusalText(t, r) })),
          409,
        );
      }
      if (error instanceof ApplicationError) return c.redirect(`/apply?refused=${encodeURIComponent(error.key)}`, 303);
      throw error;
    }
  });

  const ownApplication = async (c: Context<AppEnv>) => {
    const application = await applicationById(deps.db, idParam(c.req.param('id')), { personId: signedInStudent(c).personId });
    if (!application) throw new HTTPException(404);
    return application;
  };

  app.get('/applications/:id', async (c) => {
    const application = await ownApplication(c);
    const now = clock();
    const window = await windowAt(deps.db, application.schoolYear, application.group, now);
    const done = c.req.query('done');
    const own = application.group === 'secondary';
    return sendHtml(
      c,
      studentApplicationPage(pageContext(c), {
        application,
        window,
        canChange: own && window.state === 'open',
        done: done === 'submitted' || done === 'changed' || done === 'withdrawn' ? done : undefined,
      }),
    );
  });

  app.get('/applications/:id/receipt.pdf', async (c) => {
    const application = await ownApplication(c);
    const student = signedInStudent(c);
    const page = pageContext(c);
    const pdf = applicationReceiptPdf(page, application, {
      name: student.displayName,
      maskedCode: maskPersonalCode(await personalCodeOf(deps.db, student.personId)),
    });
    return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${page.lang === 'lv' ? 'pieteikums' : 'application'}-${application.schoolYear}-${application.id}.pdf"`,
      'Cache-Control': 'no-store',
    });
  });

  app.get('/applications/:id/withdraw', async (c) => {
    const application = await ownApplication(c);
    const window = await windowAt(deps.db, application.schoolYear, application.group, clock());
    if (window.state !== 'open' || application.status === 'withdrawn' || application.group !== 'secondary')
      return c.redirect(`/apply/applications/${application.id}`, 303);
    return sendHtml(c, withdrawPage(pageContext(c), { application, idempotencyKey: randomUUID() }));
  });

  app.post('/applications/:id/withdraw', async (c) => {
    const application = await ownApplication(c);
    const body = textFields(await c.req.parseBody());
    const key = body['idempotency_key'] ?? '';
    if (!/^[0-9a-f-]{36}$/.test(key)) throw new HTTPException(400);
    try {
      await withdrawApplication(
        deps.db,
        { applicationId: application.id, scope: { personId: signedInStudent(c).personId }, idempotencyKey: key, actor: actorOf(c), channel: 'student' },
        clock(),
      );
    } catch (error) {
      if (error instanceof ApplicationError) return c.redirect(`/apply?refused=${encodeURIComponent(error.key)}`, 303);
      throw error;
    }
    return c.redirect(`/apply/applications/${application.id}?done=withdrawn`, 303);
  });

  return app;
}
