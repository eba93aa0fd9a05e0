/**
 * The cost of one preservation step per document: `npm run bench:preserve [-- --count 200]`. Seals `count`
 * certificates at B-LT "today", then renews each, one after the other in this one thread as a sealing worker
 * does, two and a half years later (simulated clock): read the document, judge it, ask for a fresh OCSP response
 * about the previous time-stamp authority, canonicalise and hash what the archive time-stamp covers, get the
 * token, write the new container. The time-stamp authority and the OCSP responder answer in this process, so
 * their signatures (two ECDSA signatures per document) are counted in as well; a remote one would cost the
 * worker less CPU and more waiting.
 */
import { parseArgs } from 'node:util';
import { preserveDocument } from '../../src/sealing/preservation.js';
import { variedFacts } from '../support/facts.js';
import { simulatedYears, YEAR_MS } from '../support/simulated-years.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '200' } } });
const count = Number(values.count);
const today = new Date();
const renewedAt = new Date(today.getTime() + 2.5 * YEAR_MS);
const world = await simulatedYears({ laterFrom: new Date(renewedAt.getTime() - 3_600_000) });
const documents: Uint8Array[] = [];
for (let i = 0; i < count; i++) documents.push((await world.sealer(variedFacts(i))).edoc);
world.clock.now = renewedAt;
const policy = { windowDays: 365, retiredDigests: [] };
// Warm-up: module code, the responder's and the authorities' first signatures.
for (const edoc of documents.slice(0, 5)) await preserveDocument(edoc, renewedAt, policy, world.preservation);

const cpuBefore = process.cpuUsage();
const started = performance.now();
let bytesBefore = 0;
let bytesAfter = 0;
for (const edoc of documents) {
  const outcome = await preserveDocument(edoc, renewedAt, policy, world.preservation);
  if (!('edoc' in outcome)) throw new Error('a document was not renewed');
  bytesBefore += edoc.length;
  bytesAfter += outcome.edoc.length;
}
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  `preservation of ${count} B-LT documents, one thread: ${(cpuMs / count).toFixed(2)} ms CPU and ${(wallMs / count).toFixed(2)} ms elapsed per document ` +
    `(${((count * 1000) / wallMs).toFixed(0)} documents/s); .edoc ${(bytesBefore / count / 1024).toFixed(1)} KB → ${(bytesAfter / count / 1024).toFixed(1)} KB`,
);
