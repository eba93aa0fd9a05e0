/**
 * Signers whose key lives in a file: PEM (key + certificate chain) and PKCS#12 (.p12/.pfx). Meant for
 * development, tests and a soft seal; a qualified seal lives in a token (see pkcs11-signer.ts).
 *
 * PKCS#12 is parsed with pkijs (the ASN.1 structures) and decrypted with Node's crypto, so that both the
 * modern format (`openssl pkcs12 -export` of OpenSSL 3: PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC) and the legacy
 * one (pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd40BitRC2-CBC, SHA-1 MAC; `-legacy`, Windows, Java) load.
 * RC2 is not in Node's default OpenSSL provider, so a small RC2 decryptor (RFC 2268) lives at the end of this file.
 */
import {
  X509Certificate,
  constants as cryptoConstants,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  pbkdf2,
  sign as cryptoSign,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { SignatureAlgorithm, Signer } from './signer.js';

const pbkdf2Async = promisify(pbkdf2);

/** The message of every PKCS#12 failure that a wrong password can cause (a MAC or padding mismatch). */
export const PKCS12_WRONG_PASSWORD = 'wrong password or damaged PKCS#12';

// ---------------------------------------------------------------------------------------------------------------
// Signers

export interface PemSignerOptions {
  /** The private key: PKCS#8 (`BEGIN PRIVATE KEY`), SEC1 (`BEGIN EC PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`), unencrypted. */
  keyPem: string;
  /** The seal certificate first, then (in any order) its issuers; certificates not in its chain are left out. */
  certificateChainPem: string;
}

/** A signer from an unencrypted PEM private key and a PEM certificate chain whose first certificate is the key's. */
export async function loadPemSigner(options: PemSignerOptions): Promise<Signer> {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: options.keyPem, format: 'pem' });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/passphrase|password|encrypted/i.test(text) || /ENCRYPTED/.test(options.keyPem)) {
      throw new Error('the private key PEM is encrypted; an unencrypted PKCS#8, SEC1 or PKCS#1 key is needed');
    }
    throw new Error(`could not read the private key PEM: ${text}`);
  }
  const algorithm = checkKey(key);
  const certificates = parsePemCertificates(options.certificateChainPem);
  const [first, ...rest] = certificates;
  if (!first) throw new Error('the certificate chain PEM contains no certificate');
  if (!keyMatchesCertificate(key, first)) {
    throw new Error(
      `the private key does not match the first certificate of the chain (subject ${new X509Certificate(first).subject.replace(/\n/g, ', ')})`,
    );
  }
  return makeKeyObjectSigner(key, algorithm, orderCertificateChain(first, rest));
}

/**
 * A signer from a PKCS#12 file: the private key it holds, the certificate of that key and the certificates of
 * the key certificate's issuers (others are left out). The MAC is verified when present.
 */
export async function loadPkcs12Signer(pfxDer: Uint8Array, password: string): Promise<Signer> {
  const content = await readPkcs12(pfxDer, password);
  if (content.keys.length === 0) throw new Error('the PKCS#12 file holds no private key');
  for (const key of content.keys) {
    const leaf = content.certificates.find((certificate) => keyMatchesCertificate(key, certificate));
    if (!leaf) continue;
    const algorithm = checkKey(key);
    const others = content.certificates.filter((certificate) => certificate !== leaf);
    return makeKeyObjectSigner(key, algorithm, orderCertificateChain(leaf, others));
  }
  throw new Error('the PKCS#12 file holds no certificate for its private key');
}

