/** The tests' portal process (test/support/portal-process.ts) starts again when its port is taken before it listens. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PortalProcess } from '../support/portal-process.js';
import { freePort } from '../support/ports.js';

const START_TIMEOUT_MS = 600_000;

describe('a portal process started for a test', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portal-process-'));
  let taken: Server | undefined;
  let portal: PortalProcess | undefined;
  afterAll(async () => {
    await portal?.stop();
    await new Promise((resolve) => (taken ? taken.close(resolve) : resolve(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'is started again on another port when the one found free was taken before it listened',
    async () => {
      // The first port offered is held by another server, as a connection opened meanwhile would hold it.
      taken = createServer().listen(0, '127.0.0.1');
      await new Promise((resolve) => taken!.once('listening', resolve));
      const takenPort = (taken.address() as { port: number }).port;
      const offered: number[] = [];
      const ports = async () => {
        const port = offered.length === 0 ? takenPort : await freePort();
        offered.push(port);
        return port;
      };
      portal = await PortalProcess.start(
        'portal',
        { DATA_DIR: dataDir, DATABASE_URL: '', DEMO_STUDENTS: '0', BACKGROUND_SEALING: 'off', REPORT_WORKERS: '0' },
        START_TIMEOUT_MS,
        ports,
      );
      expect(offered).toHaveLength(2);
      expect(portal.url).toBe(`http://127.0.0.1:${offered[1]}`);
      expect((await portal.fetch('/healthz')).status).toBe(200);
    },
    2 * START_TIMEOUT_MS,
  );
});
