/**
 * What schools and universities do with applications beyond saving them (src/data/applications.ts saves): a class
 * list registered whole or not at all, the people they register (found or added by personal code), their list of
 * applicants, and what they record beside the exams: support measures, exemptions (by 1 March) and international
 * certificates replacing a foreign-language exam. Every read and change is narrowed to the institution in the
 * query itself; another institution's application is as if it did not exist.
 */
import type { Kysely, Transaction } from 'kysely';
import type { CefrLevel, Database, ExamGroup } from '../../db/schema.js';
import { internationalCertificateRefusal, isForeignLanguageExam, type Refusal } from '../domain/applications.js';
import type { Level } from '../domain/catalogue.js';
import { maskPersonalCode } from '../domain/personal-code.js';
import { exemptionsOpen, type ApplicationBasis, type ExemptionInput, type SupportMeasure } from '../domain/school-applications.js';
import { ApplicationError, saveApplicationWithin, type ApplicationActor, type SaveOutcome } from './applications.js';
import { audit } from './audit.js';

export interface PersonInput {
  personalCode: string;
  firstName: string;
  lastName: string;
}

/** The person with this personal code, added if new; an existing person's name is kept (the register's spelling). */
export async function ensurePerson(trx: Kysely<Database>, person: PersonInput): Promise<number> {
  await trx
    .insertInto('persons')
    .values({ personal_code: person.personalCode, first_name: person.firstName, last_name: person.lastName })
    .onConflict((oc) => oc.column('personal_code').doNothing())
    .execute();
  const row = await trx.selectFrom('persons').select('id').where('personal_code', '=', person.personalCode).executeTakeFirstOrThrow();
  return row.id;
}

export interface Registration extends PersonInput {
  className: string | null;
  examCodes: readonly string[];
  basis?: { kind: ApplicationBasis; date: string };
  idempotencyKey: string;
  /** An international certificate replacing one of the chosen foreign-language exams, recorded in the same step. */
  certificate?: CertificateInput & { examCode: string };
}

/** A refusal of one of several registrations: which one (its row in a class list), and why. */
export class RegistrationRefused extends ApplicationError {
  constructor(
    readonly row: number,
    readonly refusal: ApplicationError,
  ) {
    super(refusal.key, refusal.params);
  }
}

/**
 * Registers people at the institution for the group's exams, all in one transaction: one refused, none saved
 * (`RegistrationRefused` names its position, counted from `firstRow`).
 */
export async function registerApplicants(
  db: Kysely<Database>,
  input: { institutionId: number; schoolYear: number; group: ExamGroup; actor: ApplicationActor; channel: string; registrations: readonly (Registration & { row?: number })[] },
  now = new Date(),
): Promise<SaveOutcome[]> {
  return db.transaction().execute(async (trx) => {
    const outcomes: SaveOutcome[] = [];
    for (const [index, registration] of input.registrations.entries()) {
      try {
        const personId = await ensurePerson(trx, registration);
        const outcome = await saveApplicationWithin(
            trx,
            {
              personId,
              schoolYear: input.schoolYear,
              institutionId: input.institutionId,
              group: input.group,
              examCodes: registration.examCodes,
              idempotencyKey: registration.idempotencyKey,
              actor: input.actor,
              className: registration.className,
              ...(registration.basis ? { basis: registration.basis } : {}),
              channel: input.channel,
            },
            now,
          );
        outcomes.push(outcome);
        const { certificate } = registration;
        if (certificate) {
          const lineId = await lineOfExam(trx, outcome.applicationId, certificate.examCode);
          if (lineId === undefined) throw new ApplicationError('apply.certificate.not-language', { exam: certificate.examCode });
          const context = { applicationId: outcome.applicationId, institutionId: input.institutionId, actor: input.actor.audit, channel: input.channel };
          await recordCertificateWithin(trx, { ...context, lineId, certificate }, now);
        }
      } catch (error) {
        if (error instanceof ApplicationError) throw new RegistrationRefused(registration.row ?? index + 1, error);
        throw error;
      }
    }
    return outcomes;
  });
}

