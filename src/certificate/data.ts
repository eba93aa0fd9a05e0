/**
 * certificate-data.json: the PDF's facts for machines, in both languages, described by the published JSON Schema
 * (schemas/certificate-data.schema.json, served at CERTIFICATE_DATA_SCHEMA_PATH).
 *
 * The facts stay flat at the top, as in the first format, so every reader of that format (our verifier among
 * them) reads this one too; `text` adds every printed line in Latvian and English, and `verification` how to
 * check the document. The object is built field by field, so nothing that happens to ride along on the facts
 * (a document's own data file read back) leaks into it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import type { CertificateFacts, CertificateVerification } from './facts.js';
import { certificateTexts, textsIn } from './texts.js';

export const CERTIFICATE_DATA_FORMAT = 'lv-ce-certificate/2';
export const CERTIFICATE_DATA_SCHEMA_PATH = '/api/certificate-data.schema.json';
export const CERTIFICATE_DATA_SCHEMA_FILE = join(PROJECT_ROOT, 'schemas', 'certificate-data.schema.json');

export function certificateDataJson(facts: CertificateFacts, verification?: CertificateVerification) {
  const texts = certificateTexts(facts, verification);
  const session = facts.examSession;
  return {
    format: CERTIFICATE_DATA_FORMAT,
    issuer: 'Valsts izglītības attīstības aģentūra',
    issuerEn: 'State Education Development Agency',
    kind: facts.kind,
    number: facts.number,
    firstName: facts.firstName,
    lastName: facts.lastName,
    personalCode: facts.personalCode,
    examCode: facts.examCode,
    subjectLvLocative: facts.subjectLvLocative,
    subjectLv: facts.subjectLv,
    subjectEn: facts.subjectEn,
    level: facts.level,
    schoolYear: facts.schoolYear,
    ...(session ? { examSession: { term: session.term, startsOn: session.startsOn, endsOn: session.endsOn } } : {}),
    total: facts.total,
    parts: facts.parts.map((p) => ({ nameLv: p.nameLv, nameEn: p.nameEn, percent: p.percent })),
    issuedOn: facts.issuedOn,
    text: { lv: textsIn(texts, 'lv'), en: textsIn(texts, 'en') },
    ...(verification ? { verification: { code: verification.code, address: verification.address } } : {}),
  };
}

export type CertificateDataJson = ReturnType<typeof certificateDataJson>;

export function certificateData(facts: CertificateFacts, verification?: CertificateVerification): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(certificateDataJson(facts, verification), null, 2));
}

let schema: Record<string, unknown> | undefined;

/** The JSON Schema of certificate-data.json, read once from the repository's copy. */
export function certificateDataSchema(): Record<string, unknown> {
  schema ??= JSON.parse(readFileSync(CERTIFICATE_DATA_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  return schema;
}
