/**
 * Applications for the exams in the database: the windows the agency sets, and each application with the exams
 * it names. Saving one creates or updates, in the same transaction, the person's candidate code at that
 * institution for that school year and a registration in each chosen exam's main session, so the register
 * (candidates table, reports, results) reads the applications from where it always read them.
 *
 * Exactly once, on SQLite and on several PostgreSQL instances: every step is an insert that does nothing on a
 * conflict with a unique constraint (candidate per person, year and institution; application per the same three;
 * registration per session and candidate; subject per person and year; the idempotency key of each accepted
 * submission), and the application row is locked before its lines change. A retried POST finds its key and is
 * answered with what the first one did.
 *
 * Scope is in the queries: a student reads only applications whose person is theirs, a school only its own
 * institution's; `ApplicationScope`.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import type { ApplicationActorKind, ApplicationStatus, ApplicationBasis, Database, ExamGroup } from '../../db/schema.js';
import {
  candidateCode,
  candidateCodePrefix,
  choiceRefusals,
  defaultWindow,
  diffChoices,
  educationOfGroup,
  isNoChange,
  subjectOf,
  windowProblem,
  windowState,
  type ApplicationChangeDetails,
  type ApplicationWindow,
  type OfferedExam,
  type Refusal,
  type WindowState,
} from '../domain/applications.js';
import type { Level } from '../domain/catalogue.js';
import { KeyedError } from '../errors.js';
import { audit } from './audit.js';
import { ensureSchoolYear } from './catalogue.js';

export class ApplicationError extends KeyedError {}

/** A choice the rules refuse: every reason, for the error summary. */
export class ApplicationRefused extends ApplicationError {
  constructor(readonly refusals: Refusal[]) {
    super(refusals[0]?.key ?? 'apply.refused.none', refusals[0]?.params ?? {});
  }
}

/** Who changes an application, as the student will see it; agency staff after the window must give a reason. */
export interface ApplicationActor {
  kind: ApplicationActorKind;
  /** Shown to the student: a name (and where they work); never a personal code. */
  name: string;
  /** As the audit log names them (masked). */
  audit: string;
}

/** Narrows a read or a change to what the one asking may see: their own person, their own institution, or all. */
export type ApplicationScope = { personId: number } | { institutionId: number } | { agency: true };

// ---- Windows ----

export interface StoredWindow extends ApplicationWindow {
  schoolYear: number;
  examGroup: ExamGroup;
  updatedAt: Date;
  updatedBy: string;
}

export async function applicationWindow(db: Kysely<Database>, schoolYear: number, group: ExamGroup): Promise<StoredWindow | undefined> {
  const row = await db.selectFrom('application_windows').selectAll().where('school_year', '=', schoolYear).where('exam_group', '=', group).executeTakeFirst();
  return row && toWindow(row);
}

export async function listApplicationWindows(db: Kysely<Database>, schoolYear?: number): Promise<StoredWindow[]> {
  const rows = await db
    .selectFrom('application_windows')
    .selectAll()
    .$if(schoolYear !== undefined, (q) => q.where('school_year', '=', schoolYear!))
    .orderBy('school_year', 'desc')
    .orderBy('exam_group')
    .execute();
  return rows.map(toWindow);
}

