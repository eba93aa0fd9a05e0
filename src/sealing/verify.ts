/**
 * Checks an .edoc the way an independent validator would: the container, every reference digest, the signature
 * value, the signed certificate digest, the certificate chain up to a trusted root, and the signature time-stamp.
 * Reports every problem found, each as a key that pages and the command line translate.
 */
import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { CERTIFICATE_DATA_FILE, type CertificateFacts } from '../certificate/facts.js';
import { ContainerError, openAsice, type OpenedContainer } from './asic.js';
import { SIGNATURE_METHOD_URI } from './signer.js';
import { pkiCryptoEngine } from './pki-engine.js';
import { TimestampError } from './timestamp-error.js';
import { verifyTimestampToken } from './timestamp-token.js';
import { issuerSerialV2, referenceUri } from './xades.js';
import { ALGORITHM, NS, childrenNS, descendantsNS, elementById, excC14n, parseXml, UnsafeXmlError } from './xml.js';

export interface VerificationProblem {
  key: string;
  params?: Record<string, string>;
}

export interface SignerInfo {
  commonName: string;
  organization?: string;
  organizationIdentifier?: string;
  serialNumber: string;
}

export interface VerificationReport {
  genuine: boolean;
  problems: VerificationProblem[];
  level?: 'B-B' | 'B-T';
  signer?: SignerInfo;
  /** The time the signer claims (SigningTime). */
  signingTime?: Date;
  /** The time a trusted time-stamp authority vouches for. */
  timestampTime?: Date;
  /** What the certificate states, from its signed data file; only when the document is genuine. */
  facts?: CertificateFacts;
  sha256: string;
}

