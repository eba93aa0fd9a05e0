/**
 * A verification worker that never answers, for tests of the pool's time limit and queue: an upload starting
 * with "spin" keeps its thread's CPU busy (only stopping the thread ends it), any other one waits forever.
 */
import type { VerifyTask } from '../../src/sealing/verify-worker.js';
import type { VerificationReport } from '../../src/sealing/verify.js';

export default async function stuck(task: VerifyTask): Promise<VerificationReport> {
  if (new TextDecoder().decode(task.bytes.subarray(0, 4)) === 'spin') {
    for (;;) {
      // busy until the pool stops this thread
    }
  }
  return new Promise<never>(() => {});
}
