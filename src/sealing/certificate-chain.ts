/** Certificate chains: putting one in order from an unordered set of candidates, and validating one to a root. */
import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { pkiCryptoEngine } from './pki-engine.js';

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

/**
 * Whether `leaf` chains, through certificates of `pool`, to one of `roots`, with every certificate valid at `at`
 * (pkijs's path validation).
 */
export async function chainsToTrustedRoot(leaf: Uint8Array, pool: readonly Uint8Array[], roots: readonly Uint8Array[], at: Date): Promise<boolean> {
  if (roots.length === 0) return false;
  const toCert = (der: Uint8Array) => pkijs.Certificate.fromBER(new Uint8Array(der).buffer);
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: roots.map(toCert),
    certs: [toCert(leaf), ...pool.filter((der) => der !== leaf).map(toCert)],
    checkDate: at,
  });
  try {
    const result = await engine.verify({}, pkiCryptoEngine());
    return result.result;
  } catch {
    return false;
  }
}
