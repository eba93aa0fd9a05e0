/**
 * Checking one XAdES signature (a ds:Signature of an ASiC-E container) as a national validator would: its
 * structure (one QualifyingProperties targeting it, one SignedProperties and every unsigned property where
 * EN 319 132-1 puts it), every reference digest, the file types it signs against the manifest, the signing
 * certificate its signed properties name, the signature value, its time-stamps, and at the long-term levels the
 * revocation status it carries and its archive time-stamps. Trust in the signer's chain is checked here too;
 * whose signature it is (the agency's seal or someone else's) is for the caller to decide.
 */
import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { archiveTimestampInput } from './archive-timestamp.js';
import { chainsToTrustedRoot, orderCertificateChain } from './certificate-chain.js';
import { signatureFingerprint, type SignatureFingerprint } from './fingerprint.js';
import { OcspError } from './ocsp-error.js';
import { fileOfReference } from './reference-uri.js';
import { checkRevocation, RevocationError, revocationOf } from './revocation.js';
import { findSigningCertificate } from './signing-certificate.js';
import { TimestampError } from './timestamp-error.js';
import { verifyTimestampToken } from './timestamp-token.js';
import {
  ALGORITHM,
  CanonicalizationUnsupportedError,
  NS,
  canonicalize,
  childrenNS,
  elementById,
  isCanonicalization,
  type CanonicalizationAlgorithm,
} from './xml.js';

export type SignatureLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

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

export interface TrustAnchors {
  /** Roots the seal certificate must chain to. */
  sealRoots: Uint8Array[];
  /** The agency's organisation identifier (2.5.4.97, "NTRLV-…"): the only seal whose documents count. */
  sealOrganizationId?: string;
  /** Roots time-stamp authorities must chain to. */
  timestampRoots: Uint8Array[];
}

export interface SignatureCheck {
  /** The signature's Id attribute. */
  id: string;
  problems: VerificationProblem[];
  level?: SignatureLevel;
  signer?: SignerInfo;
  signerDer?: Uint8Array;
  signingTime?: Date;
  /** The earliest time a trusted signature time-stamp vouches for. */
  timestampTime?: Date;
  /** When the OCSP response the signature carries was produced (B-LT). */
  revocationTime?: Date;
  /** The latest archive time-stamp's time (B-LTA). */
  archiveTimestampTime?: Date;
  /** What the seal certificate's OCSP responder said at verification time, when asked (VERIFY_ONLINE_REVOCATION). */
  onlineRevocation?: OnlineRevocation;
  /** Container files the signature signs; known only once its references were read (`referencesRead`). */
  signedFiles: Set<string>;
  referencesRead: boolean;
  /** What the signature covers; only when every reference resolved. */
  fingerprint?: SignatureFingerprint;
}

export type OnlineRevocation =
  | { status: 'good'; producedAt: Date }
  | { status: 'revoked'; revokedAt?: Date }
  /** Not asked: the certificate is outside its validity, so its CA need no longer answer for it. */
  | { status: 'not-asked' }
  | { status: 'unavailable'; reason: string };

/** Asks the responder the certificate names (AIA) about it now; throws an OcspError when it cannot say "good". */
export type OnlineRevocationCheck = (certificate: Uint8Array, issuer: Uint8Array) => Promise<{ producedAt: Date }>;

export interface SignatureContext {
  doc: Document;
  /** The container's data files. */
  files: ReadonlyMap<string, Uint8Array>;
  /** Media types of the data files, from the manifest. */
  mediaTypes: ReadonlyMap<string, string>;
  trust: TrustAnchors;
  /** The moment validation is for (default now): certificates and time-stamps must still prove what they prove then. */
  at?: Date;
  /** With VERIFY_ONLINE_REVOCATION: the seal certificate's responder is asked while the certificate is valid. */
  onlineRevocation?: OnlineRevocationCheck;
}

/** XML signature algorithms: the hash, and whether the value is an ECDSA r‖s pair (else RSA PKCS#1 v1.5). */
const SIGNATURE_METHODS: Readonly<Record<string, { hash: string; ecdsa: boolean }>> = {
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': { hash: 'sha256', ecdsa: true },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': { hash: 'sha384', ecdsa: true },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512': { hash: 'sha512', ecdsa: true },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { hash: 'sha256', ecdsa: false },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': { hash: 'sha384', ecdsa: false },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { hash: 'sha512', ecdsa: false },
};

