/**
 * Sealing throughput: `npm run bench:seal [-- --count 2000]`. Seals the same set of certificates with the worker
 * pool (one worker per core) and with one worker, in one run, at level B-T (test time-stamp authority in this
 * process, as in development) and B-B; prints certificates/s, the pool's speed-up, .edoc sizes and where the
 * time goes inside a worker.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SealingPool } from '../../src/sealing/pool.js';
import type { SealedDocument } from '../../src/sealing/seal.js';
import { prepareSealing } from '../../src/sealing/setup.js';
import { variedFacts } from '../support/facts.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '2000' } } });
const count = Number(values.count);

async function run(label: string, pool: SealingPool): Promise<{ rate: number; documents: SealedDocument[] }> {
  // Warm up every worker (module load, font subsets, signer) before timing.
  await Promise.all(Array.from({ length: pool.workers * 4 }, (_, i) => pool.seal(variedFacts(i))));
  const documents: SealedDocument[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: pool.workers * 16 }, async () => {
      while (next < count) documents.push(await pool.seal(variedFacts(next++)));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const rate = count / seconds;
  console.log(`${label.padEnd(28)} ${rate.toFixed(0).padStart(5)} certificates/s  (${count} in ${seconds.toFixed(2)} s)`);
  return { rate, documents };
}

function describe(documents: SealedDocument[]): string {
  const avg = (f: (d: SealedDocument) => number) => documents.reduce((s, d) => s + f(d), 0) / documents.length;
  const sizes = documents.map((d) => d.edoc.length);
  return (
    `size avg ${(avg((d) => d.edoc.length) / 1024).toFixed(1)} KB, max ${(Math.max(...sizes) / 1024).toFixed(1)} KB; ` +
    `per document in a worker: PDF ${avg((d) => d.timings.pdfMs).toFixed(2)} ms, XML ${avg((d) => d.timings.xmlMs).toFixed(2)} ms, ` +
    `signature ${avg((d) => d.timings.signMs).toFixed(2)} ms, time-stamp wait ${avg((d) => d.timings.timestampMs).toFixed(2)} ms, ZIP ${avg((d) => d.timings.zipMs).toFixed(2)} ms`
  );
}

const dataDir = mkdtempSync(join(tmpdir(), 'seal-bench-'));
const setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100000 } });
try {
  const cores = availableParallelism();
  for (const level of ['B-T', 'B-B'] as const) {
    const tsaUrl = level === 'B-T' ? setup.tsaUrl : undefined;
    const pool = new SealingPool({ signer: setup.signer, tsaUrl, workers: cores, queue: 100000 });
    const single = new SealingPool({ signer: setup.signer, tsaUrl, workers: 1, queue: 100000 });
    try {
      const withPool = await run(`${level}, pool of ${cores} workers`, pool);
      const withOne = await run(`${level}, one worker`, single);
      console.log(`${level}: pool / one worker = ${(withPool.rate / withOne.rate).toFixed(2)}×; ${describe(withPool.documents)}`);
    } finally {
      await pool.close();
      await single.close();
    }
  }
} finally {
  await setup.close();
  rmSync(dataDir, { recursive: true, force: true });
}
