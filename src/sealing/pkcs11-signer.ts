/**
 * A signer whose key lives in a PKCS#11 token or HSM (a qualified seal device, or SoftHSM2 in tests).
 *
 * - The PKCS#11 module is loaded and initialised once per library path and process, and finalised when the last
 *   signer using it is closed (two signers on one module must not finalise each other's sessions).
 * - Login state belongs to the application and token, not to a session: signers on the same token share one
 *   login, logged out when the last of them closes. A later signer's PIN is still checked (against a keyed hash
 *   of the PIN that logged in), so a wrong PIN is refused even when the token is already logged in.
 * - One session per signer; PKCS#11 sessions are not re-entrant, so `sign` calls are serialised through a promise
 *   chain. Signing itself runs on libuv's thread pool (C_SignAsync) and does not block the event loop.
 * - ECDSA: SHA-256 computed in Node, CKM_ECDSA over the digest; the token returns r‖s (IEEE P1363), as needed.
 *   RSA: CKM_SHA256_RSA_PKCS, or CKM_RSA_PKCS over a SHA-256 DigestInfo when the token lacks the former.
 * - Opening makes one test signature and verifies it with the certificate's public key, which both finds the
 *   key's certificate and proves the certificate belongs to the key.
 * - Error messages name what is missing (library, token, key, certificate) and never contain the PIN.
 */
