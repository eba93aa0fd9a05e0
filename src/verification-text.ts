/**
 * What a certificate check says in the reader's language: sentences for the CLI, and for the page one verdict
 * with the facts and the technical details behind it.
 */
import type { NumberCheck, RegisterEntry, UploadCheck } from './data/verification.js';
import { CERTIFICATE_DATA_FILE, type CertificateFacts } from './certificate/facts.js';
import { examTitle } from './domain/exam-title.js';
import { maskPersonalCode } from './domain/personal-code.js';
import { formatDate, formatRigaDateTime, rigaDate } from './domain/riga-time.js';
import type { Language, Translate } from './i18n.js';

export type Tone = 'ok' | 'bad' | 'warn' | 'info';

export interface Statement {
  tone: Tone;
  text: string;
}

function factsStatements(facts: CertificateFacts, t: Translate, lang: Language): Statement[] {
  const exam = examTitle({ ...facts, education: facts.kind }, lang);
  const parts = facts.parts.map((p) => `${lang === 'lv' ? p.nameLv : p.nameEn} ${p.percent} %`).join('; ');
  return [
    { tone: 'info', text: t('verify.holder', { number: facts.number, name: `${facts.firstName} ${facts.lastName}`, code: facts.personalCode }) },
    { tone: 'info', text: t('verify.exam', { exam, total: facts.total }) },
    { tone: 'info', text: t('verify.parts', { parts }) },
    { tone: 'info', text: t('verify.issued', { date: formatDate(facts.issuedOn) }) },
  ];
}

function registerStatements(register: RegisterEntry | undefined, t: Translate): Statement[] {
  if (!register) return [{ tone: 'bad', text: t('verify.not-in-register') }];
  if (register.state === 'annulled') {
    return [
      {
        tone: 'bad',
        text: t('verify.annulled', {
          date: register.annulledAt ? formatRigaDateTime(new Date(register.annulledAt)) : '',
          reason: register.annulledReason ?? '',
        }),
      },
    ];
  }
  return [{ tone: 'ok', text: t('verify.valid-in-register') }];
}

export function uploadCheckStatements(check: UploadCheck, t: Translate, lang: Language): Statement[] {
  const { report } = check;
  if (!report.genuine) {
    return [{ tone: 'bad', text: t('verify.not-genuine') }, ...report.problems.map((p) => ({ tone: 'bad' as const, text: t(p.key, p.params ?? {}) }))];
  }
  const signer = [report.signer?.organization ?? report.signer?.commonName, report.signer?.organizationIdentifier].filter(Boolean).join(', ');
  const statements: Statement[] = [{ tone: 'ok', text: t('verify.genuine', { signer }) }];
  if (report.level) statements.push({ tone: 'info', text: t('verify.level', { level: report.level }) });
  if (report.cosigners?.length) {
    const names = report.cosigners.map((s) => [s.organization ?? s.commonName, s.organizationIdentifier].filter(Boolean).join(', '));
    statements.push({ tone: 'info', text: t('verify.also-signed', { signers: names.join('; ') }) });
  }
  if (report.timestampTime) statements.push({ tone: 'info', text: t('verify.sealed-at', { time: formatRigaDateTime(report.timestampTime) }) });
  else if (report.signingTime) statements.push({ tone: 'warn', text: t('verify.signed-at', { time: formatRigaDateTime(report.signingTime) }) });
  if (report.facts) statements.push(...factsStatements(report.facts, t, lang));
  statements.push(...registerStatements(check.register, t));
  return statements;
}

/** `by`: which code the visitor gave, the holder's personal code (the default) or the document's verification code. */
export function numberCheckStatements(
  check: NumberCheck,
  t: Translate,
  lang: Language,
  by: 'personal-code' | 'verification-code' = 'personal-code',
): Statement[] {
  const byCode = by === 'verification-code';
  if (!check.found) return [{ tone: 'bad', text: t(byCode ? 'verify.not-found-code' : 'verify.not-found') }];
  const statements = [
    ...(byCode ? [{ tone: 'ok' as const, text: t('verify.code-matches') }] : []),
    ...factsStatements(check.facts, t, lang),
    ...registerStatements(check.register, t),
  ];
  if (!check.sealed && check.register.state === 'issued') statements.push({ tone: 'warn', text: t('verify.not-sealed') });
  return statements;
}

