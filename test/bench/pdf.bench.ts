// Cost of one certificate PDF: `npx tsx test/bench/pdf.bench.ts`. The budget is well under 1 ms per document
// (150 sealed certificates a second on two cores, XML signing and zipping included).
import { variedFacts } from '../support/facts.js';

const loadStart = performance.now();
const { renderCertificatePdf } = await import('../../src/certificate/pdf.js');
const loadMs = performance.now() - loadStart;

const COUNT = 2_000;
const inputs = Array.from({ length: COUNT }, (_, i) => variedFacts(i));
for (let i = 0; i < 300; i++) renderCertificatePdf(inputs[i]!); // warm-up: let the JIT settle

let bytes = 0;
const start = performance.now();
for (const input of inputs) bytes += renderCertificatePdf(input).length;
const ms = performance.now() - start;

console.log(`module load (font subsetting, once per process): ${loadMs.toFixed(0)} ms`);
console.log(`${COUNT} documents in ${ms.toFixed(0)} ms: ${(ms / COUNT).toFixed(3)} ms per document, ${(bytes / COUNT / 1024).toFixed(1)} KiB on average`);