import { X509Certificate, constants as cryptoConstants, createHash, createHmac, randomBytes, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { endianness } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import pkcs11js from 'pkcs11js';
import { orderCertificateChain } from './certificate-chain.js';
import { parsePemCertificates } from './pem.js';
import type { SignatureAlgorithm, Signer } from './signer.js';

export interface Pkcs11SignerOptions {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so */
  library: string;
  /** Label of the token; with neither this nor `slot`, the only initialised token is used. */
  tokenLabel?: string;
  /** Slot ID (as `softhsm2-util --show-slots` or `pkcs11-tool -L` prints it). */
  slot?: number;
  /** The user PIN. Never appears in an error message. */
  pin: string;
  /** CKA_LABEL of the private key. */
  keyLabel?: string;
  /** CKA_ID of the private key, hexadecimal (e.g. "a1b2"). */
  keyId?: string;
  /**
   * Extra certificates (PEM): the key's certificate when the token holds none, and/or its issuers. The token's
   * certificates (the one with the key's CKA_ID, and any issuers stored there) are always used too.
   */
  certificateChainPem?: string;
}

type Handle = Buffer;

interface LoadedModule {
  readonly path: string;
  readonly pkcs11: pkcs11js.PKCS11;
  readonly initializedHere: boolean;
  users: number;
  /** logins by slot (hex of the slot handle) */
  readonly logins: Map<string, { users: number; pinTag: Buffer }>;
}

const modules = new Map<string, LoadedModule>();
/** Key of the PIN tags kept to check the PIN of a second signer on an already logged-in token. */
const PIN_TAG_KEY = randomBytes(32);

/** SHA-256 DigestInfo prefix (RFC 8017 §9.2), for tokens that only offer CKM_RSA_PKCS. */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** Opens a session on a token, logs in and finds the seal key and its certificate chain. */
export async function openPkcs11Signer(options: Pkcs11SignerOptions): Promise<Signer> {
  const keyIdBytes = options.keyId === undefined ? undefined : parseHexId(options.keyId);
  const module = acquireModule(options.library);
  const { pkcs11 } = module;
  const cleanups: (() => void)[] = [() => releaseModule(module)];
  const cleanup = (): void => {
    for (const step of cleanups.reverse()) {
      try {
        step();
      } catch {
        // best effort: the original error matters more
      }
    }
  };

  try {
    const token = findToken(module, options);
    const tokenName = `token "${token.label}"`;

    let session: Handle;
    try {
      session = pkcs11.C_OpenSession(token.slot, pkcs11js.CKF_SERIAL_SESSION);
    } catch (error) {
      throw new Error(`PKCS#11: could not open a session on ${tokenName}: ${ckrName(error)}`);
    }
    cleanups.push(() => pkcs11.C_CloseSession(session));

    login(module, token, session, options.pin);
    cleanups.push(() => logout(module, token, session));

    const key = findPrivateKey(pkcs11, session, tokenName, options.keyLabel, keyIdBytes);
    const mechanisms = mechanismList(pkcs11, token.slot);
    const rawSign = makeRawSigner(pkcs11, session, key, mechanisms, tokenName);

    // Find the certificate of the key: the token's (same CKA_ID) or one from certificateChainPem.
    const tokenCertificates = readCertificates(pkcs11, session);
    const pemCertificates = options.certificateChainPem === undefined ? [] : parsePemCertificates(options.certificateChainPem);
    const leafCandidates = [
      ...tokenCertificates.filter((certificate) => certificate.id.equals(key.id)).map((certificate) => certificate.der),
      ...pemCertificates,
    ];
    if (leafCandidates.length === 0) {
      throw new Error(
        `PKCS#11: no certificate for key ${key.description} on ${tokenName} (no CKO_CERTIFICATE with CKA_ID ${key.id.toString('hex') || '(empty)'}); ` +
          'store it on the token or pass certificateChainPem',
      );
    }
    const challenge = randomBytes(32);
    const signature = await rawSign(challenge);
    const leaf = leafCandidates.find((der) => verifies(key.algorithm, der, challenge, signature));
    if (!leaf) {
      throw new Error(`PKCS#11: the certificate of key ${key.description} on ${tokenName} does not match the key (a test signature did not verify)`);
    }
    const issuers = [...pemCertificates, ...tokenCertificates.map((certificate) => certificate.der)];
    const certificateChain = Object.freeze(orderCertificateChain(leaf, issuers).map((der) => new Uint8Array(der)));

    return makeSigner(key.algorithm, certificateChain, rawSign, cleanup);
  } catch (error) {
    cleanup();
    throw error;
  }
}

function makeSigner(
  algorithm: SignatureAlgorithm,
  certificateChain: readonly Uint8Array[],
  rawSign: (data: Buffer) => Promise<Buffer>,
  cleanup: () => void,
): Signer {
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  let closing: Promise<void> | undefined;

  return {
    algorithm,
    certificateChain,
    sign(data: Uint8Array): Promise<Uint8Array> {
      if (closing) return Promise.reject(new Error('the signer is closed'));
      const copy = Buffer.from(data); // the caller may reuse its buffer before our turn comes
      return enqueue(async () => {
        const signature = await rawSign(copy);
        return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
      });
    },
    close(): Promise<void> {
      closing ??= enqueue(async () => cleanup());
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Module, token, login

function acquireModule(library: string): LoadedModule {
  const path = resolvePath(library);
  const existing = modules.get(path);
  if (existing) {
    existing.users += 1;
    return existing;
  }
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw new Error(`PKCS#11: could not load the library ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let initializedHere = true;
  try {
    try {
      pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (ckrCode(error) !== pkcs11js.CKR_CANT_LOCK) throw error;
      pkcs11.C_Initialize();
    }
  } catch (error) {
    if (ckrCode(error) === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      initializedHere = false; // someone else in this process initialised it; they will finalise it
    } else {
      try {
        pkcs11.close();
      } catch {
        // ignore
      }
      throw new Error(`PKCS#11: could not initialise the library ${path}: ${ckrName(error)}`);
    }
  }
  const module: LoadedModule = { path, pkcs11, initializedHere, users: 1, logins: new Map() };
  modules.set(path, module);
  return module;
}

function releaseModule(module: LoadedModule): void {
  module.users -= 1;
  if (module.users > 0) return;
  modules.delete(module.path);
  try {
    if (module.initializedHere) module.pkcs11.C_Finalize();
  } finally {
    module.pkcs11.close();
  }
}

interface Token {
  slot: Handle;
  slotKey: string;
  slotId: number | bigint;
  label: string;
}

function findToken(module: LoadedModule, options: Pkcs11SignerOptions): Token {
  const { pkcs11 } = module;
  let slots: Handle[];
  try {
    slots = pkcs11.C_GetSlotList(true);
  } catch (error) {
    throw new Error(`PKCS#11: could not list the slots of ${module.path}: ${ckrName(error)}`);
  }
  const tokens: (Token & { initialized: boolean })[] = [];
  for (const slot of slots) {
    try {
      const info = pkcs11.C_GetTokenInfo(slot);
      tokens.push({
        slot,
        slotKey: slot.toString('hex'),
        slotId: slotNumber(slot),
        label: info.label.replace(/[\s\0]+$/, ''),
        initialized: (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0,
      });
    } catch {
      // a slot whose token vanished or cannot answer is not a candidate
    }
  }
  const present = tokens.filter((token) => token.initialized);
  const list = present.length === 0 ? 'none' : present.map((token) => `"${token.label}" (slot ${token.slotId})`).join(', ');

  let candidates = present;
  if (options.slot !== undefined) {
    candidates = candidates.filter((token) => Number(token.slotId) === options.slot);
    if (candidates.length === 0) throw new Error(`PKCS#11: no initialised token in slot ${options.slot} of ${module.path} (tokens present: ${list})`);
  }
  if (options.tokenLabel !== undefined) {
    candidates = candidates.filter((token) => token.label === options.tokenLabel);
    if (candidates.length === 0) {
      const where = options.slot === undefined ? '' : ` in slot ${options.slot}`;
      throw new Error(`PKCS#11: no token labelled "${options.tokenLabel}"${where} in ${module.path} (tokens present: ${list})`);
    }
  }
  if (candidates.length === 0) throw new Error(`PKCS#11: no initialised token in ${module.path}`);
  if (candidates.length > 1) {
    const what = options.tokenLabel === undefined ? 'tokens' : `tokens labelled "${options.tokenLabel}"`;
    throw new Error(`PKCS#11: ${candidates.length} ${what} in ${module.path} (${list}); give the slot`);
  }
  return candidates[0]!;
}

function login(module: LoadedModule, token: Token, session: Handle, pin: string): void {
  const pinTag = createHmac('sha256', PIN_TAG_KEY).update(pin, 'utf8').digest();
  const wrongPin = (): Error => new Error(`PKCS#11: wrong PIN for token "${token.label}"`);
  const existing = module.logins.get(token.slotKey);
  if (existing) {
    // Already logged in by another signer of this process: the PIN that did it is known to be right.
    if (!timingSafeEqual(existing.pinTag, pinTag)) throw wrongPin();
    existing.users += 1;
    return;
  }
  const attempt = (): void => module.pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  try {
    try {
      attempt();
    } catch (error) {
      if (ckrCode(error) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw error;
      // Logged in by code outside this module: log out and in again so that this PIN is checked.
      module.pkcs11.C_Logout(session);
      attempt();
    }
  } catch (error) {
    const code = ckrCode(error);
    if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_LEN_RANGE) throw wrongPin();
    if (code === pkcs11js.CKR_PIN_LOCKED) throw new Error(`PKCS#11: the user PIN of token "${token.label}" is locked`);
    // ckrName gives only the CKR_ name, never the arguments of the call
    throw new Error(`PKCS#11: could not log in to token "${token.label}": ${ckrName(error)}`);
  }
  module.logins.set(token.slotKey, { users: 1, pinTag });
}

function logout(module: LoadedModule, token: Token, session: Handle): void {
  const entry = module.logins.get(token.slotKey);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  module.logins.delete(token.slotKey);
  module.pkcs11.C_Logout(session);
}

// ---------------------------------------------------------------------------------------------------------------
// Key, certificates, signing

interface PrivateKey {
  handle: Handle;
  id: Buffer;
  algorithm: SignatureAlgorithm;
  /** signature length for RSA (modulus bytes); an upper bound for EC */
  signatureLength: number;
  description: string;
}

function findPrivateKey(pkcs11: pkcs11js.PKCS11, session: Handle, tokenName: string, keyLabel: string | undefined, keyId: Buffer | undefined): PrivateKey {
  const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }];
  const criteria: string[] = [];
  if (keyLabel !== undefined) {
    template.push({ type: pkcs11js.CKA_LABEL, value: keyLabel });
    criteria.push(`label "${keyLabel}"`);
  }
  if (keyId !== undefined) {
    template.push({ type: pkcs11js.CKA_ID, value: keyId });
    criteria.push(`id ${keyId.toString('hex')}`);
  }
  const wanted = criteria.join(' and ');
  const handles = findObjects(pkcs11, session, template);
  if (handles.length === 0) {
    throw new Error(criteria.length === 0 ? `PKCS#11: no private key on ${tokenName}` : `PKCS#11: no private key with ${wanted} on ${tokenName}`);
  }
  if (handles.length > 1) {
    throw new Error(
      criteria.length === 0
        ? `PKCS#11: ${tokenName} holds ${handles.length} private keys; give keyLabel or keyId`
        : `PKCS#11: ${handles.length} private keys with ${wanted} on ${tokenName}; give ${keyId === undefined ? 'keyId' : 'keyLabel'} as well`,
    );
  }
  const handle = handles[0]!;
  const [keyType, id, label, canSign] = pkcs11.C_GetAttributeValue(session, handle, [
    { type: pkcs11js.CKA_KEY_TYPE },
    { type: pkcs11js.CKA_ID },
    { type: pkcs11js.CKA_LABEL },
    { type: pkcs11js.CKA_SIGN },
  ]);
  const idBytes = Buffer.from(id?.value ?? Buffer.alloc(0));
  const labelText = label?.value?.toString('utf8') ?? '';
  const description = labelText ? `"${labelText}" (id ${idBytes.toString('hex')})` : `with id ${idBytes.toString('hex')}`;
  if (canSign?.value && canSign.value.length > 0 && canSign.value[0] === 0) {
    throw new Error(`PKCS#11: private key ${description} on ${tokenName} may not sign (CKA_SIGN is false)`);
  }
  const type = keyType?.value ? readUlong(keyType.value) : -1;
  if (type === pkcs11js.CKK_EC) {
    return { handle, id: idBytes, algorithm: 'ECDSA_SHA256', signatureLength: 2 * 66, description };
  }
  if (type === pkcs11js.CKK_RSA) {
    const [modulus] = pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_MODULUS }]);
    const length = modulus?.value?.length ?? 0;
    if (length * 8 < 2048) throw new Error(`PKCS#11: RSA key ${description} on ${tokenName} has ${length * 8} bits; at least 2048 are needed`);
    return { handle, id: idBytes, algorithm: 'RSA_SHA256', signatureLength: length, description };
  }
  throw new Error(`PKCS#11: private key ${description} on ${tokenName} is of type ${type}; only EC and RSA keys can seal`);
}

