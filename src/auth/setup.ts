/** Builds the sign-in dependencies of the web application from the settings. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Config } from '../config.js';
import { SessionStore } from '../data/web-sessions.js';
import type { AuthDependencies } from '../web/routes/auth.js';
import { OidcLogin } from './oidc.js';

export function createAuthDependencies(config: Config, db: Kysely<Database>): AuthDependencies {
  return {
    sessions: new SessionStore(db, { idleMinutes: config.auth.sessionIdleMinutes }),
    oidc: new OidcLogin({
      publicUrl: config.publicUrl,
      providers: config.auth.providers,
      personalCodeClaim: config.auth.personalCodeClaim,
      scopes: config.auth.scopes,
    }),
    environment: config.environment,
    publicUrl: config.publicUrl,
  };
}
