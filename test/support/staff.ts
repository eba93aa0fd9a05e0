/**
 * Staff for web tests: users with roles in the register, and a real web session for each (the same cookie a
 * browser would carry), on an application with sign-in and the staff pages.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { DEFAULT_QUEUE_SETTINGS, type ReportQueueSettings } from '../../src/data/report-jobs.js';
import type { Sealer } from '../../src/data/sealing.js';
import { saveStaffUser } from '../../src/data/staff.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';

export const TEST_PUBLIC_URL = 'http://127.0.0.1:3000';

export interface StaffApp {
  app: ReturnType<typeof createApp>;
  sessions: WebSessionStore;
  /** A signed-in cookie header for the user. */
  cookieFor(userId: number): Promise<string>;
}

export function createStaffApp(
  db: Kysely<Database>,
  options: { seal?: Sealer; reports?: Partial<ReportQueueSettings>; clock?: () => Date; notify?: () => void } = {},
): StaffApp {
  const sessions = new WebSessionStore(db, { idleMinutes: 30, touchDelayMs: 0 });
  const app = createApp({
    db,
    log: createLogger('silent'),
    auth: { sessions, oidc: new OidcLogin({ publicUrl: TEST_PUBLIC_URL, providers: {} }), environment: 'test', publicUrl: TEST_PUBLIC_URL },
    staff: {
      seal: options.seal,
      reports: { settings: { ...DEFAULT_QUEUE_SETTINGS, ...options.reports }, notify: options.notify },
      issuance: { notify: options.notify },
      clock: options.clock,
    },
  });
  return {
    app,
    sessions,
    async cookieFor(userId) {
      const { token } = await sessions.create({ kind: 'staff', userId, provider: 'test', displayName: `User ${userId}` });
      return `sid=${token}`;
    },
  };
}

/** A school user of the institution with this id (their registration number is looked up). */
export async function schoolUser(db: Kysely<Database>, institutionId: number, personalCode: string): Promise<number> {
  const institution = await db.selectFrom('institutions').select('registration_number').where('id', '=', institutionId).executeTakeFirstOrThrow();
  return saveStaffUser(db, { personalCode, displayName: `Skolas lietotājs ${institutionId}`, role: 'school', institution: institution.registration_number });
}

export async function agencyUser(db: Kysely<Database>, personalCode: string): Promise<number> {
  return saveStaffUser(db, { personalCode, displayName: 'Aģentūras darbinieks', role: 'agency' });
}
