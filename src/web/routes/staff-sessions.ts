/**
 * Staff pages "Organisation > Exam sessions": the sessions of the user's institution, the candidates of one
 * session (with a logged reveal of a personal code) and the bulk download of its certificates as a ZIP that is
 * streamed while it is built. A school user only ever reaches their own institution's data: anything else is 404.
 * A session without certificates still downloads, as a ZIP holding only the list file, so the answer never
 * depends on how far issuance has come.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import {
  DEFAULT_SORT,
  candidatesCsvCells,
  candidatesCsvName,
  candidatesPage,
  candidatesPath,
  candidatesPrintPage,
  printStylesheet,
  revealedCode,
  type CandidateListState,
  type CandidatesView,
} from '../../../views/candidates.js';
import {
  ARCHIVE_INDEX_NAME,
  ARCHIVE_NOTE_NAME,
  archiveIndexCells,
  archiveNoteText,
  certificatesNotYetPage,
  sessionsPage,
} from '../../../views/staff-sessions.js';
import { audit } from '../../data/audit.js';
import { candidateCounts, listCandidates, revealPersonalCode } from '../../data/candidates.js';
import {
  CANDIDATE_FILTERS,
  CANDIDATE_SORTS,
  MAX_SEARCH_LENGTH,
  matchingInstitutions,
  type CandidateFilter,
  type CandidateSort,
} from '../../domain/staff-lists.js';
import { csvLine } from '../../reports/csv.js';
import { certificateArchive } from '../../data/certificate-archive.js';
import { examSessionInScope, examSessionYears, examSessionsWithCounts, type ExamSession } from '../../data/exam-sessions.js';
import { findInstitution, institutionChoices, type InstitutionChoice } from '../../data/institutions.js';
import type { Sealer } from '../../data/sealing.js';
import { resultsVisibleTo, type ResultsViewer } from '../../domain/release.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, pageNumber, wholeNumber } from '../forms.js';
import { sendHtml } from '../respond.js';
import { institutionInScope, staffActor, staffScope } from '../staff.js';
import { zipStream } from '../zip-stream.js';

export interface StaffSessionDependencies {
  db: Kysely<Database>;
  /** Seals a certificate that has no document yet, in the worker pool. */
  seal?: Sealer;
  clock?: () => Date;
}

export const CANDIDATES_PER_PAGE = 50;

/** Cells as a CSV file a Latvian spreadsheet opens as it is (src/reports/csv.ts: BOM, semicolons, CRLF). */
function csvText(cells: readonly string[][]): string {
  const columns = (cells[0] ?? []).map((heading) => ({ heading, kind: 'text' as const, width: 0 }));
  return `\uFEFF${cells.map((line) => csvLine(line, columns)).join('')}`;
}