function toWindow(row: Database['application_windows']): StoredWindow {
  return {
    schoolYear: row.school_year,
    examGroup: row.exam_group,
    opensAt: new Date(row.opens_at),
    closesAt: new Date(row.closes_at),
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/** Sets (or moves) one window; audited. The school year is created if it is new. */
export async function setApplicationWindow(
  db: Kysely<Database>,
  input: { schoolYear: number; group: ExamGroup; window: ApplicationWindow; actor: string; channel: string },
  now = new Date(),
): Promise<StoredWindow> {
  const problem = windowProblem(input.window);
  if (problem) throw new ApplicationError(problem);
  await ensureSchoolYear(db, input.schoolYear);
  const values = {
    opens_at: input.window.opensAt.toISOString(),
    closes_at: input.window.closesAt.toISOString(),
    updated_at: now.toISOString(),
    updated_by: input.actor,
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('application_windows')
      .values({ school_year: input.schoolYear, exam_group: input.group, ...values })
      .onConflict((oc) => oc.columns(['school_year', 'exam_group']).doUpdateSet(values))
      .execute();
    await audit(
      trx,
      { actor: input.actor, channel: input.channel, action: 'applications.window', subject: `school-year:${input.schoolYear}`, details: { group: input.group, ...values } },
      now,
    );
  });
  return (await applicationWindow(db, input.schoolYear, input.group))!;
}

/** The default windows of a school year for every group that has none yet (5 December 10:00 to 15 December 23:59). */
export async function ensureDefaultWindows(db: Kysely<Database>, schoolYear: number, actor: string, now = new Date()): Promise<void> {
  await ensureSchoolYear(db, schoolYear);
  const window = defaultWindow(schoolYear);
  for (const group of ['secondary', 'basic', 'external'] as const) {
    await db
      .insertInto('application_windows')
      .values({
        school_year: schoolYear,
        exam_group: group,
        opens_at: window.opensAt.toISOString(),
        closes_at: window.closesAt.toISOString(),
        updated_at: now.toISOString(),
        updated_by: actor,
      })
      .onConflict((oc) => oc.columns(['school_year', 'exam_group']).doNothing())
      .execute();
  }
}

// ---- What can be chosen ----

export interface OfferedExamRow extends OfferedExam {
  examId: number;
  subjectLv: string;
  subjectEn: string;
  /** The main session's first day (YYYY-MM-DD) and start time. */
  startsOn: string;
  startTime: string;
}

/** The exams offered in a school year to an exam group: those of its education with a main session. */
export async function offeredExams(db: Kysely<Database>, schoolYear: number, group: ExamGroup): Promise<OfferedExamRow[]> {
  const rows = await db
    .selectFrom('exams')
    .innerJoin('exam_sessions', (join) => join.onRef('exam_sessions.exam_id', '=', 'exams.id').on('exam_sessions.term', '=', 'main'))
    .select([
      'exams.id as examId',
      'exams.code',
      'exams.level',
      'exams.subject_lv as subjectLv',
      'exams.subject_en as subjectEn',
      'exam_sessions.starts_on as startsOn',
      'exam_sessions.start_time as startTime',
    ])
    .where('exams.school_year', '=', schoolYear)
    .where('exams.education', '=', educationOfGroup(group))
    .orderBy('exam_sessions.starts_on')
    .orderBy('exams.code')
    .execute();
  // An exam with several main sessions is offered once, at its first.
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.code) && seen.add(r.code));
}

/** Where a person is enrolled in a school year (their candidate row there, as the schools' class lists give it). */
export async function enrolmentOf(
  db: Kysely<Database>,
  personId: number,
  schoolYear: number,
): Promise<{ institutionId: number; institutionName: string; className: string | null; candidateCode: string } | undefined> {
  return db
    .selectFrom('candidates')
    .innerJoin('institutions', 'institutions.id', 'candidates.institution_id')
    .select(['candidates.institution_id as institutionId', 'institutions.name as institutionName', 'candidates.class_name as className', 'candidates.code as candidateCode'])
    .where('candidates.person_id', '=', personId)
    .where('candidates.school_year', '=', schoolYear)
    .orderBy('candidates.id')
    .executeTakeFirst();
}

// ---- Saving ----

export interface SaveApplicationInput {
  personId: number;
  schoolYear: number;
  institutionId: number;
  group: ExamGroup;
  /** The exam codes chosen: the whole application as it should be. */
  examCodes: readonly string[];
  /** From the form's hidden field: a retried POST carries the same one. */
  idempotencyKey: string;
  actor: ApplicationActor;
  /** A class for a new candidate row (a school registering a 9th grader). */
  className?: string | null;
  basis?: { kind: ApplicationBasis; date: string };
  /** Required from agency staff after the window has closed; refused from anyone else then. */
  lateReason?: string;
  channel: string;
}

export interface SaveOutcome {
  applicationId: number;
  /** `repeated`: the key was used already, nothing was done again. */
  outcome: 'created' | 'changed' | 'unchanged' | 'withdrawn' | 'repeated';
}

/** Creates the application or replaces its exams with `examCodes`; registrations follow in the same transaction. */
export async function saveApplication(db: Kysely<Database>, input: SaveApplicationInput, now = new Date()): Promise<SaveOutcome> {
  return db.transaction().execute((trx) => saveApplicationWithin(trx, input, now));
}

