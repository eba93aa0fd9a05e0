/**
 * A sign-in on its way through the provider, kept by the browser: the OpenID Connect state, nonce and PKCE
 * verifier, the page to return to and when it began, sealed with AES-256-GCM into the login cookie. Starting a
 * sign-in writes nothing to the database, and whichever instance the provider sends the browser back to can open
 * the cookie. An answer is used once: the provider redeems a code once, and the database takes a state once, in
 * the same write as the session made from it (web-sessions.ts).
 *
 * The key is derived (HKDF-SHA256) from the provider's client secret, which every instance already has and no
 * browser sees, with the provider's name and client id as context: a cookie made for one provider opens with no
 * other's key, and a new client secret ends only the sign-ins under way.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { randomBytesFromPool } from '../random.js';

export interface LoginInProgress {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The same-site path to go to afterwards (safeReturnTo in routes/auth.ts). */
  returnTo: string;
  /** When the sign-in began, ms since the epoch. */
  startedAt: number;
}

const FORMAT = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed login is a few hundred characters (the return path at most a thousand): anything longer is not one. */
const MAX_SEALED_LENGTH = 4000;

export function loginCookieKey(provider: string, clientId: string, clientSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clientSecret, Buffer.alloc(0), `login cookie|${provider}|${clientId}`, 32));
}

export function sealLogin(key: Buffer, provider: string, login: LoginInProgress): string {
  const iv = randomBytesFromPool(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(provider));
  const plain = JSON.stringify([login.state, login.nonce, login.codeVerifier, login.returnTo, login.startedAt]);
  const sealed = Buffer.concat([Buffer.from(iv.buffer, iv.byteOffset, iv.byteLength), cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return FORMAT + sealed.toString('base64url');
}

/** The login sealed in `value` for this provider, or undefined when it is not one (altered, another key, garbage). */
export function openLogin(key: Buffer, provider: string, value: string): LoginInProgress | undefined {
  if (value.length > MAX_SEALED_LENGTH || !value.startsWith(FORMAT)) return undefined;
  const sealed = Buffer.from(value.slice(FORMAT.length), 'base64url');
  if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
  let fields: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(provider));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    fields = JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 5) return undefined;
  const [state, nonce, codeVerifier, returnTo, startedAt] = fields as unknown[];
  if (typeof state !== 'string' || typeof nonce !== 'string' || typeof codeVerifier !== 'string' || typeof returnTo !== 'string') return undefined;
  if (typeof startedAt !== 'number' || !Number.isFinite(startedAt)) return undefined;
  return { state, nonce, codeVerifier, returnTo, startedAt };
}
