/** One report job as the report code runs it, and the way a job fails for a reason the user can be told. */
import type { ReportFormat, ReportType } from '../../db/schema.js';
import type { ReportParameters } from '../domain/report-parameters.js';

export interface ReportTask {
  jobId: number;
  /** The runner holding the job's lease: progress is recorded only while it still does. */
  runnerId: string;
  type: ReportType;
  format: ReportFormat;
  /** The institution the report is about; null: all institutions (agency staff only). */
  institutionId: number | null;
  parameters: ReportParameters;
}

/** Reasons a report cannot be made, each a message `reports.failure.<key>` in both languages. */
export const REPORT_FAILURES = ['no-session', 'too-many-rows', 'agency-only'] as const;
export type ReportFailureKey = (typeof REPORT_FAILURES)[number];

/** A known reason the report cannot be made; anything else is a fault of ours ("internal"). */
export class ReportFailure extends Error {
  constructor(readonly key: ReportFailureKey) {
    super(`report failed: ${key}`);
    this.name = 'ReportFailure';
  }
}
