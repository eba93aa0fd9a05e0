/**
 * The database as kysely sees it. The same shape holds on SQLite and PostgreSQL: moments are ISO-8601 UTC
 * text, calendar dates are YYYY-MM-DD text, yes/no flags are 0/1 integers, documents are bytes.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Flag = 0 | 1;

export interface SchoolYearTable {
  start_year: number;
  basic_results_at: string;
  secondary_results_at: string;
}

export interface InstitutionTable {
  id: Generated<number>;
  registration_number: string;
  name: string;
  municipality: string | null;
}

export interface PersonTable {
  id: Generated<number>;
  personal_code: string;
  first_name: string;
  last_name: string;
}

export interface CandidateTable {
  id: Generated<number>;
  code: string;
  person_id: number;
  school_year: number;
  institution_id: number;
  class_name: string | null;
}

export interface ExamTable {
  id: Generated<number>;
  school_year: number;
  code: string;
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  subject_lv: string;
  subject_lv_locative: string;
  subject_en: string;
  weighted_points_rule: 'exact' | 'truncate';
}

export interface ExamPartTable {
  exam_id: number;
  part_no: number;
  max_points: number;
  weight_numerator: number;
  weight_denominator: number;
  name_lv: string | null;
  name_en: string | null;
}

export interface ExamSessionTable {
  id: Generated<number>;
  exam_id: number;
  term: 'main' | 'additional';
  starts_on: string;
  ends_on: string;
}

export interface RegistrationTable {
  id: Generated<number>;
  session_id: number;
  candidate_id: number;
  applied_at: string;
  exempted: ColumnType<Flag, Flag | undefined, Flag>;
  international_certificate: string | null;
}

export interface SittingTable {
  id: Generated<number>;
  registration_id: number;
  took_part: 'yes' | 'no' | 'partly';
  support: ColumnType<Flag, Flag | undefined, Flag>;
  work_annulled: ColumnType<Flag, Flag | undefined, Flag>;
  work_ref: string | null;
  updated_at: string;
}

export interface SittingPointsTable {
  sitting_id: number;
  part_no: number;
  points_hundredths: number;
}

export interface CertificateTable {
  id: Generated<number>;
  number: string;
  sitting_id: number;
  issued_on: string;
  state: 'issued' | 'annulled';
  annulled_reason: string | null;
  annulled_at: string | null;
  created_at: string;
}

export interface CertificateDocumentTable {
  certificate_id: number;
  edoc: Uint8Array;
  sha256: string;
  sealed_at: string;
}

export interface UserTable {
  id: Generated<number>;
  subject: string;
  display_name: string;
  created_at: string;
}

export interface UserRoleTable {
  id: Generated<number>;
  user_id: number;
  role: 'agency' | 'school';
  institution_id: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  channel: string;
  details: string | null;
}

export interface WebSessionTable {
  id_hash: string;
  kind: 'student' | 'staff';
  person_id: number | null;
  user_id: number | null;
  provider: string;
  display_name: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface LoginAttemptTable {
  state: string;
  provider: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: string;
}

export interface Database {
  school_years: SchoolYearTable;
  institutions: InstitutionTable;
  persons: PersonTable;
  candidates: CandidateTable;
  exams: ExamTable;
  exam_parts: ExamPartTable;
  exam_sessions: ExamSessionTable;
  registrations: RegistrationTable;
  sittings: SittingTable;
  sitting_points: SittingPointsTable;
  certificates: CertificateTable;
  certificate_documents: CertificateDocumentTable;
  users: UserTable;
  user_roles: UserRoleTable;
  audit_log: AuditLogTable;
  web_sessions: WebSessionTable;
  login_attempts: LoginAttemptTable;
}

export type Exam = Selectable<ExamTable>;
export type ExamPart = Selectable<ExamPartTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
