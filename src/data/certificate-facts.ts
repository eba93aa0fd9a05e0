/** Gathers what a certificate states from the register, with percentages from the exact scoring rules. */
import type { Kysely } from 'kysely';
import type { Database, ExamPart } from '../../db/schema.js';
import type { CertificateFacts } from '../certificate/facts.js';
import { formatPersonalCode } from '../domain/personal-code.js';
import { scoreExam } from '../domain/scoring.js';
import { examParts, groupPointsBySitting, scoringDefinition } from './catalogue.js';

const CHUNK = 500;

/**
 * Certificates with everything around them: the sitting, its registration and exam session, the candidate code,
 * the person who holds it and the exam with its school year. The one join that every question about a
 * certificate and its holder starts from.
 */
export function certificatesWithHolder(db: Kysely<Database>) {
  return db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .innerJoin('school_years', 'school_years.start_year', 'exams.school_year');
}

export async function loadCertificateFacts(db: Kysely<Database>, certificateIds: readonly number[]): Promise<Map<number, CertificateFacts>> {
  const facts = new Map<number, CertificateFacts>();
  const partsByExam = new Map<number, ExamPart[]>();
  for (let i = 0; i < certificateIds.length; i += CHUNK) {
    const ids = certificateIds.slice(i, i + CHUNK);
    const rows = await certificatesWithHolder(db)
      .where('certificates.id', 'in', ids)
      .select([
        'certificates.id',
        'certificates.number',
        'certificates.issued_on',
        'sittings.id as sittingId',
        'persons.first_name',
        'persons.last_name',
        'persons.personal_code',
        'exams.id as examId',
        'exams.code',
        'exams.education',
        'exams.level',
        'exams.subject_lv',
        'exams.subject_lv_locative',
        'exams.subject_en',
        'exams.school_year',
        'exams.weighted_points_rule',
        'exam_sessions.term',
        'exam_sessions.starts_on',
        'exam_sessions.ends_on',
      ])
      .execute();
    const points = await db
      .selectFrom('sitting_points')
      .where('sitting_id', 'in', rows.map((r) => r.sittingId))
      .select(['sitting_id', 'part_no', 'points_hundredths'])
      .orderBy('sitting_id')
      .orderBy('part_no')
      .execute();
    const pointsBySitting = groupPointsBySitting(points);

    for (const row of rows) {
      let parts = partsByExam.get(row.examId);
      if (!parts) {
        parts = await examParts(db, row.examId);
        partsByExam.set(row.examId, parts);
      }
      const score = scoreExam(scoringDefinition(row, parts), pointsBySitting.get(row.sittingId) ?? []);
      facts.set(row.id, {
        kind: row.education,
        number: row.number,
        firstName: row.first_name,
        lastName: row.last_name,
        personalCode: formatPersonalCode(row.personal_code),
        examCode: row.code,
        subjectLvLocative: row.subject_lv_locative,
        subjectLv: row.subject_lv,
        subjectEn: row.subject_en,
        level: row.level,
        schoolYear: row.school_year,
        examSession: { term: row.term, startsOn: row.starts_on, endsOn: row.ends_on },
        total: score.total,
        parts: parts.map((p, index) => ({
          nameLv: p.name_lv ?? `${p.part_no}. daļa`,
          nameEn: p.name_en ?? `Part ${p.part_no}`,
          percent: score.parts[index]!,
        })),
        issuedOn: row.issued_on,
      });
    }
  }
  return facts;
}
