import type { CertificateFacts } from '../../src/certificate/facts.js';

/** The seed's culture-and-arts certificate (2024/…-KUMAL, 33 %: 27 % and 42 %), with any field replaced. */
export function kumalFacts(overrides: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    kind: 'secondary',
    number: '2024/301949081206-KUMAL',
    firstName: 'Anna',
    lastName: 'Bērziņa',
    personalCode: '161175-19997',
    examCode: 'KUMAL',
    subjectLvLocative: 'kultūrā un mākslā',
    subjectLv: 'Kultūra un māksla',
    subjectEn: 'Culture and arts',
    level: 'higher',
    schoolYear: 2023,
    examSession: { term: 'main', startsOn: '2024-05-29', endsOn: '2024-05-29' },
    total: 33,
    parts: [
      { nameLv: 'Zināšanas, izpratne un prasmes', nameEn: 'Knowledge, understanding and skills', percent: 27 },
      { nameLv: 'Kompleksu problēmu risināšana', nameEn: 'Solving complex problems', percent: 42 },
    ],
    issuedOn: '2024-06-17',
    ...overrides,
  };
}

/** The i-th of many different certificates, for benchmarks. */
export function variedFacts(i: number): CertificateFacts {
  const first = ['Anna', 'Ģirts', 'Šarlote', 'Jānis', 'Ņikita', 'Līga'];
  const last = ['Bērziņa', 'Ozoliņš', 'Žagare', 'Kļaviņš', 'Ķēniņa-Šņore', 'Ābols'];
  const base = kumalFacts();
  return kumalFacts({
    number: `2026/${String(300000000000 + i)}-KUMAL`,
    firstName: first[i % first.length]!,
    lastName: last[(i * 7) % last.length]!,
    total: i % 101,
    parts: base.parts.map((p, k) => ({ ...p, percent: (i * (3 + 2 * k)) % 101 })),
  });
}
