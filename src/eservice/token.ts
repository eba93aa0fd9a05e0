/**
 * Verifies the token with which the Latvija.lv e-service sends us its signed-in user.
 *
 * A token is accepted only when all of these hold: a JWS signature by one of the e-service's published keys with
 * an allowed algorithm (TOKEN_ALGORITHMS); `iss` = ESERVICE_ISSUER; `aud` names ESERVICE_AUDIENCE; `exp`, `iat` and
 * `jti` present; not expired and not issued in the future (CLOCK_TOLERANCE_SECONDS either way); a lifetime
 * exp − iat of at most ESERVICE_MAX_TOKEN_SECONDS and an age of no more than that; a valid Latvian personal code
 * in `personal_code` (and in `represented_personal_code` when present); and a `jti` never seen before, on any
 * instance (the database remembers it at least until the token would have expired anyway; housekeeping removes
 * it after that, see src/housekeeping.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { EserviceConfig } from '../config.js';
import { tokenIdHash, useTokenId } from '../data/eservice.js';
import { parsePersonalCode } from '../domain/personal-code.js';
import { CLOCK_TOLERANCE_SECONDS, PERSONAL_CODE_CLAIM, REPRESENTED_CLAIM, TOKEN_ALGORITHMS } from './claims.js';
import { ensureDevelopmentEserviceKeys } from './dev-keys.js';

/** Why a token was refused; every reason but `keys-unavailable` is answered 401 with nothing of the data. */
export type TokenRefusal = 'missing' | 'malformed' | 'signature' | 'expired' | 'claims' | 'lifetime' | 'personal-code' | 'replayed' | 'keys-unavailable';

export class EserviceTokenError extends Error {
  constructor(
    readonly reason: TokenRefusal,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'EserviceTokenError';
  }
}

export interface VerifiedToken {
  /** The stored form of the token's id, kept with the embed session it opens. */
  tokenIdHash: string;
  /** Who signed in at the e-service (11 digits). */
  actorCode: string;
  /** Whose documents (11 digits): the actor's own, or the represented person's. */
  holderCode: string;
  representative: boolean;
  expiresAt: Date;
}

export type TokenVerifier = (token: string | undefined) => Promise<VerifiedToken>;

const MAX_TOKEN_CHARS = 8192;

/** A JWKS file read again whenever it changes, so the e-service's keys can be rotated without a restart. */
function fileKeySet(file: string): JWTVerifyGetKey {
  let loaded: { mtimeMs: number; keys: JWTVerifyGetKey } | undefined;
  return (header, token) => {
    const mtimeMs = statSync(file).mtimeMs;
    if (!loaded || loaded.mtimeMs !== mtimeMs) {
      loaded = { mtimeMs, keys: createLocalJWKSet(JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet) };
    }
    return loaded.keys(header, token);
  };
}

/** The e-service's public keys as configured; the development key is made in DATA_DIR/eservice/ on first use. */
export async function eserviceKeySet(keys: EserviceConfig['keys'], dataDir: string): Promise<JWTVerifyGetKey> {
  switch (keys.kind) {
    case 'url':
      return createRemoteJWKSet(new URL(keys.url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    case 'file':
      return fileKeySet(keys.file);
    case 'development':
      return fileKeySet((await ensureDevelopmentEserviceKeys(join(dataDir, 'eservice'))).jwksFile);
  }
}

function personalCode(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parsePersonalCode(value);
  return parsed.ok ? parsed.code : undefined;
}

function refusalOf(error: unknown): EserviceTokenError {
  if (error instanceof EserviceTokenError) return error;
  if (error instanceof errors.JWTExpired) return new EserviceTokenError('expired', error.message);
  if (error instanceof errors.JWTClaimValidationFailed) return new EserviceTokenError('claims', error.message);
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return new EserviceTokenError('keys-unavailable', error.message);
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new EserviceTokenError('signature', error.message);
  }
  if (error instanceof errors.JOSEError) return new EserviceTokenError('malformed', error.message);
  // Anything else comes from fetching the keys (network, HTTP status), not from the token.
  return new EserviceTokenError('keys-unavailable', error instanceof Error ? error.message : String(error));
}

export interface TokenVerifierOptions {
  db: Kysely<Database>;
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  maxTokenSeconds: number;
  clock?: () => Date;
}

export function eserviceTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const clock = options.clock ?? (() => new Date());
  return async (token) => {
    if (!token) throw new EserviceTokenError('missing');
    if (token.length > MAX_TOKEN_CHARS || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new EserviceTokenError('malformed');
    const now = clock();
    let claims: { jti: string; exp: number; actorCode: string; represented: string | undefined };
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [...TOKEN_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // Also refuses an `iat` in the future.
        maxTokenAge: options.maxTokenSeconds,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti', PERSONAL_CODE_CLAIM],
        currentDate: now,
      });
      const { exp, iat, jti } = payload as { exp: number; iat: number; jti: unknown };
      if (exp - iat > options.maxTokenSeconds) throw new EserviceTokenError('lifetime', `exp - iat = ${exp - iat} s`);
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw new EserviceTokenError('claims', 'jti');
      const actorCode = personalCode(payload[PERSONAL_CODE_CLAIM]);
      if (!actorCode) throw new EserviceTokenError('personal-code', PERSONAL_CODE_CLAIM);
      const representedValue = payload[REPRESENTED_CLAIM];
      const absent = representedValue === undefined || representedValue === null;
      const represented = absent ? undefined : personalCode(representedValue);
      if (!absent && !represented) throw new EserviceTokenError('personal-code', REPRESENTED_CLAIM);
      claims = { jti, exp, actorCode, represented };
    } catch (error) {
      throw refusalOf(error);
    }

    // Only a token that passed every other check is remembered, so forged tokens cannot fill the table.
    const idHash = tokenIdHash(options.issuer, claims.jti);
    const keepUntil = new Date((claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000);
    if (!(await useTokenId(options.db, idHash, keepUntil))) throw new EserviceTokenError('replayed');
    const representative = claims.represented !== undefined && claims.represented !== claims.actorCode;
    return {
      tokenIdHash: idHash,
      actorCode: claims.actorCode,
      holderCode: claims.represented ?? claims.actorCode,
      representative,
      expiresAt: new Date(claims.exp * 1000),
    };
  };
}