// ---- The institution's applicants ----

export interface ApplicantRow {
  applicationId: number;
  maskedPersonalCode: string;
  firstName: string;
  lastName: string;
  className: string | null;
  candidateCode: string;
  group: ExamGroup;
  status: Database['applications']['status'];
  submittedAt: Date;
  examCodes: string[];
}

/** The institution's applications of a school year, in Latvian order of last and first name. */
export async function institutionApplicants(db: Kysely<Database>, institutionId: number, schoolYear: number): Promise<ApplicantRow[]> {
  const rows = await db
    .selectFrom('applications')
    .innerJoin('persons', 'persons.id', 'applications.person_id')
    .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
    .leftJoin('application_lines', 'application_lines.application_id', 'applications.id')
    .leftJoin('exams', 'exams.id', 'application_lines.exam_id')
    .select([
      'applications.id as applicationId',
      'persons.personal_code as personalCode',
      'persons.first_name as firstName',
      'persons.last_name as lastName',
      'candidates.class_name as className',
      'candidates.code as candidateCode',
      'applications.exam_group as group',
      'applications.status',
      'applications.submitted_at as submittedAt',
      'exams.code as examCode',
    ])
    .where('applications.institution_id', '=', institutionId)
    .where('applications.school_year', '=', schoolYear)
    .execute();
  const byId = new Map<number, ApplicantRow>();
  for (const r of rows) {
    let row = byId.get(r.applicationId);
    if (!row) {
      row = {
        applicationId: r.applicationId,
        maskedPersonalCode: maskPersonalCode(r.personalCode),
        firstName: r.firstName,
        lastName: r.lastName,
        className: r.className,
        candidateCode: r.candidateCode,
        group: r.group,
        status: r.status,
        submittedAt: new Date(r.submittedAt),
        examCodes: [],
      };
      byId.set(r.applicationId, row);
    }
    if (r.examCode) row.examCodes.push(r.examCode);
  }
  const collator = new Intl.Collator('lv');
  return [...byId.values()]
    .map((r) => ({ ...r, examCodes: r.examCodes.sort() }))
    .sort((a, b) => collator.compare(a.lastName, b.lastName) || collator.compare(a.firstName, b.firstName) || a.applicationId - b.applicationId);
}

// ---- Beside the exams ----

export interface LineExtras {
  lineId: number;
  examCode: string;
  level: Level | null;
  /** The main session's first day (YYYY-MM-DD): the exam day a certificate must be valid on. */
  examDay: string | null;
  exemption?: ExemptionInput;
  certificate?: { name: string; cefrLevel: CefrLevel; number: string; validUntil: string | null };
}

export interface ApplicationExtras {
  support: { measures: SupportMeasure[]; note: string };
  lines: LineExtras[];
}