export interface TrustAnchors {
  /** Roots the seal certificate must chain to. */
  sealRoots: Uint8Array[];
  /** The agency's organisation identifier (2.5.4.97, "NTRLV-…"): the only seal whose documents count. */
  sealOrganizationId?: string;
  /** Roots time-stamp authorities must chain to. */
  timestampRoots: Uint8Array[];
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

function text(el: { textContent: string | null } | undefined): string {
  return (el?.textContent ?? '').trim();
}

function subjectField(certificate: X509Certificate, field: string): string | undefined {
  const line = certificate.subject.split('\n').find((l) => l.startsWith(`${field}=`));
  return line?.slice(field.length + 1);
}

export async function verifyEdoc(bytes: Uint8Array, trust: TrustAnchors): Promise<VerificationReport> {
  const report: VerificationReport = { genuine: false, problems: [], sha256: sha256(bytes).toString('hex') };
  const fail = (key: string, params?: Record<string, string>) => {
    report.problems.push(params ? { key, params } : { key });
    return report;
  };

  let container: OpenedContainer;
  try {
    container = openAsice(bytes);
  } catch (error) {
    if (error instanceof ContainerError) return fail(`verify.container.${error.problem}`);
    throw error;
  }

  let doc;
  try {
    doc = parseXml(container.signatureXml);
  } catch (error) {
    if (error instanceof UnsafeXmlError) return fail('verify.signature.malformed');
    throw error;
  }
  const signatures = descendantsNS(doc, NS.ds, 'Signature');
  if (signatures.length !== 1) return fail('verify.signature.malformed');
  const signature = signatures[0]!;
  const signedInfo = childrenNS(signature, NS.ds, 'SignedInfo')[0];
  const signatureValueElement = childrenNS(signature, NS.ds, 'SignatureValue')[0];
  if (!signedInfo || !signatureValueElement) return fail('verify.signature.malformed');

  const c14nMethod = childrenNS(signedInfo, NS.ds, 'CanonicalizationMethod')[0]?.getAttribute('Algorithm');
  const signatureMethod = childrenNS(signedInfo, NS.ds, 'SignatureMethod')[0]?.getAttribute('Algorithm');
  if (c14nMethod !== ALGORITHM.excC14n) return fail('verify.signature.unsupported', { algorithm: c14nMethod ?? '' });
  const algorithm = Object.entries(SIGNATURE_METHOD_URI).find(([, uri]) => uri === signatureMethod)?.[0];
  if (!algorithm) return fail('verify.signature.unsupported', { algorithm: signatureMethod ?? '' });

  // References: every data file signed, every digest right, and the signed properties among them.
  const referencedFiles = new Set<string>();
  let referencedProperties: ReturnType<typeof elementById>;
  for (const reference of childrenNS(signedInfo, NS.ds, 'Reference')) {
    const uri = reference.getAttribute('URI') ?? '';
    const digestMethod = childrenNS(reference, NS.ds, 'DigestMethod')[0]?.getAttribute('Algorithm');
    const expected = text(childrenNS(reference, NS.ds, 'DigestValue')[0]);
    if (digestMethod !== ALGORITHM.sha256) return fail('verify.signature.unsupported', { algorithm: digestMethod ?? '' });
    if (uri.startsWith('#')) {
      const target = elementById(doc, uri.slice(1));
      const transforms = descendantsNS(reference, NS.ds, 'Transform').map((t) => t.getAttribute('Algorithm'));
      if (!target || transforms.some((t) => t !== ALGORITHM.excC14n)) return fail('verify.signature.malformed');
      if (target.localName === 'SignedProperties' && target.namespaceURI === NS.xades) referencedProperties = target;
      if (b64(sha256(excC14n(target))) !== expected) fail('verify.signature.properties-changed');
      continue;
    }
    let name: string;
    try {
      name = decodeURIComponent(uri);
    } catch {
      return fail('verify.signature.malformed');
    }
    const file = container.files.get(name);
    if (!file) {
      fail('verify.signature.file-missing', { file: name });
      continue;
    }
    referencedFiles.add(name);
    if (referenceUri(name) !== uri && uri !== name) return fail('verify.signature.malformed');
    if (b64(sha256(file)) !== expected) fail('verify.signature.file-changed', { file: name });
  }
  for (const name of container.files.keys()) {
    if (!referencedFiles.has(name)) fail('verify.signature.unsigned-file', { file: name });
  }
  // Only the signed properties the signature covers may be read: a second, unsigned copy placed before them
  // could otherwise claim another signing time (the date the chain is checked at) or certificate.
  const allSignedProperties = descendantsNS(doc, NS.xades, 'SignedProperties');
  if (!referencedProperties || allSignedProperties.length !== 1 || allSignedProperties[0] !== referencedProperties) {
    fail('verify.signature.malformed');
  }

  // The signing certificate: the one whose digest the signed properties name.
  const certificatesDer = descendantsNS(signature, NS.ds, 'X509Certificate').map((el) => new Uint8Array(Buffer.from(text(el), 'base64')));
  const signedProperties = referencedProperties;
  const certDigest = signedProperties ? text(descendantsNS(signedProperties, NS.ds, 'DigestValue')[0]) : '';
  const issuerSerial = signedProperties ? text(descendantsNS(signedProperties, NS.xades, 'IssuerSerialV2')[0]) : '';
  const signingDer = certificatesDer.find((der) => b64(sha256(der)) === certDigest);
  if (!signingDer) return fail('verify.signature.certificate-swapped');
  if (issuerSerial !== issuerSerialV2(signingDer)) fail('verify.signature.certificate-swapped');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(signingDer);
  } catch {
    return fail('verify.signature.malformed');
  }
  report.signer = {
    commonName: subjectField(certificate, 'CN') ?? certificate.subject,
    organization: subjectField(certificate, 'O'),
    organizationIdentifier: subjectField(certificate, 'organizationIdentifier') ?? subjectField(certificate, '2.5.4.97'),
    serialNumber: certificate.serialNumber,
  };
  const signingTimeText = signedProperties ? text(descendantsNS(signedProperties, NS.xades, 'SigningTime')[0]) : '';
  if (signingTimeText) {
    report.signingTime = new Date(signingTimeText);
    if (Number.isNaN(report.signingTime.getTime())) return fail('verify.signature.malformed');
  }

