/**
 * Reading a PKCS#12 file (.p12/.pfx): the private keys and certificates it holds. Parsed with pkijs (the ASN.1
 * structures) and decrypted with Node's crypto, so that both the modern format (`openssl pkcs12 -export` of
 * OpenSSL 3: PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC) and the legacy one (pbeWithSHAAnd3-KeyTripleDES-CBC,
 * pbeWithSHAAnd40BitRC2-CBC, SHA-1 MAC; `-legacy`, Windows, Java) load. RC2 is not in Node's default OpenSSL
 * provider, hence rc2.ts.
 */
import { createDecipheriv, createHash, createHmac, createPrivateKey, pbkdf2, timingSafeEqual, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { rc2CbcDecrypt } from './rc2.js';

const pbkdf2Async = promisify(pbkdf2);

/** The message of every PKCS#12 failure that a wrong password can cause (a MAC or padding mismatch). */
export const PKCS12_WRONG_PASSWORD = 'wrong password or damaged PKCS#12';

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

export interface Pkcs12Content {
  keys: KeyObject[];
  certificates: Uint8Array[];
}

/** The private keys and certificates a PKCS#12 file holds, its MAC verified when present. */
export async function readPkcs12(pfxDer: Uint8Array, password: string): Promise<Pkcs12Content> {
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
