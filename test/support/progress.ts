/**
 * Waiting in tests on a shared, busy machine: a slow machine is not a broken one. A test waits while the work
 * moves, and fails only when nothing has moved for a generous time.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ProgressOptions {
  /** How long the count may stay where it is before the test gives up. */
  stallMs?: number;
  pollMs?: number;
  /** Named in the error, so a stall says what stood still. */
  what?: string;
}

/** Polls `remaining()` until it is zero; any change of the count counts as progress. */
export async function untilNoneRemain(remaining: () => Promise<number> | number, options: ProgressOptions = {}): Promise<void> {
  const { stallMs = 120_000, pollMs = 100, what = 'work' } = options;
  let last = await remaining();
  let movedAt = Date.now();
  while (last > 0) {
    await sleep(pollMs);
    const now = await remaining();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${what}: ${now} still open, and nothing moved for ${Math.round(stallMs / 1000)} s`);
    }
  }
}

/** Polls a condition that has no count to watch, with a deadline sized for a machine far busier than usual. */
export async function until(condition: () => Promise<boolean> | boolean, options: { timeoutMs?: number; pollMs?: number; what?: string } = {}): Promise<void> {
  const { timeoutMs = 120_000, pollMs = 25, what = 'condition' } = options;
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${Math.round(timeoutMs / 1000)} s`);
    await sleep(pollMs);
  }
}
