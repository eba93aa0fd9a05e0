/**
 * The revocation status a long-term (B-LT) signature carries for its signing certificate: OCSP responses in
 * xades:RevocationValues/xades:OCSPValues/xades:EncapsulatedOCSPValue (EN 319 132-1 §5.4.2), each the DER of an
 * OCSPResponse (RFC 6960). A response counts when it is about this certificate (its CertID: hashes of the
 * issuer's name and key, and the serial number), is signed by the certificate's CA or by a responder the CA
 * delegated (a certificate it issued with the id-kp-OCSPSigning extended key usage, valid when the response was
 * produced), says "good", and was produced no earlier than the signature time-stamp (to the second): only then
 * does it show the certificate was not revoked when the signature was proven to exist.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { copyBytes, equalBytes } from './bytes.js';
import { DerFields, Tag } from './der.js';
import { pkiCryptoEngine } from './pki-engine.js';

export type RevocationProblem = 'malformed' | 'untrusted' | 'revoked' | 'unknown' | 'before-timestamp' | 'missing';

export class RevocationError extends Error {
  constructor(
    readonly problem: RevocationProblem,
    readonly params: Record<string, string> = {},
  ) {
    super(`revocation: ${problem}`);
    this.name = 'RevocationError';
  }
}

const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** CertID hash algorithms: SHA-1 is what most responders still use, SHA-2 is allowed. */
const CERT_ID_HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const toCertificate = (der: Uint8Array) => pkijs.Certificate.fromBER(copyBytes(der));
const keyBits = (certificate: pkijs.Certificate) => certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
const der = (certificate: pkijs.Certificate) => new Uint8Array(certificate.toSchema().toBER());

/** The issuer field of a certificate exactly as encoded in it (what a CertID's issuerNameHash is taken over). */
function issuerNameDer(certificateDer: Uint8Array): Uint8Array {
  const tbs = DerFields.read(certificateDer, 'certificate').sequence('tbsCertificate');
  tbs.optional(Tag.context0Constructed);
  tbs.required(Tag.integer, 'serialNumber');
  tbs.required(Tag.sequence, 'signature');
  return tbs.required(Tag.sequence, 'issuer').encoded;
}

function parseBasicResponse(responseDer: Uint8Array): pkijs.BasicOCSPResponse {
  try {
    const asn1 = asn1js.fromBER(copyBytes(responseDer));
    if (asn1.offset !== responseDer.byteLength) throw new Error('not a single DER value');
    const response = new pkijs.OCSPResponse({ schema: asn1.result });
    if (response.responseStatus.valueBlock.valueDec !== 0) throw new Error(`response status ${response.responseStatus.valueBlock.valueDec}`);
    if (response.responseBytes?.responseType !== OCSP_BASIC) throw new Error('not a basic OCSP response');
    return pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView);
  } catch {
    throw new RevocationError('malformed');
  }
}

function isAboutCertificate(certID: pkijs.CertID, certificate: pkijs.Certificate, certificateDer: Uint8Array, issuer: pkijs.Certificate): boolean {
  const hash = CERT_ID_HASHES[certID.hashAlgorithm.algorithmId];
  if (!hash) return false;
  const digest = (data: Uint8Array) => createHash(hash).update(data).digest();
  return (
    certID.serialNumber.isEqual(certificate.serialNumber) &&
    equalBytes(certID.issuerNameHash.valueBlock.valueHexView, digest(issuerNameDer(certificateDer))) &&
    equalBytes(certID.issuerKeyHash.valueBlock.valueHexView, digest(keyBits(issuer)))
  );
}

function matchesResponderId(responderID: unknown, candidate: pkijs.Certificate): boolean {
  if (responderID instanceof pkijs.RelativeDistinguishedNames) return candidate.subject.isEqual(responderID);
  if (responderID instanceof asn1js.OctetString) return equalBytes(createHash('sha1').update(keyBits(candidate)).digest(), responderID.valueBlock.valueHexView);
  return false;
}

/** Whether `responder` may answer for certificates of `issuer`: the CA itself, or a responder it delegated. */
async function isAuthorised(responder: pkijs.Certificate, issuer: pkijs.Certificate, producedAt: Date): Promise<boolean> {
  if (equalBytes(der(responder), der(issuer))) return true;
  if (!responder.issuer.isEqual(issuer.subject)) return false;
  if (producedAt < responder.notBefore.value || producedAt > responder.notAfter.value) return false;
  const eku = responder.extensions?.find((e) => e.extnID === '2.5.29.37')?.parsedValue;
  if (!(eku instanceof pkijs.ExtKeyUsage) || !eku.keyPurposes.includes(KP_OCSP_SIGNING)) return false;
  try {
    return await responder.verify(issuer, pkiCryptoEngine());
  } catch {
    return false;
  }
}

