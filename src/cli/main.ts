/**
 * The agency's command line: `npm run cli -- <command> [options]`. Every command takes --json, --lang lv|en
 * and --help. Exit code 0 on success, 1 when the input is refused, 2 on wrong usage.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from '../files.js';
import type { CliIo } from './io.js';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DatabaseStartupError, openDatabase, type DatabaseHandle } from '../../db/connect.js';
import { DEFAULT_PRESERVATION, loadConfig, type Config, type PreservationConfig } from '../config.js';
import { runPreservation } from '../data/preservation.js';
import { storedDocument } from '../data/certificate-documents.js';
import { sealPendingCertificates, type SealRunResult } from '../data/sealing.js';
import { checkUploadedCertificate } from '../data/verification.js';
import { buildCertificateNumber, parseCertificateNumber } from '../domain/certificate-number.js';
import { SealingPool } from '../sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../sealing/setup.js';
import { verifyEdoc } from '../sealing/verify.js';
import { uploadCheckStatements } from '../verification-text.js';
import { CatalogueError, defineParts, findExam, installCatalogue, scoringDefinition, setReleaseMoments } from '../data/catalogue.js';
import { formatRigaDateTime, isIsoDate, parseRigaDateTime } from '../domain/riga-time.js';
import { parsePartInput } from '../domain/part-input.js';
import { annulCertificate, CertificateError, issueCertificates } from '../data/certificates.js';
import { clearRegister, generateDemo } from '../data/demo.js';
import { listApplicationWindows, setApplicationWindow } from '../data/applications.js';
import { EXAM_GROUPS, type ExamGroup } from '../domain/applications.js';
import { KeyedError } from '../errors.js';
import { importScores } from '../data/scores.js';
import { prepareDatabase, refreshStatistics } from '../data/setup.js';
import { listExamSessions } from '../data/exam-sessions.js';
import { listStaffUsers, removeStaffUser, saveStaffUser } from '../data/staff.js';
import { maskPersonalCode, parsePersonalCode } from '../domain/personal-code.js';
import { maskedForOutput, maskPersonalCodesIn } from '../log.js';
import { parseSchoolYear, schoolYearName } from '../domain/release.js';
import { ScoringError, scoreFromText } from '../domain/scoring.js';
import { isLanguage, translator, type Language, type Translate } from '../i18n.js';
import { describeImportProblem } from '../import/messages.js';
import { ImportRefused, scoringProblemMessage } from '../import/score-file.js';
import { progressBar } from './progress.js';
import { DATABASE_FILE_COMMANDS, runDatabaseFileCommand } from './backup.js';
// Demo e-service tokens.
import { ensureDevelopmentEserviceKeys, signEserviceToken } from '../eservice/dev-keys.js';
import { EMBED_PATH } from '../eservice/claims.js';
import { join } from 'node:path';

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                                  create or update the database schema and the seed catalogue
  catalogue --year 2026/2027               add the exam catalogue and calendar to a school year
  parts --exam CODE --year Y --max 40,20 [--weights 1,0.5] [--names-lv "A;B"] [--names-en "A;B"]
                                           define an exam's parts (e.g. general-level mathematics)
  sessions [--year Y] [--exam CODE]        list exam sessions with their ids and counts
  windows --year Y [--group secondary|basic|external --opens "2026-12-05 10:00" --closes "2026-12-15 23:59"]
                                           show a school year's application windows, or set one group's
                                           (Latvian time; applications are accepted to the end of the closing minute)
  release --year Y [--basic "2026-06-26 09:00"] [--secondary "2026-07-03 09:00"]
                                           show or move a school year's release moments (Latvian time)
  demo [--students N] [--seed S] [--latest-year Y] [--reset]
                                           fill an empty register with demo data (--reset empties it first)
  import <file.csv|file.xlsx> --session ID load the scores of one exam session; all rows or none
  score --exam CODE --points 28,21,19 [--year Y]
                                           print part and total percents
  issue --session ID [--date YYYY-MM-DD]   create and seal the certificates of everyone eligible in the session;
                                           run again to resume an interrupted run (nothing is sealed twice)
  seal <number> -o file.edoc               write one sealed certificate (sealing it first if needed)
  seal --pending                           seal every issued certificate that has no document yet (resumable)
  verify <file.edoc>                       check a certificate file: seal, time-stamp, register state
  preserve [--window-days N] [--limit N] [--at "YYYY-MM-DDTHH:MM:SSZ"]
                                           add an archive time-stamp to every stored document whose newest
                                           time-stamp's certificate expires within the window (default
                                           PRESERVE_WINDOW_DAYS) or uses a retired digest; --at judges as at that
                                           moment; resumable, and a rerun does nothing new
  annul <number> --reason TEXT             annul a certificate
  backup <file>                            copy the embedded database while the portal runs, and check the copy
  restore <file>                           put a backup in place of the embedded database (portal stopped); the
                                           replaced one is kept as <name>.before-restore-<time>
  staff add <personal code> --name "Name" (--agency [--admin] | --school REGNO | --university REGNO)
                                           give a staff member access (Latvija.lv sign-in): agency (--admin: also
                                           manages staff and roles), one school, or one partner university
                                           (registers external candidates)
  staff list                               list staff members and their roles
  staff remove <personal code>             take a staff member's access away and end their sessions
  eservice-token <personal code> [--represented CODE]
                                           development only: a token of the demo Latvija.lv e-service and the
                                           address of the embedded certificate list (--represented: as a parent)

Options for every command:
  --json        machine-readable output on stdout
  --lang lv|en  language of messages (default lv)
  --help        this text

Score files have a header row: candidate_code, took_part, part_1 … part_N
(Latvian headings work too: kārtotāja kods, piedalījās, 1. daļa …). took_part is yes/no/partly (jā/nē/daļēji);
points may have up to two decimals, with a point or a comma.`;

class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  lang: { type: 'string' },
  year: { type: 'string' },
  exam: { type: 'string' },
  max: { type: 'string' },
  weights: { type: 'string' },
  'names-lv': { type: 'string' },
  'names-en': { type: 'string' },
  students: { type: 'string' },
  seed: { type: 'string' },
  'latest-year': { type: 'string' },
  reset: { type: 'boolean' },
  session: { type: 'string' },
  points: { type: 'string' },
  date: { type: 'string' },
  reason: { type: 'string' },
  basic: { type: 'string' },
  secondary: { type: 'string' },
  output: { type: 'string', short: 'o' },
  pending: { type: 'boolean' },
  name: { type: 'string' },
  agency: { type: 'boolean' },
  admin: { type: 'boolean' },
  school: { type: 'string' },
  university: { type: 'string' },
  represented: { type: 'string' },
  'window-days': { type: 'string' },
  limit: { type: 'string' },
  at: { type: 'string' },
  group: { type: 'string' },
  opens: { type: 'string' },
  closes: { type: 'string' },
} as const;

/** Sealing needs keys, a time-stamp authority and worker threads: opened on first use, closed at the end. */
export interface CliServices {
  sealing(): Promise<{ setup: SealingSetup; pool: SealingPool }>;
  /** PRESERVE_* and VERIFY_ONLINE_REVOCATION (defaults when absent). */
  settings?: { preservation: PreservationConfig; onlineRevocation: boolean };
  /** A demo e-service token and the embed address; absent unless the demo e-service is configured. */
  eserviceToken?(request: { personalCode: string; represented?: string }): Promise<{ token: string; url: string; seconds: number }>;
}

