/** Everything the e-service routes need, from configuration (src/main.ts; tests build their own). */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { DEVELOPMENT_PAPER_COPY, type Config, type PaperCopyConfig } from '../config.js';
import type { Sealer } from '../data/sealing.js';
import type { OpenApiSettings } from './openapi.js';
import { eserviceKeySet, eserviceTokenVerifier, type TokenVerifier } from './token.js';

/** What the web application needs to offer the e-service (src/web/routes/eservice.ts). */
export interface EserviceDependencies {
  /** Verifies the e-service's token (src/eservice/token.ts). */
  verify: TokenVerifier;
  /** ESERVICE_ORIGINS: who may frame the embed pages. */
  origins: readonly string[];
  /** PUBLIC_URL: absolute links in the JSON answer, and the origin forms must come from. */
  publicUrl: string;
  /** What the OpenAPI document states about the token. */
  token: Omit<OpenApiSettings, 'publicUrl' | 'origins'>;
  /** Seals a certificate that has no document yet. */
  seal?: Sealer;
  /** PAPER_* settings: what the paper request form states (default: the development values). */
  paper?: PaperCopyConfig;
  clock?: () => Date;
}

export async function prepareEservice(
  config: Pick<Config, 'eservice' | 'dataDir' | 'publicUrl' | 'environment'> & Partial<Pick<Config, 'paper'>>,
  db: Kysely<Database>,
  seal?: Sealer,
): Promise<EserviceDependencies | undefined> {
  const settings = config.eservice;
  if (!settings) return undefined;
  // The development key is made outside production only; loadConfig never chooses it in production.
  if (settings.keys.kind === 'development' && config.environment === 'production') throw new Error('the e-service has no keys configured');
  const keys = await eserviceKeySet(settings.keys, config.dataDir);
  return {
    verify: eserviceTokenVerifier({ db, keys, issuer: settings.issuer, audience: settings.audience, maxTokenSeconds: settings.maxTokenSeconds }),
    origins: settings.origins,
    publicUrl: config.publicUrl,
    token: { issuer: settings.issuer, audience: settings.audience, maxTokenSeconds: settings.maxTokenSeconds },
    ...(seal ? { seal } : {}),
    paper: config.paper ?? DEVELOPMENT_PAPER_COPY,
  };
}
