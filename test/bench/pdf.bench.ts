// Cost of one certificate PDF: `npx tsx test/bench/pdf.bench.ts`. The budget is well under 1 ms per document
// (150 sealed certificates a second on two cores, XML signing and zipping included).
import type { CertificateFacts } from '../../src/certificate/facts.js';

const loadStart = performance.now();
const { renderCertificatePdf } = await import('../../src/certificate/pdf.js');
const loadMs = performance.now() - loadStart;

const COUNT = 2_000;
const FIRST = ['Anna', 'Jānis', 'Ģirts Ņikita', 'Līga', 'Kristaps', 'Elīza Marija'];
const LAST = ['Bērziņa', 'Kalniņš', 'Šķēle-Žūriņa', 'Ozola', 'Pētersons', 'Vītola'];

function facts(i: number): CertificateFacts {
  const candidate = String(301949000000 + i);
  return {
    kind: 'secondary',
    number: `2024/${candidate}-KUMAL`,
    firstName: FIRST[i % FIRST.length]!,
    lastName: LAST[(i * 7) % LAST.length]!,
    personalCode: `${String(100000 + (i % 900000)).padStart(6, '0')}-${String(10000 + (i % 90000))}`,
    examCode: 'KUMAL',
    subjectLvLocative: 'kultūrā un mākslā',
    subjectLv: 'Kultūra un māksla',
    subjectEn: 'Culture and arts',
    level: 'higher',
    schoolYear: 2023,
    total: i % 101,
    parts: [
      { nameLv: 'Zināšanas, izpratne un prasmes', nameEn: 'Knowledge, understanding and skills', percent: (i * 3) % 101 },
      { nameLv: 'Kompleksu problēmu risināšana', nameEn: 'Solving complex problems', percent: (i * 5) % 101 },
    ],
    issuedOn: '2024-06-17',
  };
}

const inputs = Array.from({ length: COUNT }, (_, i) => facts(i));
for (let i = 0; i < 300; i++) renderCertificatePdf(inputs[i]!); // warm-up: let the JIT settle

let bytes = 0;
const start = performance.now();
for (const input of inputs) bytes += renderCertificatePdf(input).length;
const ms = performance.now() - start;

console.log(`module load (font subsetting, once per process): ${loadMs.toFixed(0)} ms`);
console.log(`${COUNT} documents in ${ms.toFixed(0)} ms: ${(ms / COUNT).toFixed(3)} ms per document, ${(bytes / COUNT / 1024).toFixed(1)} KiB on average`);