function makeKeyObjectSigner(key: KeyObject, algorithm: SignatureAlgorithm, chain: Uint8Array[]): Signer {
  let closed = false;
  const certificateChain = Object.freeze(chain.map((der) => new Uint8Array(der)));
  return {
    algorithm,
    certificateChain,
    // Synchronous on purpose: signing runs in sealing workers, where an ECDSA signature (~0.1 ms) is cheaper
    // than a hop to libuv's thread pool, and a worker's CPU use stays on its own thread.
    async sign(data: Uint8Array): Promise<Uint8Array> {
      if (closed) throw new Error('the signer is closed');
      const signature =
        algorithm === 'ECDSA_SHA256'
          ? cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
          : cryptoSign('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PADDING });
      return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

/** The signature algorithm of a seal key, or an Error when the key is not EC P-256 or RSA of 2048 bits or more. */
function checkKey(key: KeyObject): SignatureAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve !== 'prime256v1') {
        throw new Error(`EC keys on curve ${details.namedCurve ?? '(unnamed)'} are not supported; the seal key must be EC P-256 or RSA`);
      }
      return 'ECDSA_SHA256';
    case 'rsa':
      if ((details.modulusLength ?? 0) < 2048) {
        throw new Error(`the RSA key has ${details.modulusLength ?? '?'} bits; at least 2048 are needed`);
      }
      return 'RSA_SHA256';
    default:
      throw new Error(`${key.asymmetricKeyType ?? 'unknown'} keys are not supported; the seal key must be EC P-256 or RSA (2048 bits or more)`);
  }
}

function keyMatchesCertificate(privateKey: KeyObject, certificateDer: Uint8Array): boolean {
  try {
    return createPublicKey(privateKey).equals(new X509Certificate(certificateDer).publicKey);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates

/** The DER of every `CERTIFICATE` block of a PEM text, in order; an Error when a block is not a certificate. */
export function parsePemCertificates(pem: string): Uint8Array[] {
  const result: Uint8Array[] = [];
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g);
  let index = 0;
  for (const block of blocks) {
    index += 1;
    const der = new Uint8Array(Buffer.from((block[1] ?? '').replace(/\s+/g, ''), 'base64'));
    try {
      new X509Certificate(der);
    } catch {
      throw new Error(`certificate ${index} of the PEM chain is not a valid X.509 certificate`);
    }
    result.push(der);
  }
  return result;
}

/**
 * The chain of `leaf`: the leaf, then its issuer, the issuer's issuer and so on, taken from `candidates` (matched
 * by name and key identifiers and confirmed by the signature), stopping at a self-signed certificate or when no
 * issuer is among the candidates. Candidates outside the chain and duplicates are left out.
 */
export function orderCertificateChain(leaf: Uint8Array, candidates: readonly Uint8Array[]): Uint8Array[] {
  const parsed = candidates.map((der) => ({ der, certificate: new X509Certificate(der) }));
  const chain: Uint8Array[] = [leaf];
  const seen = new Set<string>([new X509Certificate(leaf).fingerprint256]);
  let current = new X509Certificate(leaf);
  for (;;) {
    if (isSelfIssued(current)) break;
    const issuer = parsed.find(({ certificate }) => !seen.has(certificate.fingerprint256) && issued(current, certificate));
    if (!issuer) break;
    chain.push(issuer.der);
    seen.add(issuer.certificate.fingerprint256);
    current = issuer.certificate;
  }
  return chain;
}

function issued(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function isSelfIssued(certificate: X509Certificate): boolean {
  return issued(certificate, certificate);
}

// ---------------------------------------------------------------------------------------------------------------
// PKCS#12

const OID = {
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

interface HashInfo {
  name: string;
  /** output length in bytes */
  u: number;
  /** block length in bytes (the PKCS#12 KDF's v) */
  v: number;
}

const DIGESTS: Record<string, HashInfo> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', u: 28, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};

const HMAC_PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const PBES2_CIPHERS: Record<string, { cipher: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24 },
};

/** PKCS#12 password-based encryption (RFC 7292 appendix C), all with SHA-1 and the PKCS#12 KDF. */
const PKCS12_PBE: Record<string, { cipher: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2'; keyLength: number }> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24 },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16 },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2', keyLength: 16 },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2', keyLength: 5 },
};

/** Refuses absurd iteration counts (a crafted file must not hold the process for hours). */
const MAX_ITERATIONS = 10_000_000;

interface Passwords {
  /** UTF-8 bytes, for PBES2 (PBKDF2) */
  utf8: Buffer;
  /** BMPString with a terminating zero, for the PKCS#12 KDF (the MAC and the legacy ciphers) */
  bmp: Buffer;
}

class WrongPassword extends Error {
  constructor() {
    super(PKCS12_WRONG_PASSWORD);
  }
}

interface Pkcs12Content {
  keys: KeyObject[];
  certificates: Uint8Array[];
}

async function readPkcs12(pfxDer: Uint8Array, password: string): Promise<Pkcs12Content> {
  let pfx: pkijs.PFX;
  try {
    pfx = pkijs.PFX.fromBER(pfxDer);
  } catch {
    throw new Error('not a PKCS#12 file');
  }
  if (pfx.authSafe.contentType !== pkijs.ContentInfo.DATA || !(pfx.authSafe.content instanceof asn1js.OctetString)) {
    throw new Error('PKCS#12 files protected by a signature instead of a password are not supported');
  }
  const authSafeBytes = new Uint8Array(pfx.authSafe.content.getValue());
  const passwords: Passwords = { utf8: Buffer.from(password, 'utf8'), bmp: bmpPassword(password) };

  if (pfx.macData) {
    const candidates = [passwords.bmp];
    // OpenSSL treats an empty password as either an empty BMPString or no password at all.
    if (password === '') candidates.push(Buffer.alloc(0));
    let verified: Buffer | undefined;
    for (const candidate of candidates) {
      if (verifyMac(pfx.macData, authSafeBytes, candidate)) {
        verified = candidate;
        break;
      }
    }
    if (!verified) throw new Error(PKCS12_WRONG_PASSWORD);
    passwords.bmp = verified;
  }

  try {
    let authenticatedSafe: pkijs.AuthenticatedSafe;
    try {
      authenticatedSafe = pkijs.AuthenticatedSafe.fromBER(authSafeBytes);
    } catch {
      throw new Error(PKCS12_WRONG_PASSWORD);
    }
    const result: Pkcs12Content = { keys: [], certificates: [] };
    for (const contentInfo of authenticatedSafe.safeContents) {
      let safeContentsBytes: Uint8Array;
      if (contentInfo.contentType === pkijs.ContentInfo.DATA) {
        safeContentsBytes = new Uint8Array((contentInfo.content as asn1js.OctetString).getValue());
      } else if (contentInfo.contentType === pkijs.ContentInfo.ENCRYPTED_DATA) {
        const encryptedData = new pkijs.EncryptedData({ schema: contentInfo.content });
        const info = encryptedData.encryptedContentInfo;
        safeContentsBytes = await decrypt(info.contentEncryptionAlgorithm, new Uint8Array(info.getEncryptedContent()), passwords);
      } else {
        throw new Error(`PKCS#12 content of type ${contentInfo.contentType} (public-key encrypted) is not supported`);
      }
      let safeContents: pkijs.SafeContents;
      try {
        safeContents = pkijs.SafeContents.fromBER(safeContentsBytes);
      } catch {
        throw new WrongPassword();
      }
      await readSafeBags(safeContents.safeBags, passwords, result);
    }
    return result;
  } catch (error) {
    if (error instanceof WrongPassword) throw new Error(PKCS12_WRONG_PASSWORD);
    throw error;
  }
}

async function readSafeBags(bags: readonly pkijs.SafeBag[], passwords: Passwords, result: Pkcs12Content): Promise<void> {
  for (const bag of bags) {
    switch (bag.bagId) {
      case OID.keyBag:
        result.keys.push(privateKeyFromPkcs8((bag.bagValue as pkijs.PrivateKeyInfo).toSchema().toBER(false)));
        break;
      case OID.pkcs8ShroudedKeyBag: {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        const der = await decrypt(shrouded.encryptionAlgorithm, new Uint8Array(shrouded.encryptedData.getValue()), passwords);
        result.keys.push(privateKeyFromPkcs8(der));
        break;
      }
      case OID.certBag: {
        const certBag = bag.bagValue as pkijs.CertBag;
        if (certBag.certId !== OID.x509Certificate || !(certBag.certValue instanceof asn1js.OctetString)) break;
        result.certificates.push(new Uint8Array(certBag.certValue.getValue()));
        break;
      }
      case OID.safeContentsBag:
        await readSafeBags((bag.bagValue as pkijs.SafeContents).safeBags, passwords, result);
        break;
      default:
        break; // CRLs and secrets are of no use to a signer
    }
  }
}

function privateKeyFromPkcs8(der: ArrayBuffer | Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)), format: 'der', type: 'pkcs8' });
  } catch {
    // A wrong password decrypts to garbage that, rarely, still has valid padding.
    throw new WrongPassword();
  }
}

