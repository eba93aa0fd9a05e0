/**
 * The database as kysely sees it. The same shape holds on SQLite and PostgreSQL: moments are ISO-8601 UTC
 * text, calendar dates are YYYY-MM-DD text, yes/no flags are 0/1 integers, documents are bytes.
 */
import type { ColumnType, Generated, Selectable } from 'kysely';

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
  /** Grammatical gender as the education register records it, for Latvian agreement; null: not known. */
  gender: ColumnType<Gender | null, Gender | null | undefined, Gender | null>;
  /** Moved by the database on every change to what this person's results page shows (migration 0020). */
  results_version: ColumnType<number, number | undefined, number>;
}

export type Gender = 'female' | 'male';

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
  /** When the exam begins on its first day, Latvian time "HH:MM" (migration 0016; seed 001: all at 10.00). */
  start_time: ColumnType<string, string | undefined, string>;
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
  /** When and why the work was annulled (null for works annulled before the register held it). */
  work_annulled_at: ColumnType<string | null, string | null | undefined, string | null>;
  work_annulled_reason: ColumnType<string | null, string | null | undefined, string | null>;
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

/** One version of a certificate's sealed document; rows are never changed (a trigger refuses updates). */
export interface CertificateDocumentTable {
  certificate_id: number;
  /** 1 is the document as sealed; each later version is an upgrade of it (same signature, more unsigned data). */
  version: number;
  edoc: Uint8Array;
  sha256: string;
  created_at: string;
  reason: DocumentVersionReason;
  /** SHA-256 (hex) of the signature value; null for documents stored before versions, until worked out. */
  signature_value_sha256: string | null;
  /** JSON object: signed file name → SHA-256 (hex); null exactly when signature_value_sha256 is. */
  signed_data: string | null;
  /** SHA-256 of the verification code printed on the document, with the certificate number; null when it has none. */
  verification_code_hash: string | null;
}

export type DocumentVersionReason = 'sealed' | 'long-term-data' | 'archive-timestamp';

export interface UserTable {
  id: Generated<number>;
  subject: string;
  display_name: string;
  created_at: string;
}

export interface UserRoleTable {
  id: Generated<number>;
  user_id: number;
  /** `university` since migration 0017: a partner university's staff, scoped to it like a school's. */
  role: 'agency' | 'school' | 'university';
  institution_id: number | null;
  /** Agency staff who also manage staff and their roles (migration 0014); always 0 on a school role. */
  administrator: ColumnType<Flag, Flag | undefined, Flag>;
}

export type AnnulmentRequestStatus = 'pending' | 'confirmed' | 'rejected';

