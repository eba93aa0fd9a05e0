// certificate-data.json: the PDF's facts for machines in both languages, validated with Ajv against the schema
// kept in schemas/ and served at /api/certificate-data.schema.json; its texts are the lines the PDF prints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_DATA_SCHEMA_FILE, certificateData, certificateDataJson } from '../../src/certificate/data.js';
import type { CertificateFacts, CertificateVerification } from '../../src/certificate/facts.js';
import { renderCertificatePdf } from '../../src/certificate/pdf.js';
import { verificationAddress, verificationPage } from '../../src/certificate/verification-code.js';
import { kumalFacts } from '../support/facts.js';

const schema = JSON.parse(readFileSync(CERTIFICATE_DATA_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true }).compile(schema);
const dir = mkdtempSync(join(tmpdir(), 'certificate-data-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verification = (facts: CertificateFacts): CertificateVerification => ({
  code: 'QX4M-7TRB-HN2K-9WDC',
  address: verificationAddress('https://eksameni.gov.lv', facts.number, 'QX4M-7TRB-HN2K-9WDC'),
  page: verificationPage('https://eksameni.gov.lv'),
});

const basic = kumalFacts({
  kind: 'basic',
  number: '2026/733200000308-MAT09',
  examCode: 'MAT09',
  personalCode: '32579461005',
  subjectLvLocative: 'matemātikā',
  subjectLv: 'Matemātika',
  subjectEn: 'Mathematics',
  level: null,
  parts: [
    { nameLv: '1. daļa', nameEn: 'Part 1', percent: 80 },
    { nameLv: '2. daļa', nameEn: 'Part 2', percent: 35 },
  ],
});

const CASES: [string, CertificateFacts, CertificateVerification | undefined][] = [
  ['a secondary certificate with its verification code', kumalFacts(), verification(kumalFacts())],
  ['a basic certificate (no level) with a new-form personal code', basic, verification(basic)],
  ['a certificate sealed without a code, its session unknown', kumalFacts({ examSession: undefined }), undefined],
];

describe('certificate-data.json', () => {
  it.each(CASES)('follows the published schema: %s', (_name, facts, v) => {
    const data = JSON.parse(new TextDecoder().decode(certificateData(facts, v))) as Record<string, unknown>;
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(data.format).toBe('lv-ce-certificate/2');
    expect('verification' in data).toBe(v !== undefined);
  });

  it('keeps every fact of the first format, flat, so its readers read this one too', () => {
    const facts = kumalFacts();
    expect(certificateDataJson(facts)).toMatchObject({ ...facts, issuer: 'Valsts izglītības attīstības aģentūra' });
  });

  it('carries exactly the lines the PDF prints, in Latvian and in English', () => {
    const facts = kumalFacts();
    const v = verification(facts);
    const { text } = certificateDataJson(facts, v);
    const file = join(dir, 'certificate.pdf');
    writeFileSync(file, renderCertificatePdf(facts, v));
    const printed = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' ').trim())
      .filter((line) => line !== '')
      .join('\n');
    for (const lang of ['lv', 'en'] as const) {
      const { parts, verification: lines, seal, ...single } = text[lang];
      for (const line of [...Object.values(single), ...parts, ...Object.values(lines!)]) expect(printed).toContain(line.replaceAll('\u00A0', ' '));
      // The seal statement is printed on two lines.
      expect(printed.replace(/\n/g, ' ')).toContain(seal);
    }
  });

  it('is refused by the schema when a fact is impossible', () => {
    const good = certificateDataJson(kumalFacts());
    for (const bad of [
      { ...good, total: 101 },
      { ...good, number: '2026-301949081206-KUMAL' },
      { ...good, personalCode: '16117519997' },
      { ...good, parts: [{ nameLv: 'x', nameEn: 'x', percent: 27.5 }] },
      { ...good, issuedOn: '2024-13-01' },
      { ...good, unexpected: true },
    ]) {
      expect(validate(bad)).toBe(false);
    }
  });
});
