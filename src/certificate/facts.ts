/** What a certificate states: the facts the PDF prints and the data file carries, nothing more. */

/** The machine-readable twin of the PDF, for universities: same facts, fixed name in every container. */
export const CERTIFICATE_DATA_FILE = 'certificate-data.json';

export type CertificateKind = 'basic' | 'secondary';
export type ExamLevel = 'general' | 'optimal' | 'higher';
export type ExamTerm = 'main' | 'additional';

export interface CertificatePart {
  /** Latvian name of the part as printed ("Kompleksu problēmu risināšana", or "2. daļa" where it has none). */
  nameLv: string;
  nameEn: string;
  percent: number;
}

export interface CertificateFacts {
  kind: CertificateKind;
  /** "2024/301949081206-KUMAL" */
  number: string;
  firstName: string;
  lastName: string;
  /** As printed: old form with its hyphen ("161175-19997"), new form as it is. */
  personalCode: string;
  examCode: string;
  /** Subject in the Latvian locative case, as the sentence needs it: "kultūrā un mākslā". */
  subjectLvLocative: string;
  subjectLv: string;
  subjectEn: string;
  /** Secondary exams only. */
  level: ExamLevel | null;
  /** Start year of the school year: 2023 is 2023/2024. */
  schoolYear: number;
  /** The exam session the result comes from; absent in documents sealed before it was printed. */
  examSession?: { term: ExamTerm; startsOn: string; endsOn: string };
  total: number;
  parts: CertificatePart[];
  /** YYYY-MM-DD */
  issuedOn: string;
}

/**
 * How a reader confirms the document: printed on it and carried in its data file. Made when the document is
 * sealed; the register keeps only a hash of the code.
 */
export interface CertificateVerification {
  /** As printed: "7KQ2-M9XD-4HTR-B8WN". */
  code: string;
  /** The verification page with the number and the code filled in; the QR code holds it. */
  address: string;
  /** The verification page as a reader types it: "eksameni.gov.lv/verify". */
  page: string;
}