async function signedBy(response: pkijs.BasicOCSPResponse, candidate: pkijs.Certificate): Promise<boolean> {
  try {
    return await pkiCryptoEngine().verifyWithPublicKey(
      response.tbsResponseData.tbsView,
      response.signature,
      candidate.subjectPublicKeyInfo,
      response.signatureAlgorithm,
    );
  } catch {
    return false;
  }
}

interface Finding {
  status: 'good' | 'revoked' | 'unknown';
  producedAt: Date;
  revokedAt?: Date;
}

/** One response: undefined when it is about another certificate; throws when it cannot be trusted. */
async function readResponse(
  responseDer: Uint8Array,
  certificateDer: Uint8Array,
  issuerDer: Uint8Array,
  pool: readonly Uint8Array[],
): Promise<Finding | undefined> {
  const response = parseBasicResponse(responseDer);
  const certificate = toCertificate(certificateDer);
  const issuer = toCertificate(issuerDer);
  const single = response.tbsResponseData.responses.find((r) => isAboutCertificate(r.certID, certificate, certificateDer, issuer));
  if (!single) return undefined;
  const producedAt = response.tbsResponseData.producedAt;

  const candidates = [issuer, ...(response.certs ?? []), ...pool.map(toCertificate)];
  let trusted = false;
  for (const candidate of candidates) {
    if (!matchesResponderId(response.tbsResponseData.responderID, candidate)) continue;
    if ((await signedBy(response, candidate)) && (await isAuthorised(candidate, issuer, producedAt))) {
      trusted = true;
      break;
    }
  }
  if (!trusted) throw new RevocationError('untrusted');

  const status = single.certStatus as asn1js.BaseBlock;
  if (status.idBlock.tagClass !== 3) throw new RevocationError('malformed');
  if (status.idBlock.tagNumber === 0) return { status: 'good', producedAt };
  if (status.idBlock.tagNumber === 1) {
    const time = (status as asn1js.Constructed).valueBlock.value[0];
    return { status: 'revoked', producedAt, ...(time instanceof asn1js.GeneralizedTime ? { revokedAt: time.toDate() } : {}) };
  }
  return { status: 'unknown', producedAt };
}

/**
 * Checks the OCSP responses a signature carries for `certificateDer` (issued by `issuerDer`; `pool` holds other
 * certificates the signature carries, a delegated responder's among them). Returns when one trusted response
 * says "good" and was produced at or after `notBefore` (the signature time-stamp); throws RevocationError with
 * the reason otherwise, a revocation taking precedence over everything else.
 */
export async function checkRevocation(
  responsesDer: readonly Uint8Array[],
  certificateDer: Uint8Array,
  issuerDer: Uint8Array,
  pool: readonly Uint8Array[],
  notBefore: Date,
): Promise<{ producedAt: Date }> {
  const findings: Finding[] = [];
  let firstError: RevocationError | undefined;
  for (const responseDer of responsesDer) {
    try {
      const finding = await readResponse(responseDer, certificateDer, issuerDer, pool);
      if (finding) findings.push(finding);
    } catch (error) {
      // Anything else the bytes make a parser throw is a response we cannot read.
      firstError ??= error instanceof RevocationError ? error : new RevocationError('malformed');
    }
  }
  const revoked = findings.find((f) => f.status === 'revoked');
  if (revoked)
    throw new RevocationError('revoked', { time: revoked.revokedAt ? `${revoked.revokedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '?' });
  const good = findings.filter((f) => f.status === 'good');
  // OCSP responders state whole seconds while time-stamps may state milliseconds: a response produced in the
  // time-stamp's own second counts as produced after it.
  const earliest = Math.floor(notBefore.getTime() / 1000) * 1000;
  const fresh = good.find((f) => f.producedAt.getTime() >= earliest);
  if (fresh) return { producedAt: fresh.producedAt };
  if (firstError) throw firstError;
  if (good.length > 0) throw new RevocationError('before-timestamp');
  if (findings.length > 0) throw new RevocationError('unknown');
  throw new RevocationError('missing');
}

/**
 * Whether a trusted response among `responsesDer` says `certificateDer` (issued by `issuerDer`) was revoked, and
 * when (the epoch when it does not say). For certificates whose revocation data is optional (a time-stamp
 * authority's, an intermediate CA's): responses about other certificates, and those that cannot be trusted, are
 * passed over; only a trusted "revoked" counts.
 */
export async function revocationOf(
  responsesDer: readonly Uint8Array[],
  certificateDer: Uint8Array,
  issuerDer: Uint8Array,
  pool: readonly Uint8Array[],
): Promise<{ revokedAt: Date } | undefined> {
  for (const responseDer of responsesDer) {
    try {
      const finding = await readResponse(responseDer, certificateDer, issuerDer, pool);
      if (finding?.status === 'revoked') return { revokedAt: finding.revokedAt ?? new Date(0) };
    } catch {
      // Not about this certificate in a form we can trust: it proves nothing either way.
    }
  }
  return undefined;
}
