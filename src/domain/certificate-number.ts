/** Certificate numbers: `YYYY/<12-digit candidate code>-<EXAM CODE>`, e.g. 2024/301949081206-FRA09. */

export interface CertificateNumber {
  year: number;
  candidateCode: string;
  examCode: string;
}

const CANDIDATE_CODE = /^\d{12}$/;
const EXAM_CODE = /^[A-Z]{3}(?:09|VL|OL|AL)$/;
const NUMBER = /^(\d{4})\/(\d{12})-([A-Z]{3}(?:09|VL|OL|AL))$/;

export function isCandidateCode(text: string): boolean {
  return CANDIDATE_CODE.test(text);
}

export function isExamCode(text: string): boolean {
  return EXAM_CODE.test(text);
}

export function buildCertificateNumber(parts: CertificateNumber): string {
  if (!Number.isInteger(parts.year) || parts.year < 1000 || parts.year > 9999) {
    throw new RangeError(`year of issue must have four digits: ${parts.year}`);
  }
  if (!isCandidateCode(parts.candidateCode)) throw new RangeError(`candidate code must have 12 digits: ${parts.candidateCode}`);
  if (!isExamCode(parts.examCode)) throw new RangeError(`not an exam code: ${parts.examCode}`);
  return `${parts.year}/${parts.candidateCode}-${parts.examCode}`;
}

/** Parses a number as printed; tolerates surrounding spaces and a lower-case exam code. */
export function parseCertificateNumber(text: string): CertificateNumber | undefined {
  const match = NUMBER.exec(text.trim().toUpperCase());
  if (!match) return undefined;
  return { year: Number(match[1]), candidateCode: match[2]!, examCode: match[3]! };
}