/** `saveApplication` inside the caller's transaction: a class list saves every row in one, or none. */
export async function saveApplicationWithin(trx: Transaction<Database>, input: SaveApplicationInput, now = new Date()): Promise<SaveOutcome> {
  const offered = await offeredExams(trx, input.schoolYear, input.group);
  const late = await checkWindow(trx, input.schoolYear, input.group, input.actor, input.lateReason, now);
  const candidateId = await ensureCandidate(trx, input.personId, input.schoolYear, input.institutionId, input.className ?? null);
  const inserted = await trx
    .insertInto('applications')
    .values({
      person_id: input.personId,
      school_year: input.schoolYear,
      institution_id: input.institutionId,
      candidate_id: candidateId,
      exam_group: input.group,
      status: 'submitted',
      basis: input.basis?.kind ?? null,
      basis_date: input.basis?.date ?? null,
      submitted_at: now.toISOString(),
      changed_at: now.toISOString(),
      idempotency_key: input.idempotencyKey,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  const application = await lockApplication(trx, { personId: input.personId, schoolYear: input.schoolYear, institutionId: input.institutionId });
  if (!application) {
    // The key is another application's (a form of someone else's, replayed): never act on it.
    throw new ApplicationError('apply.refused.stale-form');
  }
  if (!(await claimKey(trx, input.idempotencyKey, application.id, 'save', now))) return { applicationId: application.id, outcome: 'repeated' };

  const before = await linesOf(trx, application.id);
  const elsewhere = await trx
    .selectFrom('application_lines')
    .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
    .select('exams.code')
    .where('application_lines.person_id', '=', input.personId)
    .where('application_lines.school_year', '=', input.schoolYear)
    .where('application_lines.application_id', '<>', application.id)
    .execute();
  const refusals = choiceRefusals({ offered, chosen: input.examCodes, takenElsewhere: elsewhere.map((r) => r.code) });
  if (refusals.length > 0) throw new ApplicationRefused(refusals);

  const details = diffChoices(
    before.map((l) => l.code),
    [...new Set(input.examCodes)],
  );
  const reopened = application.status === 'withdrawn';
  if (!inserted && !reopened && isNoChange(details)) return { applicationId: application.id, outcome: 'unchanged' };
  await applyLines(trx, application, before, details, offered, now);

  // A change by the student or the school needs checking again; agency staff's own change does not.
  const status: ApplicationStatus = input.actor.kind === 'agency' && !reopened ? application.status : 'submitted';
  await trx
    .updateTable('applications')
    .set({
      status,
      changed_at: now.toISOString(),
      ...(reopened ? { submitted_at: now.toISOString() } : {}),
      ...(input.basis ? { basis: input.basis.kind, basis_date: input.basis.date } : {}),
    })
    .where('id', '=', application.id)
    .execute();
  const action = inserted || reopened ? 'submitted' : 'changed';
  await recordChange(trx, application.id, input.actor, action, details, late ? input.lateReason! : null, now);
  await audit(trx, { actor: input.actor.audit, channel: input.channel, action: `application.${action}`, subject: `application:${application.id}`, details: { ...details, late } }, now);
  return { applicationId: application.id, outcome: inserted || reopened ? 'created' : 'changed' };
}

/** Withdraws the whole application: its exams and registrations go; the application stays, withdrawn, with its history. */
export async function withdrawApplication(
  db: Kysely<Database>,
  input: { applicationId: number; scope: ApplicationScope; idempotencyKey: string; actor: ApplicationActor; lateReason?: string; channel: string },
  now = new Date(),
): Promise<SaveOutcome> {
  return db.transaction().execute(async (trx) => {
    const application = await lockApplication(trx, { id: input.applicationId, scope: input.scope });
    if (!application) throw new ApplicationError('apply.not-found');
    const late = await checkWindow(trx, application.school_year, application.exam_group, input.actor, input.lateReason, now);
    if (!(await claimKey(trx, input.idempotencyKey, application.id, 'withdraw', now))) return { applicationId: application.id, outcome: 'repeated' };
    if (application.status === 'withdrawn') return { applicationId: application.id, outcome: 'unchanged' };
    const before = await linesOf(trx, application.id);
    const details = diffChoices(
      before.map((l) => l.code),
      [],
    );
    await applyLines(trx, application, before, details, [], now);
    await trx.updateTable('applications').set({ status: 'withdrawn', changed_at: now.toISOString() }).where('id', '=', application.id).execute();
    await recordChange(trx, application.id, input.actor, 'withdrawn', details, late ? input.lateReason! : null, now);
    await audit(trx, { actor: input.actor.audit, channel: input.channel, action: 'application.withdrawn', subject: `application:${application.id}`, details: { late } }, now);
    return { applicationId: application.id, outcome: 'withdrawn' };
  });
}

/** The school checks an application, or the agency registers it; recorded in its history. */
export async function setApplicationStatus(
  db: Kysely<Database>,
  input: { applicationId: number; scope: ApplicationScope; status: 'checked' | 'registered'; actor: ApplicationActor; channel: string },
  now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const application = await lockApplication(trx, { id: input.applicationId, scope: input.scope });
    if (!application) throw new ApplicationError('apply.not-found');
    if (application.status === 'withdrawn') throw new ApplicationError('apply.refused.withdrawn');
    if (application.status === input.status) return;
    await trx.updateTable('applications').set({ status: input.status, changed_at: now.toISOString() }).where('id', '=', application.id).execute();
    await recordChange(trx, application.id, input.actor, input.status, null, null, now);
    await audit(trx, { actor: input.actor.audit, channel: input.channel, action: `application.${input.status}`, subject: `application:${application.id}` }, now);
  });
}

