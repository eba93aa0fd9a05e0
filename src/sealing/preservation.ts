/**
 * Preserving a sealed document for decades (EN 319 132-1 §5.5.2, EN 319 102-1 §5.6.2.3): reading which time-stamp
 * its evidence rests on now, and renewing that evidence with a new archive time-stamp, preceded by the validation
 * data of the time-stamp that was newest until then (its authority's certificate chain and a fresh OCSP response
 * about its certificate, in xades141:TimeStampValidationData), so the new time-stamp covers the proof that the
 * old one was sound while its certificate was still valid. Whether a document needs it is decided by
 * src/domain/preservation.ts; this module reads and writes documents, and asks the time-stamp authority and the
 * OCSP responder. It runs in the sealing workers (seal-worker.ts) and, in tests, in the test's own process.
 */
import { createHash, X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { preservationNeed, type NewestTimestamp, type PreservationNeed, type PreservationPolicy } from '../domain/preservation.js';
import { addArchiveTimestamp } from './archive-timestamp.js';
import { openAsice } from './asic.js';
import { copyBytes } from './bytes.js';
import { orderCertificateChain } from './certificate-chain.js';
import { ocspUrlOf, requestOcsp } from './ocsp-client.js';
import { OcspError } from './ocsp-error.js';
import type { CheckedOcspResponse } from './ocsp-response.js';
import { OID } from './oids.js';
import { childrenNS, descendantsNS, NS, parseXml } from './xml.js';

/** Digest names by OID, for the algorithms a time-stamp may name (names as RETIRED_DIGEST_ALGORITHMS uses them). */
const DIGEST_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.2.5', 'md5'],
  [OID.sha1, 'sha1'],
  ['2.16.840.1.101.3.4.2.4', 'sha224'],
  [OID.sha256, 'sha256'],
  [OID.sha384, 'sha384'],
  [OID.sha512, 'sha512'],
]);

export interface PreservationState {
  /** Whether the signature carries long-term validation data (B-LT, B-LTA). */
  longTerm: boolean;
  /** The time-stamp the evidence rests on now: the latest archive time-stamp, else the signature time-stamp. */
  newest?: NewestTimestamp & { token: Uint8Array };
}

/** What the document's evidence rests on, read from its one signature. */
export function preservationStateOf(edoc: Uint8Array): PreservationState {
  const container = openAsice(edoc);
  if (container.signatures.length !== 1) throw new PreservationError('the container must hold one signature file');
  const doc = parseXml(container.signatures[0]!.xml);
  const unsigned = descendantsNS(doc, NS.xades, 'UnsignedSignatureProperties')[0];
  if (!unsigned) return { longTerm: false };
  const longTerm = childrenNS(unsigned, NS.xades, 'CertificateValues').length > 0 && childrenNS(unsigned, NS.xades, 'RevocationValues').length > 0;
  const archives = childrenNS(unsigned, NS.xades141, 'ArchiveTimeStamp');
  const stamp = archives.at(-1) ?? childrenNS(unsigned, NS.xades, 'SignatureTimeStamp').at(-1);
  if (!stamp) return { longTerm };
  const encapsulated = childrenNS(stamp, NS.xades, 'EncapsulatedTimeStamp')[0];
  if (!encapsulated) throw new PreservationError('the newest time-stamp holds no token');
  const token = new Uint8Array(Buffer.from((encapsulated.textContent ?? '').replace(/\s+/g, ''), 'base64'));
  return { longTerm, newest: { kind: archives.length > 0 ? 'archive' : 'signature', ...readTimestampFacts(token), token } };
}

/** genTime, the authority's certificate's expiry and the digests a time-stamp token relies on. */
export function readTimestampFacts(token: Uint8Array): Omit<NewestTimestamp, 'kind'> & { tsaCertificate: Uint8Array; certificates: Uint8Array[] } {
  let signedData: pkijs.SignedData;
  let tstInfo: pkijs.TSTInfo;
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(copyBytes(token));
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
    const content = signedData.encapContentInfo.eContent;
    if (!content) throw new Error('no TSTInfo');
    tstInfo = pkijs.TSTInfo.fromBER(content.getValue());
  } catch (error) {
    throw new PreservationError(`the time-stamp token cannot be read: ${String(error)}`);
  }
  const certificates = (signedData.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => new Uint8Array(c.toSchema().toBER()));
  const tsaCertificate = certificates.find(isTimestampingCertificate);
  if (!tsaCertificate) throw new PreservationError('the time-stamp token does not carry its authority’s certificate');
  const name = (oid: string) => DIGEST_NAMES.get(oid) ?? oid;
  const signer = signedData.signerInfos[0];
  const signatureAlgorithm = signer?.signatureAlgorithm.algorithmId ?? '';
  const digests = [name(tstInfo.messageImprint.hashAlgorithm.algorithmId), ...(signer ? [name(signer.digestAlgorithm.algorithmId)] : [])];
  // A signature algorithm that names its own digest (sha1WithRSAEncryption, ecdsa-with-SHA1) relies on it too.
  if (/^1\.2\.840\.(113549\.1\.1\.5|10045\.4\.1)$/.test(signatureAlgorithm)) digests.push('sha1');
  return {
    genTime: tstInfo.genTime,
    certificateNotAfter: new Date(new X509Certificate(tsaCertificate).validTo),
    digests: [...new Set(digests)],
    tsaCertificate,
    certificates,
  };
}