export function cliServices(
  config: Pick<Config, 'environment' | 'dataDir' | 'sealing'> & Partial<Pick<Config, 'publicUrl' | 'eservice'>>,
): CliServices & { close(): Promise<void> } {
  let opened: Promise<{ setup: SealingSetup; pool: SealingPool }> | undefined;
  const eservice = config.eservice;
  const publicUrl = config.publicUrl;
  return {
    settings: { preservation: config.sealing.preservation ?? DEFAULT_PRESERVATION, onlineRevocation: config.sealing.onlineRevocation ?? false },
    ...(eservice?.keys.kind === 'development' && config.environment !== 'production' && publicUrl
      ? {
          async eserviceToken(request: { personalCode: string; represented?: string }) {
            const keys = await ensureDevelopmentEserviceKeys(join(config.dataDir, 'eservice'));
            const token = await signEserviceToken(keys.privateJwk, {
              issuer: eservice.issuer,
              audience: eservice.audience,
              personalCode: request.personalCode,
              ...(request.represented ? { representedPersonalCode: request.represented } : {}),
              lifetimeSeconds: eservice.maxTokenSeconds,
            });
            return { token, url: `${publicUrl}${EMBED_PATH}?token=${token}`, seconds: eservice.maxTokenSeconds };
          },
        }
      : {}),
    sealing() {
      opened ??= prepareSealing(config).then((setup) => ({
        setup,
        pool: new SealingPool({
          signer: setup.signer,
          tsaUrl: setup.tsaUrl,
          longTerm: setup.longTerm,
          publicUrl,
          workers: config.sealing.workers,
          queue: config.sealing.queue,
        }),
      }));
      return opened;
    },
    async close() {
      if (!opened) return;
      const { setup, pool } = await opened;
      await pool.close();
      await setup.close();
    },
  };
}

