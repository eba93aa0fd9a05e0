/** Everything the e-service routes need, from configuration (src/main.ts; tests build their own). */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { Sealer } from '../data/sealing.js';
import type { EserviceDependencies } from '../web/routes/eservice.js';
import { eserviceKeySet, eserviceTokenVerifier } from './token.js';

export async function prepareEservice(
  config: Pick<Config, 'eservice' | 'dataDir' | 'publicUrl' | 'environment'>,
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
  };
}