/** XML digest algorithms a reference may use. */
const REFERENCE_DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const text = (el: Element | undefined) => (el?.textContent ?? '').trim();
const base64 = (el: Element | undefined) => new Uint8Array(Buffer.from(text(el).replace(/\s+/g, ''), 'base64'));

/** Elements named so below `root` that belong to it, not to a signature nested inside (a countersignature). */
function ownDescendants(root: Element, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  const walk = (parent: Element) => {
    for (let node = parent.firstChild; node; node = node.nextSibling) {
      if (node.nodeType !== 1) continue;
      const el = node as Element;
      if (el.namespaceURI === ns && el.localName === localName) found.push(el);
      if (el.namespaceURI === NS.ds && el.localName === 'Signature') continue;
      walk(el);
    }
  };
  walk(root);
  return found;
}

function subjectField(certificate: X509Certificate, field: string): string | undefined {
  const line = certificate.subject.split('\n').find((l) => l.startsWith(`${field}=`));
  return line?.slice(field.length + 1);
}

/** A signature structure we cannot go on with; the check ends with the problem already recorded. */
class Stop extends Error {}

export async function checkSignature(signature: Element, context: SignatureContext): Promise<SignatureCheck> {
  const check: SignatureCheck = { id: signature.getAttribute('Id') ?? '', problems: [], signedFiles: new Set(), referencesRead: false };
  const problem = (key: string, params?: Record<string, string>) => void check.problems.push(params ? { key, params } : { key });
  const stop = (key: string, params?: Record<string, string>): never => {
    problem(key, params);
    throw new Stop(key);
  };
  try {
    await checkInto(signature, context, check, problem, stop);
  } catch (error) {
    if (error instanceof CanonicalizationUnsupportedError) problem('verify.signature.unsupported', { algorithm: error.message });
    else if (!(error instanceof Stop)) throw error;
  }
  return check;
}

type Report = (key: string, params?: Record<string, string>) => void;
type Fail = (key: string, params?: Record<string, string>) => never;