/** Runs one command against an open database; returns the exit code. */
export async function runCli(argv: string[], handle: DatabaseHandle, io: CliIo, services?: CliServices): Promise<number> {
  let lang: Language = 'lv';
  let json = false;
  const out = (text: string) => io.stdout.write(text + '\n');
  // Error output often ends up in job logs and terminal scrollback: personal codes in it are masked.
  const err = (text: string) => io.stderr.write(maskPersonalCodesIn(text) + '\n');
  let t: Translate = translator(lang);
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (values.lang !== undefined && !isLanguage(values.lang)) throw new UsageError(t('cli.bad-option', { option: 'lang', value: values.lang }));
    lang = isLanguage(values.lang) ? values.lang : 'lv';
    t = translator(lang);
    json = values.json ?? false;
    const [command, ...args] = positionals;
    if (values.help || !command) {
      out(HELP);
      return command || values.help ? 0 : 2;
    }
    const actor = `cli:${userInfo().username}`;
    const need = (name: keyof typeof OPTIONS): string => {
      const value = values[name];
      if (typeof value !== 'string' || value === '') throw new UsageError(t('cli.missing-option', { option: name }));
      return value;
    };
    const wholeNumber = (name: keyof typeof OPTIONS, text: string): number => {
      if (!/^\d+$/.test(text)) throw new UsageError(t('cli.bad-option', { option: name, value: text }));
      return Number(text);
    };
    const schoolYear = (name: keyof typeof OPTIONS, text: string | undefined): number | undefined => {
      if (text === undefined) return undefined;
      const year = parseSchoolYear(text);
      if (year === undefined) throw new UsageError(t('cli.bad-option', { option: name, value: text }));
      return year;
    };
    const bar = progressBar(io.stderr);
    const report = (data: unknown, text: string) => out(json ? JSON.stringify(data) : text);
    const reportSealing = (sealing: SealRunResult) => {
      out(
        t('cli.sealing', {
          sealed: sealing.sealed,
          blt: sealing.levels['B-LT'],
          bt: sealing.levels['B-T'],
          bb: sealing.levels['B-B'],
          failed: sealing.failed.length,
        }),
      );
      sealing.failed.forEach((f) => err(t('cli.sealing-failed', f)));
    };

    switch (command) {
      case 'migrate': {
        await prepareDatabase(handle);
        report({ database: handle.describe }, t('cli.migrated', { database: handle.describe }));
        return 0;
      }
      case 'catalogue': {
        const year = schoolYear('year', need('year'))!;
        const result = await installCatalogue(handle.db, year);
        report({ year: schoolYearName(year), ...result }, t('catalogue.installed', { year: schoolYearName(year), ...result }));
        return 0;
      }
      case 'parts': {
        const year = schoolYear('year', need('year'));
        const exam = await findExam(handle.db, need('exam'), year);
        if (!exam) throw new CatalogueError('catalogue.exam-unknown', { code: need('exam') });
        const maxima = need('max').split(',');
        const weights = values.weights?.split(',');
        const namesLv = values['names-lv']?.split(';');
        const namesEn = values['names-en']?.split(';');
        if (weights && weights.length !== maxima.length) throw new UsageError(t('cli.bad-option', { option: 'weights', value: values.weights ?? '' }));
        const { parts, problems } = parsePartInput(
          maxima.map((maxPoints, i) => ({ maxPoints, weight: weights?.[i] ?? '', nameLv: namesLv?.[i], nameEn: namesEn?.[i] })),
        );
        const problem = problems[0];
        if (problem?.key === 'count') throw new CatalogueError('catalogue.part-count');
        if (problem) {
          const option = problem.field === 'weight' ? 'weights' : 'max';
          throw new UsageError(t('cli.bad-option', { option, value: (option === 'weights' ? values.weights : values.max) ?? '' }));
        }
        await defineParts(handle.db, actor, exam.id, parts);
        report(
          { exam: exam.code, parts: maxima.length },
          t('catalogue.parts-defined', { code: exam.code, year: schoolYearName(exam.school_year), count: maxima.length }),
        );
        return 0;
      }
      case 'release': {
        const year = schoolYear('year', need('year'))!;
        const moment = (name: 'basic' | 'secondary'): Date | undefined => {
          const text = values[name];
          if (text === undefined) return undefined;
          const instant = parseRigaDateTime(text);
          if (!instant) throw new UsageError(t('cli.bad-option', { option: name, value: text }));
          return instant;
        };
        // Automation moves what it is told to: the command is the confirmation the pages ask for.
        const result = await setReleaseMoments(handle.db, actor, year, { basic: moment('basic'), secondary: moment('secondary') }, { confirmPassed: true });
        const basic = formatRigaDateTime(new Date(result.basic));
        const secondary = formatRigaDateTime(new Date(result.secondary));
        report({ year: schoolYearName(year), ...result }, t('catalogue.release', { year: schoolYearName(year), basic, secondary }));
        return 0;
      }
      case 'windows': {
        const year = schoolYear('year', need('year'))!;
        if (values.group !== undefined || values.opens !== undefined || values.closes !== undefined) {
          const group = need('group') as ExamGroup;
          if (!EXAM_GROUPS.includes(group)) throw new UsageError(t('cli.bad-option', { option: 'group', value: group }));
          const moment = (name: 'opens' | 'closes') => {
            const instant = parseRigaDateTime(need(name));
            if (!instant) throw new UsageError(t('cli.bad-option', { option: name, value: need(name) }));
            return instant;
          };
          await setApplicationWindow(handle.db, {
            schoolYear: year,
            group,
            window: { opensAt: moment('opens'), closesAt: moment('closes') },
            actor,
            channel: 'cli',
          });
        }
        const windows = await listApplicationWindows(handle.db, year);
        if (json)
          out(
            JSON.stringify(
              windows.map((w) => ({
                year: schoolYearName(w.schoolYear),
                group: w.examGroup,
                opensAt: w.opensAt.toISOString(),
                closesAt: w.closesAt.toISOString(),
              })),
            ),
          );
        else {
          for (const w of windows) {
            out(
              t('apply.cli.window', {
                year: schoolYearName(w.schoolYear),
                group: w.examGroup,
                opens: formatRigaDateTime(w.opensAt),
                closes: formatRigaDateTime(w.closesAt),
              }),
            );
          }
        }
        return 0;
      }
      case 'sessions': {
        const sessions = await listExamSessions(handle.db, { year: schoolYear('year', values.year), examCode: values.exam });
        if (json) out(JSON.stringify(sessions));
        else {
          for (const s of sessions) {
            out(
              `${String(s.id).padStart(5)}  ${schoolYearName(s.schoolYear)}  ${s.examCode.padEnd(6)} ${s.term.padEnd(10)} ${s.startsOn}–${s.endsOn}  registered ${s.registered}, scored ${s.scored}, certificates ${s.certificates}`,
            );
          }
        }
        return 0;
      }
      case 'demo': {
        const students = values.students === undefined ? 2000 : wholeNumber('students', values.students);
        const seed = values.seed === undefined ? 2026 : wholeNumber('seed', values.seed);
        const latestYear = schoolYear('latest-year', values['latest-year']);
        const started = performance.now();
        if (values.reset) {
          // Demo data never goes near a real register: emptying one would delete sealed documents.
          if (process.env.NODE_ENV === 'production') throw new UsageError(t('cli.no-reset-in-production'));
          await clearRegister(handle.db, actor);
        }
        const summary = await generateDemo(handle.db, { students, seed, latestYear, onProgress: (step, done, total) => bar.update(step, done, total) });
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        report({ ...summary, seconds }, t('cli.demo-done', { ...summary, seconds }));
        return 0;
      }
      case 'import': {
        const file = args[0];
        if (!file) throw new UsageError(t('cli.missing-option', { option: 'file' }));
        const sessionId = wholeNumber('session', need('session'));
        let bytes: Uint8Array;
        try {
          bytes = readFileSync(file);
        } catch {
          throw new UsageError(t('cli.file-unreadable', { file }));
        }
        const result = await importScores(handle.db, sessionId, { bytes, name: file }, actor);
        await refreshStatistics(handle.db);
        report(result, t('import.done', { exam: result.examCode, session: sessionId, ...result }));
        return 0;
      }
      case 'score': {
        const year = schoolYear('year', values.year);
        const exam = await findExam(handle.db, need('exam'), year);
        if (!exam) throw new CatalogueError('catalogue.exam-unknown', { code: need('exam') });
        if (exam.parts.length === 0) throw new CatalogueError('session.no-parts', { exam: exam.code });
        const score = scoreFromText(scoringDefinition(exam, exam.parts), need('points').split(','));
        report(score, t('scoring.result', { parts: score.parts.map((p) => `${p} %`).join(', '), total: `${score.total} %` }));
        return 0;
      }
      case 'issue': {
        const sessionId = wholeNumber('session', need('session'));
        const issuedOn = values.date;
        if (issuedOn !== undefined && !isIsoDate(issuedOn)) throw new UsageError(t('cli.bad-option', { option: 'date', value: issuedOn }));
        const result = await issueCertificates(handle.db, sessionId, { actor, issuedOn, onProgress: (done, total) => bar.update('certificates', done, total) });
        await refreshStatistics(handle.db);
        if (!json) out(t('certificate.issued', { ...result, conflicts: result.conflicts.length }));
        if (!services) {
          if (json) out(JSON.stringify(result));
          return 0;
        }
        const sealing = await sealWithPool(handle, services, { sessionId, actor }, bar);
        if (json) out(JSON.stringify({ ...result, sealing }));
        else reportSealing(sealing);
        return sealing.failed.length > 0 ? 1 : 0;
      }
      case 'seal': {
        if (values.pending) {
          if (!services) throw new UsageError('sealing is not available');
          const started = performance.now();
          const sealing = await sealWithPool(handle, services, { actor }, bar);
          const seconds = Math.round((performance.now() - started) / 100) / 10;
          if (json) out(JSON.stringify({ ...sealing, seconds }));
          else reportSealing(sealing);
          return sealing.failed.length > 0 ? 1 : 0;
        }
        const number = args[0];
        if (!number) throw new UsageError(t('cli.missing-option', { option: 'number' }));
        const file = need('output');
        const parsed = parseCertificateNumber(number);
        if (!parsed) throw new CertificateError('certificate.bad-number', { value: number });
        const normalised = buildCertificateNumber(parsed);
        const certificate = await handle.db.selectFrom('certificates').select(['id', 'state']).where('number', '=', normalised).executeTakeFirst();
        if (!certificate) throw new CertificateError('certificate.unknown', { value: normalised });
        let document = (await storedDocument(handle.db, certificate.id))?.edoc;
        if (!document) {
          if (certificate.state !== 'issued') throw new CertificateError('cli.not-sealable', { number: normalised });
          if (!services) throw new UsageError('sealing is not available');
          const sealing = await sealWithPool(handle, services, { certificateIds: [certificate.id], actor }, bar);
          if (sealing.failed.length > 0) throw new CertificateError('cli.sealing-failed', sealing.failed[0]!);
          document = (await storedDocument(handle.db, certificate.id))!.edoc;
        }
        writeFileAtomically(file, document);
        report({ number: normalised, file, bytes: document.length }, t('cli.written', { number: normalised, file, bytes: document.length }));
        return 0;
      }
      case 'verify': {
        const file = args[0];
        if (!file) throw new UsageError(t('cli.missing-option', { option: 'file' }));
        if (!services) throw new UsageError('verification is not available');
        let bytes: Uint8Array;
        try {
          bytes = readFileSync(file);
        } catch {
          throw new UsageError(t('cli.file-unreadable', { file }));
        }
        const { setup } = await services.sealing();
        // An operator's own command on a file they chose: checked in this process, within the same unpacking limits.
        const onlineRevocation = services.settings?.onlineRevocation ?? false;
        const check = await checkUploadedCertificate(handle.db, bytes, (upload) => verifyEdoc(upload, setup.trust, { onlineRevocation }), {
          actor,
          channel: 'cli',
        });
        if (json) out(JSON.stringify(check));
        else
          uploadCheckStatements(check, t, lang).forEach((s) =>
            out(`${s.tone === 'ok' ? '✓' : s.tone === 'bad' ? '✗' : s.tone === 'warn' ? '!' : ' '} ${s.text}`),
          );
        return check.report.genuine && check.register?.state === 'issued' ? 0 : 1;
      }
      case 'preserve': {
        if (!services) throw new UsageError('sealing is not available');
        const settings = services.settings?.preservation ?? DEFAULT_PRESERVATION;
        const windowDays = values['window-days'] === undefined ? settings.windowDays : wholeNumber('window-days', values['window-days']);
        if (windowDays < 1 || windowDays > 3650) throw new UsageError(t('cli.bad-option', { option: 'window-days', value: String(windowDays) }));
        const limit = values.limit === undefined ? undefined : wholeNumber('limit', values.limit);
        const at = values.at === undefined ? new Date() : new Date(values.at);
        if (values.at !== undefined && (!/^\d{4}-\d{2}-\d{2}T/.test(values.at) || Number.isNaN(at.getTime())))
          throw new UsageError(t('cli.bad-option', { option: 'at', value: values.at }));
        const policy = { windowDays, retiredDigests: settings.retiredDigests };
        const { pool } = await services.sealing();
        const result = await runPreservation(handle.db, {
          at,
          policy,
          step: (edoc, moment) => pool.preserve(edoc, moment, policy),
          ...(limit !== undefined ? { limit } : {}),
          actor,
          channel: 'cli',
        });
        if (json) out(JSON.stringify({ at: at.toISOString(), windowDays, ...result }));
        else if (!result.ran) err(t('preserve.cli.busy'));
        else {
          out(
            t('preserve.cli.done', {
              at: at.toISOString(),
              windowDays,
              examined: result.examined,
              renewed: result.renewed,
              current: result.current,
              notLongTerm: result.notLongTerm.length,
              tooLate: result.tooLate.length,
              failed: result.failed.length,
            }),
          );
          result.tooLate.forEach((number) => err(t('preserve.cli.too-late', { number })));
          result.failed.forEach((failure) => err(t('preserve.cli.failed', failure)));
          if (result.stopped && result.stopped !== 'limit') err(t('preserve.cli.stopped', { reason: result.stopped }));
        }
        return !result.ran || result.failed.length > 0 || result.tooLate.length > 0 ? 1 : 0;
      }
      case 'annul': {
        const number = args[0];
        if (!number) throw new UsageError(t('cli.missing-option', { option: 'number' }));
        await annulCertificate(handle.db, number, need('reason'), { actor });
        report({ annulled: number }, t('certificate.annulled', { value: number }));
        return 0;
      }
      case 'staff': {
        const [action, code] = args;
        if (action === 'list') {
          const staff = await listStaffUsers(handle.db);
          // Personal codes stay masked on screen; --json is for scripts that need them whole.
          if (json) out(JSON.stringify(staff));
          else for (const s of staff) out(`${maskPersonalCode(s.personalCode)}  ${s.role.padEnd(12)} ${s.institution ?? ''}  ${s.displayName}`);
          return 0;
        }
        if (action !== 'add' && action !== 'remove') throw new UsageError(t('cli.unknown-command', { command: `staff ${action ?? ''}`.trim() }));
        const parsed = parsePersonalCode(code ?? '');
        if (!parsed.ok) throw new UsageError(t('cli.bad-option', { option: 'personal code', value: code ?? '' }));
        if (action === 'remove') {
          const removed = await removeStaffUser(handle.db, parsed.code, { actor, channel: 'cli' });
          report({ removed }, t(removed ? 'staff.cli.removed' : 'staff.cli.unknown'));
          return removed ? 0 : 1;
        }
        const roleOptions = [values.agency, values.school, values.university].filter(Boolean).length;
        if (roleOptions !== 1 || (values.admin && !values.agency)) throw new UsageError(t('staff.cli.one-role'));
        await saveStaffUser(
          handle.db,
          {
            personalCode: parsed.code,
            displayName: need('name'),
            role: values.agency ? (values.admin ? 'agency-admin' : 'agency') : values.university ? 'university' : 'school',
            institution: values.school ?? values.university,
          },
          { actor, channel: 'cli' },
        );
        report({ saved: maskPersonalCode(parsed.code) }, t('staff.cli.saved', { name: values.name }));
        return 0;
      }
      case 'eservice-token': {
        const holder = parsePersonalCode(args[0] ?? '');
        if (!holder.ok) throw new UsageError(t('cli.bad-option', { option: 'personal code', value: args[0] ?? '' }));
        const represented = values.represented === undefined ? undefined : parsePersonalCode(values.represented);
        if (represented && !represented.ok) throw new UsageError(t('cli.bad-option', { option: 'represented', value: values.represented ?? '' }));
        if (!services?.eserviceToken) throw new KeyedError('eservice.cli.unavailable');
        const result = await services.eserviceToken({ personalCode: holder.code, ...(represented?.ok ? { represented: represented.code } : {}) });
        report(result, t('eservice.cli.token', result));
        return 0;
      }
      default:
        throw new UsageError(t('cli.unknown-command', { command }));
    }
  } catch (error) {
    const fail = (code: number, messages: string[], data: unknown) => {
      if (json) out(JSON.stringify(maskedForOutput({ error: data, messages })));
      messages.forEach(err);
      return code;
    };
    if (error instanceof UsageError) return fail(2, [error.message], { kind: 'usage' });
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      return fail(2, [error.message], { kind: 'usage' });
    }
    if (error instanceof ImportRefused) {
      const lines = error.problems.map((p) => describeImportProblem(p, t));
      return fail(1, [t('import.refused', { count: error.problems.length }), ...lines], { kind: 'import-refused', problems: error.problems });
    }
    if (error instanceof ScoringError) {
      const lines = error.problems.map((p) => {
        const m = scoringProblemMessage(p);
        return t(m.key, m.params ?? {});
      });
      return fail(1, lines, { kind: 'scoring', problems: error.problems });
    }
    if (error instanceof KeyedError) return fail(1, [t(error.key, error.params)], { kind: error.key, ...error.params });
    const message = error instanceof Error ? error.message : String(error);
    return fail(1, [t('cli.unexpected', { message })], { kind: 'unexpected', message });
  }
}

