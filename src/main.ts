/** Starts the portal: settings, database (created, migrated, demo-filled on a first development start), HTTP. */
import { serve } from '@hono/node-server';
import { openDatabase } from '../db/connect.js';
import { ConfigError, loadConfig } from './config.js';
import { generateDemo } from './data/demo.js';
import { prepareDatabase, registerIsEmpty } from './data/setup.js';
import { createLogger } from './log.js';
import { createApp } from './web/app.js';
import { createAuthDependencies } from './auth/setup.js';
import { requireStudent } from './web/session.js';
import { sealPendingCertificates } from './data/sealing.js';
import { SealingPool } from './sealing/pool.js';
import { prepareSealing } from './sealing/setup.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee README.md, "Settings".\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const handle = openDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  try {
    await prepareDatabase(handle);
  } catch (error) {
    log.error('database is not usable', { database: handle.describe, error });
    process.exit(1);
  }
  if (config.environment === 'development' && config.demoStudents > 0 && (await registerIsEmpty(handle))) {
    const started = Date.now();
    log.info('first start: creating demo data', { students: config.demoStudents });
    const summary = await generateDemo(handle.db, { students: config.demoStudents, seed: config.demoSeed });
    log.info('demo data ready', { ...summary, ms: Date.now() - started });
  }

  let sealing;
  try {
    sealing = await prepareSealing(config);
  } catch (error) {
    log.error('sealing is not usable', { error });
    process.exit(1);
  }
  const pool = new SealingPool({ signer: sealing.signer, tsaUrl: sealing.tsaUrl, workers: config.sealing.workers, queue: config.sealing.queue });
  const stopBackgroundWork = new AbortController();
  if (config.backgroundSealing) {
    // Demo certificates are sealed in the background; a restart resumes where this stopped.
    void sealPendingCertificates(handle.db, (facts) => pool.seal(facts), { actor: 'portal', channel: 'startup', concurrency: pool.workers * 4, signal: stopBackgroundWork.signal })
      .then((result) => log.info('demo certificates sealed', { sealed: result.sealed, failed: result.failed.length }))
      .catch((error: unknown) => log.warn('background sealing stopped', { error }));
  }

  const app = createApp({
    db: handle.db,
    log,
    trustedProxies: config.trustedProxies,
    allowPrivateAddresses: config.environment !== 'production',
    overload: config.overload,
    secureCookies: config.environment === 'production',
    trust: sealing.trust,
    auth: createAuthDependencies(config, handle.db),
    student: { requireStudent: requireStudent(), seal: (facts) => pool.seal(facts) },
  });
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    log.info('portal listening', { url: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}/`, database: handle.describe, environment: config.environment });
  });

  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    stopBackgroundWork.abort();
    server.close(() => {
      void Promise.allSettled([pool.close(), sealing.close()])
        .then(() => handle.db.destroy())
        .then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