/**
 * The one verdict the verification page leads with. `not-found` is a look-up by number that matched nothing: a
 * typing slip as likely as a forgery, so it is not called "not genuine".
 */
export type VerdictKind = 'valid' | 'annulled' | 'not-genuine' | 'not-a-certificate' | 'not-found';

export interface Fact {
  label: string;
  value: string;
}

/** A check's answer as the page shows it: the verdict first, then the facts, then the technical details. */
export interface VerificationAnswer {
  verdict: VerdictKind;
  /** The verdict in a few words ("Genuine and valid"). */
  title: string;
  /** What the verdict rests on, in a sentence or two. */
  summary: string[];
  /** Why a document is not genuine or not a certificate, one plain sentence per problem found. */
  reasons: string[];
  /** What the reader should do now. */
  next: string;
  /** What the certificate states and what the register holds; empty when nothing was confirmed. */
  facts: Fact[];
  /** The seal's details, for those who want them (folded away). */
  technical: Fact[];
}

/**
 * Which verdict an upload gets. An .edoc that was opened and holds no certificate's data file, and whose signature
 * names none, is some other signed document: "not a certificate file", whatever else is wrong with it. One that
 * holds certificate data (or whose signature names it) and fails any check is "not genuine", as is a genuine seal
 * the register does not know.
 */
export function uploadVerdict(check: UploadCheck): VerdictKind {
  const { report } = check;
  if (report.genuine) {
    if (!check.register) return 'not-genuine';
    return check.register.state === 'annulled' ? 'annulled' : 'valid';
  }
  const namesCertificateData = report.problems.some((p) => p.params?.file === CERTIFICATE_DATA_FILE);
  return report.holdsCertificateData === false && !namesCertificateData ? 'not-a-certificate' : 'not-genuine';
}

/** A number look-up's verdict: the register's state of the certificate, or that nothing matched. */
export function numberVerdict(check: NumberCheck): VerdictKind {
  if (!check.found) return 'not-found';
  return check.register.state === 'annulled' ? 'annulled' : 'valid';
}

function annulledOn(register: RegisterEntry): string {
  return register.annulledAt ? formatDate(rigaDate(new Date(register.annulledAt))) : '';
}

export function annulmentSummary(register: RegisterEntry, t: Translate): string[] {
  return [
    register.annulledAt ? t('verify.answer.annulled.summary', { date: annulledOn(register) }) : t('verify.answer.annulled.summary-undated'),
    register.annulledReason ? t('verify.answer.annulled.reason', { reason: register.annulledReason }) : t('verify.answer.annulled.no-reason'),
  ];
}

/** What a certificate states and what the register holds now, as the verification page and share links list it. */
export function certificateFacts(facts: CertificateFacts, register: RegisterEntry | undefined, t: Translate, lang: Language): Fact[] {
  const exam = examTitle({ ...facts, education: facts.kind }, lang);
  const list: Fact[] = [
    { label: t('verify.facts.holder'), value: `${facts.firstName} ${facts.lastName}` },
    { label: t('verify.facts.personal-code'), value: maskPersonalCode(facts.personalCode) },
    { label: t('verify.facts.number'), value: facts.number },
    { label: t('verify.facts.exam'), value: exam },
    { label: t('verify.facts.total'), value: `${facts.total} %` },
    ...facts.parts.map((p) => ({ label: lang === 'lv' ? p.nameLv : p.nameEn, value: `${p.percent} %` })),
    { label: t('verify.facts.issued'), value: formatDate(facts.issuedOn) },
  ];
  if (register) {
    list.push({
      label: t('verify.facts.register'),
      value: register.state === 'annulled' ? t('verify.facts.register-annulled', { date: annulledOn(register) }) : t('verify.facts.register-valid'),
    });
  }
  return list;
}