/** What is recorded beside an application's exams, within the scope (undefined: not theirs, or no such). */
export async function applicationExtras(db: Kysely<Database>, applicationId: number, institutionId: number | null): Promise<ApplicationExtras | undefined> {
  const application = await db
    .selectFrom('applications')
    .select('id')
    .where('id', '=', applicationId)
    .$if(institutionId !== null, (q) => q.where('institution_id', '=', institutionId!))
    .executeTakeFirst();
  if (!application) return undefined;
  const [support, lines] = await Promise.all([
    db.selectFrom('support_measures').select(['measure', 'note']).where('application_id', '=', applicationId).orderBy('measure').execute(),
    db
      .selectFrom('application_lines')
      .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
      .leftJoin('exemptions', 'exemptions.line_id', 'application_lines.id')
      .leftJoin('international_certificates', 'international_certificates.line_id', 'application_lines.id')
      .select((eb) => [
        'application_lines.id as lineId',
        'exams.code as examCode',
        'exams.level',
        eb
          .selectFrom('exam_sessions')
          .select((s) => s.fn.min('starts_on').as('day'))
          .whereRef('exam_sessions.exam_id', '=', 'exams.id')
          .where('exam_sessions.term', '=', 'main')
          .as('examDay'),
        'exemptions.order_number as orderNumber',
        'exemptions.order_date as orderDate',
        'exemptions.specialist_statement as specialistStatement',
        'international_certificates.name as certificateName',
        'international_certificates.cefr_level as cefrLevel',
        'international_certificates.number as certificateNumber',
        'international_certificates.valid_until as validUntil',
      ])
      .where('application_lines.application_id', '=', applicationId)
      .orderBy('exams.code')
      .execute(),
  ]);
  return {
    support: { measures: support.map((s) => s.measure), note: support.find((s) => s.note)?.note ?? '' },
    lines: lines.map((l) => ({
      lineId: l.lineId,
      examCode: l.examCode,
      level: l.level,
      examDay: (l.examDay as string | null) ?? null,
      ...(l.orderNumber ? { exemption: { orderNumber: l.orderNumber, orderDate: l.orderDate!, specialistStatement: l.specialistStatement! } } : {}),
      ...(l.certificateName ? { certificate: { name: l.certificateName, cefrLevel: l.cefrLevel!, number: l.certificateNumber!, validUntil: l.validUntil } } : {}),
    })),
  };
}

interface ChangeContext {
  applicationId: number;
  institutionId: number;
  actor: string;
  channel: string;
}

/** The application, locked within the institution, with its school year; refused as not found otherwise. */
async function ownApplication(trx: Transaction<Database>, context: ChangeContext) {
  const row = await trx
    .selectFrom('applications')
    .select(['id', 'school_year', 'candidate_id', 'status'])
    .where('id', '=', context.applicationId)
    .where('institution_id', '=', context.institutionId)
    .executeTakeFirst();
  if (!row || row.status === 'withdrawn') throw new ApplicationError('apply.not-found');
  return row;
}

/** Replaces the candidate's support measures; by 1 March of the school year, as exemptions. */
export async function setSupportMeasures(
  db: Kysely<Database>,
  context: ChangeContext & { measures: readonly SupportMeasure[]; note: string },
  now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const application = await ownApplication(trx, context);
    if (!exemptionsOpen(application.school_year, now)) throw new ApplicationError('applySchool.support.problem.deadline');
    await trx.deleteFrom('support_measures').where('application_id', '=', application.id).execute();
    for (const measure of new Set(context.measures)) {
      await trx
        .insertInto('support_measures')
        .values({ application_id: application.id, measure, note: context.note.trim() || null, recorded_at: now.toISOString(), recorded_by: context.actor })
        .execute();
    }
    // The registrations carry the flag the candidates' table and the participation protocol show.
    const registrationIds = trx.selectFrom('registrations').select('id').where('candidate_id', '=', application.candidate_id);
    await trx
      .updateTable('sittings')
      .set({ support: context.measures.length > 0 ? 1 : 0 })
      .where('registration_id', 'in', registrationIds)
      .execute();
    await audit(trx, { actor: context.actor, channel: context.channel, action: 'application.support', subject: `application:${application.id}`, details: { measures: [...context.measures] } }, now);
  });
}

async function ownLine(trx: Transaction<Database>, context: ChangeContext & { lineId: number }) {
  const application = await ownApplication(trx, context);
  const line = await trx
    .selectFrom('application_lines')
    .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
    .select(['application_lines.id', 'exams.id as examId', 'exams.code', 'exams.level'])
    .where('application_lines.id', '=', context.lineId)
    .where('application_lines.application_id', '=', application.id)
    .executeTakeFirst();
  if (!line) throw new ApplicationError('apply.not-found');
  const session = await trx.selectFrom('exam_sessions').select(['id', 'starts_on']).where('exam_id', '=', line.examId).where('term', '=', 'main').orderBy('starts_on').executeTakeFirst();
  return { application, line, session };
}

