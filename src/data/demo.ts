/**
 * Demo data for a newcomer and for load tests: schools, students with Latvian names, their exams across four
 * school years with scores and certificates, and the less common cases (exempted, absent, additional term,
 * international certificate, annulled). The same seed and years always give the same data.
 */
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import type { Database } from '../../db/schema.js';
import { KeyedError } from '../errors.js';
import { buildCertificateNumber } from '../domain/certificate-number.js';
import { oldFormCode } from '../domain/personal-code.js';
import { defaultReleaseMoments, releaseMomentOf } from '../domain/release.js';
import { candidateCode, defaultWindow } from '../domain/applications.js';
import { ensureDefaultWindows, saveApplication, setApplicationStatus, type ApplicationActor } from './applications.js';
import { audit } from './audit.js';
import { installCatalogue } from './catalogue.js';
import { refreshStatistics } from './setup.js';
import { saveStaffUser } from './staff.js';

export interface DemoOptions {
  students: number;
  seed?: number;
  /** The newest school year with results (by its start year); 2025 (2025/26) unless given, so a seed always gives the same data. */
  latestYear?: number;
  schools?: number;
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface DemoSummary {
  schools: number;
  persons: number;
  candidates: number;
  registrations: number;
  sittings: number;
  certificates: number;
  years: number[];
}

export const DEMO_LATEST_YEAR = 2025;

export class DemoError extends KeyedError {}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOWNS = [
  'Rīgas', 'Daugavpils', 'Liepājas', 'Jelgavas', 'Jūrmalas', 'Ventspils', 'Rēzeknes', 'Valmieras', 'Jēkabpils',
  'Ogres', 'Tukuma', 'Cēsu', 'Salaspils', 'Kuldīgas', 'Olaines', 'Saldus', 'Talsu', 'Dobeles', 'Siguldas',
  'Krāslavas', 'Bauskas', 'Madonas', 'Limbažu', 'Preiļu', 'Balvu', 'Gulbenes', 'Alūksnes', 'Smiltenes', 'Ludzas',
  'Aizkraukles', 'Cesvaines', 'Ķeguma', 'Līvānu', 'Viļānu', 'Ērgļu', 'Iecavas', 'Ādažu', 'Mārupes', 'Ķekavas',
];
const SCHOOL_KINDS = ['vidusskola', 'valsts ģimnāzija', 'pamatskola', 'ģimnāzija', 'sākumskola un pamatskola'];
const MALE_FIRST = [
  'Jānis', 'Andris', 'Mārtiņš', 'Kārlis', 'Roberts', 'Ēriks', 'Artūrs', 'Dāvis', 'Gustavs', 'Ričards', 'Oskars',
  'Rihards', 'Emīls', 'Tomass', 'Markuss', 'Kristaps', 'Edgars', 'Niks', 'Aleksandrs', 'Ģirts', 'Raivis',
  'Krišjānis', 'Matīss', 'Ņikita', 'Reinis', 'Valters', 'Žanis', 'Ādams', 'Miķelis', 'Pēteris',
];
const FEMALE_FIRST = [
  'Anna', 'Līga', 'Elīza', 'Marta', 'Sofija', 'Emīlija', 'Alise', 'Katrīna', 'Annija', 'Laura', 'Paula',
  'Evelīna', 'Madara', 'Dārta', 'Keita', 'Ieva', 'Agnese', 'Rūta', 'Sanija', 'Beāte', 'Ērika', 'Zane',
  'Kristiāna', 'Elza', 'Šarlote', 'Ance', 'Marija', 'Ķelda', 'Estere', 'Amēlija',
];
/** Male and female forms of common surnames. */
const SURNAMES: [string, string][] = [
  ['Bērziņš', 'Bērziņa'], ['Kalniņš', 'Kalniņa'], ['Ozoliņš', 'Ozoliņa'], ['Jansons', 'Jansone'], ['Liepiņš', 'Liepiņa'],
  ['Krūmiņš', 'Krūmiņa'], ['Balodis', 'Balode'], ['Eglītis', 'Eglīte'], ['Zariņš', 'Zariņa'], ['Pētersons', 'Pētersone'],
  ['Vītols', 'Vītola'], ['Kļaviņš', 'Kļaviņa'], ['Ābols', 'Ābola'], ['Šmits', 'Šmite'], ['Žagars', 'Žagare'],
  ['Ķiploks', 'Ķiploka'], ['Ģērmanis', 'Ģērmane'], ['Lācis', 'Lāce'], ['Āboliņš', 'Āboliņa'], ['Siliņš', 'Siliņa'],
  ['Zvaigzne', 'Zvaigzne'], ['Strautiņš', 'Strautiņa'], ['Grīnbergs', 'Grīnberga'], ['Muižnieks', 'Muižniece'],
  ['Ņikitins', 'Ņikitina'], ['Čakste', 'Čakste'], ['Rozītis', 'Rozīte'], ['Dūmiņš', 'Dūmiņa'], ['Vanags', 'Vanaga'],
  ['Priedītis', 'Priedīte'], ['Kūlis', 'Kūle'], ['Ivanovs', 'Ivanova'], ['Petrovs', 'Petrova'], ['Sproģis', 'Sproģe'],
];
const INTERNATIONAL = ['IELTS Academic', 'Cambridge English C1 Advanced', 'TOEFL iBT', 'Goethe-Zertifikat B2', 'DELF B2'];

const SECONDARY_ELECTIVES = ['BIOAL', 'KIMAL', 'FIZAL', 'GEOAL', 'VESAL', 'SOCAL', 'KUMAL', 'DITAL', 'PROAL'];

interface PlannedExam {
  code: string;
}

export async function generateDemo(db: Kysely<Database>, options: DemoOptions): Promise<DemoSummary> {
  const random = mulberry32(options.seed ?? 2026);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (p: number) => random() < p;
  const latest = options.latestYear ?? DEMO_LATEST_YEAR;
  const years = [latest - 3, latest - 2, latest - 1, latest];
  const progress = options.onProgress ?? (() => {});

  const existing = await db.selectFrom('persons').select('id').limit(1).executeTakeFirst();
  if (existing) throw new DemoError('demo.not-empty');

  for (const year of years) await installCatalogue(db, year);
  const sessionRows = await db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .select(['exam_sessions.id', 'exam_sessions.term', 'exams.code', 'exams.school_year', 'exams.education', 'exams.id as examId'])
    .execute();
  const partRows = await db.selectFrom('exam_parts').select(['exam_id', 'max_points']).orderBy('exam_id').orderBy('part_no').execute();
  const maxima = new Map<number, number[]>();
  for (const p of partRows) maxima.set(p.exam_id, [...(maxima.get(p.exam_id) ?? []), p.max_points]);
  const sessionOf = new Map(sessionRows.map((s) => [`${s.school_year}:${s.code}:${s.term}`, s]));

  const pg = isPostgres(db);
  // Schools
  const schoolCount = options.schools ?? Math.min(300, Math.max(10, Math.round(options.students / 10)));
  const institutions: Record<string, unknown>[] = [];
  const usedNames = new Set<string>();
  const usedRegistration = new Set<string>();
  for (let id = 1; id <= schoolCount; id++) {
    let name: string;
    do {
      const town = pick(TOWNS);
      const kind = pick(SCHOOL_KINDS);
      name = kind === 'vidusskola' && chance(0.5) ? `${town} ${1 + Math.floor(random() * 15)}. vidusskola` : `${town} ${kind}`;
      if (usedNames.has(name)) name = `${name} (${id})`;
    } while (usedNames.has(name));
    usedNames.add(name);
    let reg: string;
    do reg = `4${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
    while (usedRegistration.has(reg));
    usedRegistration.add(reg);
    institutions.push({ id, registration_number: reg, name, municipality: name.split(' ')[0]!.replace(/s$/, '') });
  }

  // People, their candidate codes and exams
  const persons: Record<string, unknown>[] = [];
  const candidates: Record<string, unknown>[] = [];
  const registrations: Record<string, unknown>[] = [];
  const sittings: Record<string, unknown>[] = [];
  const points: Record<string, unknown>[] = [];
  const certificates: Record<string, unknown>[] = [];
  const usedCodes = new Set<string>();
  const candidateSerial = new Map<string, number>();
  let registrationId = 0;
  let sittingId = 0;
  let certificateId = 0;

  const newPersonalCode = (birthYear: number): string => {
    for (;;) {
      if (chance(0.08)) {
        const code = `32${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
        if (!usedCodes.has(code)) return remember(code);
        continue;
      }
      const month = 1 + Math.floor(random() * 12);
      const day = 1 + Math.floor(random() * 28);
      const code = oldFormCode({ year: birthYear, month, day }, Math.floor(random() * 1000));
      if (code && !usedCodes.has(code)) return remember(code);
    }
  };
  const remember = (code: string) => (usedCodes.add(code), code);