function oneOf<T extends string>(allowed: readonly T[], value: string | undefined, fallback: T): T {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Mounted at /staff/sessions inside the staff pages (routes/staff.ts), which let only staff through. */
export function staffSessionRoutes(deps: StaffSessionDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  /** The institution the request may see (null: all, agency only); an unknown one is 404 like any other. */
  async function scopedInstitution(c: Context<AppEnv>): Promise<number | null> {
    const scope = staffScope(c);
    const institutionId = institutionInScope(scope, c.req.query('institution'));
    if (institutionId !== null && scope.kind === 'agency' && !(await findInstitution(deps.db, institutionId))) throw new HTTPException(404);
    return institutionId;
  }

  async function scopedSession(c: Context<AppEnv>, institutionId: number | null): Promise<ExamSession> {
    const session = await examSessionInScope(deps.db, idParam(c.req.param('sessionId')), institutionId);
    if (!session) throw new HTTPException(404);
    return session;
  }

  /** Results (certificates and their counts) reach a school when they reach its students; the agency sees them at once. */
  function resultsViewer(c: Context<AppEnv>): ResultsViewer {
    return staffScope(c).kind;
  }

  /** The agency issues certificates before students may see them; schools get them when students do. */
  function certificatesFrom(c: Context<AppEnv>, session: ExamSession): Date | undefined {
    return resultsVisibleTo(resultsViewer(c), session.resultsAt, clock()) ? undefined : session.resultsAt;
  }

  app.get('/', async (c) => {
    const scope = staffScope(c);
    let institutionId = await scopedInstitution(c);
    const institutions = scope.kind === 'agency' ? await institutionChoices(deps.db) : [];
    // Agency staff name a school by typing: one match shows its sessions, several (or none) are a choice to make.
    const schoolSearch = scope.kind === 'agency' && institutionId === null ? (c.req.query('school') ?? '').trim().slice(0, MAX_SEARCH_LENGTH) : '';
    let schoolMatches: InstitutionChoice[] | undefined;
    if (schoolSearch !== '') {
      const found = matchingInstitutions(institutions, schoolSearch);
      if (found.length === 1) institutionId = found[0]!.id;
      else schoolMatches = found;
    }
    const years = await examSessionYears(deps.db, institutionId);
    const requested = wholeNumber(c.req.query('year'));
    const year = requested !== undefined && years.includes(requested) ? requested : years[0];
    const sessions =
      year === undefined || schoolMatches !== undefined
        ? []
        : await examSessionsWithCounts(deps.db, { institutionId, schoolYear: year, viewer: resultsViewer(c), now: clock() });
    const view = {
      scope,
      institutions,
      institution: scope.kind === 'agency' ? institutionId : null,
      years,
      year,
      sessions,
      schoolSearch: schoolMatches !== undefined ? schoolSearch : '',
      ...(schoolMatches !== undefined ? { schoolMatches } : {}),
    };
    return sendHtml(c, sessionsPage(pageContext(c), view), schoolMatches?.length === 0 ? 400 : 200);
  });

  /** The list as the address asks for it: filter, search, order and page (all rows, for print and CSV). */
  async function candidatesView(c: Context<AppEnv>, whole: boolean, revealed?: CandidatesView['revealed']): Promise<CandidatesView> {
    const scope = staffScope(c);
    const institutionId = await scopedInstitution(c);
    const session = await scopedSession(c, institutionId);
    const query = c.req.query();
    const state: CandidateListState = {
      institution: scope.kind === 'agency' ? institutionId : null,
      filter: oneOf<CandidateFilter>(CANDIDATE_FILTERS, query.filter, 'registered'),
      sort: oneOf<CandidateSort>(CANDIDATE_SORTS, query.sort, DEFAULT_SORT),
      direction: query.dir === 'desc' ? 'desc' : 'asc',
      page: pageNumber(query.page),
      search: (query.q ?? '').trim().slice(0, MAX_SEARCH_LENGTH),
    };
    const [counts, list, institutions] = await Promise.all([
      candidateCounts(deps.db, session.id, institutionId),
      listCandidates(deps.db, session, {
        institutionId,
        viewer: resultsViewer(c),
        now: clock(),
        filter: state.filter,
        sort: state.sort,
        direction: state.direction,
        search: state.search,
        ...(whole ? {} : { page: { number: state.page, size: CANDIDATES_PER_PAGE } }),
      }),
      scope.kind === 'agency' ? institutionChoices(deps.db, session.id) : Promise.resolve([]),
    ]);
    state.page = list.page;
    const from = certificatesFrom(c, session);
    return {
      session,
      scope,
      institutions,
      state,
      counts,
      rows: list.rows,
      total: list.total,
      offset: list.offset,
      pageSize: CANDIDATES_PER_PAGE,
      ...(revealed ? { revealed } : {}),
      ...(from ? { certificatesFrom: from } : {}),
    };
  }

  app.get('/:sessionId/candidates', async (c) => {
    const print = c.req.query('print') === '1';
    const view = await candidatesView(c, print);
    const page = pageContext(c);
    return sendHtml(c, print ? candidatesPrintPage(page, view, clock()) : candidatesPage(page, view));
  });

  // The same list as the page shows, every row of it, for a spreadsheet: UTF-8 with a byte-order mark and
  // semicolons, as the reports' CSV files (src/reports/csv.ts). Who took which list is logged.
  app.get('/:sessionId/candidates.csv', async (c) => {
    const view = await candidatesView(c, true);
    const cells = candidatesCsvCells(pageContext(c), view);
    const rows = cells.length - 1;
    await audit(
      deps.db,
      {
        actor: staffActor(c),
        action: 'candidates.export',
        subject: `session:${view.session.id}`,
        channel: 'school',
        details: { institution: view.state.institution ?? (view.scope.kind === 'school' ? view.scope.institutionId : null), rows },
      },
      clock(),
    );
    return c.body(csvText(cells), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${candidatesCsvName(view.session)}.csv"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });

  app.get('/:sessionId/candidates/print.css', async (c) => {
    const scope = staffScope(c);
    const institutionId = await scopedInstitution(c);
    const session = await scopedSession(c, institutionId);
    const institutions = scope.kind === 'agency' && institutionId !== null ? await institutionChoices(deps.db, session.id) : [];
    const institution = scope.kind === 'agency' ? institutionId : null;
    return c.body(printStylesheet(pageContext(c), { session, scope, institutions, institution }), 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'private, no-cache',
    });
  });

  app.post('/:sessionId/candidates/:registrationId/reveal', async (c) => {
    const institutionId = await scopedInstitution(c);
    const session = await scopedSession(c, institutionId);
    const registrationId = idParam(c.req.param('registrationId'));
    const person = await revealPersonalCode(deps.db, { sessionId: session.id, registrationId, institutionId });
    if (!person) throw new HTTPException(404);
    await audit(
      deps.db,
      {
        actor: staffActor(c),
        action: 'personal-code.reveal',
        subject: `person:${person.personId}`,
        channel: 'school',
        details: { session: session.id, registration: registrationId },
      },
      clock(),
    );
    if (c.req.header('HX-Request')) return sendHtml(c, revealedCode(person.personalCode));
    const view = await candidatesView(c, false, { registrationId, personalCode: person.personalCode });
    return sendHtml(c, candidatesPage(pageContext(c), view));
  });

  app.get('/:sessionId/certificates.zip', async (c) => {
    const institutionId = await scopedInstitution(c);
    const session = await scopedSession(c, institutionId);
    if (certificatesFrom(c, session)) {
      return sendHtml(c, certificatesNotYetPage(pageContext(c), session, candidatesPath(session.id)), 403);
    }
    const institution = institutionId === null ? undefined : await findInstitution(deps.db, institutionId);
    const page = pageContext(c);
    const entries = certificateArchive(deps.db, {
      sessionId: session.id,
      institutionId,
      actor: staffActor(c),
      seal: deps.seal,
      note: (note) => ({ name: ARCHIVE_NOTE_NAME, text: archiveNoteText(session, note) }),
      index: (listed) => ({ name: ARCHIVE_INDEX_NAME, text: csvText(archiveIndexCells(page, session, listed)) }),
    });
    const fileName = [
      'sertifikati',
      session.examCode,
      `${session.schoolYear}-${session.schoolYear + 1}`,
      session.term === 'additional' ? 'papildtermins' : '',
      institution?.registrationNumber ?? 'visas-iestades',
    ]
      .filter(Boolean)
      .join('-');
    return c.body(zipStream(entries), 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${fileName}.zip"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });

  return app;
}