/** Records the exemption from one exam (the school head's order, the specialist's statement), by 1 March. */
export async function recordExemption(db: Kysely<Database>, context: ChangeContext & { lineId: number; exemption: ExemptionInput }, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { application, line, session } = await ownLine(trx, context);
    if (!exemptionsOpen(application.school_year, now)) throw new ApplicationError('applySchool.exemption.problem.deadline');
    const values = {
      order_number: context.exemption.orderNumber.trim(),
      order_date: context.exemption.orderDate,
      specialist_statement: context.exemption.specialistStatement.trim(),
      recorded_at: now.toISOString(),
      recorded_by: context.actor,
    };
    await trx
      .insertInto('exemptions')
      .values({ line_id: line.id, ...values })
      .onConflict((oc) => oc.column('line_id').doUpdateSet(values))
      .execute();
    if (session)
      await trx.updateTable('registrations').set({ exempted: 1 }).where('session_id', '=', session.id).where('candidate_id', '=', application.candidate_id).execute();
    await audit(trx, { actor: context.actor, channel: context.channel, action: 'application.exemption', subject: `application:${application.id}`, details: { exam: line.code } }, now);
  });
}

export interface CertificateInput {
  name: string;
  cefrLevel: CefrLevel;
  number: string;
  /** YYYY-MM-DD; null: it does not expire. */
  validUntil: string | null;
}

/** An international certificate the rule refuses: the reason, as a message key with its parameters. */
export class CertificateRefused extends ApplicationError {
  constructor(readonly refusal: Refusal) {
    super(refusal.key, refusal.params);
  }
}

/**
 * Records an international certificate replacing a foreign-language exam, if the rule allows it: B2 or higher for
 * the optimal level (and the 9th grade's exam), C1 or higher for the higher level, valid on the exam day.
 */
export async function recordInternationalCertificate(
  db: Kysely<Database>,
  context: ChangeContext & { lineId: number; certificate: CertificateInput },
  now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await recordCertificateWithin(trx, context, now);
  });
}

export async function recordCertificateWithin(trx: Transaction<Database>, context: ChangeContext & { lineId: number; certificate: CertificateInput }, now: Date): Promise<void> {
  const { application, line, session } = await ownLine(trx, context);
  if (!isForeignLanguageExam(line.code)) throw new CertificateRefused({ key: 'apply.certificate.not-language', params: { exam: line.code } });
  const refusal = internationalCertificateRefusal(
    { cefrLevel: context.certificate.cefrLevel, validUntil: context.certificate.validUntil },
    { code: line.code, level: line.level, examDay: session?.starts_on ?? '9999-12-31' },
  );
  if (refusal) throw new CertificateRefused(refusal);
  const values = {
    name: context.certificate.name.trim(),
    cefr_level: context.certificate.cefrLevel,
    number: context.certificate.number.trim(),
    valid_from: null,
    valid_until: context.certificate.validUntil,
    recorded_at: now.toISOString(),
    recorded_by: context.actor,
  };
  await trx
    .insertInto('international_certificates')
    .values({ line_id: line.id, ...values })
    .onConflict((oc) => oc.column('line_id').doUpdateSet(values))
    .execute();
  if (session)
    await trx
      .updateTable('registrations')
      .set({ international_certificate: `${values.name} ${values.cefr_level} ${values.number}` })
      .where('session_id', '=', session.id)
      .where('candidate_id', '=', application.candidate_id)
      .execute();
  await audit(trx, { actor: context.actor, channel: context.channel, action: 'application.certificate', subject: `application:${application.id}`, details: { exam: line.code, level: values.cefr_level } }, now);
}

/** The line of an application that holds an exam, for recording something on it right after registering. */
export async function lineOfExam(db: Kysely<Database>, applicationId: number, examCode: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('application_lines')
    .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
    .select('application_lines.id')
    .where('application_lines.application_id', '=', applicationId)
    .where('exams.code', '=', examCode)
    .executeTakeFirst();
  return row?.id;
}
