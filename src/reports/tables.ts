/**
 * The three staff reports as tables: headed columns in the report's language, and rows of plain cell values in
 * batches, ready for any file format. Which rows there are is decided in src/data/report-rows.ts.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findExamSessionWithExam } from '../data/exam-sessions.js';
import {
  applicationRows,
  applicationSubjects,
  countApplications,
  countGraduates,
  countInstitutionResults,
  examNaming,
  graduateRows,
  institutionResultRows,
  REPORT_BATCH_ROWS,
} from '../data/report-rows.js';
import { examTitle } from '../domain/exam-title.js';
import { formatPersonalCode } from '../domain/personal-code.js';
import { schoolYearLabel, schoolYearName, type ResultsViewer } from '../domain/release.js';
import { formatRigaDateTime, rigaDate } from '../domain/riga-time.js';
import { describeReportRequest, type ReportParameters } from '../domain/report-parameters.js';
import { findInstitution } from '../data/institutions.js';
import { countPostalList, postalListRows, type PostalListRow } from '../data/paper-requests.js';
import { auditTrailRows, countAuditTrail } from '../data/audit-search.js';
import { accessChannel } from '../domain/audit-trail.js';
import { SUBJECT_GROUPS } from '../domain/subject-groups.js';
import { ReportFailure } from './task.js';
import { translator } from '../i18n.js';

/** A date cell is written YYYY-MM-DD and becomes a real date in the file. */
export type CellValue = string | number | null;

export interface ReportColumn {
  heading: string;
  kind: 'text' | 'number' | 'date';
  /** In characters, from the heading and a typical value: the file is written in one pass. */
  width: number;
}

export interface ReportTable {
  sheetName: string;
  /** What the file is: the report's name, its parameters and when it was made (the XLSX's first row). */
  title: string;
  columns: ReportColumn[];
  /** Rows the report has (counted before writing, for the progress bar). */
  total: number;
  batches: AsyncIterable<CellValue[][]>;
}

function column(heading: string, kind: ReportColumn['kind'], typicalLength: number): ReportColumn {
  return { heading, kind, width: Math.min(60, Math.max(heading.length, typicalLength) + 2) };
}

const text = (heading: string, typicalLength: number) => column(heading, 'text', typicalLength);
const number = (heading: string) => column(heading, 'number', 4);
const date = (heading: string) => column(heading, 'date', 10);

/** "bioloģija" → "Bioloģija": subject names start a heading. */
function capitalised(name: string): string {
  return name.charAt(0).toLocaleUpperCase('lv') + name.slice(1);
}

export async function reportTable(
  db: Kysely<Database>,
  institutionId: number | null,
  parameters: ReportParameters,
  batchSize = REPORT_BATCH_ROWS,
  now = new Date(),
): Promise<ReportTable> {
  const [table, title] = await Promise.all([untitledTable(db, institutionId, parameters, batchSize, now), reportTitle(db, institutionId, parameters, now)]);
  return { ...table, title };
}

/** "Izglītības iestādes pārbaudījuma rezultāti — Norise: …; Iestāde: … — Sagatavots 10.07.2026 12:00 (Latvijas laiks)". */
async function reportTitle(db: Kysely<Database>, institutionId: number | null, parameters: ReportParameters, now: Date): Promise<string> {
  const { request, lang } = parameters;
  const t = translator(lang);
  const session = request.type === 'institution-results' ? await findExamSessionWithExam(db, request.sessionId) : undefined;
  const institution = institutionId === null ? undefined : await findInstitution(db, institutionId);
  const names = {
    ...(session
      ? { session: `${examTitle(examNaming(session.exam), lang)}${session.term === 'additional' ? ` (${t('reportFile.parameters.additional')})` : ''}` }
      : {}),
    institution: institution?.name ?? t('reportFile.parameters.allInstitutions'),
  };
  return [
    t(`reportFile.name.${request.type}`),
    describeReportRequest(request, names, t).join('; '),
    t('reportFile.parameters.generatedAt', { time: formatRigaDateTime(now) }),
  ].join(' — ');
}

