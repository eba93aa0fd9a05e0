/**
 * Housekeeping: what deletes which personal data, and when, in one place.
 *
 * Every table that holds short-lived data is cleaned by one task below: what it deletes, how long the rows are
 * kept (the retention is decided where the rows are written, from the settings and constants named here), how
 * often the task runs, and the data module's function that holds the DELETE. This module only schedules and
 * documents; the statements stay with the data they belong to.
 *
 * Nothing depends on a task having run: every reader already refuses a row past its time (a session, an embed
 * session or a download link past `expires_at`; a rate-limit counter of an ended window starts again at one; a used
 * token id is refused again until it is removed, and is removed only once its token can no longer be accepted
 * anyway; an answered sign-in's state is removed only once its login cookie is refused anyway). The tasks keep the
 * tables from holding data longer than they need to.
 *
 * Every instance runs every task. That is safe: each task is one idempotent DELETE (or one transaction) over
 * rows whose time is over, so two instances running the same task at once remove each row once between them.
 * Each task runs on its own: one that fails is logged and tried again at its next turn, and the others go on.
 *
 * Not here, because they are not kept "for a while": a session ends at once on logout or when a staff member's
 * access is taken away; a sign-in under way is kept by the browser, in its login cookie; the audit log,
 * certificates and paper-copy requests are records the agency keeps.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { EMBED_SESSION_MS, ENDED_SESSION_KEPT_MS, purgeDownloadLinks, purgeEmbedSessions, purgeUsedTokenIds } from './data/eservice.js';
import { purgeExpiredPaperDrafts } from './data/paper-requests.js';
import { pruneEndedRateLimitWindows } from './data/rate-limits.js';
import { expireScoreUploads, SCORE_UPLOAD_KEEP_MS } from './data/score-uploads.js';
import { expireReports, removeOrphanReportFiles } from './data/report-jobs.js';
import { LOGIN_ATTEMPT_MS, purgeExpiredWebSessions, purgeStaleLoginAttempts, WEB_SESSION_ABSOLUTE_MS } from './data/web-sessions.js';
import { CLOCK_TOLERANCE_SECONDS } from './eservice/claims.js';
import type { Logger } from './log.js';
import { purgeOldNoticeRecords, purgeUnconfirmedNoticeAddresses } from './data/notices.js';
import { purgeEndedShareLinks } from './data/share-links.js';
import { ENDED_SHARE_LINK_KEPT_DAYS } from './domain/share-links.js';
import { CONFIRM_LINK_HOURS, NOTICE_RECORD_DAYS } from './domain/notices.js';

export interface HousekeepingTask {
  /** Names the task in the log. */
  name: string;
  /** What it deletes: the table, and what its rows hold. */
  deletes: string;
  /** How long those rows are kept before this task removes them. */
  retention: string;
  /** How often it runs, on every instance. */
  everyMs: number;
  /** The data module's function that deletes; returns how many rows (for reports: how many reports) it removed. */
  run: (db: Kysely<Database>, now: Date) => Promise<number>;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** What deletes which personal data, when. */
