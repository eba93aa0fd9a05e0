/** Development sealing for tests: keys in a temporary folder, the test time-stamp authority, a worker pool. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SealingPool } from '../../src/sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';

export interface TestSealing {
  /** The development keys and certificates (DATA_DIR/pki). */
  pkiDir: string;
  setup: SealingSetup;
  pool: SealingPool;
  close(): Promise<void>;
}

/** `publicUrl`: documents then carry a verification code, printed with its address and QR code. */
export async function startTestSealing(workers = 1, options: { publicUrl?: string } = {}): Promise<TestSealing> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealing-'));
  const setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers, queue: 1000 } });
  const pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm: setup.longTerm, publicUrl: options.publicUrl, workers, queue: 1000 });
  return {
    pkiDir: join(dataDir, 'pki'),
    setup,
    pool,
    close: async () => {
      await pool.close();
      await setup.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