async function sealWithPool(
  handle: DatabaseHandle,
  services: CliServices,
  scope: { sessionId?: number; certificateIds?: number[]; actor: string },
  bar: ReturnType<typeof progressBar>,
): Promise<SealRunResult> {
  const { pool } = await services.sealing();
  return sealPendingCertificates(handle.db, (facts) => pool.seal(facts), {
    ...scope,
    concurrency: pool.workers * 8,
    onProgress: (done, total) => bar.update('sealing', done, total),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const argv = process.argv.slice(2);
  // These work on the database file itself: the command line must not hold a connection of its own to it.
  const command = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false }).positionals[0];
  if ((DATABASE_FILE_COMMANDS as readonly string[]).includes(command ?? '')) {
    process.exitCode = await runDatabaseFileCommand(argv, config.databaseUrl, { stdout: process.stdout, stderr: process.stderr });
    return;
  }
  let handle: DatabaseHandle | undefined;
  try {
    handle = openDatabase({ url: config.databaseUrl, poolSize: 4, statementTimeoutMs: 600_000 });
    await prepareDatabase(handle);
  } catch (error) {
    await handle?.db.destroy();
    if (!(error instanceof DatabaseStartupError)) throw error;
    process.stderr.write(`${maskPersonalCodesIn(error.message)}\n`);
    process.exitCode = 1;
    return;
  }
  const services = cliServices(config);
  try {
    process.exitCode = await runCli(process.argv.slice(2), handle, { stdout: process.stdout, stderr: process.stderr }, services);
  } finally {
    await services.close();
    await handle.db.destroy();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  await main().catch((error: unknown) => {
    // What Node would print for an uncaught error, with personal codes masked.
    process.stderr.write(`${maskPersonalCodesIn(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
    process.exitCode = 1;
  });
}