function signerName(signer: { organization?: string; commonName: string; organizationIdentifier?: string } | undefined): string {
  return [signer?.organization ?? signer?.commonName, signer?.organizationIdentifier].filter(Boolean).join(', ');
}

function sealTechnical(report: UploadCheck['report'], t: Translate): Fact[] {
  const list: Fact[] = [{ label: t('verify.technical.method'), value: t('verify.technical.by-document') }];
  if (report.signer) list.push({ label: t('verify.technical.signer'), value: signerName(report.signer) });
  if (report.cosigners?.length) list.push({ label: t('verify.technical.cosigners'), value: report.cosigners.map(signerName).join('; ') });
  if (report.signingTime)
    list.push({ label: t('verify.technical.signing-time'), value: t('verify.technical.riga-time', { time: formatRigaDateTime(report.signingTime) }) });
  if (report.timestampTime)
    list.push({ label: t('verify.technical.timestamp-time'), value: t('verify.technical.riga-time', { time: formatRigaDateTime(report.timestampTime) }) });
  if (report.revocationTime)
    list.push({ label: t('verify.technical.revocation-time'), value: t('verify.technical.riga-time', { time: formatRigaDateTime(report.revocationTime) }) });
  if (report.archiveTimestampTime) {
    list.push({ label: t('verify.technical.archive-time'), value: t('verify.technical.riga-time', { time: formatRigaDateTime(report.archiveTimestampTime) }) });
  }
  list.push({ label: t('verify.technical.sha256'), value: report.sha256 });
  return list;
}

/** The page's answer to an uploaded .edoc (one that is an .edoc at all: see `isNotAnEdoc`). */
export function uploadAnswer(check: UploadCheck, t: Translate, lang: Language): VerificationAnswer {
  const { report } = check;
  const verdict = uploadVerdict(check);
  const technical = sealTechnical(report, t);
  const answer = (summary: string[], reasons: string[], facts: Fact[]): VerificationAnswer => ({
    verdict,
    title: t(`verify.answer.${verdict}.title`),
    summary,
    reasons,
    next: t(`verify.answer.${verdict}.next`),
    facts,
    technical,
  });
  if (verdict === 'valid' || verdict === 'annulled') {
    const facts = certificateFacts(report.facts!, check.register, t, lang);
    if (report.level)
      facts.push({
        label: t('verify.facts.level'),
        value: t('verify.facts.level-value', { level: report.level, meaning: t(`verify.levels.${report.level}`) }),
      });
    if (report.timestampTime)
      facts.push({ label: t('verify.facts.sealed-at'), value: t('verify.technical.riga-time', { time: formatRigaDateTime(report.timestampTime) }) });
    const summary =
      verdict === 'valid' ? [t('verify.answer.valid.by-document')] : [t('verify.answer.annulled.by-document'), ...annulmentSummary(check.register!, t)];
    return answer(summary, [], facts);
  }
  const reasons = report.genuine ? [t('verify.not-in-register')] : report.problems.map((p) => t(p.key, p.params ?? {}));
  return answer([t(`verify.answer.${verdict}.summary`)], reasons, []);
}

/** The page's answer to a look-up by number and code. */
export function numberAnswer(check: NumberCheck, t: Translate, lang: Language, by: 'personal-code' | 'verification-code'): VerificationAnswer {
  const verdict = numberVerdict(check);
  const technical: Fact[] = [{ label: t('verify.technical.method'), value: t(`verify.technical.by-${by}`) }];
  const base = { verdict, title: t(`verify.answer.${verdict}.title`), next: t(`verify.answer.${verdict}.next`), reasons: [], technical };
  if (!check.found) return { ...base, summary: [t(by === 'verification-code' ? 'verify.not-found-code' : 'verify.not-found')], facts: [] };
  const summary = [t(`verify.answer.${verdict}.by-${by}`)];
  if (verdict === 'annulled') summary.push(...annulmentSummary(check.register, t));
  else if (!check.sealed) summary.push(t('verify.not-sealed'));
  return { ...base, summary, facts: certificateFacts(check.facts, check.register, t, lang) };
}
