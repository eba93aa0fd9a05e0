/**
 * Sealing throughput: `npm run bench:seal [-- --count 2000]`. Seals the same set of certificates, in one run, at
 * level B-LT (test time-stamp authority and OCSP responder in this process, as in development), B-T and B-B, with
 *  - the worker pool (one worker per core),
 *  - one worker (V8's own helper threads and the main thread still use the other cores),
 *  - one worker with the whole process confined to one core (`taskset -c 0`, a child process),
 * and prints certificates/s, CPU use, the pool's speed-up, .edoc sizes, where the time goes in a worker and, for
 * B-LT, how many documents shared one OCSP response. Documents carry a verification code and its QR code, as the portal seals them.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { SealingPool } from '../../src/sealing/pool.js';
import type { SealedDocument, SealLevel } from '../../src/sealing/seal.js';
import { prepareSealing } from '../../src/sealing/setup.js';
import { variedFacts } from '../support/facts.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '2000' }, child: { type: 'string' } },
});
const count = Number(values.count);
const publicUrl = 'https://eksameni.gov.lv';

async function run(label: string, pool: SealingPool, quiet = false): Promise<{ rate: number; cpuMs: number; documents: SealedDocument[] }> {
  // Warm up every worker (module load, font subsets, signer) before timing.
  await Promise.all(Array.from({ length: pool.workers * 4 }, (_, i) => pool.seal(variedFacts(i))));
  const documents: SealedDocument[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: pool.workers * 16 }, async () => {
      while (next < count) documents.push(await pool.seal(variedFacts(next++)));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cores = (cpu.user + cpu.system) / 1e6 / seconds;
  const rate = count / seconds;
  if (!quiet)
    console.log(
      `${label.padEnd(28)} ${rate.toFixed(0).padStart(5)} certificates/s  (${count} in ${seconds.toFixed(2)} s, ` +
        `${cores.toFixed(2)} cores busy, ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms CPU per certificate)`,
    );
  return { rate, cpuMs: (cpu.user + cpu.system) / 1000 / count, documents };
}

function describe(documents: SealedDocument[]): string {
  const avg = (f: (d: SealedDocument) => number) => documents.reduce((s, d) => s + f(d), 0) / documents.length;
  const sizes = documents.map((d) => d.edoc.length);
  return (
    `size avg ${(avg((d) => d.edoc.length) / 1024).toFixed(1)} KB, max ${(Math.max(...sizes) / 1024).toFixed(1)} KB; ` +
    `per document in a worker: PDF ${avg((d) => d.timings.pdfMs).toFixed(2)} ms, XML ${avg((d) => d.timings.xmlMs).toFixed(2)} ms, ` +
    `signature ${avg((d) => d.timings.signMs).toFixed(2)} ms, time-stamp wait ${avg((d) => d.timings.timestampMs).toFixed(2)} ms, ` +
    `long-term data (OCSP) ${avg((d) => d.timings.longTermMs).toFixed(2)} ms, ZIP ${avg((d) => d.timings.zipMs).toFixed(2)} ms`
  );
}

/** How many distinct seal OCSP responses the documents carry. */
function distinctOcspResponses(documents: SealedDocument[]): number {
  const seen = new Set<string>();
  for (const document of documents) {
    const xml = new TextDecoder().decode(unzipSync(document.edoc)['META-INF/signatures0.xml']);
    const value = /<xades:RevocationValues Id="S1-RV"><xades:OCSPValues><xades:EncapsulatedOCSPValue>([^<]+)</.exec(xml)?.[1];
    if (value) seen.add(createHash('sha256').update(value).digest('hex'));
  }
  return seen.size;
}

/** One worker in a child process pinned to core 0 with everything else it runs (time-stamp authority included). */
function oneCore(level: SealLevel): number {
  const child = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--count', String(count), '--child', level],
    {
      encoding: 'utf8',
    },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return Number(JSON.parse(line).rate);
}

/** The pool settings of each level: B-LT with the time-stamp authority and OCSP, B-T with the authority alone. */
function settingsOf(level: SealLevel) {
  if (level === 'B-B') return {};
  return level === 'B-LT' ? { tsaUrl: setup.tsaUrl, longTerm: setup.longTerm } : { tsaUrl: setup.tsaUrl };
}

const dataDir = mkdtempSync(join(tmpdir(), 'seal-bench-'));
const setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100000 } });
try {
  if (values.child) {
    const level = values.child as SealLevel;
    const single = new SealingPool({ signer: setup.signer, ...settingsOf(level), publicUrl, workers: 1, queue: 100000 });
    console.log(JSON.stringify({ rate: (await run('child', single, true)).rate }));
    await single.close();
  } else {
    const cores = availableParallelism();
    const cpuPerDocument: Partial<Record<SealLevel, number>> = {};
    for (const level of ['B-LT', 'B-T', 'B-B'] as const) {
      const pool = new SealingPool({ signer: setup.signer, ...settingsOf(level), publicUrl, workers: cores, queue: 100000 });
      const single = new SealingPool({ signer: setup.signer, ...settingsOf(level), publicUrl, workers: 1, queue: 100000 });
      try {
        const withPool = await run(`${level}, pool of ${cores} workers`, pool);
        const withOne = await run(`${level}, one worker`, single);
        const pinned = oneCore(level);
        console.log(`${`${level}, one worker on one core`.padEnd(28)} ${pinned.toFixed(0).padStart(5)} certificates/s`);
        console.log(
          `${level}: pool / one worker = ${(withPool.rate / withOne.rate).toFixed(2)}×, pool / one core = ${(withPool.rate / pinned).toFixed(2)}×; ` +
            describe(withPool.documents),
        );
        cpuPerDocument[level] = withPool.cpuMs;
        if (level === 'B-LT') {
          const responses = distinctOcspResponses(withPool.documents);
          console.log(`B-LT: ${responses} OCSP responses for ${count} documents (${(count / responses).toFixed(1)} documents per response)`);
        }
      } finally {
        await pool.close();
        await single.close();
      }
    }
    console.log(
      `OCSP step (B-LT − B-T, whole process, responder included): ${(cpuPerDocument['B-LT']! - cpuPerDocument['B-T']!).toFixed(2)} ms CPU per document`,
    );
  }
} finally {
  await setup.close();
  rmSync(dataDir, { recursive: true, force: true });
}
