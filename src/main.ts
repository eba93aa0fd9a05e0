/** Starts the portal: settings, database (created, migrated, demo-filled on a first development start), HTTP. */
import { serve } from '@hono/node-server';
import { DatabaseStartupError, openDatabase, type DatabaseHandle } from '../db/connect.js';
import { ConfigError, DEFAULT_PRESERVATION, loadConfig } from './config.js';
import { DEMO_LATEST_YEAR, generateDemo, generateDemoApplications } from './data/demo.js';
import { prepareDatabase, registerIsEmpty } from './data/setup.js';
import { createLogger, maskPersonalCodesIn } from './log.js';
import { createApp } from './web/app.js';
import { createAuthDependencies } from './auth/setup.js';
import { requireStudent } from './web/session.js';
import { loadAssets } from './web/assets.js';
import { ResultsAhead } from './web/results-ahead.js';
import { ResultsPageCache } from './web/results-cache.js';
import { sealPendingCertificates } from './data/sealing.js';
import { SealingPool } from './sealing/pool.js';
import { VerificationPool } from './sealing/verify-pool.js';
import { prepareSealing } from './sealing/setup.js';
import { ReportPool } from './reports/pool.js';
import { ReportRunner } from './reports/runner.js';
import { DEFAULT_QUEUE_SETTINGS, type ReportQueueSettings } from './data/report-jobs.js';
import { prepareEservice } from './eservice/setup.js';
import { IssuanceRunner } from './issuance/runner.js';
import { DEFAULT_ISSUANCE_SETTINGS } from './data/issuance-jobs.js';
import { CountryDatabase } from './net/country-database.js';
import { startHousekeeping, startRecurringJob } from './housekeeping.js';
import { runPreservation } from './data/preservation.js';
import { PoolBusyError } from './sealing/pool.js';
import { createMailer } from './notices/mailer.js';
import { NoticeSender } from './notices/sender.js';
import { WaitingRoom } from './web/waiting-room.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${maskPersonalCodesIn(error.message)}\nSee README.md, "Settings".\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  // Libraries that print on their own (the HTTP server when a response stream fails) write through the same
  // masking, as log lines.
  console.error = (...args: unknown[]) => log.error('console', { args });
  console.warn = (...args: unknown[]) => log.warn('console', { args });
  console.info = console.log = (...args: unknown[]) => log.info('console', { args });
  const cannotStart = (error: unknown, database: string): never => {
    log.error('database is not usable', { database, error });
    if (error instanceof DatabaseStartupError) process.stderr.write(`The portal cannot start: ${maskPersonalCodesIn(error.message)}\n`);
    process.exit(1);
  };
  let handle: DatabaseHandle;
  try {
    handle = openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs });
  } catch (error) {
    return cannotStart(error, config.databaseUrl.replace(/\/\/[^@/]*@/, '//'));
  }
  try {
    await prepareDatabase(handle);
  } catch (error) {
    return cannotStart(error, handle.describe);
  }
  if (config.environment === 'development' && config.demoStudents > 0 && (await registerIsEmpty(handle))) {
    const started = Date.now();
    log.info('first start: creating demo data', { students: config.demoStudents });
    const summary = await generateDemo(handle.db, { students: config.demoStudents, seed: config.demoSeed });
    // The school year after the demo's newest, its applications open (December 2026: the 2026/27 window).
    await generateDemoApplications(handle.db, { schoolYear: DEMO_LATEST_YEAR + 1, seed: config.demoSeed });
    log.info('demo data ready', { ...summary, ms: Date.now() - started });
  }

  let sealing;
  try {
    sealing = await prepareSealing(config);
  } catch (error) {
    log.error('sealing is not usable', { error });
    process.exit(1);
  }
  const pool = new SealingPool({
    signer: sealing.signer,
    tsaUrl: sealing.tsaUrl,
    longTerm: sealing.longTerm,
    publicUrl: config.publicUrl,
    workers: config.sealing.workers,
    queue: config.sealing.queue,
  });
  // Uploaded certificates are opened and checked in threads of their own, never on the HTTP thread.
  const verification = new VerificationPool({ trust: sealing.trust, onlineRevocation: config.sealing.onlineRevocation ?? false });
  const stopBackgroundWork = new AbortController();
  if (config.backgroundSealing) {
    // Demo certificates are sealed in the background; a restart resumes where this stopped.
    void sealPendingCertificates(handle.db, (facts) => pool.seal(facts), {
      actor: 'portal',
      channel: 'startup',
      concurrency: pool.workers * 4,
      signal: stopBackgroundWork.signal,
    })
      .then((result) => log.info('demo certificates sealed', { sealed: result.sealed, failed: result.failed.length }))
      .catch((error: unknown) => log.warn('background sealing stopped', { error }));
  }

  const reportSettings: ReportQueueSettings = {
    ...DEFAULT_QUEUE_SETTINGS,
    maxQueuedPerUser: config.reports.maxQueuedPerUser,
    retentionDays: config.reports.retentionDays,
    leaseMs: config.reports.leaseSeconds * 1000,
  };
  // REPORT_WORKERS=0: this instance only queues reports; instances with workers run them.
  const reportPool = config.reports.workers > 0 ? new ReportPool({ databaseUrl: config.databaseUrl, workers: config.reports.workers }) : undefined;
  const reportRunner = reportPool
    ? new ReportRunner({ db: handle.db, executor: reportPool, settings: reportSettings, concurrency: config.reports.workers, log })
    : undefined;
  reportRunner?.start();
  // Issuance jobs (issue and seal a session's certificates) on the same lease mechanics as the reports.
  const issuanceRunner = new IssuanceRunner({
    db: handle.db,
    seal: (facts) => pool.seal(facts),
    sealConcurrency: pool.workers,
    settings: { ...DEFAULT_ISSUANCE_SETTINGS, leaseMs: reportSettings.leaseMs },
    log,
  });
  issuanceRunner.start();
  // Deletes data kept only for a while (what, and when: src/housekeeping.ts), on every instance, until shutdown.
  startHousekeeping({ db: handle.db, log, signal: stopBackgroundWork.signal });
  // Preservation (docs/sealing-and-verification.md): one instance at a time renews, document by document, in the
  // sealing workers, so the HTTP thread only reads and stores; a full sealing queue makes it wait its turn.
  const preservation = config.sealing.preservation ?? DEFAULT_PRESERVATION;
  if (preservation.intervalHours > 0 && sealing.tsaUrl) {
    const policy = { windowDays: preservation.windowDays, retiredDigests: preservation.retiredDigests };
    const step = async (edoc: Uint8Array, at: Date) => {
      for (;;) {
        try {
          return await pool.preserve(edoc, at, policy);
        } catch (error) {
          if (!(error instanceof PoolBusyError) || stopBackgroundWork.signal.aborted) throw error;
          await new Promise((resolve) => setTimeout(resolve, error.retryAfterSeconds * 1000));
        }
      }
    };
    startRecurringJob({
      name: 'preservation',
      everyMs: preservation.intervalHours * 3_600_000,
      firstAfterMs: 60_000,
      log,
      signal: stopBackgroundWork.signal,
      run: (signal) => runPreservation(handle.db, { at: new Date(), policy, step, actor: 'portal', channel: 'preservation', log, signal }),
    });
  }

  // The Latvija.lv e-service (in development, a demo e-service whose key is made in DATA_DIR/eservice/).
  let eservice;
  try {
    eservice = await prepareEservice(config, handle.db, (facts) => pool.seal(facts));
  } catch (error) {
    log.error('the e-service is not usable', { error });
    process.exit(1);
  }

  // The country data of the Baltic-only pages: read now, and again whenever the update job replaces the file.
  let geo: CountryDatabase;
  try {
    geo = CountryDatabase.open(config.geoip.file, { maxAgeDays: config.geoip.maxAgeDays, log, watch: true });
  } catch (error) {
    log.error('the geo database is not usable', { file: config.geoip.file, error });
    process.exit(1);
  }

  // "Your results are available" e-mails, in small batches beside the pages (development: .eml files in DATA_DIR/mail/).
  const noticeSender = config.mail
    ? new NoticeSender({
        db: handle.db,
        mailer: createMailer(config.mail),
        publicUrl: config.publicUrl,
        contact: config.contact,
        log,
        batchSize: config.mail.batchSize,
        batchPauseMs: config.mail.batchPauseMs,
      })
    : undefined;
  noticeSender?.start();
  // The results-day waiting room: one line shared through the database by every instance.
  let waitingRoom: WaitingRoom;
  try {
    waitingRoom = await WaitingRoom.open({ db: handle.db, secureCookies: config.environment === 'production', log });
  } catch (error) {
    return cannotStart(error, handle.describe);
  }
  waitingRoom.start();

  // Results pages rendered ahead of a release moment (src/web/results-ahead.ts), into the cache the results route keeps.
  const assets = loadAssets();
  const lobbyMs = config.resultsDay.lobbyMinutes * 60_000;
  const resultsCache = new ResultsPageCache(config.resultsDay.cacheMegabytes * 1024 * 1024);
  const resultsAhead = new ResultsAhead({
    db: handle.db,
    cache: resultsCache,
    lobbyMs,
    assets,
    contact: config.contact,
    geoAttribution: () => geo.attribution(),
    log,
  });
  startRecurringJob({
    name: 'results-ahead',
    everyMs: 60_000,
    firstAfterMs: 1000,
    log,
    signal: stopBackgroundWork.signal,
    run: (signal) => resultsAhead.run(signal),
  });

  const app = createApp({
    db: handle.db,
    log,
    assets,
    geo,
    trustedProxies: config.trustedProxies,
    allowPrivateAddresses: config.environment !== 'production',
    overload: { ...config.overload, waitingRoom },
    metrics: {
      token: config.metricsToken,
      sources: {
        sealingQueue: () => pool.piscina.queueSize,
        reportQueue: () => reportPool?.queueSize ?? 0,
        databasePool: handle.pool,
        resultsPages: resultsCache,
      },
    },
    secureCookies: config.environment === 'production',
    trust: sealing.trust,
    verifyUpload: verification.verify,
    publicUrl: config.publicUrl,
    auth: createAuthDependencies(config, handle.db),
    student: {
      requireStudent: requireStudent(),
      seal: (facts) => pool.seal(facts),
      lobby: {
        lobbyMs,
        spreadMs: config.resultsDay.spreadSeconds * 1000,
        // A lobby page asks again before its sign-in would idle out, so it stays signed in while it is open.
        keepAliveMs: (config.auth.sessionIdleMinutes * 60_000) / 2,
      },
      cache: resultsCache,
    },
    staff: {
      seal: (facts) => pool.seal(facts),
      reports: { settings: reportSettings, notify: () => reportRunner?.notify() },
      issuance: { notify: () => issuanceRunner.notify() },
    },
    eservice,
    contact: config.contact,
    notices: noticeSender ? { sender: noticeSender } : {},
  });
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    log.info('portal listening', {
      url: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}/`,
      database: handle.describe,
      environment: config.environment,
    });
  });

  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    stopBackgroundWork.abort();
    waitingRoom.stop();
    geo.close();
    server.close(() => {
      void Promise.allSettled([
        reportRunner?.stop().then(() => reportPool?.close()),
        issuanceRunner.stop().then(() => pool.close()),
        noticeSender?.stop(),
        verification.close(),
        sealing.close(),
      ])
        .then(() => handle.db.destroy())
        .then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

await main().catch((error: unknown) => {
  // What Node would print for an uncaught error, with personal codes masked.
  process.stderr.write(`${maskPersonalCodesIn(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  process.exit(1);
});
