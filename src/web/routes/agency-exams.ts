/**
 * Agency staff: exams and calendar. `GET /staff/agency/exams?year=` (catalogue, release moments), `POST /copy`
 * (the catalogue into the next school year, as `catalogue --year` does), `POST /release` (move the release
 * moments; one that has passed needs `confirm`), `GET /:id` (one exam), `POST /:id/parts` (define its parts;
 * confirmed when points exist) and `POST /:id/sessions` (add a sitting). The queries are the command line's.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { agencyExamPage, agencyExamsPage, SPARE_PART_ROWS, type AgencyExamView, type AgencyExamsView } from '../../../views/agency-exams.js';
import type { FormError } from '../../../views/forms.js';
import {
  addExamSession,
  CatalogueError,
  catalogueOfYear,
  defineParts,
  installCatalogue,
  PartsChangeNeedsConfirmation,
  ReleaseChangeNeedsConfirmation,
  schoolYears,
  setReleaseMoments,
  UnsoundPartsError,
  type CatalogueExamRow,
} from '../../data/catalogue.js';
import { audit } from '../../data/audit.js';
import { MAX_PARTS, parsePartInput, weightText, type PartInputRow } from '../../domain/part-input.js';
import { isIsoDate, parseRigaDateTime, rigaDateTimeInput } from '../../domain/riga-time.js';
import type { UnsoundReason } from '../../domain/scoring.js';
import type { Translate } from '../../i18n.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, textFields, wholeNumber } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor } from '../staff.js';
import { agencyOnly } from './agency-guard.js';

export interface AgencyExamDependencies {
  db: Kysely<Database>;
  clock?: () => Date;
}

export function unsoundReasonText(t: Translate, reason: UnsoundReason): string {
  switch (reason.kind) {
    case 'no-parts':
      return t('agencyExams.unsound.noParts');
    case 'zero-maximum':
      return t('agencyExams.unsound.zeroMaximum', { part: reason.part });
    case 'weighted-maximum-not-whole': {
      const weight = weightText(reason.weight.numerator, reason.weight.denominator);
      const product = weightText(reason.maxPoints * reason.weight.numerator, reason.weight.denominator);
      return t('agencyExams.unsound.notWhole', { part: reason.part, max: reason.maxPoints, weight, product });
    }
  }
}

export function agencyExamRoutes(deps: AgencyExamDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', agencyOnly());

  const yearPage = async (c: Context<AppEnv>, year: number, extra: Partial<AgencyExamsView> = {}, status: 200 | 400 | 409 = 200) => {
    const [years, exams] = await Promise.all([schoolYears(deps.db), catalogueOfYear(deps.db, year)]);
    const known = years.find((y) => y.startYear === year);
    const release = known
      ? { basic: rigaDateTimeInput(new Date(known.basicResultsAt)), secondary: rigaDateTimeInput(new Date(known.secondaryResultsAt)) }
      : { basic: '', secondary: '' };
    const allYears = [...new Set([...years.map((y) => y.startYear), year])].sort((a, b) => b - a);
    return sendHtml(c, agencyExamsPage(pageContext(c), { years: allYears, year, exams, release, errors: [], ...extra }), status);
  };

  const newestYear = async () => (await schoolYears(deps.db))[0]?.startYear;

  app.get('/', async (c) => {
    const asked = c.req.query('year');
    const year = asked !== undefined ? wholeNumber(asked) : await newestYear();
    if (year === undefined || year < 2000 || year > 2200) throw new HTTPException(404);
    const t = pageContext(c).t;
    const done = c.req.query('done');
    const message = done === 'copied' || done === 'release' ? t(`agencyExams.done.${done}`) : undefined;
    return yearPage(c, year, message ? { message } : {});
  });

  app.post('/copy', async (c) => {
    const year = wholeNumber(textFields(await c.req.parseBody()).year);
    if (year === undefined || year < 2000 || year > 2200) throw new HTTPException(404);
    const result = await installCatalogue(deps.db, year);
    await audit(deps.db, { actor: staffActor(c), channel: 'agency', action: 'catalogue.copy', subject: `school-year:${year}`, details: result }, clock());
    return c.redirect(`/staff/agency/exams?year=${year}&done=copied`, 303);
  });

  app.post('/release', async (c) => {
    const form = textFields(await c.req.parseBody());
    const year = wholeNumber(form.year);
    if (year === undefined || year < 2000 || year > 2200) throw new HTTPException(404);
    const t = pageContext(c).t;
    const values = { basic: form.basic ?? '', secondary: form.secondary ?? '' };
    const basic = parseRigaDateTime(values.basic);
    const secondary = parseRigaDateTime(values.secondary);
    const errors: FormError[] = [];
    if (!basic) errors.push({ field: 'basic', text: t('agencyExams.release.bad') });
    if (!secondary) errors.push({ field: 'secondary', text: t('agencyExams.release.bad') });
    if (errors.length > 0) return yearPage(c, year, { release: values, errors }, 400);
    try {
      await setReleaseMoments(deps.db, staffActor(c), year, { basic, secondary }, { channel: 'agency', confirmPassed: form.confirm === 'yes', now: clock() });
    } catch (error) {
      if (!(error instanceof ReleaseChangeNeedsConfirmation)) throw error;
      return yearPage(c, year, { release: values, confirmRelease: error.impacts }, 409);
    }
    return c.redirect(`/staff/agency/exams?year=${year}&done=release`, 303);
  });

  const examOr404 = async (idText: string | undefined): Promise<CatalogueExamRow> => {
    const id = idParam(idText);
    const exam = await deps.db.selectFrom('exams').select('school_year').where('id', '=', id).executeTakeFirst();
    const row = exam && (await catalogueOfYear(deps.db, exam.school_year)).find((e) => e.id === id);
    if (!row) throw new HTTPException(404);
    return row;
  };

  const storedRows = (exam: CatalogueExamRow): PartInputRow[] =>
    exam.parts.map((p) => ({
      maxPoints: String(p.max_points),
      weight: weightText(p.weight_numerator, p.weight_denominator),
      nameLv: p.name_lv ?? '',
      nameEn: p.name_en ?? '',
    }));

  const withSpareRows = (rows: PartInputRow[]): PartInputRow[] => {
    const spare = Math.max(0, Math.min(SPARE_PART_ROWS, MAX_PARTS - rows.length));
    return [...rows, ...Array.from({ length: spare }, () => ({ maxPoints: '', weight: '', nameLv: '', nameEn: '' }))];
  };

  const examPage = (c: Context<AppEnv>, exam: CatalogueExamRow, extra: Partial<AgencyExamView> = {}, status: 200 | 400 | 409 = 200) =>
    sendHtml(
      c,
      agencyExamPage(pageContext(c), {
        exam,
        rows: withSpareRows(storedRows(exam)),
        rule: exam.weighted_points_rule,
        errors: [],
        session: { term: 'main', startsOn: '', endsOn: '' },
        sessionErrors: [],
        ...extra,
      }),
      status,
    );

  app.get('/:id', async (c) => {
    const exam = await examOr404(c.req.param('id'));
    const done = c.req.query('done');
    const t = pageContext(c).t;
    return examPage(c, exam, done === 'parts' || done === 'session' ? { message: t(`agencyExams.done.${done}`) } : {});
  });

  app.post('/:id/parts', async (c) => {
    const exam = await examOr404(c.req.param('id'));
    const form = textFields(await c.req.parseBody());
    const t = pageContext(c).t;
    const rows: PartInputRow[] = [];
    for (let n = 1; n <= MAX_PARTS; n++) {
      const row = {
        maxPoints: form[`part_${n}_max`] ?? '',
        weight: form[`part_${n}_weight`] ?? '',
        nameLv: form[`part_${n}_name_lv`] ?? '',
        nameEn: form[`part_${n}_name_en`] ?? '',
      };
      if (Object.values(row).some((v) => v.trim() !== '')) rows.push(row);
    }
    const rule = form.rule === 'truncate' ? 'truncate' : 'exact';
    const { parts, problems } = parsePartInput(rows);
    const again = (errors: FormError[], extra: Partial<AgencyExamView> = {}, status: 400 | 409 = 400) =>
      examPage(c, exam, { rows: withSpareRows(rows), rule, errors, ...extra }, status);
    if (problems.length > 0) {
      return again(
        problems.map((p) =>
          p.part === undefined
            ? { field: 'part-1-max', text: t('agencyExams.partProblem.count', { max: MAX_PARTS }) }
            : { field: `part-${p.part}-${p.field === 'weight' ? 'weight' : 'max'}`, text: t(`agencyExams.partProblem.${p.key}`, { part: p.part }) },
        ),
      );
    }
    try {
      await defineParts(deps.db, staffActor(c), exam.id, parts, { weightedPointsRule: rule, confirmScored: form.confirm === 'yes', channel: 'agency' });
    } catch (error) {
      if (error instanceof UnsoundPartsError) {
        return again(error.reasons.map((r) => ({ field: r.kind === 'no-parts' ? 'part-1-max' : `part-${r.part}-weight`, text: unsoundReasonText(t, r) })));
      }
      if (error instanceof PartsChangeNeedsConfirmation) return again([], { confirmParts: error.impact }, 409);
      if (error instanceof CatalogueError) return again([{ field: 'part-1-max', text: t(error.key, error.params) }], {}, 409);
      throw error;
    }
    return c.redirect(`/staff/agency/exams/${exam.id}?done=parts`, 303);
  });

  app.post('/:id/sessions', async (c) => {
    const exam = await examOr404(c.req.param('id'));
    const form = textFields(await c.req.parseBody());
    const t = pageContext(c).t;
    const session = { term: form.term ?? '', startsOn: form.starts_on ?? '', endsOn: form.ends_on || form.starts_on || '' };
    const errors: FormError[] = [];
    if (session.term !== 'main' && session.term !== 'additional') errors.push({ field: 'term', text: t('agencyExams.sittings.badTerm') });
    if (!isIsoDate(session.startsOn)) errors.push({ field: 'starts-on', text: t('agencyExams.sittings.badDate') });
    if (!isIsoDate(session.endsOn)) errors.push({ field: 'ends-on', text: t('agencyExams.sittings.badDate') });
    if (errors.length === 0) {
      try {
        await addExamSession(
          deps.db,
          staffActor(c),
          exam.id,
          { term: session.term as 'main' | 'additional', startsOn: session.startsOn, endsOn: session.endsOn },
          'agency',
        );
        return c.redirect(`/staff/agency/exams/${exam.id}?done=session`, 303);
      } catch (error) {
        if (!(error instanceof CatalogueError)) throw error;
        errors.push({ field: error.key === 'agencyExams.errors.sessionDates' ? 'ends-on' : 'starts-on', text: t(error.key) });
      }
    }
    return examPage(c, exam, { session, sessionErrors: errors }, 400);
  });

  return app;
}