function isTimestampingCertificate(der: Uint8Array): boolean {
  try {
    return (new X509Certificate(der).keyUsage ?? []).includes(OID.kpTimeStamping);
  } catch {
    return false;
  }
}

export class PreservationError extends Error {
  override readonly name = 'PreservationError';
}

export interface TimestampValidationSources {
  /** Issuers of time-stamp authority certificates (roots and intermediates); a TSA certificate among them is a trust anchor. */
  timestampIssuers: readonly Uint8Array[];
  /** Asked instead of the address in the TSA certificate's AuthorityInfoAccess. */
  ocspUrl?: string;
  /** Fetches a checked response about `certificate` (tests answer from their own responder). */
  fetchOcsp?: (url: string, certificate: Uint8Array, issuer: Uint8Array) => Promise<CheckedOcspResponse>;
}

/**
 * The validation data of a time-stamp, gathered now: its authority's chain (less the certificates the token
 * already carries) and, unless its certificate is itself a trust anchor or names no responder, a fresh OCSP
 * response about it with the responder's certificate.
 */
export async function gatherTimestampValidation(
  token: Uint8Array,
  sources: TimestampValidationSources,
): Promise<{ certificates: Uint8Array[]; ocspResponses: Uint8Array[] }> {
  const { tsaCertificate, certificates: inToken } = readTimestampFacts(token);
  const key = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');
  const chain = orderCertificateChain(tsaCertificate, [...inToken, ...sources.timestampIssuers]);
  const present = new Set(inToken.map(key));
  const certificates: Uint8Array[] = [];
  const add = (der: Uint8Array) => {
    if (present.has(key(der))) return;
    present.add(key(der));
    certificates.push(der);
  };
  chain.forEach(add);
  const isAnchor = sources.timestampIssuers.some((anchor) => key(anchor) === key(tsaCertificate));
  const url = sources.ocspUrl ?? ocspUrlOf(tsaCertificate);
  const issuer = chain[1];
  if (isAnchor || !url) return { certificates, ocspResponses: [] };
  if (!issuer)
    throw new OcspError('no-address', "the time-stamp authority's issuer is not among the configured TSA certificates, so OCSP cannot be asked about it");
  const fetch = sources.fetchOcsp ?? ((u: string, c: Uint8Array, i: Uint8Array) => requestOcsp(u, c, i));
  const response = await fetch(url, tsaCertificate, issuer);
  if (response.responderCertificate) add(response.responderCertificate);
  return { certificates, ocspResponses: [response.der] };
}

export interface PreservationDependencies extends TimestampValidationSources {
  /** The time-stamp authority: a token over a SHA-256 digest. */
  timestamp: (digestSha256: Uint8Array) => Promise<Uint8Array>;
}

export type PreservationOutcome =
  | { need: Exclude<PreservationNeed, { action: 'renew' }> }
  | { need: Extract<PreservationNeed, { action: 'renew' }>; edoc: Uint8Array; genTime: Date; certificateNotAfter: Date };

/**
 * One document's preservation step at `at`: nothing when its evidence is sound for the window, else the new
 * container (the given one is not changed). A renewal that would itself need renewing at once (the authority's
 * own certificate expires within the window, or it stamps with a retired digest) is refused: storing it would
 * make every run renew the same document again.
 */
export async function preserveDocument(edoc: Uint8Array, at: Date, policy: PreservationPolicy, deps: PreservationDependencies): Promise<PreservationOutcome> {
  const state = preservationStateOf(edoc);
  const need = preservationNeed(state.newest, state.longTerm, at, policy);
  if (need.action !== 'renew') return { need };
  const previousTimestampValidation = await gatherTimestampValidation(state.newest!.token, deps);
  const renewed = await addArchiveTimestamp(edoc, { timestamp: deps.timestamp, previousTimestampValidation, now: at });
  const after = preservationStateOf(renewed);
  const again = preservationNeed(after.newest, after.longTerm, at, policy);
  if (again.action !== 'none') {
    throw new PreservationError(
      again.action === 'renew' && again.reason === 'digest-retired'
        ? `the time-stamp authority stamps with ${again.digest}, which is retired`
        : `the time-stamp authority's certificate expires ${after.newest!.certificateNotAfter.toISOString()}, within the preservation window: a renewal by it would not last`,
    );
  }
  return { need, edoc: renewed, genTime: after.newest!.genTime, certificateNotAfter: after.newest!.certificateNotAfter };
}