export const HOUSEKEEPING_TASKS: readonly HousekeepingTask[] = [
  {
    name: 'web-sessions',
    deletes: 'ended sign-ins (web_sessions): the student or staff user signed in, the name shown, the SHA-256 of the cookie token, the CSRF token',
    retention: `until SESSION_IDLE_MINUTES without a request, at most ${WEB_SESSION_ABSOLUTE_MS / HOUR_MS} hours after sign-in`,
    everyMs: 10 * MINUTE_MS,
    run: purgeExpiredWebSessions,
  },
  {
    name: 'login-attempts',
    deletes: 'answered sign-ins (login_attempts): the OpenID Connect state of each, so that no answer makes a second session',
    retention: `${LOGIN_ATTEMPT_MS / MINUTE_MS} minutes after the browser was sent to the provider (the login cookie is refused after that anyway)`,
    everyMs: 10 * MINUTE_MS,
    run: purgeStaleLoginAttempts,
  },
  {
    name: 'eservice-token-ids',
    deletes: 'used e-service token ids (eservice_token_ids): the SHA-256 of issuer and jti, for the replay check',
    retention: `until the token's exp plus ${CLOCK_TOLERANCE_SECONDS} s (at most ESERVICE_MAX_TOKEN_SECONDS after it was issued, plus that)`,
    everyMs: 10 * MINUTE_MS,
    run: purgeUsedTokenIds,
  },
  {
    name: 'eservice-sessions',
    deletes:
      "e-service embed sessions (eservice_sessions): the holder's person id, the personal code of who signed in at Latvija.lv (the holder or a representative)",
    retention: `${EMBED_SESSION_MS / MINUTE_MS} minutes after the token was verified, then ${ENDED_SESSION_KEPT_MS / HOUR_MS} hours in which nothing but saving a late paper request form as the same person's draft accepts it`,
    everyMs: 10 * MINUTE_MS,
    run: purgeEmbedSessions,
  },
  {
    name: 'paper-request-drafts',
    deletes:
      "unfinished paper request forms (paper_request_drafts): the holder's person id, the personal code of who typed, the delivery choice and the postal address typed",
    retention: 'PAPER_DRAFT_HOURS after the form was sent (default 24), or at once when the request is filed',
    everyMs: 10 * MINUTE_MS,
    run: purgeExpiredPaperDrafts,
  },
  {
    name: 'eservice-links',
    deletes: "e-service download links (eservice_links): certificate, the holder's person id, the personal code of who asked",
    retention: `${EMBED_SESSION_MS / MINUTE_MS} minutes after the list showing them was opened`,
    everyMs: 10 * MINUTE_MS,
    run: purgeDownloadLinks,
  },
  {
    name: 'rate-limit-counters',
    deletes:
      'rate-limit counters (rate_limit_counters): a count per SHA-256 of the limit and the key counted (an address or address block, a certificate number)',
    retention: "until the counter's window ends (10 minutes to 24 hours, by limit)",
    everyMs: MINUTE_MS,
    run: pruneEndedRateLimitWindows,
  },
  {
    name: 'score-upload-files',
    deletes: 'score files previewed in the agency pages but never saved (score_uploads.content): candidate codes and their points; the history row stays',
    retention: `${SCORE_UPLOAD_KEEP_MS / MINUTE_MS} minutes after the upload`,
    everyMs: 10 * MINUTE_MS,
    run: expireScoreUploads,
  },
  {
    name: 'report-files',
    deletes:
      'finished report files (report_file_chunks of done reports): candidate lists with names, personal codes and results; the job row stays, marked expired',
    retention: 'REPORT_RETENTION_DAYS after the report finished (default 7)',
    everyMs: HOUR_MS,
    run: expireReports,
  },
  {
    name: 'unconfirmed-notice-addresses',
    deletes: 'e-mail addresses left for results notices but never confirmed (notice_subscriptions): the address, its language, the SHA-256 of the link',
    retention: `${CONFIRM_LINK_HOURS} hours after the confirmation link was sent (confirmed addresses: until the holder removes the address or unsubscribes, at once)`,
    everyMs: HOUR_MS,
    run: purgeUnconfirmedNoticeAddresses,
  },
  {
    name: 'notice-records',
    deletes: 'the record of notice e-mails (notice_messages): person, kind, when, message id, the server’s answer; never the address',
    retention: `${NOTICE_RECORD_DAYS} days after the message was queued`,
    everyMs: 24 * HOUR_MS,
    run: purgeOldNoticeRecords,
  },
  {
    name: 'ended-share-links',
    deletes: "holders' share links that have ended (share_links, share_link_certificates): the recipient's name, the certificates shared, the views counted",
    retention: `${ENDED_SHARE_LINK_KEPT_DAYS} days after the link expired or was withdrawn (the audit log keeps who made, withdrew and opened it)`,
    everyMs: 24 * HOUR_MS,
    run: purgeEndedShareLinks,
  },
  {
    name: 'orphan-report-pieces',
    deletes: 'pieces of report files nobody will download (report_file_chunks of failed, expired or re-queued reports)',
    retention: 'none: removed at the next run (normally removed at once; these are left by a crash or an older version)',
    everyMs: HOUR_MS,
    run: removeOrphanReportFiles,
  },
];

