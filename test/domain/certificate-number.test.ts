import { describe, expect, it } from 'vitest';
import { buildCertificateNumber, parseCertificateNumber } from '../../src/domain/certificate-number.js';

describe('certificate numbers', () => {
  it('parses every number shown in the seeds and builds it back', () => {
    for (const text of [
      '2024/301949081206-FRA09',
      '2023/601919002079-KUMAL',
      '2023/733200000308-LATOL',
      '2023/733200000348-MATOL',
      '2023/733200000319-ANGOL',
    ]) {
      const parsed = parseCertificateNumber(text)!;
      expect(parsed).toBeDefined();
      expect(buildCertificateNumber(parsed)).toBe(text);
    }
    expect(parseCertificateNumber('2024/301949081206-FRA09')).toEqual({ year: 2024, candidateCode: '301949081206', examCode: 'FRA09' });
  });

  it('tolerates spaces and a lower-case exam code', () => {
    expect(parseCertificateNumber(' 2024/301949081206-fra09 ')).toEqual({ year: 2024, candidateCode: '301949081206', examCode: 'FRA09' });
  });

  it('accepts the number as the .edoc download’s file name carries it, and that whole file name', () => {
    const expected = { year: 2026, candidateCode: '500200000001', examCode: 'LAT09' };
    for (const text of [
      '2026-500200000001-LAT09',
      ' 2026-500200000001-lat09 ',
      'sertifikats-2026-500200000001-LAT09.edoc',
      'Sertifikats-2026-500200000001-LAT09.EDOC',
    ]) {
      expect(parseCertificateNumber(text), text).toEqual(expected);
    }
    expect(buildCertificateNumber(parseCertificateNumber('2026-500200000001-LAT09')!)).toBe('2026/500200000001-LAT09');
  });

  it('refuses malformed numbers', () => {
    for (const text of [
      '',
      '2024/30194908120-FRA09',
      '2024/3019490812066-FRA09',
      '24/301949081206-FRA09',
      '2024/301949081206-FRA9',
      '2024/301949081206-FRAXL',
      '2024/301949081206FRA09',
      '2024-301949081206/FRA09',
      '2024-301949081206FRA09',
      '2024/301949081206-FRA09.edoc',
      'sertifikats-2024/301949081206-FRA09',
      'certificate-2024-301949081206-FRA09.edoc',
      '2024-301949081206-FRA09.pdf',
    ]) {
      expect(parseCertificateNumber(text)).toBeUndefined();
    }
  });

  it('refuses to build from bad parts', () => {
    expect(() => buildCertificateNumber({ year: 24, candidateCode: '301949081206', examCode: 'FRA09' })).toThrow(RangeError);
    expect(() => buildCertificateNumber({ year: 2024, candidateCode: '30194908120', examCode: 'FRA09' })).toThrow(RangeError);
    expect(() => buildCertificateNumber({ year: 2024, candidateCode: '301949081206', examCode: 'fra09' })).toThrow(RangeError);
  });
});

describe('exam titles', () => {
  it('print as the seeds show them', async () => {
    const { examTitle } = await import('../../src/domain/exam-title.js');
    const french = { education: 'basic' as const, level: null, subjectLvLocative: 'franču valodā', subjectEn: 'French', schoolYear: 2023 };
    expect(examTitle(french, 'lv')).toBe('Eksāmens franču valodā 9. klasei 2023./2024. m.g.');
    expect(examTitle(french, 'en')).toBe('Exam in French for 9th grade 2023/2024');
    const arts = {
      education: 'secondary' as const,
      level: 'higher' as const,
      subjectLvLocative: 'kultūrā un mākslā',
      subjectEn: 'culture and arts',
      schoolYear: 2023,
    };
    expect(examTitle(arts, 'lv')).toBe('Centralizētais eksāmens kultūrā un mākslā (augstākais līmenis) 2023./2024. m.g.');
    expect(examTitle(arts, 'en')).toBe('Centralised exam in culture and arts (higher level) 2023/2024');
  });
});