  const releaseMoments = new Map(years.map((y) => [y, defaultReleaseMoments(y)]));
  // Basic-school leavers of the oldest years come back three years later as secondary candidates.
  const returning: { personId: number; female: boolean }[] = [];

  const perCohort = Math.max(1, Math.floor(options.students / (years.length * 2)));
  let personId = 0;
  for (const year of years) {
    for (const education of ['basic', 'secondary'] as const) {
      const count = year === years.at(-1) && education === 'secondary' ? options.students - personId : perCohort;
      for (let n = 0; n < count; n++) {
        let id: number;
        let female: boolean;
        const comeback = education === 'secondary' && year - 3 >= years[0]! ? returning.shift() : undefined;
        if (comeback && chance(0.6)) {
          id = comeback.personId;
          female = comeback.female;
        } else {
          id = ++personId;
          female = chance(0.52);
          const surname = pick(SURNAMES);
          persons.push({
            id,
            personal_code: newPersonalCode(year + 1 - (education === 'basic' ? 15 : 18)),
            first_name: pick(female ? FEMALE_FIRST : MALE_FIRST),
            last_name: female ? surname[1] : surname[0],
            gender: female ? 'female' : 'male',
          });
          if (education === 'basic' && year + 3 <= latest) returning.push({ personId: id, female });
        }
        const institutionId = 1 + Math.floor(random() * schoolCount);
        const serialKey = `${year}:${institutionId}`;
        const serial = (candidateSerial.get(serialKey) ?? 0) + 1;
        candidateSerial.set(serialKey, serial);
        const candidateCode = `${3 + (year % 7)}${String(institutionId).padStart(4, '0')}${String(serial).padStart(7, '0')}`;
        const candidateId = candidates.length + 1;
        const grade = education === 'basic' ? 9 : 12;
        candidates.push({
          id: candidateId,
          code: candidateCode,
          person_id: id,
          school_year: year,
          institution_id: institutionId,
          class_name: `${grade}.${'abcd'[Math.floor(random() * 4)]}`,
        });

        const exams: PlannedExam[] =
          education === 'basic'
            ? [{ code: 'LAT09' }, { code: 'MAT09' }, { code: chance(0.8) ? 'ANG09' : chance(0.5) ? 'VAC09' : 'FRA09' }]
            : [
                { code: chance(0.9) ? 'LATOL' : 'LATAL' },
                { code: chance(0.72) ? 'MATOL' : 'MATAL' },
                { code: chance(0.62) ? 'ANGOL' : chance(0.75) ? 'ANGAL' : pick(['VACOL', 'FRAOL', 'KRIAL']) },
                ...(chance(0.7) ? [{ code: pick(SECONDARY_ELECTIVES) }] : []),
              ];
        const ability = 0.2 + random() * 0.75;
        for (const exam of exams) {
          const additional = chance(0.02) && sessionOf.has(`${year}:${exam.code}:additional`);
          const session = sessionOf.get(`${year}:${exam.code}:${additional ? 'additional' : 'main'}`);
          if (!session) continue;
          const isLanguage = /^(ANG|VAC|FRA|KRI)/.test(exam.code);
          const international = isLanguage && education === 'secondary' && chance(0.03) ? pick(INTERNATIONAL) : null;
          const exempted = international !== null || chance(0.008);
          const regId = ++registrationId;
          registrations.push({
            id: regId,
            session_id: session.id,
            candidate_id: candidateId,
            applied_at: `${year}-12-${String(1 + Math.floor(random() * 15)).padStart(2, '0')}T10:00:00.000Z`,
            exempted: exempted ? 1 : 0,
            international_certificate: international,
          });
          if (exempted) continue;
          const tookPart = chance(0.02) ? 'no' : chance(0.01) ? 'partly' : 'yes';
          const workAnnulled = tookPart !== 'no' && chance(0.001) ? 1 : 0;
          const sitId = ++sittingId;
          sittings.push({
            id: sitId,
            registration_id: regId,
            took_part: tookPart,
            support: chance(0.03) ? 1 : 0,
            work_annulled: workAnnulled,
            work_annulled_at: workAnnulled ? `${year + 1}-06-20T09:00:00.000Z` : null,
            work_annulled_reason: workAnnulled ? 'Eksāmena laikā izmantoti neatļauti palīglīdzekļi' : null,
            work_ref: `W-${String(sitId).padStart(8, '0')}`,
            updated_at: `${year + 1}-06-10T12:00:00.000Z`,
          });
          if (tookPart === 'no') continue;
          const parts = maxima.get(session.examId) ?? [];
          parts.forEach((max, i) => {
            const skipped = tookPart === 'partly' && i === parts.length - 1;
            const share = Math.min(1, Math.max(0, ability + (random() - 0.5) * 0.3));
            const halves = exam.code === 'MAT09' ? Math.round(share * max * 2) : Math.round(share * max) * 2;
            points.push({ sitting_id: sitId, part_no: i + 1, points_hundredths: skipped ? 0 : halves * 50 });
          });
          if (workAnnulled || parts.length === 0) continue;
          const basic = session.education === 'basic';
          const issuedOn = `${year + 1}-${basic ? (additional ? '06-30' : '06-17') : additional ? '07-17' : '06-30'}`;
          const annulled = chance(0.0015);
          const release = releaseMomentOf(session.education, releaseMoments.get(year)!);
          certificates.push({
            id: ++certificateId,
            number: buildCertificateNumber({ year: year + 1, candidateCode, examCode: exam.code }),
            sitting_id: sitId,
            issued_on: issuedOn,
            state: annulled ? 'annulled' : 'issued',
            annulled_reason: annulled ? 'Anulēts pēc izglītības iestādes iesnieguma' : null,
            annulled_at: annulled ? new Date(release.getTime() + 30 * 86400000).toISOString() : null,
            created_at: `${issuedOn}T08:00:00.000Z`,
          });
        }
      }
    }
  }

