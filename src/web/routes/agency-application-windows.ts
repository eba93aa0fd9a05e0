/**
 * Agency staff: the application windows (`/staff/agency/applications/windows?year=`): when secondary students,
 * schools (9th graders) and universities (external candidates) may apply in a school year, in Latvian time.
 * `POST` sets one group's window; the `windows` command of the command line does the same.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { agencyWindowsPage, type AgencyWindowsView } from '../../../views/apply.js';
import { ApplicationError, listApplicationWindows, setApplicationWindow } from '../../data/applications.js';
import { schoolYears } from '../../data/catalogue.js';
import { defaultWindow, EXAM_GROUPS, schoolYearAt, type ExamGroup } from '../../domain/applications.js';
import { parseRigaDateTime, rigaDateTimeInput } from '../../domain/riga-time.js';
import { pageContext, type AppEnv } from '../context.js';
import { textFields, wholeNumber } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor } from '../staff.js';
import { agencyOnly } from './agency-guard.js';

export function agencyApplicationWindowRoutes(deps: { db: Kysely<Database>; clock?: () => Date }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', agencyOnly());

  const show = async (c: Context<AppEnv>, year: number, extra: Partial<AgencyWindowsView> = {}, status: 200 | 400 = 200) => {
    const [windows, years] = await Promise.all([listApplicationWindows(deps.db, year), schoolYears(deps.db)]);
    const values: AgencyWindowsView['values'] = {};
    for (const group of EXAM_GROUPS) {
      const window = windows.find((w) => w.examGroup === group) ?? defaultWindow(year);
      values[group] = { opens: rigaDateTimeInput(window.opensAt), closes: rigaDateTimeInput(window.closesAt) };
    }
    const allYears = [...new Set([...years.map((y) => y.startYear), year, schoolYearAt(clock())])].sort((a, b) => b - a);
    return sendHtml(
      c,
      agencyWindowsPage(pageContext(c), { year, years: allYears, windows, errors: [], now: clock(), ...extra, values: { ...values, ...extra.values } }),
      status,
    );
  };

  app.get('/', async (c) => {
    const asked = c.req.query('year');
    const year = asked !== undefined ? wholeNumber(asked) : schoolYearAt(clock());
    if (year === undefined || year < 2000 || year > 2200) throw new HTTPException(404);
    const message = c.req.query('done') === 'saved' ? pageContext(c).t('apply.windows.saved') : undefined;
    return show(c, year, message ? { message } : {});
  });

  app.post('/', async (c) => {
    const body = textFields(await c.req.parseBody());
    const year = wholeNumber(body['year']);
    const group = body['group'] as ExamGroup;
    if (year === undefined || year < 2000 || year > 2200 || !EXAM_GROUPS.includes(group)) throw new HTTPException(400);
    const t = pageContext(c).t;
    const opensAt = parseRigaDateTime(body['opens'] ?? '');
    const closesAt = parseRigaDateTime(body['closes'] ?? '');
    const errors = [
      ...(opensAt ? [] : [{ field: `opens-${group}`, text: t('apply.windows.badMoment') }]),
      ...(closesAt ? [] : [{ field: `closes-${group}`, text: t('apply.windows.badMoment') }]),
    ];
    const values = { [group]: { opens: body['opens'] ?? '', closes: body['closes'] ?? '' } };
    if (errors.length === 0) {
      try {
        await setApplicationWindow(
          deps.db,
          { schoolYear: year, group, window: { opensAt: opensAt!, closesAt: closesAt! }, actor: staffActor(c), channel: 'agency' },
          clock(),
        );
        return c.redirect(`/staff/agency/applications/windows?year=${year}&done=saved`, 303);
      } catch (error) {
        if (!(error instanceof ApplicationError)) throw error;
        errors.push({ field: `closes-${group}`, text: t(error.key, error.params) });
      }
    }
    return show(c, year, { errors, values }, 400);
  });

  return app;
}