/** Whether the window lets this actor change applications now; true: a late change (agency staff, with a reason). */
async function checkWindow(trx: Transaction<Database>, schoolYear: number, group: ExamGroup, actor: ApplicationActor, lateReason: string | undefined, now: Date): Promise<boolean> {
  const window = await applicationWindow(trx, schoolYear, group);
  const state = windowState(window, now);
  if (state === 'open') return false;
  if (actor.kind !== 'agency') throw new ApplicationError(state === 'closed' ? 'apply.window.closed' : 'apply.window.not-open');
  if (!lateReason?.trim()) throw new ApplicationError('apply.late.reason-required');
  return true;
}

type LockedApplication = Pick<Database['applications'], 'school_year' | 'exam_group' | 'candidate_id' | 'status' | 'person_id'> & { id: number };

async function lockApplication(
  trx: Transaction<Database>,
  target: { personId: number; schoolYear: number; institutionId: number } | { id: number; scope: ApplicationScope },
): Promise<LockedApplication | undefined> {
  let query = trx.selectFrom('applications').select(['id', 'school_year', 'exam_group', 'candidate_id', 'status', 'person_id']);
  if ('id' in target) {
    query = query.where('id', '=', target.id);
    const scope = target.scope;
    if ('personId' in scope) query = query.where('person_id', '=', scope.personId);
    else if ('institutionId' in scope) query = query.where('institution_id', '=', scope.institutionId);
  } else {
    query = query.where('person_id', '=', target.personId).where('school_year', '=', target.schoolYear).where('institution_id', '=', target.institutionId);
  }
  // On PostgreSQL the row lock serialises two instances changing one application; SQLite's write lock does it there.
  return query.$if(isPostgres(trx), (q) => q.forUpdate()).executeTakeFirst();
}

/** Records the submission's key; false when it was used already (a retried POST). */
async function claimKey(trx: Transaction<Database>, key: string, applicationId: number, action: string, now: Date): Promise<boolean> {
  const claimed = await trx
    .insertInto('application_requests')
    .values({ idempotency_key: key, application_id: applicationId, action, at: now.toISOString() })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('idempotency_key')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** The person's candidate row at the institution for the year, created with a new code if there is none. */
async function ensureCandidate(trx: Transaction<Database>, personId: number, schoolYear: number, institutionId: number, className: string | null): Promise<number> {
  await ensureSchoolYear(trx, schoolYear);
  // A person may hold several candidate codes (seed 000 lists two for one person), so no unique index can say "one per
  // institution and year"; two instances creating the person's code at once are serialised on the person's row instead.
  await trx
    .selectFrom('persons')
    .select('id')
    .where('id', '=', personId)
    .$if(isPostgres(trx), (q) => q.forUpdate())
    .executeTakeFirst();
  const find = () =>
    trx
      .selectFrom('candidates')
      .select('id')
      .where('person_id', '=', personId)
      .where('school_year', '=', schoolYear)
      .where('institution_id', '=', institutionId)
      .executeTakeFirst();
  const existing = await find();
  if (existing) return existing.id;
  const prefix = candidateCodePrefix(schoolYear, institutionId);
  const highest = await trx
    .selectFrom('candidates')
    .select((eb) => eb.fn.max('code').as('code'))
    .where('code', 'like', `${prefix}%`)
    .executeTakeFirst();
  let serial = highest?.code ? Number(String(highest.code).slice(5)) + 1 : 1;
  // Another instance may take the same serial at the same moment: the unique code makes one of us try the next.
  for (let attempt = 0; attempt < 50; attempt++, serial++) {
    const row = await trx
      .insertInto('candidates')
      .values({ code: candidateCode(schoolYear, institutionId, serial), person_id: personId, school_year: schoolYear, institution_id: institutionId, class_name: className })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) return row.id;
    const raced = await find();
    if (raced) return raced.id;
  }
  throw new ApplicationError('apply.refused.no-candidate-code');
}