function mechanismList(pkcs11: pkcs11js.PKCS11, slot: Handle): Set<number> | undefined {
  try {
    return new Set(pkcs11.C_GetMechanismList(slot));
  } catch {
    return undefined; // unknown: try the standard mechanisms
  }
}

function makeRawSigner(
  pkcs11: pkcs11js.PKCS11,
  session: Handle,
  key: PrivateKey,
  mechanisms: Set<number> | undefined,
  tokenName: string,
): (data: Buffer) => Promise<Buffer> {
  const has = (mechanism: number): boolean => mechanisms === undefined || mechanisms.has(mechanism);
  let mechanism: number;
  let prepare: (data: Buffer) => Buffer;
  const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
  if (key.algorithm === 'ECDSA_SHA256') {
    if (!has(pkcs11js.CKM_ECDSA)) throw new Error(`PKCS#11: ${tokenName} does not offer CKM_ECDSA`);
    mechanism = pkcs11js.CKM_ECDSA;
    prepare = sha256;
  } else if (has(pkcs11js.CKM_SHA256_RSA_PKCS)) {
    mechanism = pkcs11js.CKM_SHA256_RSA_PKCS;
    prepare = (data) => data;
  } else if (has(pkcs11js.CKM_RSA_PKCS)) {
    mechanism = pkcs11js.CKM_RSA_PKCS;
    prepare = (data) => Buffer.concat([SHA256_DIGEST_INFO_PREFIX, sha256(data)]);
  } else {
    throw new Error(`PKCS#11: ${tokenName} offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS`);
  }
  return async (data: Buffer): Promise<Buffer> => {
    try {
      pkcs11.C_SignInit(session, { mechanism }, key.handle);
      return Buffer.from(await pkcs11.C_SignAsync(session, prepare(data), Buffer.alloc(key.signatureLength)));
    } catch (error) {
      throw new Error(`PKCS#11: signing with key ${key.description} on ${tokenName} failed: ${ckrName(error)}`);
    }
  };
}

