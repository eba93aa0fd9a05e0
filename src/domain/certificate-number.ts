/**
 * Certificate numbers: `YYYY/<12-digit candidate code>-<EXAM CODE>`, e.g. 2024/301949081206-FRA09. File names
 * cannot hold the slash, so the .edoc download carries the number as `2024-301949081206-FRA09`
 * (`sertifikats-2024-301949081206-FRA09.edoc`), and people copy it from there.
 */

export interface CertificateNumber {
  year: number;
  candidateCode: string;
  examCode: string;
}

const CANDIDATE_CODE = /^\d{12}$/;
const EXAM_CODE = /^[A-Z]{3}(?:09|VL|OL|AL)$/;
const NUMBER = /^(\d{4})\/(\d{12})-([A-Z]{3}(?:09|VL|OL|AL))$/;
/** The number as a download's file name carries it, optionally the whole file name (upper-cased before matching). */
const FILE_NAME_FORM = /^(?:SERTIFIKATS-)?(\d{4})-(\d{12})-([A-Z]{3}(?:09|VL|OL|AL))(?:\.EDOC)?$/;

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

/**
 * Parses a number as printed, or in the file-name form (`2024-301949081206-FRA09`, or the download's whole name);
 * tolerates surrounding spaces and a lower-case exam code.
 */
export function parseCertificateNumber(text: string): CertificateNumber | undefined {
  const normal = text.trim().toUpperCase();
  const match = NUMBER.exec(normal) ?? FILE_NAME_FORM.exec(normal);
  if (!match) return undefined;
  return { year: Number(match[1]), candidateCode: match[2]!, examCode: match[3]! };
}
