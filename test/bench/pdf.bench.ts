// Cost of one certificate PDF: `npx tsx test/bench/pdf.bench.ts`. The budget is well under 1 ms per document
// (150 sealed certificates a second on two cores, XML signing and zipping included). Measured as sealed: with a
// verification code, so the QR code is encoded and drawn, and without one (documents sealed without PUBLIC_URL).
import { verificationAddress, verificationPage } from '../../src/certificate/verification-code.js';
import { variedFacts } from '../support/facts.js';

const loadStart = performance.now();
const { renderCertificatePdf } = await import('../../src/certificate/pdf.js');
const loadMs = performance.now() - loadStart;

const COUNT = 2_000;
const PUBLIC_URL = 'https://eksameni.gov.lv';
const inputs = Array.from({ length: COUNT }, (_, i) => {
  const facts = variedFacts(i);
  // A code of the right shape that differs per document, as the QR code's content does.
  const code = (i.toString(32).toUpperCase() + 'ABCDEFGHJKMNPQRS').slice(0, 16).replace(/[ILOU]/g, 'X');
  return { facts, verification: { code, address: verificationAddress(PUBLIC_URL, facts.number, code), page: verificationPage(PUBLIC_URL) } };
});

console.log(`module load (font subsetting, once per process): ${loadMs.toFixed(0)} ms`);
for (const [name, withCode] of [
  ['with a verification code and its QR code', true],
  ['without a verification code', false],
] as const) {
  const render = (i: number) => renderCertificatePdf(inputs[i]!.facts, withCode ? inputs[i]!.verification : undefined);
  for (let i = 0; i < 300; i++) render(i); // warm-up: let the JIT settle
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < COUNT; i++) bytes += render(i).length;
  const ms = performance.now() - start;
  console.log(
    `${name}: ${COUNT} documents in ${ms.toFixed(0)} ms, ${(ms / COUNT).toFixed(3)} ms per document, ${(bytes / COUNT / 1024).toFixed(1)} KiB on average`,
  );
}
