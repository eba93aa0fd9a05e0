/**
 * "Organisation > Exam sessions" through HTTP with real staff sessions: the session list and its counts, the
 * candidates table (filters, sorting, pages, print view, personal-code reveal), the streamed certificate ZIP, and
 * the wall between schools: school A gets 404 for anything of school B, and sees none of B's candidates.
 */
import { createHash, randomBytes } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { installCatalogue } from '../../src/data/catalogue.js';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { listCandidates } from '../../src/data/candidates.js';
import { examSessionsWithCounts } from '../../src/data/exam-sessions.js';
import { importScores } from '../../src/data/scores.js';
import { storedDocument } from '../../src/data/certificate-documents.js';
import { sealPendingCertificates } from '../../src/data/sealing.js';
import { formatPersonalCode, maskPersonalCode, oldFormCode } from '../../src/domain/personal-code.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { agencyUser, createStaffApp, schoolUser, type StaffApp } from '../support/staff.js';

let sealing: TestSealing;

beforeAll(async () => {
  sealing = await startTestSealing(1);
});

afterAll(async () => sealing.close());

const AFTER_RELEASE = new Date('2026-07-10T10:00:00Z');
const BEFORE_RELEASE = new Date('2026-07-01T10:00:00Z'); // secondary results open 3 July 2026 09:00

/** The table body's rows as lists of cell texts (the reveal form left out). */
function tableRows(page: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '';
  const text = (cell: string) =>
    cell
      .replace(/<form[\s\S]*?<\/form>/g, '')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((cell) => text(cell[1]!)));
}

/** The counts of one session's row in the sessions table. */
function sessionCounts(page: string, sessionId: number): number[] | undefined {
  const row = [...page.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].find((r) => r[1]!.includes(`/staff/sessions/${sessionId}/candidates`));
  return row ? [...row[1]!.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1])) : undefined;
}

const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });

async function sessionIdOf(db: Kysely<Database>, examCode: string, year: number, term: 'main' | 'additional') {
  const row = await db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .select('exam_sessions.id')
    .where('exams.code', '=', examCode)
    .where('exams.school_year', '=', year)
    .where('exam_sessions.term', '=', term)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function candidateOf(db: Kysely<Database>, code: string) {
  return db.selectFrom('candidates').select(['id', 'person_id', 'institution_id']).where('code', '=', code).executeTakeFirstOrThrow();
}

async function register(db: Kysely<Database>, sessionId: number, candidateId: number) {
  const row = await db
    .insertInto('registrations')
    .values({ session_id: sessionId, candidate_id: candidateId, applied_at: '2025-12-01T10:00:00.000Z' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A school with `count` LAT09 candidates, each with an issued certificate and a stored (synthetic) document. */
async function largeSchool(db: Kysely<Database>, count: number) {
  const sessionId = await sessionIdOf(db, 'LAT09', 2025, 'main');
  const institution = await db
    .insertInto('institutions')
    .values({ registration_number: '4000099999', name: 'Lielā pamatskola', municipality: 'Rīga' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    // Born in 2007 (seedSession uses 2008), so no personal code is shared with another school's candidates;
    // each candidate has a birthday of their own.
    let personalCode: string | undefined;
    for (let serial = 0; !personalCode; serial++) personalCode = oldFormCode({ year: 2007, month: 1 + (i % 12), day: 1 + (Math.floor(i / 12) % 28) }, serial);
    const person = await db
      .insertInto('persons')
      .values({ personal_code: personalCode, first_name: 'Anna', last_name: `Kalna-${String(i).padStart(3, '0')}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    const code = `8${String(institution.id).padStart(4, '0')}${String(i).padStart(7, '0')}`;
    const candidate = await db
      .insertInto('candidates')
      .values({ code, person_id: person.id, school_year: 2025, institution_id: institution.id, class_name: '9.a' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await register(db, sessionId, candidate.id);
    codes.push(code);
  }
  await importScores(
    db,
    sessionId,
    csv(
      'candidate_code,took_part,part_1,part_2,part_3',
      codes.map((c) => `${c},yes,40,20,10`),
    ),
    't',
  );
  await issueCertificates(db, sessionId, { actor: 't', issuedOn: '2026-06-17' });
  const certificates = await db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .where('candidates.institution_id', '=', institution.id)
    .select(['certificates.id', 'certificates.number'])
    .execute();
  const documents = new Map<string, Uint8Array>();
  for (const c of certificates) documents.set(c.number, new Uint8Array(randomBytes(20_000)));
  for (let i = 0; i < certificates.length; i += 60) {
    await db
      .insertInto('certificate_documents')
      .values(
        certificates.slice(i, i + 60).map((c) => {
          const edoc = documents.get(c.number)!;
          return {
            certificate_id: c.id,
            version: 1,
            reason: 'sealed' as const,
            edoc,
            sha256: createHash('sha256').update(edoc).digest('hex'),
            created_at: '2026-06-17T10:00:00.000Z',
          };
        }),
      )
      .execute();
  }
  return { sessionId, institutionId: institution.id, documents };
}

describe.each(DATABASE_KINDS)('exam sessions for staff on %s', (kind) => {
  let test: TestDatabase;
  let a: SeededSession;
  let b: SeededSession;
  let large: Awaited<ReturnType<typeof largeSchool>>;
  let additionalSessionId: number;
  let bOnlySessionId: number;
  let bOnlyRegistrationId: number;
  let staff: StaffApp;
  let userA: number;
  let cookieA: string;
  let cookieAgency: string;
  let cookieLarge: string;
  const db = () => test.handle.db;
  const number = (candidateCode: string) => `2026/${candidateCode}-ANGAL`;
  const get = (path: string, cookie: string, headers: Record<string, string> = {}) => staff.app.request(path, { headers: { cookie, ...headers } });
  const page = async (path: string, cookie: string) => {
    const res = await get(path, cookie);
    expect(res.status, path).toBe(200);
    return res.text();
  };
  const registrationOf = async (candidateCode: string, sessionId = a.sessionId) =>
    (
      await db()
        .selectFrom('registrations')
        .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
        .select('registrations.id')
        .where('candidates.code', '=', candidateCode)
        .where('registrations.session_id', '=', sessionId)
        .executeTakeFirstOrThrow()
    ).id;
  const csrfOf = async (cookie: string) => /name="_csrf" value="([^"]+)"/.exec(await page('/staff/sessions', cookie))![1]!;
  const reveal = (path: string, cookie: string, options: { csrf?: string; htmx?: boolean } = {}) =>
    staff.app.request(path, {
      method: 'POST',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        ...(options.htmx && options.csrf ? { 'HX-Request': 'true', 'X-CSRF-Token': options.csrf } : {}),
      },
      body: new URLSearchParams(options.csrf && !options.htmx ? { _csrf: options.csrf } : {}).toString(),
    });
  const auditRows = (action: string, actor?: string) => {
    let query = db().selectFrom('audit_log').select(['actor', 'action', 'subject', 'channel', 'details']).where('action', '=', action);
    if (actor) query = query.where('actor', '=', actor);
    return query.orderBy('id').execute();
  };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    // School A: six ANGAL candidates (two exempted, one of them by an international certificate); school B: three.
    a = await seedSession(db(), { examCode: 'ANGAL', candidates: 6, exempted: [4, 5] });
    b = await seedSession(db(), { examCode: 'ANGAL', candidates: 3 });
    const names = [
      ['Anna', 'Ozola', '12.b'],
      ['Dace', 'Berzina', '12.a'],
      ['Ilze', 'Kalnina', '12.c'],
      ['Maija', 'Liepa', '12.a'],
      ['Rita', 'Egle', '12.b'],
      ['Vita', 'Zarina', '12.a'],
    ] as const;
    for (const [i, [first, last, className]] of names.entries()) {
      const candidate = await candidateOf(db(), a.candidateCodes[i]!);
      await db().updateTable('persons').set({ first_name: first, last_name: last }).where('id', '=', candidate.person_id).execute();
      await db().updateTable('candidates').set({ class_name: className }).where('id', '=', candidate.id).execute();
    }
    const international = await candidateOf(db(), a.candidateCodes[5]!);
    await db().updateTable('registrations').set({ international_certificate: 'IELTS Academic' }).where('candidate_id', '=', international.id).execute();

    const points = 'candidate_code,took_part,part_1,part_2,part_3,part_4';
    await importScores(
      db(),
      a.sessionId,
      csv(points, [
        `${a.candidateCodes[0]},yes,20,20,15,20`,
        `${a.candidateCodes[1]},yes,10,10,10,10`,
        `${a.candidateCodes[2]},no,,,,`,
        `${a.candidateCodes[3]},partly,5,5,0,0`,
      ]),
      't',
    );
    await importScores(
      db(),
      b.sessionId,
      csv(
        points,
        b.candidateCodes.map((c) => `${c},yes,12,12,12,12`),
      ),
      't',
    );
    await issueCertificates(db(), a.sessionId, { actor: 't', issuedOn: '2026-06-30' });
    await annulCertificate(db(), number(a.candidateCodes[1]!), 'Kļūda vērtējumā', { actor: 't', now: new Date('2026-07-08T09:00:00Z') });
    const first = await candidateOf(db(), a.candidateCodes[0]!);
    await db()
      .updateTable('sittings')
      .set({ support: 1, work_ref: 'W-00000001' })
      .where('registration_id', '=', await registrationOf(a.candidateCodes[0]!))
      .execute();

    // A's absent candidate sits the additional term; A's first candidate also sat an exam the year before.
    additionalSessionId = await sessionIdOf(db(), 'ANGAL', 2025, 'additional');
    await register(db(), additionalSessionId, (await candidateOf(db(), a.candidateCodes[2]!)).id);
    await installCatalogue(db(), 2024);
    const earlier = await db()
      .insertInto('candidates')
      .values({ code: `7${a.candidateCodes[0]!.slice(1)}`, person_id: first.person_id, school_year: 2024, institution_id: a.institutionId, class_name: '11.b' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await register(db(), await sessionIdOf(db(), 'LAT09', 2024, 'main'), earlier.id);

    // A session in which only school B has candidates.
    bOnlySessionId = await sessionIdOf(db(), 'FIZAL', 2025, 'main');
    for (const code of b.candidateCodes) bOnlyRegistrationId = await register(db(), bOnlySessionId, (await candidateOf(db(), code)).id);

    // Seal A's first certificate now; the other is sealed on demand by the download.
    const firstCertificate = await db().selectFrom('certificates').select('id').where('number', '=', number(a.candidateCodes[0]!)).executeTakeFirstOrThrow();
    await sealPendingCertificates(db(), (facts) => sealing.pool.seal(facts), { certificateIds: [firstCertificate.id], actor: 't' });

    large = await largeSchool(db(), 240);
    staff = createStaffApp(db(), { seal: (facts) => sealing.pool.seal(facts), clock: () => AFTER_RELEASE });
    userA = await schoolUser(db(), a.institutionId, 'school-a');
    cookieA = await staff.cookieFor(userA);
    cookieAgency = await staff.cookieFor(await agencyUser(db(), 'agency'));
    cookieLarge = await staff.cookieFor(await schoolUser(db(), large.institutionId, 'school-large'));
  });
  afterAll(async () => test.close());

  describe('the session list', () => {
    it('lists the school’s sessions of the newest year with counts, and no institution selector', async () => {
      const html = await page('/staff/sessions', cookieA);
      expect(html).toContain('<h1>Pārbaudījumu norises</h1>');
      expect(html).toContain('<option value="2025" selected>2025./2026. m.g.</option>');
      expect(html).toContain('<option value="2024">2024./2025. m.g.</option>');
      expect(html).not.toContain('name="institution"');
      // registered, took part, certificates issued, annulled
      expect(sessionCounts(html, a.sessionId)).toEqual([6, 3, 2, 1]);
      expect(sessionCounts(html, additionalSessionId)).toEqual([1, 0, 0, 0]);
      expect(html).toContain('Centralizētais eksāmens angļu valodā (augstākais līmenis) 2025./2026. m.g.');
      expect(html).toContain('Papildtermiņš');
      expect(sessionCounts(html, bOnlySessionId)).toBeUndefined();
      expect(sessionCounts(html, large.sessionId)).toBeUndefined();
    });

    it('shows another year when chosen, and speaks English', async () => {
      const earlier = await page('/staff/sessions?year=2024', cookieA);
      expect(sessionCounts(earlier, await sessionIdOf(db(), 'LAT09', 2024, 'main'))).toEqual([1, 0, 0, 0]);
      expect(sessionCounts(earlier, a.sessionId)).toBeUndefined();
      const en = await page('/staff/sessions?lang=en', cookieA);
      expect(en).toContain('<h1>Exam sessions</h1>');
      expect(en).toContain('Main term');
      expect(en).toContain('Certificates issued');
    });

    it('gives agency staff every institution by default, and one when chosen', async () => {
      const all = await page('/staff/sessions', cookieAgency);
      expect(all).toContain('name="school"');
      expect(sessionCounts(all, a.sessionId)).toEqual([9, 6, 5, 1]);
      expect(sessionCounts(all, bOnlySessionId)).toEqual([3, 0, 0, 0]);
      expect(sessionCounts(all, large.sessionId)).toEqual([240, 240, 240, 0]);
      const onlyB = await page(`/staff/sessions?institution=${b.institutionId}`, cookieAgency);
      const bName = await db().selectFrom('institutions').select(['name', 'registration_number']).where('id', '=', b.institutionId).executeTakeFirstOrThrow();
      expect(onlyB).toContain(`value="${bName.name} (${bName.registration_number})"`);
      expect(sessionCounts(onlyB, a.sessionId)).toEqual([3, 3, 3, 0]);
      expect(sessionCounts(onlyB, bOnlySessionId)).toEqual([3, 0, 0, 0]);
      expect(sessionCounts(onlyB, large.sessionId)).toBeUndefined();
    });
  });

  describe('the candidates of a session', () => {
    const path = () => `/staff/sessions/${a.sessionId}/candidates`;

    it('shows the seed’s columns with masked personal codes, a mark for yes and nothing for no', async () => {
      const html = await page(path(), cookieA);
      expect(html).toContain('<h1>Kārtotāji</h1>');
      for (const heading of [
        'Personas kods',
        'Vārds',
        'Uzvārds',
        'Klase/kurss',
        'Kārtotāja kods',
        'Atbrīvots',
        'Piedalījās',
        'Papildtermiņš',
        'Atbalsts',
        'Anulēts',
        'Darbs',
        'Starpt. sert.',
      ]) {
        expect(html).toContain(heading);
      }
      const rows = tableRows(html);
      expect(rows).toHaveLength(6);
      const byCode = new Map(rows.map((r) => [r[5], r]));
      const cells = (i: number) => byCode.get(a.candidateCodes[i])!;
      expect(cells(0)).toEqual(['5', maskPersonalCode(a.personalCodes[0]!), 'Anna', 'Ozola', '12.b', a.candidateCodes[0], '', '✓jā', '', '✓jā', '', '✓jā', '']);
      expect(html).not.toContain('× nē');
      expect(cells(1).slice(6)).toEqual(['', '✓jā', '', '', '✓jā', '', '']); // certificate annulled
      expect(cells(2).slice(6, 9)).toEqual(['', 'nepiedalījās', '✓jā']); // absent, registered for the additional term
      expect(cells(3)[7]).toBe('daļēji');
      expect(cells(4).slice(6, 8)).toEqual(['✓jā', '']);
      expect(cells(5)[12]).toBe('IELTS Academic');
      // No full personal code leaves the server unasked.
      for (const code of a.personalCodes) {
        expect(html).not.toContain(code);
        expect(html).not.toContain(formatPersonalCode(code));
      }
      expect(html).toContain('<th scope="col" aria-sort="ascending">');
      expect(html).toContain('<caption id="candidates-caption">');
      expect(html).toContain('1–6 no 6');
      expect(html).toContain(`href="/staff/sessions/${a.sessionId}/certificates.zip"`);
      expect(html).toContain('Lejupielādēt sertifikātus');
      const en = await page(`${path()}?lang=en`, cookieA);
      expect(en).toContain('<h1>Candidates</h1>');
      expect(tableRows(en).find((r) => r[5] === a.candidateCodes[3])![7]).toBe('partly');
      expect(en).toContain('Download certificates');
    });

    it('filters as the seed’s buttons do, as links with counts', async () => {
      // "Applied" counts registrations made through an application: the seeded candidates applied.
      for (const [i, code] of a.candidateCodes.entries()) {
        const candidate = await db().selectFrom('candidates').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
        await db()
          .insertInto('applications')
          .values({
            person_id: candidate.person_id,
            school_year: candidate.school_year,
            institution_id: candidate.institution_id,
            candidate_id: candidate.id,
            exam_group: 'secondary',
            status: 'submitted',
            submitted_at: '2025-12-06T10:00:00.000Z',
            changed_at: '2025-12-06T10:00:00.000Z',
            idempotency_key: `filters-${i}`,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const html = await page(path(), cookieA);
      expect(html).toMatch(/aria-current="page">Reģistrētie <span class="count">\(6\)<\/span>/);
      expect(html).toContain('Pieteiktie <span class="count">(4)</span>');
      expect(html).toContain('Atbrīvotie <span class="count">(2)</span>');
      expect(html).toContain('Ar starptautisko sertifikātu <span class="count">(1)</span>');
      const codes = async (filter: string) =>
        tableRows(await page(`${path()}?filter=${filter}`, cookieA))
          .map((r) => r[5])
          .sort();
      expect(await codes('applied')).toEqual(a.candidateCodes.slice(0, 4).sort());
      expect(await codes('exempted')).toEqual(a.candidateCodes.slice(4, 6).sort());
      expect(await codes('international')).toEqual([a.candidateCodes[5]]);
      expect(await page(`${path()}?filter=international`, cookieA)).toMatch(/aria-current="page">Ar starptautisko sertifikātu/);
    });

    it('sorts by whitelisted columns, both ways, and says so with aria-sort', async () => {
      const lastNames = async (query: string) => tableRows(await page(`${path()}${query}`, cookieA)).map((r) => r[3]);
      expect(await lastNames('')).toEqual(['Berzina', 'Egle', 'Kalnina', 'Liepa', 'Ozola', 'Zarina']);
      expect(await lastNames('?sort=lastName&dir=desc')).toEqual(['Zarina', 'Ozola', 'Liepa', 'Kalnina', 'Egle', 'Berzina']);
      expect(await lastNames('?sort=firstName&dir=desc')).toEqual(['Zarina', 'Egle', 'Liepa', 'Kalnina', 'Berzina', 'Ozola']);
      // Class, then last name within a class.
      expect(await lastNames('?sort=className')).toEqual(['Berzina', 'Liepa', 'Zarina', 'Egle', 'Ozola', 'Kalnina']);
      expect(tableRows(await page(`${path()}?sort=candidateCode`, cookieA)).map((r) => r[5])).toEqual([...a.candidateCodes].sort());
      // Took part: yes, partly, no, then nothing recorded (the same on both databases, which order nulls differently).
      expect(await lastNames('?sort=tookPart&dir=desc')).toEqual(['Berzina', 'Ozola', 'Liepa', 'Kalnina', 'Egle', 'Zarina']);
      const masked = tableRows(await page(`${path()}?sort=personalCode`, cookieA)).map((r) => r[1]);
      expect(masked).toEqual([...masked].sort());
      const desc = await page(`${path()}?sort=firstName&dir=desc`, cookieA);
      expect(desc).toMatch(/<th scope="col" aria-sort="descending"><a href="[^"]*sort=firstName&amp;dir=asc">Vārds/);
      // Anything else is the default order, not an error (and never reaches the SQL).
      expect(await lastNames('?sort=persons.personal_code;drop&dir=sideways')).toEqual(['Berzina', 'Egle', 'Kalnina', 'Liepa', 'Ozola', 'Zarina']);
    });

    it('pages 50 at a time, numbering on, and clamps a page past the end', async () => {
      const p = `/staff/sessions/${large.sessionId}/candidates`;
      const first = await page(p, cookieLarge);
      expect(first).toContain('1–50 no 240');
      expect(tableRows(first)).toHaveLength(50);
      expect(first).toContain(`href="${p}?page=2" rel="next"`);
      const last = await page(`${p}?page=5`, cookieLarge);
      expect(last).toContain('201–240 no 240');
      const rows = tableRows(last);
      expect(rows).toHaveLength(40);
      expect(rows[0]![0]).toBe('201');
      expect(rows[0]![3]).toBe('Kalna-200');
      expect(rows.at(-1)![3]).toBe('Kalna-239');
      expect(last).toMatch(/aria-current="page">5</);
      expect(await page(`${p}?page=99`, cookieLarge)).toContain('201–240 no 240');
    });

    it('prints every row of the filter on a page without navigation', async () => {
      const html = await page(`/staff/sessions/${large.sessionId}/candidates?print=1`, cookieLarge);
      expect(html).toContain('class="print-view"');
      expect(html).not.toContain('<header class="site">');
      expect(html).not.toContain('class="pagination"');
      expect(html).not.toContain('/reveal');
      expect(tableRows(html)).toHaveLength(240);
      const screen = await page(`/staff/sessions/${a.sessionId}/candidates?filter=exempted`, cookieA);
      expect(screen).toContain(`href="/staff/sessions/${a.sessionId}/candidates?filter=exempted&amp;print=1">Drukāt</a>`);
      expect(tableRows(await page(`/staff/sessions/${a.sessionId}/candidates?filter=exempted&print=1`, cookieA))).toHaveLength(2);
    });
  });

  describe('revealing a personal code', () => {
    it('refuses without the CSRF token (403) and logs nothing', async () => {
      const registration = await registrationOf(a.candidateCodes[0]!);
      const res = await reveal(`/staff/sessions/${a.sessionId}/candidates/${registration}/reveal`, cookieA);
      expect(res.status).toBe(403);
      expect(await auditRows('personal-code.reveal')).toHaveLength(0);
    });

    it('shows the one code in the page without JavaScript, and logs who saw whose', async () => {
      const registration = await registrationOf(a.candidateCodes[0]!);
      const html = await page(`/staff/sessions/${a.sessionId}/candidates?sort=firstName`, cookieA);
      const action = `/staff/sessions/${a.sessionId}/candidates/${registration}/reveal?sort=firstName&amp;dir=asc`;
      expect(html).toContain(`action="${action}"`);
      expect(html).toContain(`hx-post="${action}" hx-target="#pc-${registration}"`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
      expect(html).toContain(`hx-headers="{&quot;X-CSRF-Token&quot;:&quot;${csrf}&quot;}"`);

      const res = await reveal(action.replace('&amp;', '&'), cookieA, { csrf });
      expect(res.status).toBe(200);
      const shown = await res.text();
      expect(shown).toContain(formatPersonalCode(a.personalCodes[0]!));
      for (const code of a.personalCodes.slice(1)) expect(shown).not.toContain(formatPersonalCode(code));
      expect(tableRows(shown).map((r) => r[2])).toEqual(['Anna', 'Dace', 'Ilze', 'Maija', 'Rita', 'Vita']); // the order asked for stays
      const person = (await candidateOf(db(), a.candidateCodes[0]!)).person_id;
      expect(await auditRows('personal-code.reveal')).toEqual([
        expect.objectContaining({ actor: `user:${userA}`, subject: `person:${person}`, channel: 'school' }),
      ]);
    });

    it('answers htmx with just the cell’s content, the token coming as a header', async () => {
      const registration = await registrationOf(a.candidateCodes[3]!);
      const res = await reveal(`/staff/sessions/${a.sessionId}/candidates/${registration}/reveal`, cookieA, { csrf: await csrfOf(cookieA), htmx: true });
      expect(res.status).toBe(200);
      const fragment = await res.text();
      expect(fragment).toBe(`<span class="code revealed">${formatPersonalCode(a.personalCodes[3]!)}</span>`);
      expect(await auditRows('personal-code.reveal', `user:${userA}`)).toHaveLength(2);
    });

    it('answers 404 for another school’s registration, in a shared session or not', async () => {
      const csrf = await csrfOf(cookieA);
      const before = (await auditRows('personal-code.reveal')).length;
      const bInShared = await registrationOf(b.candidateCodes[0]!);
      expect((await reveal(`/staff/sessions/${a.sessionId}/candidates/${bInShared}/reveal`, cookieA, { csrf })).status).toBe(404);
      expect((await reveal(`/staff/sessions/${bOnlySessionId}/candidates/${bOnlyRegistrationId}/reveal`, cookieA, { csrf })).status).toBe(404);
      expect((await reveal(`/staff/sessions/${a.sessionId}/candidates/${bInShared}/reveal?institution=${b.institutionId}`, cookieA, { csrf })).status).toBe(
        404,
      );
      expect((await reveal(`/staff/sessions/${a.sessionId}/candidates/999999/reveal`, cookieA, { csrf })).status).toBe(404);
      expect(await auditRows('personal-code.reveal')).toHaveLength(before);
    });
  });

  describe('the certificates ZIP', () => {
    it('holds exactly the issued, valid certificates of the school, byte for byte, and lists the annulled ones', async () => {
      const res = await get(`/staff/sessions/${a.sessionId}/certificates.zip`, cookieA);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      const registrationNumber = (
        await db().selectFrom('institutions').select('registration_number').where('id', '=', a.institutionId).executeTakeFirstOrThrow()
      ).registration_number;
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="sertifikati-ANGAL-2025-2026-${registrationNumber}.zip"`);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      const names = [a.candidateCodes[0]!, a.candidateCodes[3]!].map((c) => `2026-${c}-ANGAL.edoc`);
      expect(Object.keys(files).sort()).toEqual([...names, 'anuletie-sertifikati.txt', 'saraksts.csv'].sort());
      for (const code of [a.candidateCodes[0]!, a.candidateCodes[3]!]) {
        const certificate = await db().selectFrom('certificates').select('id').where('number', '=', number(code)).executeTakeFirstOrThrow();
        const stored = await storedDocument(db(), certificate.id);
        expect(stored, 'sealed on demand when it had no document').toBeDefined();
        expect(Buffer.from(files[`2026-${code}-ANGAL.edoc`]!).equals(Buffer.from(stored!.edoc))).toBe(true);
      }
      const report = await verifyEdoc(files[`2026-${a.candidateCodes[3]}-ANGAL.edoc`]!, sealing.setup.trust);
      expect(report.genuine).toBe(true);
      const note = new TextDecoder().decode(files['anuletie-sertifikati.txt']);
      expect(note).toContain(`${number(a.candidateCodes[1]!)} – anulēts 08.07.2026 12:00; iemesls: Kļūda vērtējumā`);
      expect(note).toContain(`${number(a.candidateCodes[1]!)} – annulled on 08.07.2026 12:00; reason: Kļūda vērtējumā`);
      for (const code of b.candidateCodes) expect(Object.keys(files).join()).not.toContain(code);

      expect(await auditRows('certificates.bulk-download', `user:${userA}`)).toEqual([
        {
          actor: `user:${userA}`,
          action: 'certificates.bulk-download',
          subject: `session:${a.sessionId}`,
          channel: 'school',
          details: JSON.stringify({ institution: a.institutionId, count: 2 }),
        },
      ]);
      const downloads = await auditRows('certificate.download', `user:${userA}`);
      expect(downloads.map((d) => d.subject).sort()).toEqual([a.candidateCodes[0]!, a.candidateCodes[3]!].map((c) => `certificate:${number(c)}`).sort());
      expect(downloads.every((d) => d.channel === 'school')).toBe(true);
    });

    it('is a ZIP with just the empty index when the school has no certificates in the session', async () => {
      const res = await get(`/staff/sessions/${additionalSessionId}/certificates.zip`, cookieA);
      expect(res.status).toBe(200);
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      expect(Object.keys(files)).toEqual(['saraksts.csv']);
      expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(files['saraksts.csv'])).toBe(
        '\uFEFFSertifikāta numurs;Uzvārds;Vārds;Eksāmens;Datne arhīvā\r\n',
      );
    });

    it('is streamed: the first bytes leave after one batch is read, and nothing is read ahead of the client', async () => {
      const res = await get(`/staff/sessions/${large.sessionId}/certificates.zip`, cookieLarge);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const downloadsSoFar = async () =>
        (
          await db()
            .selectFrom('audit_log')
            .select('subject')
            .where('action', '=', 'certificate.download')
            .where('subject', 'like', 'certificate:2026/8%')
            .execute()
        ).length;
      const chunks: Uint8Array[] = [];
      const first = await reader.read();
      chunks.push(first.value!);
      expect(await downloadsSoFar()).toBe(50); // one batch of 240
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await downloadsSoFar()).toBe(50); // backpressure: no reading ahead while the client waits
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
      expect(chunks.length).toBeGreaterThan(240);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(100_000); // never the whole archive at once
      const files = unzipSync(Buffer.concat(chunks));
      expect(Object.keys(files)).toHaveLength(241);
      for (const [name, bytes] of large.documents) expect(Buffer.from(files[`${name.replace('/', '-')}.edoc`]!).equals(Buffer.from(bytes))).toBe(true);
      expect(await downloadsSoFar()).toBe(240);
    });

    it('stops reading the database when the client goes away, and says the download was incomplete', async () => {
      const before = (await auditRows('certificate.download')).length;
      const res = await get(`/staff/sessions/${large.sessionId}/certificates.zip`, cookieLarge);
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
      expect((await auditRows('certificate.download')).length - before).toBe(50);
      const bulk = (await auditRows('certificates.bulk-download')).at(-1)!;
      expect(JSON.parse(bulk.details!)).toEqual({ institution: large.institutionId, count: 1, incomplete: true });
    });

    it('waits for the release moment for schools, not for the agency', async () => {
      const early = createStaffApp(db(), { seal: (facts) => sealing.pool.seal(facts), clock: () => BEFORE_RELEASE });
      const schoolCookie = await early.cookieFor(userA);
      const agencyCookie = await early.cookieFor((await db().selectFrom('users').select('id').where('subject', '=', 'agency').executeTakeFirstOrThrow()).id);
      const refused = await early.app.request(`/staff/sessions/${a.sessionId}/certificates.zip`, { headers: { cookie: schoolCookie } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('03.07.2026 09:00');
      const list = await (await early.app.request(`/staff/sessions/${a.sessionId}/candidates`, { headers: { cookie: schoolCookie } })).text();
      expect(list).not.toContain('certificates.zip');
      expect(list).toContain('Sertifikāti būs pieejami lejupielādei no 03.07.2026 09:00');
      const agency = await early.app.request(`/staff/sessions/${a.sessionId}/certificates.zip?institution=${a.institutionId}`, {
        headers: { cookie: agencyCookie },
      });
      expect(agency.status).toBe(200);
      expect(Object.keys(unzipSync(new Uint8Array(await agency.arrayBuffer())))).toHaveLength(4);
    });
  });

  describe('before the release moment', () => {
    const RELEASE = new Date('2026-07-03T06:00:00Z'); // 3 July 2026 09:00 in Riga

    it('shows a school nothing of the certificates, not even counts or an annulment, but annulled work; the agency everything', async () => {
      const early = createStaffApp(db(), { clock: () => BEFORE_RELEASE });
      const schoolCookie = await early.cookieFor(userA);
      const agencyCookie = await early.cookieFor((await db().selectFrom('users').select('id').where('subject', '=', 'agency').executeTakeFirstOrThrow()).id);
      const earlyPage = async (path: string, cookie: string) => {
        const res = await early.app.request(path, { headers: { cookie } });
        expect(res.status, path).toBe(200);
        return res.text();
      };
      // A's absent candidate sat the additional term and had the work annulled there for breaking the rules.
      const sitting = await db()
        .insertInto('sittings')
        .values({
          registration_id: await registrationOf(a.candidateCodes[2]!, additionalSessionId),
          took_part: 'yes',
          work_annulled: 1,
          updated_at: '2026-06-20T10:00:00.000Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      try {
        // Registered and took part, but of the certificates only when they will show.
        const school = await earlyPage('/staff/sessions', schoolCookie);
        expect(sessionCounts(school, a.sessionId)).toEqual([6, 3]);
        expect(school).toContain('redzami no 03.07.2026 09:00');
        expect(sessionCounts(await earlyPage('/staff/sessions', agencyCookie), a.sessionId)).toEqual([9, 6, 5, 1]);
        expect(sessionCounts(await earlyPage(`/staff/sessions?institution=${a.institutionId}`, agencyCookie), a.sessionId)).toEqual([6, 3, 2, 1]);

        // The candidates: the annulled certificate is not shown as annulled to the school, the annulled work is.
        const annulledColumn = (html: string, candidateCode: string) => tableRows(html).find((r) => r[5] === candidateCode)![10];
        for (const query of ['', '?print=1']) {
          const list = await earlyPage(`/staff/sessions/${a.sessionId}/candidates${query}`, schoolCookie);
          expect(annulledColumn(list, a.candidateCodes[1]!)).toBe('');
        }
        expect(annulledColumn(await earlyPage(`/staff/sessions/${a.sessionId}/candidates`, agencyCookie), a.candidateCodes[1]!)).toBe('✓jā');
        expect(annulledColumn(await page(`/staff/sessions/${a.sessionId}/candidates`, cookieA), a.candidateCodes[1]!)).toBe('✓jā');
        expect(annulledColumn(await earlyPage(`/staff/sessions/${additionalSessionId}/candidates`, schoolCookie), a.candidateCodes[2]!)).toBe('✓jā');

        // In the queries themselves, up to the moment and from it.
        const session = await db()
          .selectFrom('exam_sessions')
          .select(['id', 'exam_id as examId', 'term'])
          .where('id', '=', a.sessionId)
          .executeTakeFirstOrThrow();
        // The school at a moment; null: the agency, which sees everything at once.
        const viewing = (asOf: Date | null) => (asOf === null ? { viewer: 'agency' as const, now: new Date() } : { viewer: 'school' as const, now: asOf });
        const counts = async (asOf: Date | null) =>
          (await examSessionsWithCounts(db(), { institutionId: a.institutionId, schoolYear: 2025, ...viewing(asOf) })).find((c) => c.id === a.sessionId);
        const annulledOf = async (asOf: Date | null) =>
          (
            await listCandidates(db(), session, { institutionId: a.institutionId, ...viewing(asOf), filter: 'registered', sort: 'lastName', direction: 'asc' })
          ).rows.find((r) => r.candidateCode === a.candidateCodes[1])!.annulled;
        const justBefore = new Date(RELEASE.getTime() - 1);
        expect(await counts(justBefore)).toMatchObject({ registered: 6, tookPart: 3, issued: null, annulled: null, resultsAt: RELEASE });
        expect(await counts(RELEASE)).toMatchObject({ issued: 2, annulled: 1 });
        expect(await counts(null)).toMatchObject({ issued: 2, annulled: 1 });
        expect(await annulledOf(justBefore)).toBe(false);
        expect(await annulledOf(RELEASE)).toBe(true);
        expect(await annulledOf(null)).toBe(true);
      } finally {
        await db().deleteFrom('sittings').where('id', '=', sitting.id).execute();
      }
    });
  });

  describe('the wall between schools', () => {
    it('gives school A 404 for everything of school B, never 403 and never data', async () => {
      const csrf = await csrfOf(cookieA);
      const paths = [
        `/staff/sessions?institution=${b.institutionId}`,
        `/staff/sessions/${bOnlySessionId}/candidates`,
        `/staff/sessions/${bOnlySessionId}/candidates?print=1`,
        `/staff/sessions/${a.sessionId}/candidates?institution=${b.institutionId}`,
        `/staff/sessions/${a.sessionId}/candidates?institution=${b.institutionId}&print=1`,
        `/staff/sessions/${bOnlySessionId}/certificates.zip`,
        `/staff/sessions/${a.sessionId}/certificates.zip?institution=${b.institutionId}`,
        `/staff/sessions/${large.sessionId}/certificates.zip`,
        `/staff/sessions/999999/candidates`,
        `/staff/sessions/abc/candidates`,
      ];
      for (const path of paths) {
        const res = await get(path, cookieA);
        expect(res.status, path).toBe(404);
        const body = await res.text();
        for (const code of b.candidateCodes) expect(body, path).not.toContain(code);
      }
      expect((await reveal(`/staff/sessions/${bOnlySessionId}/candidates/${bOnlyRegistrationId}/reveal`, cookieA, { csrf })).status).toBe(404);
    });

    it('shows school A none of B’s candidates in a session they share, in any view', async () => {
      const views = await Promise.all(
        ['', '?print=1', '?filter=applied', '?sort=candidateCode&dir=desc'].map((q) => page(`/staff/sessions/${a.sessionId}/candidates${q}`, cookieA)),
      );
      for (const html of views) {
        for (const code of b.candidateCodes) expect(html).not.toContain(code);
        expect(tableRows(html).every((r) => a.candidateCodes.includes(r[5]!))).toBe(true);
      }
    });

    it('lets agency staff see both schools, or pick one', async () => {
      const all = await page(`/staff/sessions/${a.sessionId}/candidates`, cookieAgency);
      expect(
        tableRows(all)
          .map((r) => r[5])
          .sort(),
      ).toEqual([...a.candidateCodes, ...b.candidateCodes].sort());
      expect(all).toContain('name="institution"');
      expect(all).toContain('<th scope="col">Iestāde</th>');
      const onlyB = await page(`/staff/sessions/${a.sessionId}/candidates?institution=${b.institutionId}`, cookieAgency);
      expect(
        tableRows(onlyB)
          .map((r) => r[5])
          .sort(),
      ).toEqual([...b.candidateCodes].sort());
      expect(onlyB).toContain(`href="/staff/sessions/${a.sessionId}/certificates.zip?institution=${b.institutionId}"`);
      const bOnly = await page(`/staff/sessions/${bOnlySessionId}/candidates`, cookieAgency);
      expect(tableRows(bOnly)).toHaveLength(3);
      expect((await get(`/staff/sessions/${a.sessionId}/candidates?institution=999999`, cookieAgency)).status).toBe(404);

      const csrf = await csrfOf(cookieAgency);
      const res = await reveal(`/staff/sessions/${bOnlySessionId}/candidates/${bOnlyRegistrationId}/reveal`, cookieAgency, { csrf, htmx: true });
      expect(res.status).toBe(200);

      const zip = await get(`/staff/sessions/${a.sessionId}/certificates.zip`, cookieAgency);
      const names = Object.keys(unzipSync(new Uint8Array(await zip.arrayBuffer()))).sort();
      expect(names).toEqual(
        [a.candidateCodes[0]!, a.candidateCodes[3]!, ...b.candidateCodes]
          .map((c) => `2026-${c}-ANGAL.edoc`)
          .concat('anuletie-sertifikati.txt', 'saraksts.csv')
          .sort(),
      );
    });

    it('sends visitors who are not signed in to the staff sign-in', async () => {
      const res = await staff.app.request(`/staff/sessions/${a.sessionId}/candidates`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/staff/login?return_to=${encodeURIComponent(`/staff/sessions/${a.sessionId}/candidates`)}`);
      expect((await staff.app.request('/staff/sessions')).status).toBe(302);
      expect((await staff.app.request(`/staff/sessions/${a.sessionId}/certificates.zip`)).status).toBe(302);
    });
  });
});
