import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installCatalogue } from '../../src/data/catalogue.js';
import { examReleaseMoment, whereReleased } from '../../src/data/release.js';
import { releaseMomentOf, resultsVisibleTo, type ResultsViewer } from '../../src/domain/release.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

const VIEWERS: readonly ResultsViewer[] = ['student', 'school', 'eservice', 'public', 'agency'];

describe.each(DATABASE_KINDS)('the release rule in SQL on %s', (kind) => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
    await installCatalogue(test.handle.db, 2025);
  });
  afterEach(async () => test.close());

  const exams = () =>
    test.handle.db
      .selectFrom('exams')
      .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
      .where('exams.school_year', '=', 2025);

  it('gives each exam the release moment the domain rule gives it', async () => {
    const rows = await exams()
      .select(['exams.code', 'exams.education', 'school_years.basic_results_at', 'school_years.secondary_results_at', examReleaseMoment.as('releaseAt')])
      .execute();
    expect(new Set(rows.map((r) => r.education))).toEqual(new Set(['basic', 'secondary']));
    for (const r of rows) {
      expect(r.releaseAt, r.code).toBe(releaseMomentOf(r.education, { basic: r.basic_results_at, secondary: r.secondary_results_at }));
    }
  });

  it('keeps exactly the exams whose results the domain rule shows the viewer, around both moments', async () => {
    const all = await exams().select(['exams.code', examReleaseMoment.as('releaseAt')]).orderBy('exams.code').execute();
    const basic = new Date('2026-06-26T06:00:00.000Z');
    const secondary = new Date('2026-07-03T06:00:00.000Z');
    const moments = [new Date(basic.getTime() - 1), basic, new Date(secondary.getTime() - 1), secondary];
    for (const viewer of VIEWERS) {
      for (const now of moments) {
        const kept = await exams().$call(whereReleased(viewer, now)).select('exams.code').orderBy('exams.code').execute();
        const expected = all.filter((e) => resultsVisibleTo(viewer, new Date(e.releaseAt), now)).map((e) => e.code);
        expect(kept.map((e) => e.code), `${viewer} at ${now.toISOString()}`).toEqual(expected);
      }
    }
    // The moments split the catalogue: nothing before 26 June, basic from it, everything from 3 July.
    const count = async (now: Date) => (await exams().$call(whereReleased('school', now)).select('exams.code').execute()).length;
    expect(await count(moments[0]!)).toBe(0);
    expect(await count(basic)).toBeGreaterThan(0);
    expect(await count(moments[2]!)).toBe(await count(basic));
    expect(await count(secondary)).toBe(all.length);
  });
});