function readCertificates(pkcs11: pkcs11js.PKCS11, session: Handle): { id: Buffer; der: Uint8Array }[] {
  const handles = findObjects(pkcs11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
    { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
  ]);
  const result: { id: Buffer; der: Uint8Array }[] = [];
  for (const handle of handles) {
    const [id, value] = pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_VALUE }]);
    if (!value?.value || value.value.length === 0) continue;
    const der = new Uint8Array(value.value);
    try {
      new X509Certificate(der);
    } catch {
      continue; // not a certificate Node can read: of no use in a chain
    }
    result.push({ id: Buffer.from(id?.value ?? Buffer.alloc(0)), der });
  }
  return result;
}

function findObjects(pkcs11: pkcs11js.PKCS11, session: Handle, template: pkcs11js.Template): Handle[] {
  pkcs11.C_FindObjectsInit(session, template);
  try {
    const result: Handle[] = [];
    for (;;) {
      const batch = pkcs11.C_FindObjects(session, 64);
      if (batch.length === 0) return result;
      result.push(...batch);
    }
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

function verifies(algorithm: SignatureAlgorithm, certificateDer: Uint8Array, data: Buffer, signature: Buffer): boolean {
  try {
    const publicKey = new X509Certificate(certificateDer).publicKey;
    if (algorithm === 'ECDSA_SHA256') {
      return publicKey.asymmetricKeyType === 'ec' && cryptoVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    }
    return publicKey.asymmetricKeyType === 'rsa' && cryptoVerify('sha256', data, { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function parseHexId(hex: string): Buffer {
  const clean = hex.replace(/[\s:]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean)) throw new Error(`PKCS#11: keyId must be hexadecimal bytes (e.g. "a1b2"), not "${hex}"`);
  return Buffer.from(clean, 'hex');
}

/** A CK_ULONG as pkcs11js returns it: native-endian bytes. */
function readUlong(bytes: Buffer): number {
  const bigEndian = endianness() === 'BE';
  if (bytes.length === 8) return Number(bigEndian ? bytes.readBigUInt64BE() : bytes.readBigUInt64LE());
  if (bytes.length === 4) return bigEndian ? bytes.readUInt32BE() : bytes.readUInt32LE();
  return -1;
}

function slotNumber(slot: Handle): number | bigint {
  if (slot.length === 8) {
    const value = endianness() === 'BE' ? slot.readBigUInt64BE() : slot.readBigUInt64LE();
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  return readUlong(slot);
}

function ckrCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** "CKR_…" of a pkcs11js error (its message is the CKR name and nothing of the call's arguments). */
function ckrName(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const match = /CKR_[A-Z0-9_]+/.exec(message);
  return match ? match[0] : (message.split('\n')[0] ?? 'unknown error');
}
