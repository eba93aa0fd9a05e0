/**
 * The demo e-service's key, for development only: an EC P-256 key pair made at first use into DATA_DIR/eservice/
 * (never committed). The private key lets `npm run cli -- eservice-token` sign tokens as the e-service would;
 * the public JWKS file is what the portal verifies them with. Production takes the real e-service's keys from
 * ESERVICE_JWKS_URL or ESERVICE_JWKS_FILE and never reaches this code.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../files.js';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { PERSONAL_CODE_CLAIM, REPRESENTED_CLAIM } from './claims.js';

export interface DevelopmentEserviceKeys {
  dir: string;
  /** The private key as a JWK (with `kid` and `alg`), for signing demo tokens. */
  privateJwk: JWK;
  /** `{ "keys": [ public JWK ] }`, as the e-service would publish it. */
  jwksFile: string;
}

/** Reads the demo e-service key from `dir`, making it first if it is not there. */
export async function ensureDevelopmentEserviceKeys(dir: string): Promise<DevelopmentEserviceKeys> {
  const privateFile = join(dir, 'signing-key.jwk.json');
  const jwksFile = join(dir, 'jwks.json');
  if (!existsSync(privateFile) || !existsSync(jwksFile)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const meta = { kid, alg: 'ES256', use: 'sig' };
    // The private key first: a half-written pair is made again rather than trusted.
    writeFileAtomically(privateFile, JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }, null, 2) + '\n', 0o600);
    writeFileAtomically(jwksFile, JSON.stringify({ keys: [{ ...publicJwk, ...meta }] }, null, 2) + '\n', 0o644);
  }
  return { dir, privateJwk: JSON.parse(readFileSync(privateFile, 'utf8')) as JWK, jwksFile };
}

export interface TokenRequest {
  issuer: string;
  audience: string;
  /** Who signs in at the e-service. */
  personalCode: string;
  /** Whose documents, when acting as their representative. */
  representedPersonalCode?: string;
  lifetimeSeconds: number;
  now?: Date;
}

/** Signs a token as the e-service does (ES256, a fresh `jti`); the demo key, tests and the command line use it. */
export async function signEserviceToken(privateJwk: JWK, request: TokenRequest): Promise<string> {
  const key = await importJWK(privateJwk, privateJwk.alg ?? 'ES256');
  const iat = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, string> = { [PERSONAL_CODE_CLAIM]: request.personalCode };
  if (request.representedPersonalCode) claims[REPRESENTED_CLAIM] = request.representedPersonalCode;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: privateJwk.alg ?? 'ES256', typ: 'JWT', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + request.lifetimeSeconds)
    .setJti(randomUUID())
    .sign(key);
}