export interface HousekeepingOptions {
  db: Kysely<Database>;
  log: Logger;
  /** The tasks to run (default HOUSEKEEPING_TASKS). */
  tasks?: readonly HousekeepingTask[];
  clock?: () => Date;
}

export type HousekeepingOutcome = { task: string; removed: number } | { task: string; failed: unknown };

async function runTask(task: HousekeepingTask, options: HousekeepingOptions): Promise<HousekeepingOutcome> {
  try {
    const removed = await task.run(options.db, (options.clock ?? (() => new Date()))());
    if (removed > 0) options.log.info('housekeeping removed old data', { task: task.name, removed });
    return { task: task.name, removed };
  } catch (error) {
    options.log.warn('housekeeping task failed; it runs again at its next turn', { task: task.name, error });
    return { task: task.name, failed: error };
  }
}

/** Runs every task once, each on its own (one that fails does not stop the others). */
export async function runHousekeepingOnce(options: HousekeepingOptions): Promise<HousekeepingOutcome[]> {
  const outcomes: HousekeepingOutcome[] = [];
  for (const task of options.tasks ?? HOUSEKEEPING_TASKS) outcomes.push(await runTask(task, options));
  return outcomes;
}

export interface Housekeeping {
  /** Stops the schedule and waits for the runs under way. */
  stop(): Promise<void>;
}

/**
 * Runs every task soon after start and then at its interval, until `signal` is aborted or stop() is called. The
 * timers do not keep the process alive, and a task still running when its next turn comes skips that turn.
 */
export function startHousekeeping(options: HousekeepingOptions & { signal?: AbortSignal }): Housekeeping {
  const timers: NodeJS.Timeout[] = [];
  const busy = new Map<HousekeepingTask, Promise<unknown>>();
  let stopped = false;
  const turn = (task: HousekeepingTask) => {
    if (stopped || busy.has(task)) return;
    busy.set(
      task,
      runTask(task, options).finally(() => busy.delete(task)),
    );
  };
  const stop = async () => {
    stopped = true;
    for (const timer of timers.splice(0)) clearTimeout(timer);
    await Promise.allSettled(busy.values());
  };
  if (options.signal?.aborted) return { stop };
  for (const task of options.tasks ?? HOUSEKEEPING_TASKS) {
    timers.push(setTimeout(() => turn(task), 0).unref());
    timers.push(setInterval(() => turn(task), task.everyMs).unref());
  }
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  return { stop };
}

/**
 * A job that is not a deletion but runs on the same terms (timers that keep no process alive, a turn skipped while
 * the last one runs, failures logged and tried again at the next turn): the preservation job, which main.ts
 * schedules with this. Its first turn comes `firstAfterMs` after start, so a start is not slowed by it.
 */
export function startRecurringJob(options: {
  name: string;
  everyMs: number;
  firstAfterMs: number;
  run: (signal: AbortSignal) => Promise<unknown>;
  log: Logger;
  signal?: AbortSignal;
}): Housekeeping {
  const stopping = new AbortController();
  let busy: Promise<unknown> | undefined;
  const turn = () => {
    if (stopping.signal.aborted || busy) return;
    busy = options
      .run(stopping.signal)
      .catch((error: unknown) => options.log.warn('scheduled job failed; it runs again at its next turn', { job: options.name, error }))
      .finally(() => (busy = undefined));
  };
  const first = setTimeout(turn, options.firstAfterMs).unref();
  const every = setInterval(turn, options.everyMs).unref();
  const stop = async () => {
    stopping.abort();
    clearTimeout(first);
    clearInterval(every);
    await busy;
  };
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  return { stop };
}