async function checkInto(
  signature: Element,
  { doc, files, mediaTypes, trust, at = new Date(), onlineRevocation }: SignatureContext,
  check: SignatureCheck,
  problem: Report,
  stop: Fail,
) {
  const malformed = () => stop('verify.signature.malformed');
  const one = (parent: Element, ns: string, name: string) => {
    const found = childrenNS(parent, ns, name);
    return found.length === 1 ? found[0]! : malformed();
  };
  const optionalOne = (parent: Element, ns: string, name: string) => {
    const found = childrenNS(parent, ns, name);
    return found.length > 1 ? malformed() : found[0];
  };
  const c14nOf = (method: Element | undefined, fallback: CanonicalizationAlgorithm) => {
    if (!method) return fallback;
    const algorithm = method.getAttribute('Algorithm');
    // Parameters (an InclusiveNamespaces prefix list) would change the result: not supported.
    const parameters = Array.from(method.childNodes).some((node) => node.nodeType === 1);
    if (!isCanonicalization(algorithm) || parameters) return stop('verify.signature.unsupported', { algorithm: algorithm ?? '' });
    return algorithm;
  };

  if (!check.id) malformed();
  const signedInfo = one(signature, NS.ds, 'SignedInfo');
  const signatureValue = one(signature, NS.ds, 'SignatureValue');
  const keyInfo = optionalOne(signature, NS.ds, 'KeyInfo');
  const signedInfoC14n = c14nOf(one(signedInfo, NS.ds, 'CanonicalizationMethod'), ALGORITHM.c14n10);
  const signatureMethod = one(signedInfo, NS.ds, 'SignatureMethod').getAttribute('Algorithm');
  const method = SIGNATURE_METHODS[signatureMethod ?? ''];
  if (!method) stop('verify.signature.unsupported', { algorithm: signatureMethod ?? '' });

  // The qualifying properties: exactly one set, for this signature. A second, unsigned copy placed anywhere in it
  // could otherwise claim another signing time (the date the chain is checked at) or certificate.
  const objects = childrenNS(signature, NS.ds, 'Object');
  const qualifying = objects.flatMap((o) => childrenNS(o, NS.xades, 'QualifyingProperties'));
  if (qualifying.length !== 1 || ownDescendants(signature, NS.xades, 'QualifyingProperties').length !== 1) malformed();
  const qualifyingProperties = qualifying[0]!;
  if (qualifyingProperties.getAttribute('Target') !== `#${check.id}`) malformed();
  const signedProperties = one(qualifyingProperties, NS.xades, 'SignedProperties');
  if (ownDescendants(signature, NS.xades, 'SignedProperties').length !== 1) malformed();
  const signedSignatureProperties = one(signedProperties, NS.xades, 'SignedSignatureProperties');
  const unsignedProperties = optionalOne(qualifyingProperties, NS.xades, 'UnsignedProperties');
  const unsigned = unsignedProperties ? optionalOne(unsignedProperties, NS.xades, 'UnsignedSignatureProperties') : undefined;

  // Time-stamps and validation data count only where the standard puts them: as unsigned signature properties.
  // Validation data for a time-stamp's own certificate sits one level down, in xades141:TimeStampValidationData.
  const timestampValidationData = new Set<unknown>(
    ownDescendants(signature, NS.xades141, 'TimeStampValidationData').filter((el) => el.parentNode === unsigned),
  );
  const placed = (ns: string, name: string, alsoIn?: Set<unknown>) => {
    const all = ownDescendants(signature, ns, name);
    if (all.some((el) => el.parentNode !== unsigned && !alsoIn?.has(el.parentNode))) {
      if (name.endsWith('TimeStamp')) stop('verify.timestamp.misplaced', { property: name });
      stop('verify.signature.misplaced-property', { property: name });
    }
    // The signature's own: those directly among the unsigned signature properties.
    return all.filter((el) => el.parentNode === unsigned);
  };
  placed(NS.xades141, 'TimeStampValidationData');
  const signatureTimestamps = placed(NS.xades, 'SignatureTimeStamp');
  const archiveTimestamps = placed(NS.xades141, 'ArchiveTimeStamp');
  const certificateValues = placed(NS.xades, 'CertificateValues', timestampValidationData);
  const revocationValues = placed(NS.xades, 'RevocationValues', timestampValidationData);
  // The XAdES 1.3.2 archive time-stamp predates the baseline profiles and is stamped differently.
  if (ownDescendants(signature, NS.xades, 'ArchiveTimeStamp').length > 0) stop('verify.signature.unsupported', { algorithm: 'xades:ArchiveTimeStamp (1.3.2)' });

  const longTerm = certificateValues.length > 0 && revocationValues.length > 0;
  check.level = archiveTimestamps.length > 0 && longTerm ? 'B-LTA' : longTerm ? 'B-LT' : signatureTimestamps.length > 0 ? 'B-T' : 'B-B';

  // References: every digest right, the signed properties among them, and each file's type as the manifest says.
  const formats = new Map<string, string>();
  const signedDataObjectProperties = optionalOne(signedProperties, NS.xades, 'SignedDataObjectProperties');
  for (const format of signedDataObjectProperties ? childrenNS(signedDataObjectProperties, NS.xades, 'DataObjectFormat') : []) {
    const mimeType = childrenNS(format, NS.xades, 'MimeType')[0];
    if (mimeType) formats.set(format.getAttribute('ObjectReference') ?? '', text(mimeType));
  }
  const referenceData: Uint8Array[] = [];
  let propertiesSigned = false;
  for (const reference of childrenNS(signedInfo, NS.ds, 'Reference')) {
    const uri = reference.getAttribute('URI');
    if (uri === null) malformed();
    const digestMethod = one(reference, NS.ds, 'DigestMethod').getAttribute('Algorithm') ?? '';
    const hash = REFERENCE_DIGESTS[digestMethod];
    if (!hash) stop('verify.signature.unsupported', { algorithm: digestMethod });
    const expected = base64(one(reference, NS.ds, 'DigestValue'));
    const transformsElement = optionalOne(reference, NS.ds, 'Transforms');
    const transforms = transformsElement ? childrenNS(transformsElement, NS.ds, 'Transform') : [];
    const digestOf = (data: Uint8Array) => createHash(hash!).update(data).digest();

    if (uri!.startsWith('#')) {
      const target = elementById(doc, uri!.slice(1));
      if (!target || transforms.length > 1) malformed();
      // Without a transform a same-document reference is canonicalised with C14N 1.0 (XML-DSig §4.4.3.3).
      const data = Buffer.from(canonicalize(target!, c14nOf(transforms[0], ALGORITHM.c14n10)), 'utf8');
      if (target === signedProperties) propertiesSigned = true;
      if (!Buffer.from(digestOf(data)).equals(Buffer.from(expected))) problem('verify.signature.properties-changed');
      referenceData.push(data);
      continue;
    }
    if (transforms.length > 0) stop('verify.signature.unsupported', { algorithm: transforms[0]!.getAttribute('Algorithm') ?? '' });
    const name = fileOfReference(uri!);
    if (name === undefined) malformed();
    const file = files.get(name!);
    if (!file) {
      problem('verify.signature.file-missing', { file: name! });
      continue;
    }
    check.signedFiles.add(name!);
    referenceData.push(file);
    if (!Buffer.from(digestOf(file)).equals(Buffer.from(expected))) problem('verify.signature.file-changed', { file: name! });
    const id = reference.getAttribute('Id');
    const signedType = id ? formats.get(`#${id}`) : undefined;
    if (signedType === undefined) problem('verify.signature.mime-type-missing', { file: name! });
    // A file the manifest does not list is reported once, as such (manifest.ts).
    else if (mediaTypes.has(name!) && signedType !== mediaTypes.get(name!))
      problem('verify.manifest.mime-mismatch', { file: name!, manifest: mediaTypes.get(name!)!, signed: signedType });
  }
  if (!propertiesSigned) malformed();
  check.referencesRead = true;

  // The signing certificate: the one whose digest the signed properties name, among those the signature carries.
  const carried = [
    ...(keyInfo ? ownDescendants(keyInfo, NS.ds, 'X509Certificate') : []),
    ...certificateValues.flatMap((values) => childrenNS(values, NS.xades, 'EncapsulatedX509Certificate')),
  ]
    .map(base64)
    .filter(isCertificate);
  // Validation data for time-stamps (and, in the signature's own values, for the seal chain): every certificate and
  // OCSP response the signature carries, wherever the standard lets it be.
  const timestampValidation = [...timestampValidationData] as Element[];
  const validationCertificates = [
    ...carried,
    ...timestampValidation
      .flatMap((data) => ownDescendants(data, NS.xades, 'EncapsulatedX509Certificate'))
      .map(base64)
      .filter(isCertificate),
  ];
  const allOcspResponses = ownDescendants(signature, NS.xades, 'EncapsulatedOCSPValue').map(base64);
  const found = findSigningCertificate(signedSignatureProperties, carried);
  if ('problem' in found) {
    if (found.problem === 'unsupported') stop('verify.signature.unsupported', { algorithm: found.algorithm });
    stop(`verify.signature.${found.problem}`);
  }
  const signingDer = (found as { der: Uint8Array }).der;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(signingDer);
  } catch {
    return malformed();
  }
  check.signerDer = signingDer;
  check.signer = {
    commonName: subjectField(certificate, 'CN') ?? certificate.subject,
    organization: subjectField(certificate, 'O'),
    organizationIdentifier: subjectField(certificate, 'organizationIdentifier') ?? subjectField(certificate, '2.5.4.97'),
    serialNumber: certificate.serialNumber,
  };
  const signingTimeText = text(childrenNS(signedSignatureProperties, NS.xades, 'SigningTime')[0]);
  if (signingTimeText) {
    check.signingTime = new Date(signingTimeText);
    if (Number.isNaN(check.signingTime.getTime())) malformed();
  }

  // The signature value over the canonical SignedInfo (an ECDSA value is the raw r‖s pair in XML signatures).
  const { hash, ecdsa } = method!;
  const key = certificate.publicKey;
  let valid = false;
  try {
    const signed = Buffer.from(canonicalize(signedInfo, signedInfoC14n), 'utf8');
    valid =
      key.asymmetricKeyType === (ecdsa ? 'ec' : 'rsa') &&
      verifySignature(hash, signed, ecdsa ? { key, dsaEncoding: 'ieee-p1363' } : key, base64(signatureValue));
  } catch (error) {
    if (error instanceof CanonicalizationUnsupportedError) throw error;
  }
  if (!valid) problem('verify.signature.invalid');

  // B-T: time-stamps over the SignatureValue element, canonicalised as each declares (C14N 1.0 by default).
  // Each trusted time-stamp, for the evidence chain checked below.
  let signatureEvidence: Evidence | undefined;
  const archiveEvidence: Evidence[] = [];
  const revokedBeforeItsTime = async (genTime: Date, tsaCertificateDer: Uint8Array, kind: 'signature' | 'archive') => {
    const pool = [...validationCertificates, ...trust.timestampRoots];
    const issuer = orderCertificateChain(tsaCertificateDer, pool)[1];
    const revoked = issuer && (await revocationOf(allOcspResponses, tsaCertificateDer, issuer, pool));
    // Revoked after the time-stamp was made, the token stands (RFC 3161 §4); revoked before, it proves nothing.
    if (revoked && revoked.revokedAt <= genTime) {
      problem('preserve.problem.tsa-revoked', { kind, time: minute(revoked.revokedAt) });
      return true;
    }
    return false;
  };
  for (const stamp of signatureTimestamps) {
    const token = timestampToken(stamp, malformed);
    const digest = sha256(canonicalize(signatureValue, c14nOf(childrenNS(stamp, NS.ds, 'CanonicalizationMethod')[0], ALGORITHM.c14n10)));
    try {
      const { genTime, tsaCertificateDer } = await verifyTimestampToken(token, digest, trust.timestampRoots);
      if (await revokedBeforeItsTime(genTime, tsaCertificateDer, 'signature')) continue;
      if (!check.timestampTime || genTime < check.timestampTime) {
        check.timestampTime = genTime;
        signatureEvidence = { kind: 'signature', genTime, tsaCertificateDer };
      }
    } catch (error) {
      if (!(error instanceof TimestampError)) throw error;
      problem(error.reason === 'untrusted' ? 'verify.timestamp.untrusted' : 'verify.timestamp.invalid');
    }
  }
  // Validation data without the time-stamp it builds on: the time-stamp was taken away.
  if ((longTerm || revocationValues.length > 0 || archiveTimestamps.length > 0) && signatureTimestamps.length === 0) problem('verify.timestamp.missing');

  // The chain, at the time a trusted time-stamp proves; without one, now (a signer's own SigningTime could be
  // backdated to a time its certificate was still valid).
  const checkDate = check.timestampTime ?? at;
  if (!(await chainsToTrustedRoot(signingDer, carried, trust.sealRoots, checkDate))) problem('verify.signature.untrusted');

  // B-LT: the revocation status the signature carries, produced after its time-stamp.
  if (revocationValues.length > 0) {
    const responses = revocationValues.flatMap((values) =>
      childrenNS(values, NS.xades, 'OCSPValues').flatMap((ocsp) => childrenNS(ocsp, NS.xades, 'EncapsulatedOCSPValue').map(base64)),
    );
    const issuerDer = orderCertificateChain(signingDer, [...carried, ...trust.sealRoots])[1];
    if (!issuerDer) problem('verify.revocation.missing');
    else if (check.timestampTime) {
      try {
        check.revocationTime = (await checkRevocation(responses, signingDer, issuerDer, carried, check.timestampTime)).producedAt;
      } catch (error) {
        if (!(error instanceof RevocationError)) throw error;
        problem(`verify.revocation.${error.problem}`, Object.keys(error.params).length > 0 ? error.params : undefined);
      }
    }
  }

  // B-LTA: each archive time-stamp over everything before it.
  for (const stamp of archiveTimestamps) {
    if (childrenNS(stamp, NS.xades, 'Include').length > 0) stop('verify.signature.unsupported', { algorithm: 'xades:Include' });
    const earlier: Element[] = [];
    for (let node = unsigned!.firstChild; node && node !== stamp; node = node.nextSibling) if (node.nodeType === 1) earlier.push(node as Element);
    const input = archiveTimestampInput(
      {
        referenceData,
        signedInfo,
        signatureValue,
        ...(keyInfo ? { keyInfo } : {}),
        earlierProperties: earlier,
        otherObjects: objects.filter((o) => childrenNS(o, NS.xades, 'QualifyingProperties').length === 0),
      },
      c14nOf(childrenNS(stamp, NS.ds, 'CanonicalizationMethod')[0], ALGORITHM.c14n10),
    );
    try {
      const { genTime, tsaCertificateDer } = await verifyTimestampToken(timestampToken(stamp, malformed), sha256(input), trust.timestampRoots);
      if (await revokedBeforeItsTime(genTime, tsaCertificateDer, 'archive')) continue;
      archiveEvidence.push({ kind: 'archive', genTime, tsaCertificateDer });
      if (!check.archiveTimestampTime || genTime > check.archiveTimestampTime) check.archiveTimestampTime = genTime;
    } catch (error) {
      if (!(error instanceof TimestampError)) throw error;
      problem(error.reason === 'untrusted' ? 'verify.timestamp.archive-untrusted' : 'verify.timestamp.archive-invalid');
    }
  }
  // An archive time-stamp preserves long-term data: without it there is nothing to preserve.
  if (archiveTimestamps.length > 0 && !longTerm) problem('verify.revocation.missing');

  // The evidence must still hold at `at`: each time-stamp's certificate valid until the next time-stamp covers it,
  // the last one's until now (EN 319 102-1 §5.6.2.3). A broken link leaves the seal unprovable once its own
  // certificate has expired.
  if (signatureEvidence) {
    const evidence = [signatureEvidence, ...archiveEvidence.filter((e) => e.genTime >= signatureEvidence!.genTime).sort((a, b) => +a.genTime - +b.genTime)];
    for (const [i, link] of evidence.entries()) {
      const until = evidence[i + 1]?.genTime ?? at;
      const expires = new Date(new X509Certificate(link.tsaCertificateDer).validTo);
      if (expires < until) {
        problem('preserve.problem.timestamp-expired', { kind: link.kind, time: minute(expires) });
        if (new Date(certificate.validTo) < at) problem('preserve.problem.seal-expired', { time: minute(new Date(certificate.validTo)) });
        break;
      }
    }
  }

  // Intermediate CAs of the seal chain, where the signature's own revocation values speak about them.
  const sealChain = orderCertificateChain(signingDer, [...carried, ...trust.sealRoots]);
  for (let i = 1; i + 1 < sealChain.length; i++) {
    const revoked = await revocationOf(allOcspResponses, sealChain[i]!, sealChain[i + 1]!, validationCertificates);
    if (revoked && revoked.revokedAt <= (check.timestampTime ?? at)) {
      problem('preserve.problem.intermediate-revoked', {
        subject: new X509Certificate(sealChain[i]!).subject.replace(/\n/g, ', '),
        time: minute(revoked.revokedAt),
      });
    }
  }

  // Online, when configured: the responder the seal certificate names, asked now, while it must still answer.
  if (onlineRevocation) {
    const issuerDer = sealChain[1];
    if (at < new Date(certificate.validFrom) || at > new Date(certificate.validTo) || !issuerDer) check.onlineRevocation = { status: 'not-asked' };
    else {
      try {
        check.onlineRevocation = { status: 'good', producedAt: (await onlineRevocation(signingDer, issuerDer)).producedAt };
      } catch (error) {
        if (error instanceof OcspError && error.reason === 'revoked') {
          check.onlineRevocation = { status: 'revoked', ...(error.revokedAt ? { revokedAt: error.revokedAt } : {}) };
          // Revoked after a time-stamp proved the seal, the seal stands; revoked before (or without one), it does not.
          const provenAt = check.timestampTime ?? at;
          if (!error.revokedAt || error.revokedAt <= provenAt)
            problem('preserve.problem.online-revoked', { time: error.revokedAt ? minute(error.revokedAt) : '?' });
        } else {
          check.onlineRevocation = { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
        }
      }
    }
  }

  check.fingerprint = signatureFingerprint(signature, files);
}

/** A trusted time-stamp and the certificate it rests on. */
interface Evidence {
  kind: 'signature' | 'archive';
  genTime: Date;
  tsaCertificateDer: Uint8Array;
}

/** A moment as messages show it: to the minute, in UTC. */
const minute = (time: Date) => `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Certificates a signature carries are anyone's bytes: those that are not certificates at all are left out. */
function isCertificate(der: Uint8Array): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}

/** The one DER token of a XAdES time-stamp container. */
function timestampToken(stamp: Element, malformed: () => never): Uint8Array {
  if (childrenNS(stamp, NS.xades, 'XMLTimeStamp').length > 0) return malformed();
  const tokens = childrenNS(stamp, NS.xades, 'EncapsulatedTimeStamp');
  if (tokens.length !== 1) return malformed();
  return base64(tokens[0]);
}