interface LineRow {
  id: number;
  code: string;
  examId: number;
}

async function linesOf(trx: Kysely<Database>, applicationId: number): Promise<LineRow[]> {
  return trx
    .selectFrom('application_lines')
    .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
    .select(['application_lines.id', 'exams.code', 'exams.id as examId'])
    .where('application_lines.application_id', '=', applicationId)
    .execute();
}

/** Changes the lines and the registrations in the exams' main sessions as `details` says. */
async function applyLines(
  trx: Transaction<Database>,
  application: LockedApplication,
  before: readonly LineRow[],
  details: ApplicationChangeDetails,
  offered: readonly { code: string; examId: number }[],
  now: Date,
): Promise<void> {
  const examIdOf = (code: string) => offered.find((e) => e.code === code)?.examId ?? before.find((l) => l.code === code)!.examId;
  const lineOf = (code: string) => before.find((l) => l.code === code)!;
  for (const code of details.removed) {
    await unregister(trx, application.candidate_id, lineOf(code).examId);
    await trx.deleteFrom('application_lines').where('id', '=', lineOf(code).id).execute();
  }
  for (const [from, to] of details.levels) {
    await unregister(trx, application.candidate_id, lineOf(from).examId);
    // The line keeps its id (an exemption or certificate recorded on it stays with the subject).
    await trx.updateTable('application_lines').set({ exam_id: examIdOf(to) }).where('id', '=', lineOf(from).id).execute();
    await register(trx, application.candidate_id, examIdOf(to), now);
  }
  for (const code of details.added) {
    await trx
      .insertInto('application_lines')
      .values({
        application_id: application.id,
        person_id: application.person_id,
        school_year: application.school_year,
        exam_id: examIdOf(code),
        subject: subjectOf(code),
        added_at: now.toISOString(),
      })
      .execute();
    await register(trx, application.candidate_id, examIdOf(code), now);
  }
}

async function mainSessionOf(trx: Kysely<Database>, examId: number): Promise<number | undefined> {
  const row = await trx.selectFrom('exam_sessions').select('id').where('exam_id', '=', examId).where('term', '=', 'main').orderBy('starts_on').executeTakeFirst();
  return row?.id;
}

async function register(trx: Transaction<Database>, candidateId: number, examId: number, now: Date): Promise<void> {
  const sessionId = await mainSessionOf(trx, examId);
  if (sessionId === undefined) return;
  await trx
    .insertInto('registrations')
    .values({ session_id: sessionId, candidate_id: candidateId, applied_at: now.toISOString(), international_certificate: null })
    .onConflict((oc) => oc.columns(['session_id', 'candidate_id']).doNothing())
    .execute();
}

async function unregister(trx: Transaction<Database>, candidateId: number, examId: number): Promise<void> {
  const sessionId = await mainSessionOf(trx, examId);
  if (sessionId === undefined) return;
  const sat = await trx
    .selectFrom('registrations')
    .innerJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .select('registrations.id')
    .where('registrations.session_id', '=', sessionId)
    .where('registrations.candidate_id', '=', candidateId)
    .executeTakeFirst();
  if (sat) throw new ApplicationError('apply.refused.already-sat');
  await trx.deleteFrom('registrations').where('session_id', '=', sessionId).where('candidate_id', '=', candidateId).execute();
}

async function recordChange(
  trx: Transaction<Database>,
  applicationId: number,
  actor: ApplicationActor,
  action: Database['application_changes']['action'],
  details: ApplicationChangeDetails | null,
  lateReason: string | null,
  now: Date,
): Promise<void> {
  await trx
    .insertInto('application_changes')
    .values({
      application_id: applicationId,
      at: now.toISOString(),
      actor: actor.name,
      actor_kind: actor.kind,
      action,
      details: details ? JSON.stringify(details) : null,
      late: lateReason ? 1 : 0,
      reason: lateReason,
    })
    .execute();
}

// ---- Reading ----

export interface ApplicationLineView {
  examId: number;
  code: string;
  level: Level | null;
  subjectLv: string;
  subjectEn: string;
  /** The main session's first day and start time: the statement of entry. */
  startsOn: string | null;
  startTime: string | null;
}

