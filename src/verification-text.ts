/** What a certificate check says, as sentences in the reader's language; the page and the CLI show the same. */
import type { NumberCheck, RegisterEntry, UploadCheck } from './data/verification.js';
import type { CertificateFacts } from './certificate/facts.js';
import { examTitle } from './domain/exam-title.js';
import { formatDate, formatRigaDateTime } from './domain/riga-time.js';
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
