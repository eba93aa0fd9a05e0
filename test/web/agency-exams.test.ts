/**
 * The agency's exam workflows through HTTP with real staff sessions: exams and calendar (parts sound and unsound,
 * copying a catalogue, moving a release moment that has passed), score files (the preview with every problem,
 * the corrected file saved whole, the import history) and issuance (a queued job run to 100 % with every
 * certificate sealed once). A school user finds none of it: 404 for every route, GET and POST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExam } from '../../src/data/catalogue.js';
import { importScores } from '../../src/data/scores.js';
import { SCORE_UPLOAD_BYTES } from '../../src/web/routes/agency-scores.js';
import { createLogger } from '../../src/log.js';
import { IssuanceRunner } from '../../src/issuance/runner.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, validPersonalCode, type SeededSession } from '../support/register.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { agencyUser, createStaffApp, schoolUser, type StaffApp } from '../support/staff.js';
import { until } from '../support/progress.js';

describe.each(DATABASE_KINDS)('agency exam workflows on %s', (kind) => {
  let test: TestDatabase;
  let seeded: SeededSession;
  let staff: StaffApp;
  let agency: string;
  let school: string;
  let notified = 0;
  const now = new Date('2026-07-10T10:00:00.000Z');
  const db = () => test.handle.db;

  const get = (path: string, cookie: string) => staff.app.request(path, { headers: { cookie } });
  const csrfOf = async (cookie: string, path: string) => /name="_csrf" value="([^"]+)"/.exec(await (await get(path, cookie)).text())![1]!;
  const post = async (path: string, cookie: string, form: Record<string, string>, csrfPath = '/staff/reports') =>
    staff.app.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: await csrfOf(cookie, csrfPath), ...form }).toString(),
    });
  const upload = async (cookie: string, sessionId: number, name: string, text: string) => {
    const body = new FormData();
    body.set('_csrf', await csrfOf(cookie, '/staff/reports'));
    body.set('session', String(sessionId));
    body.set('file', new File([text], name, { type: 'text/csv' }));
    return staff.app.request('/staff/agency/scores/upload', { method: 'POST', headers: { cookie }, body });
  };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    seeded = await seedSession(db(), { examCode: 'MATVL', candidates: 3, year: 2025 });
    staff = createStaffApp(db(), { clock: () => now, notify: () => notified++ });
    agency = await staff.cookieFor(await agencyUser(db(), validPersonalCode(910_001)));
    school = await staff.cookieFor(await schoolUser(db(), seeded.institutionId, validPersonalCode(910_002)));
  });
  afterAll(async () => test?.close());

  it('does not exist for a school user: 404 on every route and action', async () => {
    const refused = await db()
      .insertInto('score_uploads')
      .values({
        session_id: seeded.sessionId,
        actor: 'x',
        user_id: null,
        file_name: 'x.csv',
        sha256: 'x',
        file_size: 1,
        status: 'refused',
        uploaded_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const gets = [
      '/staff/agency/exams',
      '/staff/agency/exams?year=2025',
      `/staff/agency/exams/${seeded.examId}`,
      '/staff/agency/scores',
      `/staff/agency/scores?session=${seeded.sessionId}`,
      `/staff/agency/scores/preview/${refused.id}`,
      `/staff/agency/scores/preview/${refused.id}/problems.csv`,
      '/staff/agency/issuance',
      `/staff/agency/issuance?session=${seeded.sessionId}`,
      `/staff/agency/issuance/progress?session=${seeded.sessionId}`,
    ];
    for (const path of gets) expect((await get(path, school)).status, path).toBe(404);
    const posts: [string, Record<string, string>][] = [
      ['/staff/agency/exams/copy', { year: '2026' }],
      ['/staff/agency/exams/release', { year: '2025', basic: '2026-06-26T09:00', secondary: '2026-07-03T09:00', confirm: 'yes' }],
      [`/staff/agency/exams/${seeded.examId}/parts`, { part_1_max: '10', part_1_weight: '1', rule: 'exact', confirm: 'yes' }],
      [`/staff/agency/exams/${seeded.examId}/sessions`, { term: 'main', starts_on: '2026-06-01', ends_on: '2026-06-01' }],
      ['/staff/agency/scores/upload', { session: String(seeded.sessionId) }],
      [`/staff/agency/scores/preview/${refused.id}/save`, {}],
      ['/staff/agency/issuance/issue', { session: String(seeded.sessionId) }],
      ['/staff/agency/issuance/retry', { session: String(seeded.sessionId) }],
    ];
    for (const [path, form] of posts) expect((await post(path, school, form)).status, path).toBe(404);
    // The file upload as a browser sends it, multipart.
    expect((await upload(school, seeded.sessionId, 's.csv', 'candidate_code,took_part\n')).status).toBe(404);
    // Nothing happened behind the 404s.
    expect(await db().selectFrom('issuance_jobs').selectAll().execute()).toEqual([]);
    expect(await db().selectFrom('school_years').select('start_year').where('start_year', '=', 2026).execute()).toEqual([]);
    expect((await findExam(db(), 'MATVL', 2025))!.parts).toEqual([]);
  });

  it('defines parts: an unsound definition is refused with the reason, a sound one is saved', async () => {
    const path = `/staff/agency/exams/${seeded.examId}/parts`;
    const unsound = await post(
      path,
      agency,
      { part_1_max: '25', part_1_weight: '0.7', part_2_max: '20', part_2_weight: '1', rule: 'truncate' },
      path.replace('/parts', ''),
    );
    expect(unsound.status).toBe(400);
    const page = await unsound.text();
    expect(page).toContain('1. daļa: 25 × 0.7 = 17.5 nav vesels skaitlis');
    expect(page).toContain('href="#part-1-weight"');
    expect((await findExam(db(), 'MATVL', 2025))!.parts).toEqual([]);

    const bad = await post(path, agency, { part_1_max: 'abc', part_1_weight: '1' }, path.replace('/parts', ''));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('1. daļa: ievadiet maksimālos punktus');

    const sound = await post(
      path,
      agency,
      { part_1_max: '40', part_1_weight: '1', part_2_max: '20', part_2_weight: '1', part_2_name_en: 'Problems', rule: 'exact' },
      path.replace('/parts', ''),
    );
    expect(sound.status).toBe(303);
    const exam = (await findExam(db(), 'MATVL', 2025))!;
    expect(exam.parts.map((p) => [p.max_points, p.name_en])).toEqual([
      [40, null],
      [20, 'Problems'],
    ]);
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'exam.define-parts').execute();
    expect(audit.at(-1)).toMatchObject({ channel: 'agency', subject: `exam:${seeded.examId}` });
  });

  it('copies a catalogue into the next school year, parts defined by staff included', async () => {
    const response = await post('/staff/agency/exams/copy', agency, { year: '2026' }, '/staff/agency/exams?year=2025');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/staff/agency/exams?year=2026&done=copied');
    const copied = (await findExam(db(), 'MATVL', 2026))!;
    expect(copied.school_year).toBe(2026);
    expect(copied.parts.map((p) => p.max_points)).toEqual([40, 20]);
    const page = await (await get('/staff/agency/exams?year=2026&done=copied', agency)).text();
    expect(page).toContain('MATVL');
    expect(page).toContain('Katalogs šim mācību gadam ir izveidots');
  });

  it('asks before moving a release moment that has passed, saying what it affects', async () => {
    // 2025/2026: the secondary moment (3 July 2026) has passed at `now` (10 July 2026).
    const form = { year: '2025', basic: '2026-06-26T09:00', secondary: '2026-07-20T09:00' };
    const asked = await post('/staff/agency/exams/release', agency, form, '/staff/agency/exams?year=2025');
    expect(asked.status).toBe(409);
    const page = await asked.text();
    expect(page).toContain('Šis publiskošanas brīdis jau ir pagājis');
    expect(page).toContain('Vispārējās vidējās izglītības rezultāti redzami kopš 03.07.2026');
    expect(page).toContain('name="confirm" value="yes"');
    const year = () => db().selectFrom('school_years').selectAll().where('start_year', '=', 2025).executeTakeFirstOrThrow();
    expect((await year()).secondary_results_at).toBe('2026-07-03T06:00:00.000Z');

    const confirmed = await post('/staff/agency/exams/release', agency, { ...form, confirm: 'yes' }, '/staff/agency/exams?year=2025');
    expect(confirmed.status).toBe(303);
    expect((await year()).secondary_results_at).toBe('2026-07-20T06:00:00.000Z');

    // A moment still ahead moves without asking.
    const ahead = await post('/staff/agency/exams/release', agency, { ...form, secondary: '2026-07-21T09:00' }, '/staff/agency/exams?year=2025');
    expect(ahead.status).toBe(303);
  });

  it('previews a file with errors row by row and saves nothing; saves the corrected file whole; keeps the history', async () => {
    const [a, b, c] = seeded.candidateCodes as [string, string, string];
    const before = await db().selectFrom('sittings').selectAll().execute();
    const wrong = await upload(
      agency,
      seeded.sessionId,
      'scores.csv',
      ['candidate_code,took_part,part_1,part_2', `${a},yes,41,10`, `${b},maybe,1,1`, `${c},yes,30,20`].join('\n'),
    );
    expect(wrong.status).toBe(303);
    const previewPath = wrong.headers.get('location')!;
    expect(previewPath).toMatch(/^\/staff\/agency\/scores\/preview\/\d+$/);
    const preview = await (await get(previewPath, agency)).text();
    expect(preview).toContain('Datni nevar saglabāt: problēmas — 2');
    expect(preview).toMatch(/<tr><td>2<\/td><td>part_1<\/td><td>1\. daļā 41 ir ārpus/);
    expect(preview).toMatch(/<tr><td>3<\/td><td>took_part<\/td><td>„maybe“/);
    expect(preview).not.toContain('/save"');
    // Sorted by reason, and downloadable.
    const byReason = await (await get(`${previewPath}?sort=reason`, agency)).text();
    expect(byReason.indexOf('„maybe“')).toBeLessThan(byReason.indexOf('41 ir ārpus'));
    const csv = await (await get(`${previewPath}/problems.csv`, agency)).text();
    expect(csv).toContain('Rinda,Kolonna,Problēma');
    expect(csv).toContain('2,part_1,1. daļā 41 ir ārpus');
    expect(await db().selectFrom('sittings').selectAll().execute()).toEqual(before);

    const right = await upload(
      agency,
      seeded.sessionId,
      'scores.csv',
      ['candidate_code,took_part,part_1,part_2', `${a},yes,40,10`, `${b},yes,1,1`, `${c},yes,30,20`].join('\n'),
    );
    const rightPath = right.headers.get('location')!;
    const ok = await (await get(rightPath, agency)).text();
    expect(ok).toMatch(/<dt>Jauni<\/dt><dd>3<\/dd>/);
    expect(await db().selectFrom('sittings').selectAll().execute()).toEqual(before);
    // The preview is the uploader's own.
    const other = await staff.cookieFor(await agencyUser(db(), validPersonalCode(910_003)));
    expect((await get(rightPath, other)).status).toBe(404);

    const saved = await post(`${rightPath}/save`, agency, {}, rightPath);
    expect(saved.status).toBe(303);
    expect(
      await db()
        .selectFrom('sittings')
        .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
        .where('registrations.session_id', '=', seeded.sessionId)
        .select('sittings.id')
        .execute(),
    ).toHaveLength(3);
    // Saved once: a second "Save" of the same preview is refused and changes nothing.
    const again = await post(`${rightPath}/save`, agency, {}, '/staff/reports');
    expect(again.status).toBe(410);

    const history = await db()
      .selectFrom('score_uploads')
      .selectAll()
      .where('session_id', '=', seeded.sessionId)
      .where('file_name', '=', 'scores.csv')
      .orderBy('id')
      .execute();
    expect(history.map((h) => [h.status, h.rows_new, h.content === null])).toEqual([
      ['refused', 0, true],
      ['saved', 3, true],
    ]);
    expect(history[1]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const page = await (await get(saved.headers.get('location')!, agency)).text();
    expect(page).toContain('Saglabāta: jauni 3, mainīti 0, nemainīti 0');
    expect(page).toContain(history[1]!.sha256);
  });

  it('asks before redefining the parts of an exam with scores, saying what it affects, and refuses parts the scores do not fit', async () => {
    const path = `/staff/agency/exams/${seeded.examId}/parts`;
    const form = { part_1_max: '40', part_1_weight: '1', part_2_max: '25', part_2_weight: '1', rule: 'exact' };
    const asked = await post(path, agency, form, path.replace('/parts', ''));
    expect(asked.status).toBe(409);
    const page = await asked.text();
    expect(page).toContain('Punkti ir 3 kārtotājiem 1 norisēs');
    expect(page).toContain('name="confirm" value="yes"');
    expect((await findExam(db(), 'MATVL', 2025))!.parts.map((p) => p.max_points)).toEqual([40, 20]);
    // One part fewer: the stored points would lose their meaning, confirmed or not.
    const misfit = await post(path, agency, { part_1_max: '60', part_1_weight: '1', rule: 'exact', confirm: 'yes' }, path.replace('/parts', ''));
    expect(misfit.status).toBe(409);
    expect(await misfit.text()).toContain('Daļas nevar mainīt');
    const confirmed = await post(path, agency, { ...form, confirm: 'yes' }, path.replace('/parts', ''));
    expect(confirmed.status).toBe(303);
    expect((await findExam(db(), 'MATVL', 2025))!.parts.map((p) => p.max_points)).toEqual([40, 25]);
  });

  it('sends a file over the upload limit back to the form with the limit, and keeps nothing', async () => {
    const body = new FormData();
    body.set('_csrf', await csrfOf(agency, '/staff/reports'));
    body.set('session', String(seeded.sessionId));
    body.set('file', new File([new Uint8Array(SCORE_UPLOAD_BYTES + 1)], 'big.csv', { type: 'text/csv' }));
    const before = await db().selectFrom('score_uploads').select('id').execute();
    const response = await staff.app.request('/staff/agency/scores/upload', { method: 'POST', headers: { cookie: agency }, body });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/staff/agency/scores?problem=too-large');
    const page = await get(response.headers.get('location')!, agency);
    expect(page.status).toBe(413);
    expect(await page.text()).toContain('Datne ir par lielu: atļauts ne vairāk kā 10 MB');
    expect(await db().selectFrom('score_uploads').select('id').execute()).toEqual(before);
    // A file the command line imports is in the same history.
    const [a] = seeded.candidateCodes as [string];
    await importScores(
      db(),
      seeded.sessionId,
      { bytes: new TextEncoder().encode(`candidate_code,took_part,part_1,part_2\n${a},yes,40,10`), name: 'cli.csv' },
      'cli:operator',
    );
    expect(await db().selectFrom('score_uploads').select(['actor', 'status', 'rows_unchanged']).where('file_name', '=', 'cli.csv').execute()).toEqual([
      { actor: 'cli:operator', status: 'saved', rows_unchanged: 1 },
    ]);
  });

  describe('issuance', () => {
    let sealing: TestSealing;
    beforeAll(async () => {
      sealing = await startTestSealing(1);
    }, 120_000);
    afterAll(async () => sealing?.close());

    it('queues issuance and runs it to 100 % with every certificate sealed once', async () => {
      const queued = await post('/staff/agency/issuance/issue', agency, { session: String(seeded.sessionId) }, '/staff/reports');
      expect(queued.status).toBe(303);
      expect(notified).toBeGreaterThan(0);
      // Asking again while it waits queues nothing more.
      await post('/staff/agency/issuance/issue', agency, { session: String(seeded.sessionId) }, '/staff/reports');
      expect(await db().selectFrom('issuance_jobs').select('id').execute()).toHaveLength(1);
      const waiting = await (await get(`/staff/agency/issuance?session=${seeded.sessionId}`, agency)).text();
      expect(waiting).toContain('hx-trigger="every 2s"');
      expect(waiting).toContain('Atjaunot gaitu');

      const runner = new IssuanceRunner({
        db: db(),
        seal: (facts) => sealing.pool.seal(facts),
        sealConcurrency: 1,
        settings: { leaseMs: 30_000, maxAttempts: 3 },
        log: createLogger('silent'),
        pollMs: 50,
      });
      runner.start();
      try {
        await until(async () => (await db().selectFrom('issuance_jobs').select('status').executeTakeFirstOrThrow()).status === 'done', {
          timeoutMs: 120_000,
          what: 'issuance done',
        });
      } finally {
        await runner.stop();
      }
      const panel = await (await get(`/staff/agency/issuance/progress?session=${seeded.sessionId}`, agency)).text();
      expect(panel).toContain('value="100"');
      expect(panel).toMatch(/id="count-issued">3</);
      expect(panel).toMatch(/id="count-sealed">3</);
      expect(panel).toMatch(/id="count-failed">0</);
      expect(panel).not.toContain('hx-trigger');
      const documents = await db()
        .selectFrom('certificate_documents')
        .innerJoin('certificates', 'certificates.id', 'certificate_documents.certificate_id')
        .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
        .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
        .where('registrations.session_id', '=', seeded.sessionId)
        .select(['certificate_documents.certificate_id', 'certificate_documents.version'])
        .execute();
      expect(documents).toHaveLength(3);
      expect(new Set(documents.map((d) => d.certificate_id)).size).toBe(3);
    }, 180_000);
  });
});