export interface ApplicationChangeView {
  at: Date;
  actor: string;
  actorKind: ApplicationActorKind;
  action: Database['application_changes']['action'];
  details: ApplicationChangeDetails | null;
  late: boolean;
  reason: string | null;
}

export interface ApplicationView {
  id: number;
  personId: number;
  schoolYear: number;
  institutionId: number;
  institutionName: string;
  candidateCode: string;
  group: ExamGroup;
  status: ApplicationStatus;
  submittedAt: Date;
  changedAt: Date;
  lines: ApplicationLineView[];
  changes: ApplicationChangeView[];
}

/** One application, only within the scope (another's id is as if it did not exist). */
export async function applicationById(db: Kysely<Database>, id: number, scope: ApplicationScope): Promise<ApplicationView | undefined> {
  let query = db
    .selectFrom('applications')
    .innerJoin('institutions', 'institutions.id', 'applications.institution_id')
    .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
    .select([
      'applications.id',
      'applications.person_id as personId',
      'applications.school_year as schoolYear',
      'applications.institution_id as institutionId',
      'institutions.name as institutionName',
      'candidates.code as candidateCode',
      'applications.exam_group as group',
      'applications.status',
      'applications.submitted_at as submittedAt',
      'applications.changed_at as changedAt',
    ])
    .where('applications.id', '=', id);
  if ('personId' in scope) query = query.where('applications.person_id', '=', scope.personId);
  else if ('institutionId' in scope) query = query.where('applications.institution_id', '=', scope.institutionId);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const [lines, changes] = await Promise.all([lineViews(db, row.id), changeViews(db, row.id)]);
  return { ...row, submittedAt: new Date(row.submittedAt), changedAt: new Date(row.changedAt), lines, changes };
}

/** A person's applications of a school year (a student's own: usually one, at their school). */
export async function applicationsOfPerson(db: Kysely<Database>, personId: number, schoolYear: number): Promise<ApplicationView[]> {
  const ids = await db.selectFrom('applications').select('id').where('person_id', '=', personId).where('school_year', '=', schoolYear).orderBy('id').execute();
  const views = await Promise.all(ids.map((r) => applicationById(db, r.id, { personId })));
  return views.filter((v): v is ApplicationView => v !== undefined);
}

async function lineViews(db: Kysely<Database>, applicationId: number): Promise<ApplicationLineView[]> {
  const rows = await db
    .selectFrom('application_lines')
    .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
    .leftJoin('exam_sessions', (join) => join.onRef('exam_sessions.exam_id', '=', 'exams.id').on('exam_sessions.term', '=', 'main'))
    .select([
      'exams.id as examId',
      'exams.code',
      'exams.level',
      'exams.subject_lv as subjectLv',
      'exams.subject_en as subjectEn',
      sql<string | null>`min(exam_sessions.starts_on)`.as('startsOn'),
      sql<string | null>`min(exam_sessions.start_time)`.as('startTime'),
    ])
    .where('application_lines.application_id', '=', applicationId)
    .groupBy(['exams.id', 'exams.code', 'exams.level', 'exams.subject_lv', 'exams.subject_en'])
    .execute();
  return rows.sort((a, b) => (a.startsOn ?? '9999').localeCompare(b.startsOn ?? '9999') || a.code.localeCompare(b.code));
}

async function changeViews(db: Kysely<Database>, applicationId: number): Promise<ApplicationChangeView[]> {
  const rows = await db.selectFrom('application_changes').selectAll().where('application_id', '=', applicationId).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({
    at: new Date(r.at),
    actor: r.actor,
    actorKind: r.actor_kind,
    action: r.action,
    details: r.details ? (JSON.parse(r.details) as ApplicationChangeDetails) : null,
    late: r.late === 1,
    reason: r.reason,
  }));
}

/** The window of a group in a year with its state at `now` (not set: the default's dates, as the pages announce them). */
export async function windowAt(db: Kysely<Database>, schoolYear: number, group: ExamGroup, now: Date): Promise<{ window: ApplicationWindow | undefined; state: WindowState }> {
  const window = await applicationWindow(db, schoolYear, group);
  return { window, state: windowState(window, now) };
}

/** The person's personal code, for their own receipt (printed masked). */
export async function personalCodeOf(db: Kysely<Database>, personId: number): Promise<string> {
  const row = await db.selectFrom('persons').select('personal_code').where('id', '=', personId).executeTakeFirstOrThrow();
  return row.personal_code;
}