function verifyMac(macData: pkijs.MacData, content: Uint8Array, password: Buffer): boolean {
  const digestOid = macData.mac.digestAlgorithm.algorithmId;
  const hash = DIGESTS[digestOid];
  if (!hash) throw new Error(`the PKCS#12 MAC algorithm ${digestOid} is not supported`);
  const iterations = macData.iterations ?? 1;
  checkIterations(iterations);
  const salt = macData.macSalt.valueBlock.valueHexView;
  const key = pkcs12Kdf(hash, password, salt, 3, iterations, hash.u);
  const expected = createHmac(hash.name, key).update(content).digest();
  const actual = Buffer.from(macData.mac.digest.valueBlock.valueHexView);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

async function decrypt(algorithm: pkijs.AlgorithmIdentifier, data: Uint8Array, passwords: Passwords): Promise<Uint8Array> {
  const oid = algorithm.algorithmId;
  let cipher: string;
  let key: Buffer;
  let iv: Uint8Array;
  if (oid === OID.pbes2) {
    let params: pkijs.PBES2Params;
    let kdf: pkijs.PBKDF2Params;
    try {
      params = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
      if (params.keyDerivationFunc.algorithmId !== OID.pbkdf2) {
        throw new Error(`the PKCS#12 key derivation ${params.keyDerivationFunc.algorithmId} is not supported (only PBKDF2)`);
      }
      kdf = new pkijs.PBKDF2Params({ schema: params.keyDerivationFunc.algorithmParams });
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('the PKCS#12')) throw error;
      throw new Error('damaged PKCS#12: bad PBES2 parameters');
    }
    const scheme = PBES2_CIPHERS[params.encryptionScheme.algorithmId];
    if (!scheme) throw new Error(`the PKCS#12 cipher ${params.encryptionScheme.algorithmId} is not supported`);
    const prfOid = kdf.prf?.algorithmId ?? '1.2.840.113549.2.7';
    const prf = HMAC_PRFS[prfOid];
    if (!prf) throw new Error(`the PKCS#12 PBKDF2 function ${prfOid} is not supported`);
    if (!(kdf.salt instanceof asn1js.OctetString)) throw new Error('the PKCS#12 PBKDF2 salt source is not supported');
    const ivBlock: unknown = params.encryptionScheme.algorithmParams;
    if (!(ivBlock instanceof asn1js.OctetString)) throw new Error('damaged PKCS#12: no initialisation vector');
    checkIterations(kdf.iterationCount);
    cipher = scheme.cipher;
    key = await pbkdf2Async(passwords.utf8, kdf.salt.valueBlock.valueHexView, kdf.iterationCount, scheme.keyLength, prf);
    iv = ivBlock.valueBlock.valueHexView;
  } else {
    const pbe = PKCS12_PBE[oid];
    if (!pbe) throw new Error(`the PKCS#12 encryption ${oid} is not supported`);
    const params: unknown = algorithm.algorithmParams;
    const items = params instanceof asn1js.Sequence ? params.valueBlock.value : [];
    const [saltBlock, iterationsBlock] = items;
    if (!(saltBlock instanceof asn1js.OctetString) || !(iterationsBlock instanceof asn1js.Integer)) {
      throw new Error('damaged PKCS#12: bad PBE parameters');
    }
    const iterations = iterationsBlock.valueBlock.valueDec;
    checkIterations(iterations);
    const sha1 = DIGESTS['1.3.14.3.2.26']!;
    const salt = saltBlock.valueBlock.valueHexView;
    cipher = pbe.cipher;
    key = pkcs12Kdf(sha1, passwords.bmp, salt, 1, iterations, pbe.keyLength);
    iv = pkcs12Kdf(sha1, passwords.bmp, salt, 2, iterations, 8);
  }
  try {
    if (cipher === 'rc2') return rc2CbcDecrypt(key, iv, data);
    const decipher = createDecipheriv(cipher, key, iv);
    return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
  } catch {
    throw new WrongPassword();
  }
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new Error(`damaged PKCS#12: iteration count ${iterations} is out of range`);
  }
}

