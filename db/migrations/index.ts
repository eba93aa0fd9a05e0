import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as sealedDocumentsImmutable from './0002_sealed_documents_immutable.js';
import * as webSessions from './0003_web_sessions.js';
import * as reportJobs from './0004_report_jobs.js';
import * as eservice from './0005_eservice.js';
import * as rateLimits from './0006_rate_limits.js';
import * as auditRepresentative from './0007_audit_representative.js';
import * as documentVersions from './0008_document_versions.js';
import * as verificationCodes from './0009_verification_codes.js';
import * as jobLeases from './0010_job_leases.js';
import * as resultsExplained from './0011_results_explained.js';
import * as paperRequestReferencesAndDrafts from './0012_paper_request_references_and_drafts.js';
import * as agencyWorkspace from './0014_agency_workspace.js';
import * as agencyExams from './0015_agency_exams.js';
import * as applications from './0016_applications.js';
import * as universityRole from './0017_university_role.js';
import * as waitingRoom from './0019_waiting_room.js';
import * as resultsVersions from './0020_results_versions.js';
import * as shareLinks from './0021_share_links.js';
import * as resultNotices from './0022_result_notices.js';
import * as answeredLogins from './0023_answered_logins.js';

/** Listed here rather than read from the folder, so the same list runs under tsx, vitest and compiled code. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_sealed_documents_immutable': sealedDocumentsImmutable,
  '0003_web_sessions': webSessions,
  '0004_report_jobs': reportJobs,
  '0005_eservice': eservice,
  '0006_rate_limits': rateLimits,
  '0007_audit_representative': auditRepresentative,
  '0008_document_versions': documentVersions,
  '0009_verification_codes': verificationCodes,
  '0010_job_leases': jobLeases,
  '0011_results_explained': resultsExplained,
  '0012_paper_request_references_and_drafts': paperRequestReferencesAndDrafts,
  '0014_agency_workspace': agencyWorkspace,
  '0015_agency_exams': agencyExams,
  '0016_applications': applications,
  '0017_university_role': universityRole,
  '0019_waiting_room': waitingRoom,
  '0020_results_versions': resultsVersions,
  '0021_share_links': shareLinks,
  '0022_result_notices': resultNotices,
  '0023_answered_logins': answeredLogins,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
