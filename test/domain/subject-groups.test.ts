import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/domain/catalogue.js';
import { examSubject, subjectGroup } from '../../src/domain/subject-groups.js';

describe('subject groups of the applications report', () => {
  it('puts every Latvian, mathematics and foreign-language exam of the catalogue in its group, at any level', () => {
    const groups = Object.fromEntries(CATALOGUE.map((exam) => [exam.code, subjectGroup(exam.code) ?? null]));
    expect(groups).toMatchObject({
      LAT09: 'latvian',
      LATOL: 'latvian',
      LATAL: 'latvian',
      MAT09: 'mathematics',
      MATVL: 'mathematics',
      MATOL: 'mathematics',
      MATAL: 'mathematics',
      ANG09: 'foreignLanguage',
      VAC09: 'foreignLanguage',
      FRA09: 'foreignLanguage',
      ANGOL: 'foreignLanguage',
      ANGAL: 'foreignLanguage',
      VACOL: 'foreignLanguage',
      FRAAL: 'foreignLanguage',
      KRIAL: 'foreignLanguage',
    });
  });

  it('leaves every other subject to a column of its own, named by its subject across levels', () => {
    for (const code of ['BIOAL', 'KIMAL', 'FIZAL', 'GEOAL', 'VESAL', 'SOCAL', 'KUMAL', 'DITAL', 'PROAL']) {
      expect(subjectGroup(code)).toBeUndefined();
    }
    expect(examSubject('BIOAL')).toBe('BIO');
    expect(examSubject('lat09')).toBe('LAT');
  });

  it('has no group for a code it does not know', () => {
    expect(subjectGroup('')).toBeUndefined();
    expect(subjectGroup('XYZAL')).toBeUndefined();
  });
});