  // The signature value over the canonical SignedInfo.
  const signatureBytes = Buffer.from(text(signatureValueElement), 'base64');
  const signedBytes = Buffer.from(excC14n(signedInfo), 'utf8');
  const valid = verifySignature(
    'sha256',
    signedBytes,
    algorithm === 'ECDSA_SHA256' ? { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' } : certificate.publicKey,
    signatureBytes,
  );
  if (!valid) fail('verify.signature.invalid');

  // B-T: a signature time-stamp over the canonical SignatureValue, from a trusted authority.
  const stamp = descendantsNS(signature, NS.xades, 'SignatureTimeStamp')[0];
  report.level = stamp ? 'B-T' : 'B-B';
  if (stamp) {
    const token = new Uint8Array(Buffer.from(text(descendantsNS(stamp, NS.xades, 'EncapsulatedTimeStamp')[0]), 'base64'));
    try {
      const verified = await verifyTimestampToken(token, sha256(excC14n(signatureValueElement)), trust.timestampRoots);
      report.timestampTime = verified.genTime;
    } catch (error) {
      if (!(error instanceof TimestampError)) throw error;
      fail(error.reason === 'untrusted' ? 'verify.timestamp.untrusted' : 'verify.timestamp.invalid');
    }
  }

  // The chain, at the time a trusted time-stamp proves; without one, now (a signer's own SigningTime could be
  // backdated to a time its certificate was still valid).
  const checkDate = report.timestampTime ?? new Date();
  if (!(await chainsToTrustedRoot(signingDer, certificatesDer, trust.sealRoots, checkDate))) fail('verify.signature.untrusted');
  if (!hasNonRepudiation(signingDer)) fail('verify.signature.not-a-seal');
  // Any organisation's seal can chain to a qualified CA's root: only the agency's own seal makes a certificate.
  if (trust.sealOrganizationId && report.signer.organizationIdentifier !== trust.sealOrganizationId) fail('verify.signature.not-the-agency');

  if (report.problems.length === 0) {
    const data = container.files.get(CERTIFICATE_DATA_FILE);
    const facts = data ? readFacts(data) : undefined;
    if (!facts) return fail('verify.signature.no-data');
    report.facts = facts;
    report.genuine = true;
  }
  return report;
}

/** The certificate's data file, if it has the shape we write; anything else is not a certificate of ours. */
function readFacts(data: Uint8Array): CertificateFacts | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as Partial<CertificateFacts>;
    const texts = ['number', 'firstName', 'lastName', 'personalCode', 'examCode', 'subjectLvLocative', 'subjectLv', 'subjectEn', 'issuedOn'] as const;
    if (texts.some((k) => typeof value[k] !== 'string')) return undefined;
    if ((value.kind !== 'basic' && value.kind !== 'secondary') || typeof value.total !== 'number' || typeof value.schoolYear !== 'number') return undefined;
    if (
      !Array.isArray(value.parts) ||
      value.parts.some((p) => typeof p?.nameLv !== 'string' || typeof p?.nameEn !== 'string' || typeof p?.percent !== 'number')
    )
      return undefined;
    return value as CertificateFacts;
  } catch {
    return undefined;
  }
}

function hasNonRepudiation(der: Uint8Array): boolean {
  const certificate = pkijs.Certificate.fromBER(der);
  const keyUsage = certificate.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (!keyUsage) return false;
  const bits = (keyUsage.parsedValue as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView;
  // KeyUsage bit 1 (nonRepudiation / contentCommitment) is 0x40 of the first byte.
  return (bits[0]! & 0x40) !== 0;
}

async function chainsToTrustedRoot(leaf: Uint8Array, pool: Uint8Array[], roots: Uint8Array[], at: Date): Promise<boolean> {
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
