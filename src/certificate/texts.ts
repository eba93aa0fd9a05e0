/**
 * The certificate's wording in Latvian and English, line by line. The PDF prints each Latvian line with its
 * English translation beneath it, and certificate-data.json carries both, so the two can never say different
 * things. Percentages are whole numbers with a non-breaking space before "%", as printed.
 */
import { formatDate } from '../domain/riga-time.js';
import { schoolYearLabel, schoolYearName } from '../domain/release.js';
import type { CertificateFacts, CertificateKind, CertificateVerification, ExamLevel, ExamTerm } from './facts.js';

export interface Bilingual {
  lv: string;
  en: string;
}

export interface CertificateTexts {
  agency: Bilingual;
  title: Bilingual;
  number: Bilingual;
  /** Names are not translated. */
  name: string;
  personalCode: Bilingual;
  education: Bilingual;
  demonstrated: Bilingual;
  subject: Bilingual;
  /** Secondary exams only. */
  level?: Bilingual;
  total: Bilingual;
  parts: Bilingual[];
  /** The school year, and the exam session where it is known. */
  session: Bilingual;
  issued: Bilingual;
  place: Bilingual;
  seal: Bilingual;
  /** Where and how to check the document; only on documents that carry a verification code. */
  verification?: { where: Bilingual; how: Bilingual; code: Bilingual };
}

const NBSP = '\u00A0';

const AGENCY: Bilingual = { lv: 'VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRA', en: 'STATE EDUCATION DEVELOPMENT AGENCY' };
const TITLE: Record<CertificateKind, Bilingual> = {
  basic: { lv: 'PAMATIZGLĪTĪBAS SERTIFIKĀTS', en: 'CERTIFICATE OF BASIC EDUCATION' },
  secondary: { lv: 'VISPĀRĒJĀS VIDĒJĀS IZGLĪTĪBAS SERTIFIKĀTS', en: 'CERTIFICATE OF GENERAL SECONDARY EDUCATION' },
};
const EDUCATION: Record<CertificateKind, Bilingual> = {
  basic: { lv: 'piedalījās centralizētajā eksāmenā par pamatizglītību', en: 'took part in the centralised examination for basic education' },
  secondary: {
    lv: 'piedalījās centralizētajā eksāmenā par vispārējo vidējo izglītību',
    en: 'took part in the centralised examination for general secondary education',
  },
};
const DEMONSTRATED: Bilingual = { lv: 'un apliecināja savu zināšanu un prasmju atbilstību', en: 'and demonstrated knowledge and skills' };
const LEVEL: Record<ExamLevel, Bilingual> = {
  general: { lv: 'vispārīgajā mācību satura apguves līmenī', en: 'at the general level of mastering the learning content' },
  optimal: { lv: 'optimālajā mācību satura apguves līmenī', en: 'at the optimal level of mastering the learning content' },
  higher: { lv: 'augstākajā mācību satura apguves līmenī', en: 'at the higher level of mastering the learning content' },
};
const TERM: Record<ExamTerm, Bilingual> = {
  main: { lv: 'pamattermiņš', en: 'main term' },
  additional: { lv: 'papildtermiņš', en: 'additional term' },
};
const PLACE: Bilingual = { lv: 'Rīga, Latvijas Republika', en: 'Riga, Republic of Latvia' };
const SEAL: Bilingual = {
  lv: 'ŠIS DOKUMENTS APLIECINĀTS AR VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRAS KVALIFICĒTU ELEKTRONISKO ZĪMOGU',
  en: 'THIS DOCUMENT IS CERTIFIED WITH THE QUALIFIED ELECTRONIC SEAL OF THE STATE EDUCATION DEVELOPMENT AGENCY',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function percent(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 100) throw new RangeError(`${field} must be a whole percent 0–100, not ${value}`);
  return `${value}${NBSP}%`;
}

function date(value: string, field: string): string {
  if (!ISO_DATE.test(value)) throw new RangeError(`${field} must be YYYY-MM-DD, not ${value}`);
  return formatDate(value);
}

/** "04.06.2024", or "04.06.2024–05.06.2024" for a session of several days. */
function sessionDates(session: NonNullable<CertificateFacts['examSession']>): string {
  const from = date(session.startsOn, 'examSession.startsOn');
  const to = date(session.endsOn, 'examSession.endsOn');
  return from === to ? from : `${from}–${to}`;
}

/** Every line of the certificate in both languages. Throws RangeError for facts no certificate can state. */
export function certificateTexts(facts: CertificateFacts, verification?: CertificateVerification): CertificateTexts {
  if (!(facts.kind in TITLE)) throw new RangeError(`unknown certificate kind ${String(facts.kind)}`);
  const issued = date(facts.issuedOn, 'issuedOn');
  const total = percent(facts.total, 'total');
  const session = facts.examSession;
  const year = { lv: `Mācību gads ${schoolYearLabel(facts.schoolYear)}`, en: `School year ${schoolYearName(facts.schoolYear)}` };
  return {
    agency: AGENCY,
    title: TITLE[facts.kind],
    number: { lv: `Nr. ${facts.number}`, en: `No. ${facts.number}` },
    name: `${facts.firstName} ${facts.lastName}`,
    personalCode: { lv: `personas kods ${facts.personalCode}`, en: `personal code ${facts.personalCode}` },
    education: EDUCATION[facts.kind],
    demonstrated: DEMONSTRATED,
    subject: { lv: facts.subjectLvLocative, en: `in ${facts.subjectEn}` },
    ...(facts.kind === 'secondary' && facts.level ? { level: LEVEL[facts.level] } : {}),
    total: { lv: `kopvērtējums ${total}`, en: `overall result ${total}` },
    parts: facts.parts.map((p, i) => {
      const value = percent(p.percent, `parts[${i}].percent`);
      return { lv: `${p.nameLv} ${value}`, en: `${p.nameEn} ${value}` };
    }),
    session: session
      ? {
          lv: `${year.lv}, ${TERM[session.term].lv} ${sessionDates(session)}`,
          en: `${year.en}, ${TERM[session.term].en} ${sessionDates(session)}`,
        }
      : year,
    issued: { lv: `Izsniegts ${issued}`, en: `Issued on ${issued}` },
    place: PLACE,
    seal: SEAL,
    ...(verification
      ? {
          verification: {
            where: { lv: `Pārbaudiet šo sertifikātu vietnē ${verification.page}`, en: `Verify this certificate at ${verification.page}` },
            how: {
              lv: 'ar tā numuru un pārbaudes kodu vai nolasot QR kodu',
              en: 'with its number and verification code, or scan the QR code',
            },
            code: { lv: `Pārbaudes kods ${verification.code}`, en: `Verification code ${verification.code}` },
          },
        }
      : {}),
  };
}

/** The texts in one language, as certificate-data.json carries them. */
export function textsIn(texts: CertificateTexts, lang: 'lv' | 'en') {
  return {
    agency: texts.agency[lang],
    title: texts.title[lang],
    number: texts.number[lang],
    name: texts.name,
    personalCode: texts.personalCode[lang],
    education: texts.education[lang],
    demonstrated: texts.demonstrated[lang],
    subject: texts.subject[lang],
    ...(texts.level ? { level: texts.level[lang] } : {}),
    total: texts.total[lang],
    parts: texts.parts.map((p) => p[lang]),
    session: texts.session[lang],
    issued: texts.issued[lang],
    place: texts.place[lang],
    seal: texts.seal[lang],
    ...(texts.verification
      ? { verification: { where: texts.verification.where[lang], how: texts.verification.how[lang], code: texts.verification.code[lang] } }
      : {}),
  };
}
