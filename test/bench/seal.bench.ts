/**
 * Sealing throughput: `npm run bench:seal [-- --count 2000]`. Seals the same set of certificates, in one run, at
 * level B-T (test time-stamp authority in this process, as in development) and B-B, with
 *  - the worker pool (one worker per core),
 *  - one worker (V8's own helper threads and the main thread still use the other cores),
 *  - one worker with the whole process confined to one core (`taskset -c 0`, a child process),
 * and prints certificates/s, CPU use, the pool's speed-up, .edoc sizes and where the time goes in a worker.
 * Documents carry a verification code and its QR code, as the portal seals them.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SealingPool } from '../../src/sealing/pool.js';
import type { SealedDocument } from '../../src/sealing/seal.js';
import { prepareSealing } from '../../src/sealing/setup.js';
import { variedFacts } from '../support/facts.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '2000' }, child: { type: 'string' } },
});
const count = Number(values.count);
const publicUrl = 'https://eksameni.gov.lv';

async function run(label: string, pool: SealingPool, quiet = false): Promise<{ rate: number; documents: SealedDocument[] }> {
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

/** One worker in a child process pinned to core 0 with everything else it runs (time-stamp authority included). */
function oneCore(level: 'B-T' | 'B-B'): number {
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

const dataDir = mkdtempSync(join(tmpdir(), 'seal-bench-'));
const setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100000 } });
try {
  if (values.child) {
    const single = new SealingPool({ signer: setup.signer, tsaUrl: values.child === 'B-T' ? setup.tsaUrl : undefined, publicUrl, workers: 1, queue: 100000 });
    console.log(JSON.stringify({ rate: (await run('child', single, true)).rate }));
    await single.close();
  } else {
    const cores = availableParallelism();
    for (const level of ['B-T', 'B-B'] as const) {
      const tsaUrl = level === 'B-T' ? setup.tsaUrl : undefined;
      const pool = new SealingPool({ signer: setup.signer, tsaUrl, publicUrl, workers: cores, queue: 100000 });
      const single = new SealingPool({ signer: setup.signer, tsaUrl, publicUrl, workers: 1, queue: 100000 });
      try {
        const withPool = await run(`${level}, pool of ${cores} workers`, pool);
        const withOne = await run(`${level}, one worker`, single);
        const pinned = oneCore(level);
        console.log(`${`${level}, one worker on one core`.padEnd(28)} ${pinned.toFixed(0).padStart(5)} certificates/s`);
        console.log(
          `${level}: pool / one worker = ${(withPool.rate / withOne.rate).toFixed(2)}×, pool / one core = ${(withPool.rate / pinned).toFixed(2)}×; ` +
            describe(withPool.documents),
        );
      } finally {
        await pool.close();
        await single.close();
      }
    }
  }
} finally {
  await setup.close();
  rmSync(dataDir, { recursive: true, force: true });
}