/** The password as a big-endian BMPString with a terminating zero (RFC 7292 appendix B.1). */
function bmpPassword(password: string): Buffer {
  const result = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) result.writeUInt16BE(password.charCodeAt(i), i * 2);
  return result;
}

/** The PKCS#12 key derivation function (RFC 7292 appendix B.2). `id`: 1 key, 2 IV, 3 MAC key. */
function pkcs12Kdf(hash: HashInfo, password: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, length: number): Buffer {
  const { u, v } = hash;
  const repeat = (source: Uint8Array): Buffer => {
    const out = Buffer.alloc(source.length === 0 ? 0 : v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeat(salt), repeat(password)]);
  const output: Buffer[] = [];
  let produced = 0;
  for (;;) {
    let A = createHash(hash.name).update(D).update(I).digest();
    for (let i = 1; i < iterations; i++) A = createHash(hash.name).update(A).digest();
    output.push(A);
    produced += u;
    if (produced >= length) break;
    const B = repeat(A).subarray(0, v);
    for (let block = 0; block < I.length; block += v) {
      // I_j = (I_j + B + 1) mod 2^(8v), big-endian
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[block + k]! + B[k]! + carry;
        I[block + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return Buffer.concat(output).subarray(0, length);
}

// ---------------------------------------------------------------------------------------------------------------
// RC2 (RFC 2268), decryption in CBC mode only; the effective key length equals the key length, as in PKCS#12.

// prettier-ignore
const RC2_PITABLE = Uint8Array.from([
  0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
  0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
  0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
  0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
  0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
  0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
  0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
  0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
  0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
  0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
  0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
  0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
  0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
  0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
  0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
  0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
]);

function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const T = key.length;
  if (T < 1 || T > 128) throw new Error('bad RC2 key length');
  const L = new Uint8Array(128);
  L.set(key);
  for (let i = T; i < 128; i++) L[i] = RC2_PITABLE[(L[i - 1]! + L[i - T]!) & 0xff]!;
  const T8 = Math.ceil(effectiveBits / 8);
  const TM = 0xff >> (8 * T8 - effectiveBits);
  L[128 - T8] = RC2_PITABLE[L[128 - T8]! & TM]!;
  for (let i = 127 - T8; i >= 0; i--) L[i] = RC2_PITABLE[L[i + 1]! ^ L[i + T8]!]!;
  const K = new Uint16Array(64);
  for (let i = 0; i < 64; i++) K[i] = L[2 * i]! | (L[2 * i + 1]! << 8);
  return K;
}

function rc2DecryptBlock(K: Uint16Array, input: Uint8Array, offset: number, out: Uint8Array): void {
  const R = [0, 1, 2, 3].map((i) => input[offset + 2 * i]! | (input[offset + 2 * i + 1]! << 8));
  let j = 63;
  const shifts = [1, 2, 3, 5];
  const mix = (): void => {
    for (let i = 3; i >= 0; i--) {
      const s = shifts[i]!;
      let r = R[i]! & 0xffff;
      r = ((r >>> s) | (r << (16 - s))) & 0xffff;
      r = r - K[j]! - (R[(i + 3) & 3]! & R[(i + 2) & 3]!) - (~R[(i + 3) & 3]! & R[(i + 1) & 3]!);
      R[i] = r & 0xffff;
      j--;
    }
  };
  const mash = (): void => {
    for (let i = 3; i >= 0; i--) R[i] = (R[i]! - K[R[(i + 3) & 3]! & 63]!) & 0xffff;
  };
  for (let round = 0; round < 5; round++) mix();
  mash();
  for (let round = 0; round < 6; round++) mix();
  mash();
  for (let round = 0; round < 5; round++) mix();
  for (let i = 0; i < 4; i++) {
    out[2 * i] = R[i]! & 0xff;
    out[2 * i + 1] = R[i]! >>> 8;
  }
}

function rc2CbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length % 8 !== 0 || iv.length !== 8) throw new Error('bad RC2 input');
  const K = rc2ExpandKey(key, key.length * 8);
  const plain = new Uint8Array(data.length);
  const block = new Uint8Array(8);
  for (let offset = 0; offset < data.length; offset += 8) {
    rc2DecryptBlock(K, data, offset, block);
    const previous = offset === 0 ? iv : data.subarray(offset - 8, offset);
    for (let i = 0; i < 8; i++) plain[offset + i] = block[i]! ^ previous[i]!;
  }
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 8) throw new Error('bad padding');
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw new Error('bad padding');
  return plain.subarray(0, plain.length - pad);
}