  await db.transaction().execute(async (trx) => {
    const write = async <T extends keyof Database>(table: T, rows: Record<string, unknown>[]) => {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]!).length;
      const chunk = Math.max(1, Math.floor((pg ? 60000 : 30000) / columns));
      for (let i = 0; i < rows.length; i += chunk) {
        await trx.insertInto(table).values(rows.slice(i, i + chunk) as never).execute();
        progress(table, Math.min(i + chunk, rows.length), rows.length);
      }
    };
    await write('institutions', institutions);
    await write('persons', persons);
    await write('candidates', candidates);
    await write('registrations', registrations);
    await write('sittings', sittings);
    await write('sitting_points', points);
    await write('certificates', certificates);
    if (pg) {
      for (const table of ['institutions', 'persons', 'candidates', 'registrations', 'sittings', 'certificates']) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 1))`.execute(trx);
      }
    }
  });

  await createDemoStaff(db);
  await refreshStatistics(db);

  return {
    schools: schoolCount,
    persons: persons.length,
    candidates: candidates.length,
    registrations: registrations.length,
    sittings: sittings.length,
    certificates: certificates.length,
    years,
  };
}

/**
 * Staff for the development sign-in: an agency administrator and a second agency employee (an annulment needs two
 * people), and a superuser at each of the first three schools (by id). Their personal codes are made up, dated 1980, and never collide with the students' (born 2006–2011).
 */
export async function createDemoStaff(db: Kysely<Database>): Promise<void> {
  const schools = await db.selectFrom('institutions').select(['registration_number']).orderBy('id').limit(3).execute();
  const code = (n: number) => {
    for (let serial = n * 7; ; serial++) {
      const made = oldFormCode({ year: 1980, month: 1 + n, day: 10 + n }, serial);
      if (made) return made;
    }
  };
  await saveStaffUser(db, { personalCode: code(0), displayName: 'Aiga Aģentūra', role: 'agency-admin' });
  await saveStaffUser(db, { personalCode: code(4), displayName: 'Edgars Eglītis', role: 'agency' });
  const names = ['Inese Ozoliņa', 'Jānis Bērziņš', 'Māra Kalniņa'];
  for (const [i, school] of schools.entries()) {
    await saveStaffUser(db, { personalCode: code(i + 1), displayName: names[i]!, role: 'school', institution: school.registration_number });
  }
}

/** Empties the register (people, their exams and certificates) but keeps the catalogue and users. */
export async function clearRegister(db: Kysely<Database>, actor: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await audit(trx, { actor, channel: 'cli', action: 'register.clear' });
    for (const table of [
      'certificate_documents',
      'certificates',
      'sitting_points',
      'sittings',
      'registrations',
      'candidates',
      'persons',
    ] as const) {
      await trx.deleteFrom(table).execute();
    }
    await trx.deleteFrom('user_roles').where('institution_id', 'is not', null).execute();
    await trx.deleteFrom('institutions').execute();
  });
}

/**
 * The school year after the demo's newest one, open for applications: its catalogue and default windows, the
 * basic-school leavers of three years before enrolled as 12th graders at the same school (the class lists the
 * schools keep), and applications for about half of them, some checked by the school and a few registered. A
 * newcomer signs in as one of the `demoApplicants()` and applies. Applications are made as on 6 December.
 */
export async function generateDemoApplications(db: Kysely<Database>, options: { schoolYear: number; seed?: number }): Promise<{ enrolled: number; applications: number }> {
  const random = mulberry32((options.seed ?? 2026) + 16);
  const year = options.schoolYear;
  await installCatalogue(db, year);
  await ensureDefaultWindows(db, year, 'demo');
  const leavers = await db
    .selectFrom('candidates')
    .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .select(['candidates.person_id as personId', 'candidates.institution_id as institutionId'])
    .distinct()
    .where('candidates.school_year', '=', year - 3)
    .where('exams.education', '=', 'basic')
    .orderBy('candidates.person_id')
    .execute();
  const already = new Set((await db.selectFrom('candidates').select('person_id').where('school_year', '=', year).execute()).map((r) => r.person_id));
  const during = new Date(defaultWindow(year).opensAt.getTime() + 26 * 3600_000);
  const student = (name: string): ApplicationActor => ({ kind: 'student', name, audit: 'demo' });
  const school: ApplicationActor = { kind: 'school', name: 'Inese Ozoliņa', audit: 'demo' };
  let enrolled = 0;
  let applications = 0;
  const serials = new Map<number, number>();
  for (const [index, leaver] of leavers.entries()) {
    if (already.has(leaver.personId)) continue;
    const serial = (serials.get(leaver.institutionId) ?? 0) + 1;
    serials.set(leaver.institutionId, serial);
    await db
      .insertInto('candidates')
      .values({ code: candidateCode(year, leaver.institutionId, serial), person_id: leaver.personId, school_year: year, institution_id: leaver.institutionId, class_name: `12.${'abc'[index % 3]}` })
      .execute();
    enrolled++;
    // Every other one applies; the first few are left to the newcomer.
    if (index < 4 || random() < 0.5) continue;
    const person = await db.selectFrom('persons').select(['first_name', 'last_name']).where('id', '=', leaver.personId).executeTakeFirstOrThrow();
    const exams = [random() < 0.9 ? 'LATOL' : 'LATAL', random() < 0.7 ? 'MATOL' : 'MATAL', random() < 0.65 ? 'ANGOL' : 'ANGAL', ...(random() < 0.6 ? [SECONDARY_ELECTIVES[Math.floor(random() * SECONDARY_ELECTIVES.length)]!] : [])];
    const { applicationId } = await saveApplication(
      db,
      {
        personId: leaver.personId,
        schoolYear: year,
        institutionId: leaver.institutionId,
        group: 'secondary',
        examCodes: exams,
        idempotencyKey: `demo-${year}-${leaver.personId}`,
        actor: student(`${person.first_name} ${person.last_name}`),
        channel: 'demo',
      },
      during,
    );
    applications++;
    if (random() < 0.4) await setApplicationStatus(db, { applicationId, scope: { agency: true }, status: 'checked', actor: school, channel: 'demo' }, during);
  }
  return { enrolled, applications };
}
