/** Builds the sign-in dependencies of the web application from the settings. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Config, Environment } from '../config.js';
import { WebSessionStore } from '../data/web-sessions.js';
import { OidcLogin } from './oidc.js';

/** What the web application needs to offer sign-in (src/web/routes/auth.ts and staff-auth.ts). */
export interface AuthDependencies {
  sessions: WebSessionStore;
  oidc: OidcLogin;
  /** The demo sign-in exists everywhere except in production. */
  environment: Environment;
  /** PUBLIC_URL: the origin forms must come from. */
  publicUrl: string;
}

export function createAuthDependencies(config: Config, db: Kysely<Database>): AuthDependencies {
  return {
    sessions: new WebSessionStore(db, { idleMinutes: config.auth.sessionIdleMinutes }),
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
