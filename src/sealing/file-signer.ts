/**
 * Signers whose key lives in a file: PEM (key + certificate chain) and PKCS#12 (.p12/.pfx). Meant for
 * development, tests and a soft seal; a qualified seal lives in a token (see pkcs11-signer.ts).
 */
import { X509Certificate, constants as cryptoConstants, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { orderCertificateChain } from './certificate-chain.js';
import { parsePemCertificates } from './pem.js';
import { readPkcs12 } from './pkcs12.js';
import type { SignatureAlgorithm, Signer } from './signer.js';

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
    throw new Error(`the private key does not match the first certificate of the chain (subject ${new X509Certificate(first).subject.replace(/\n/g, ', ')})`);
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