async function untitledTable(
  db: Kysely<Database>,
  institutionId: number | null,
  parameters: ReportParameters,
  batchSize: number,
  now: Date,
): Promise<Omit<ReportTable, 'title'>> {
  const { request, lang } = parameters;
  // A report shows results as the one who asked sees them at the moment it is made: a school's report leaves out
  // results not yet released; the agency's holds everything.
  const viewer: ResultsViewer = parameters.allResults ? 'agency' : 'school';
  const translate = translator(lang);
  const t = (key: string, params?: Record<string, number>) => translate(`reportFile.${key}`, params);
  const heading = (key: string) => t(`column.${key}`);
  const sheetName = t('sheet');

  switch (request.type) {
    case 'institution-results': {
      const session = await findExamSessionWithExam(db, request.sessionId);
      if (!session) throw new ReportFailure('no-session');
      const title = examTitle(examNaming(session.exam), lang);
      const { parts } = session.exam;
      const yes = t('value.yes');
      const no = t('value.no');
      const none = t('value.none');
      const rows = institutionResultRows(db, { institutionId, session, viewer, now }, batchSize);
      return {
        sheetName,
        columns: [
          text(heading('personalCode'), 12),
          text(heading('firstName'), 12),
          text(heading('lastName'), 14),
          text(heading('classCourse'), 5),
          text(heading('candidateNumber'), 12),
          text(heading('examName'), title.length),
          ...parts.map((part) => number(t('column.partScore', { part: part.part_no }))),
          number(heading('totalScore')),
          text(heading('attended'), 3),
          text(heading('internationalCertificate'), 12),
          text(heading('certificateNumber'), 24),
        ],
        total: await countInstitutionResults(db, { institutionId, sessionId: session.id }),
        batches: mapBatches(rows, (r) => [
          formatPersonalCode(r.personalCode),
          r.firstName,
          r.lastName,
          r.className,
          r.candidateCode,
          title,
          ...parts.map((_, i) => r.score?.parts[i] ?? null),
          r.score?.total ?? null,
          r.attended === null ? null : r.attended ? yes : no,
          r.internationalCertificate ?? none,
          r.certificateNumber,
        ]),
      };
    }
    case 'applications': {
      const scope = { institutionId, from: request.from, to: request.to, viewer, now };
      const collator = new Intl.Collator(lang);
      const otherSubjects = (await applicationSubjects(db, scope))
        .map((s) => ({ key: s.subject, heading: capitalised(lang === 'lv' ? s.nameLv : s.nameEn) }))
        .sort((a, b) => collator.compare(a.heading, b.heading) || a.key.localeCompare(b.key));
      // The same keys as the rows' certificates: a group ("latvian") or a subject of its own ("BIO").
      const certificateColumns = [...SUBJECT_GROUPS.map((group) => ({ key: group, heading: heading(group) })), ...otherSubjects];
      return {
        sheetName,
        columns: [
          text(heading('lastName'), 14),
          text(heading('firstName'), 12),
          text(heading('class'), 5),
          text(heading('candidateCodes'), 12),
          text(heading('institution'), 30),
          ...certificateColumns.map((c) => text(c.heading, 24)),
        ],
        total: await countApplications(db, scope),
        batches: mapBatches(applicationRows(db, scope, batchSize), (r) => [
          r.lastName,
          r.firstName,
          r.className,
          r.candidateCodes.join(', '),
          r.institutionName,
          ...certificateColumns.map((c) => r.certificates.get(c.key)?.join(', ') ?? null),
        ]),
      };
    }
    case 'graduates': {
      const scope = { institutionId, selectionDate: request.selectionDate, education: request.education, viewer, now };
      const year = lang === 'lv' ? schoolYearLabel : schoolYearName;
      return {
        sheetName,
        columns: [
          text(heading('personalCode'), 12),
          text(heading('firstName'), 12),
          text(heading('lastName'), 14),
          text(heading('class'), 5),
          text(heading('exam'), 60),
          text(heading('schoolYear'), 10),
          number(heading('total')),
          text(heading('certificateNumber'), 24),
          date(heading('issued')),
        ],
        total: await countGraduates(db, scope),
        batches: mapBatches(graduateRows(db, scope, batchSize), (r) => [
          formatPersonalCode(r.personalCode),
          r.firstName,
          r.lastName,
          r.className,
          examTitle(r.exam, lang),
          year(r.exam.schoolYear),
          r.total ?? null,
          r.certificateNumber,
          r.issuedOn,
        ]),
      };
    }
    case 'postal-list': {
      // The postal list is the agency's: a school has no paper requests of its own to post.
      if (institutionId !== null) throw new ReportFailure('agency-only');
      return {
        sheetName,
        columns: [
          number(heading('request')),
          text(heading('certificateNumber'), 24),
          text(heading('holder'), 24),
          text(heading('recipient'), 24),
          text(heading('addressLine1'), 30),
          text(heading('addressLine2'), 20),
          text(heading('city'), 14),
          text(heading('postcode'), 8),
          text(heading('country'), 10),
          date(heading('requested')),
          date(heading('sent')),
        ],
        total: await countPostalList(db, request.date),
        batches: mapBatches(postalListRows(db, request.date, batchSize), (r: PostalListRow) => [
          r.requestId,
          r.certificateNumber,
          r.holderName,
          r.recipient,
          r.addressLine1,
          r.addressLine2,
          r.city,
          r.postcode,
          r.country,
          rigaDate(new Date(r.requestedAt)),
          rigaDate(new Date(r.sentAt)),
        ]),
      };
    }
    case 'audit-trail': {
      // The audit trail is the agency's: a school never sees who else looked at its candidates.
      if (institutionId !== null) throw new ReportFailure('agency-only');
      return {
        sheetName,
        columns: [
          text(heading('auditAt'), 20),
          text(heading('auditActor'), 14),
          text(heading('auditActorName'), 20),
          text(heading('auditRepresentative'), 12),
          text(heading('auditAction'), 24),
          text(heading('auditChannel'), 12),
          text(heading('auditSubject'), 30),
          text(heading('auditDetails'), 40),
        ],
        total: await countAuditTrail(db, request.filters),
        batches: mapBatches(auditTrailRows(db, request.filters, batchSize), (r) => [
          formatRigaDateTime(new Date(r.at)),
          r.actor,
          r.actorName,
          r.representativeCode ? formatPersonalCode(r.representativeCode) : null,
          r.action,
          translate(`agency.audit.channels.${accessChannel(r.channel)}`, { channel: r.channel }),
          r.subject,
          r.details,
        ]),
      };
    }
  }
}

async function* mapBatches<T>(batches: AsyncIterable<T[]>, toCells: (row: T) => CellValue[]): AsyncGenerator<CellValue[][]> {
  for await (const batch of batches) yield batch.map(toCells);
}