/** A request to annul a certificate, decided by a second member of agency staff (never the requester). */
export interface AnnulmentRequestTable {
  id: Generated<number>;
  certificate_id: number;
  reason: string;
  requested_by: number;
  requested_at: string;
  status: AnnulmentRequestStatus;
  decided_by: number | null;
  decided_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  channel: string;
  details: string | null;
  /**
   * The full personal code of a representative who acted for the subject (the e-service); `actor` holds it only
   * masked. For answering the represented person who acted for them: never logged, masked wherever shown.
   */
  actor_personal_code: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A holder's link that lets a recipient see chosen certificates until it expires or is withdrawn (0021). */
export interface ShareLinkTable {
  id: Generated<number>;
  /** SHA-256 (hex) of the link's token; the token itself is never stored. */
  token_hash: string;
  /** The holder. */
  person_id: number;
  /** Whom the holder made it for, in their words ("Tartu Ülikooli vastuvõtt"). */
  recipient: string;
  language: 'lv' | 'en';
  /** Who made it, as the audit log names them: `person:…`, or a representative's masked code. */
  created_by: string;
  channel: 'student' | 'eservice';
  created_at: string;
  expires_at: string;
  revoked_at: ColumnType<string | null, string | null | undefined, string | null>;
  views: ColumnType<number, number | undefined, number>;
  first_viewed_at: ColumnType<string | null, string | null | undefined, string | null>;
  last_viewed_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ShareLinkCertificateTable {
  link_id: number;
  certificate_id: number;
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

/** An OpenID Connect state a provider has answered (kept for LOGIN_ATTEMPT_MS, so that it makes one session only). */
export interface LoginAttemptTable {
  state: string;
  provider: string;
  created_at: string;
}

/** The three school reports, the agency's daily list of paper copies to post, and the agency's audit trail. */
export type ReportType = 'institution-results' | 'applications' | 'graduates' | 'postal-list' | 'audit-trail';
export type ReportFormat = 'xlsx' | 'csv';
export type ReportStatus = 'queued' | 'running' | 'done' | 'failed' | 'expired';

export interface ReportJobTable {
  id: Generated<number>;
  user_id: number;
  /** The institution the report is about; null: all institutions (agency staff only). */
  institution_id: number | null;
  type: ReportType;
  format: ReportFormat;
  /** JSON of the report's parameters (see src/domain/report-parameters.ts). */
  parameters: string;
  status: ReportStatus;
  rows_done: ColumnType<number, number | undefined, number>;
  rows_total: number | null;
  attempts: ColumnType<number, number | undefined, number>;
  /** Why it failed: a message key under `reports.failure.`. */
  failure: string | null;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  lease_until: string | null;
  claimed_by: string | null;
  file_name: string | null;
  file_size: number | null;
  expires_at: string | null;
}

export interface ReportFileChunkTable {
  job_id: number;
  chunk_no: number;
  data: Uint8Array;
}

// ---- Latvija.lv e-service (migration 0005) ----

/** Ids of e-service tokens already used (SHA-256 of issuer and `jti`), until the token would have expired. */
export interface EserviceTokenIdTable {
  id_hash: string;
  expires_at: string;
}

/** A short session that one verified token opens for the embedded list: the page carries its random id. */
export interface EserviceSessionTable {
  id_hash: string;
  person_id: number;
  /** Personal code of who signed in at the e-service (the holder, or their representative). */
  actor_code: string;
  representative: ColumnType<Flag, Flag | undefined, Flag>;
  token_id_hash: string;
  created_at: string;
  expires_at: string;
}

/** A short-lived download link for one certificate of one person. */
export interface EserviceLinkTable {
  id_hash: string;
  certificate_id: number;
  person_id: number;
  actor_code: string;
  representative: ColumnType<Flag, Flag | undefined, Flag>;
  created_at: string;
  expires_at: string;
}

export type PaperRequestStatus = 'received' | 'printed' | 'sent';
export type PaperDelivery = 'post' | 'pickup';

/** A request for a paper copy of a certificate; at most one per certificate is not yet sent. */
export interface PaperRequestTable {
  id: Generated<number>;
  certificate_id: number;
  person_id: number;
  requested_by_code: string;
  representative: ColumnType<Flag, Flag | undefined, Flag>;
  channel: 'eservice';
  delivery: PaperDelivery;
  recipient: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  postcode: string | null;
  country: string | null;
  status: PaperRequestStatus;
  requested_at: string;
  printed_at: string | null;
  printed_by: number | null;
  sent_at: string | null;
  sent_by: number | null;
  /** What the person is told and may quote (`P-XXXX-XXXX`); unique. Every row has one (migration 0012). */
  reference: string;
}

/** A paper request form sent after its embed session ended, kept for the same person to finish (migration 0012). */
export interface PaperRequestDraftTable {
  person_id: number;
  /** Personal code of who typed it at the e-service (the holder, or their representative). */
  actor_code: string;
  certificate_id: number;
  /** The form's fields, JSON. */
  form: string;
  saved_at: string;
  expires_at: string;
}

/** One visitor's count in the current window of one limit, shared by every instance. */
export interface RateLimitCounterTable {
  /** SHA-256 hex of the limit's name and the visitor's key. */
  key_hash: string;
  /** ISO instants: the fixed window the count belongs to. */
  window_start: string;
  window_end: string;
  count: number;
}

export interface JobLeaseTable {
  /** The job's name, e.g. "preservation". */
  job: string;
  /** Which instance holds it (host and process). */
  holder: string;
  /** ISO instant after which another instance may take it. */
  lease_until: string;
}

// ---- The agency's workspace (migration 0015) ----

export type ScoreUploadStatus = 'previewed' | 'refused' | 'saved' | 'expired';

/** A score file loaded for a session: the import history, and the file itself between preview and saving. */
export interface ScoreUploadTable {
  id: Generated<number>;
  session_id: number;
  actor: string;
  user_id: number | null;
  file_name: string;
  sha256: string;
  file_size: number;
  content: Uint8Array | null;
  status: ScoreUploadStatus;
  rows_new: ColumnType<number, number | undefined, number>;
  rows_changed: ColumnType<number, number | undefined, number>;
  rows_unchanged: ColumnType<number, number | undefined, number>;
  /** JSON of the ImportProblem list, when the file was refused. */
  problems: string | null;
  uploaded_at: string;
  saved_at: string | null;
  expires_at: string | null;
}

export type IssuanceStatus = 'queued' | 'running' | 'done' | 'failed';

/** Issuing and sealing one exam session's certificates, queued and leased like a report. */
export interface IssuanceJobTable {
  id: Generated<number>;
  session_id: number;
  user_id: number | null;
  actor: string;
  status: IssuanceStatus;
  attempts: ColumnType<number, number | undefined, number>;
  issued: ColumnType<number, number | undefined, number>;
  sealed: ColumnType<number, number | undefined, number>;
  /** JSON [{ number, reason }] of the certificates the last attempt could not seal. */
  failures: string | null;
  failure: string | null;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  lease_until: string | null;
  claimed_by: string | null;
}

// ---- Applying for the exams (migration 0016) ----

/** Who applies: secondary students themselves, schools for their 9th graders, universities for external candidates. */
export type ExamGroup = 'secondary' | 'basic' | 'external';
export type ApplicationStatus = 'submitted' | 'checked' | 'registered' | 'withdrawn';
export type ApplicationBasis = 'student' | 'representative' | 'official';
export type ApplicationActorKind = 'student' | 'school' | 'university' | 'agency';
export type ApplicationAction = 'submitted' | 'changed' | 'withdrawn' | 'checked' | 'registered';
export type SupportMeasure = 'extra-time-30' | 'extra-time-50' | 'reader' | 'scribe' | 'separate-room' | 'other';
export type CefrLevel = 'A1' | 'A2' | 'B1' | 'B2' | 'C1' | 'C2';

/** When applications of one exam group may be made in one school year, set by the agency. */
export interface ApplicationWindowTable {
  school_year: number;
  exam_group: ExamGroup;
  opens_at: string;
  closes_at: string;
  updated_at: string;
  updated_by: string;
}

/** One person's application at one institution for one school year (unique on the three). */
export interface ApplicationTable {
  id: Generated<number>;
  person_id: number;
  school_year: number;
  institution_id: number;
  candidate_id: number;
  exam_group: ExamGroup;
  status: ApplicationStatus;
  /** A 9th grader's registration: whose application the school registered them on, and its date; else null. */
  basis: ColumnType<ApplicationBasis | null, ApplicationBasis | null | undefined, ApplicationBasis | null>;
  basis_date: ColumnType<string | null, string | null | undefined, string | null>;
  submitted_at: string;
  changed_at: string;
  /** The key of the form that created the application (unique). */
  idempotency_key: string;
}

/** One exam chosen in an application; each subject once per person and school year (unique). */
export interface ApplicationLineTable {
  id: Generated<number>;
  application_id: number;
  person_id: number;
  school_year: number;
  exam_id: number;
  /** The exam code's first three letters: one level per subject. */
  subject: string;
  added_at: string;
}

/** The idempotency key of every accepted submission (create, change, withdraw): a retry is answered, not applied. */
export interface ApplicationRequestTable {
  idempotency_key: string;
  application_id: number;
  action: string;
  at: string;
}

/** The history the student sees: who changed what, when, and why for a change after the window. */
export interface ApplicationChangeTable {
  id: Generated<number>;
  application_id: number;
  at: string;
  /** Who, as shown to the student (a name and where they work); never a personal code. */
  actor: string;
  actor_kind: ApplicationActorKind;
  action: ApplicationAction;
  /** JSON of ApplicationChangeDetails (src/domain/applications.ts). */
  details: string | null;
  late: ColumnType<Flag, Flag | undefined, Flag>;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SupportMeasureTable {
  id: Generated<number>;
  application_id: number;
  measure: SupportMeasure;
  note: string | null;
  recorded_at: string;
  recorded_by: string;
}

/** An exemption from one exam of an application: the school head's order with the specialist's statement. */
export interface ExemptionTable {
  id: Generated<number>;
  line_id: number;
  order_number: string;
  order_date: string;
  specialist_statement: string;
  recorded_at: string;
  recorded_by: string;
}

/** An international language certificate replacing the foreign-language exam of one application line. */
export interface InternationalCertificateTable {
  id: Generated<number>;
  line_id: number;
  name: string;
  cefr_level: CefrLevel;
  number: string;
  valid_from: string | null;
  /** Null: it does not expire. */
  valid_until: string | null;
  recorded_at: string;
  recorded_by: string;
}

// ---- "Your results are available" notices (migration 0022) ----

/** One person's e-mail address for notices; nothing is sent to it before `confirmed_at`. */
export interface NoticeSubscriptionTable {
  id: Generated<number>;
  person_id: number;
  email: string;
  language: 'lv' | 'en';
  created_at: string;
  confirmed_at: string | null;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
}

export type NoticeMessageStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

/** The notice outbox and the record of what was sent: per message, when, the message id and the outcome. */
export interface NoticeMessageTable {
  id: Generated<number>;
  person_id: number;
  subscription_id: number | null;
  kind: 'confirm' | 'release';
  release_key: string | null;
  status: NoticeMessageStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  lease_until: string | null;
  claimed_by: string | null;
  created_at: string;
  sent_at: string | null;
  message_id: string | null;
  outcome: string | null;
  unsubscribe_hash: string | null;
}

/** One row: moved by the database on every change to exams, parts, sessions or release moments (migration 0020). */
export interface ResultsCatalogueVersionTable {
  id: number;
  version: number;
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
  /** View: the newest version of each certificate's document, the one every download hands out. */
  current_certificate_documents: CertificateDocumentTable;
  users: UserTable;
  user_roles: UserRoleTable;
  annulment_requests: AnnulmentRequestTable;
  audit_log: AuditLogTable;
  web_sessions: WebSessionTable;
  login_attempts: LoginAttemptTable;
  report_jobs: ReportJobTable;
  report_file_chunks: ReportFileChunkTable;
  eservice_token_ids: EserviceTokenIdTable;
  eservice_sessions: EserviceSessionTable;
  eservice_links: EserviceLinkTable;
  paper_requests: PaperRequestTable;
  paper_request_drafts: PaperRequestDraftTable;
  rate_limit_counters: RateLimitCounterTable;
  job_leases: JobLeaseTable;
  score_uploads: ScoreUploadTable;
  results_catalogue_version: ResultsCatalogueVersionTable;
  issuance_jobs: IssuanceJobTable;
  application_windows: ApplicationWindowTable;
  applications: ApplicationTable;
  application_lines: ApplicationLineTable;
  application_requests: ApplicationRequestTable;
  application_changes: ApplicationChangeTable;
  support_measures: SupportMeasureTable;
  exemptions: ExemptionTable;
  international_certificates: InternationalCertificateTable;
  share_links: ShareLinkTable;
  share_link_certificates: ShareLinkCertificateTable;
  notice_subscriptions: NoticeSubscriptionTable;
  notice_messages: NoticeMessageTable;
  waiting_room: WaitingRoomTable;
}

export type Exam = Selectable<ExamTable>;
export type ExamPart = Selectable<ExamPartTable>;
export type ReportJob = Selectable<ReportJobTable>;
export type ScoreUpload = Selectable<ScoreUploadTable>;
export type IssuanceJob = Selectable<IssuanceJobTable>;

/** The results-day waiting room's shared order (one row, id 1): see src/data/waiting-room.ts. */
export interface WaitingRoomTable {
  id: number;
  /** The last ticket number handed out. */
  issued: Generated<number>;
  /** Tickets up to this number are let in. */
  admitted_up_to: Generated<number>;
  /** HMAC-SHA256 key of the tickets, 32 bytes as hex. */
  ticket_key: string;
  updated_at: string;
}
