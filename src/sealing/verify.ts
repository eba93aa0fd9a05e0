/**
 * Checks an .edoc the way the national validators do: the container (mimetype, entries, manifest), then every
 * signature in it (signature-check.ts: references, file types, signing certificate, signature value, chain,
 * time-stamps, revocation data, archive time-stamps), and that one of them is a valid seal of the agency over the
 * certificate's data. Other signatures beside the seal (a university's, say) must be valid too. Reports every
 * problem found, each as a key that pages and the command line translate.
 */
import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import type { Element } from '@xmldom/xmldom';
import { CERTIFICATE_DATA_FILE, type CertificateFacts } from '../certificate/facts.js';
import { ContainerError, openAsice, type OpenedContainer } from './asic.js';
import type { SignatureFingerprint } from './fingerprint.js';
import { ocspUrlOf, requestOcsp } from './ocsp-client.js';
import { OcspError } from './ocsp-error.js';
import { ManifestError, readManifest, type Manifest } from './manifest.js';
import {
  checkSignature,
  type OnlineRevocation,
  type OnlineRevocationCheck,
  type SignatureCheck,
  type SignatureLevel,
  type SignerInfo,
  type TrustAnchors,
  type VerificationProblem,
} from './signature-check.js';
import { NS, childrenNS, parseXml, UnsafeXmlError } from './xml.js';

export type { OnlineRevocation, SignatureLevel, SignerInfo, TrustAnchors, VerificationProblem } from './signature-check.js';

export interface VerificationReport {
  genuine: boolean;
  problems: VerificationProblem[];
  /** The level of the agency's seal: B-T with a time-stamp, B-LT with revocation data, B-LTA with an archive time-stamp. */
  level?: SignatureLevel;
  signer?: SignerInfo;
  /** Who else signed the container beside the agency's seal. */
  cosigners?: SignerInfo[];
  /** The time the signer claims (SigningTime). */
  signingTime?: Date;
  /** The time a trusted time-stamp authority vouches for. */
  timestampTime?: Date;
  /** When the revocation status the seal carries was produced (B-LT). */
  revocationTime?: Date;
  /** The time of the latest archive time-stamp (B-LTA). */
  archiveTimestampTime?: Date;
  /**
   * Whether the container holds a file by the name of a certificate's data: a file that does claims to be a
   * certificate (and is not genuine if it fails), one that does not may simply be another signed document.
   */
  holdsCertificateData?: boolean;
  /** What the seal certificate's OCSP responder said when asked at verification time (VERIFY_ONLINE_REVOCATION=on). */
  onlineRevocation?: OnlineRevocation;
  /** What the certificate states, from its signed data file; only when the document is genuine. */
  facts?: CertificateFacts;
  /** What the agency's seal covers, for the register to recognise its document; only when genuine. */
  fingerprint?: SignatureFingerprint;
  sha256: string;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** The ds:Signature elements of a signature file: the children of asic:XAdESSignatures (or the file's root itself). */
function signaturesOf(xml: string): { doc: ReturnType<typeof parseXml>; signatures: Element[] } | undefined {
  let doc;
  try {
    doc = parseXml(xml);
  } catch (error) {
    if (error instanceof UnsafeXmlError) return undefined;
    throw error;
  }
  const root = doc.documentElement!;
  let signatures: Element[];
  if (root.namespaceURI === NS.ds && root.localName === 'Signature') signatures = [root];
  else if (root.namespaceURI === NS.asic && root.localName === 'XAdESSignatures') signatures = childrenNS(root, NS.ds, 'Signature');
  else return undefined;
  // An Id given twice lets a reference point at whichever copy suits the forger.
  const ids = new Set<string>();
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const id = all.item(i)!.getAttribute('Id');
    if (id === null) continue;
    if (ids.has(id)) return undefined;
    ids.add(id);
  }
  return signatures.length > 0 ? { doc, signatures } : undefined;
}

export interface VerifyOptions {
  /** The moment the document is judged at (default now). */
  at?: Date;
  /** Ask the seal certificate's OCSP responder now, while the certificate is valid (VERIFY_ONLINE_REVOCATION). */
  onlineRevocation?: boolean | OnlineRevocationCheck;
}

/** Asks the responder the certificate names in its AuthorityInfoAccess; a certificate that names none is reported as such. */
const askOnline: OnlineRevocationCheck = async (certificate, issuer) => {
  const url = ocspUrlOf(certificate);
  if (!url) throw new OcspError('no-address', 'the seal certificate names no OCSP responder');
  return requestOcsp(url, certificate, issuer);
};

export async function verifyEdoc(bytes: Uint8Array, trust: TrustAnchors, options: VerifyOptions = {}): Promise<VerificationReport> {
  const onlineRevocation = options.onlineRevocation === true ? askOnline : options.onlineRevocation || undefined;
  const report: VerificationReport = { genuine: false, problems: [], sha256: sha256(bytes).toString('hex') };
  const fail = (key: string, params?: Record<string, string>) => {
    report.problems.push(params ? { key, params } : { key });
    return report;
  };

  let container: OpenedContainer;
  let manifest: Manifest;
  try {
    container = openAsice(bytes);
    manifest = readManifest(container.manifestXml, container.files);
  } catch (error) {
    if (error instanceof ContainerError) return fail(`verify.container.${error.problem}`);
    if (error instanceof ManifestError) return fail(`verify.manifest.${error.problem}`, error.file !== undefined ? { file: error.file } : undefined);
    throw error;
  }

  report.holdsCertificateData = container.files.has(CERTIFICATE_DATA_FILE);
  for (const mismatch of manifest.mismatches) fail(`verify.manifest.${mismatch.problem}`, { file: mismatch.file! });
  const { mediaTypes } = manifest;

  const checks: SignatureCheck[] = [];
  for (const file of container.signatures) {
    const parsed = signaturesOf(file.xml);
    if (!parsed) return fail('verify.signature.malformed');
    for (const signature of parsed.signatures) {
      checks.push(
        await checkSignature(signature, {
          doc: parsed.doc,
          files: container.files,
          mediaTypes,
          trust,
          ...(options.at ? { at: options.at } : {}),
          ...(onlineRevocation ? { onlineRevocation } : {}),
        }),
      );
    }
  }
  // Problems of one signature among several say which one they concern.
  for (const check of checks) {
    for (const problem of check.problems) {
      const params = checks.length > 1 ? { ...problem.params, signature: check.id } : problem.params;
      if (!report.problems.some((p) => p.key === problem.key && JSON.stringify(p.params) === JSON.stringify(params))) fail(problem.key, params);
    }
  }
  // Which files are signed is known only when every signature could be read that far (else it is refused anyway).
  if (checks.every((check) => check.referencesRead)) {
    const signed = new Set(checks.flatMap((check) => [...check.signedFiles]));
    for (const name of container.files.keys()) if (!signed.has(name)) fail('verify.signature.unsigned-file', { file: name });
  }

  // The agency's seal: its organisation's (any organisation's seal can chain to a qualified CA's root), and of
  // those a valid one over the certificate's data if there is one.
  const candidates = checks.filter((c) => c.signer && (!trust.sealOrganizationId || c.signer.organizationIdentifier === trust.sealOrganizationId));
  const agency = candidates.find((c) => c.problems.length === 0 && c.signedFiles.has(CERTIFICATE_DATA_FILE)) ?? candidates[0];
  const shown = agency ?? checks.find((c) => c.signer) ?? checks[0];
  if (shown) {
    report.level = shown.level;
    if (shown.signer) report.signer = shown.signer;
    if (shown.signingTime) report.signingTime = shown.signingTime;
    if (shown.timestampTime) report.timestampTime = shown.timestampTime;
    if (shown.revocationTime) report.revocationTime = shown.revocationTime;
    if (shown.archiveTimestampTime) report.archiveTimestampTime = shown.archiveTimestampTime;
    if (shown.onlineRevocation) report.onlineRevocation = shown.onlineRevocation;
  }
  const cosigners = checks.filter((c) => c !== shown && c.signer).map((c) => c.signer!);
  if (cosigners.length > 0) report.cosigners = cosigners;
  if (!agency) {
    if (checks.some((c) => c.signer)) fail('verify.signature.not-the-agency');
  } else if (!hasNonRepudiation(agency.signerDer!)) {
    fail('verify.signature.not-a-seal');
  }

  if (report.problems.length === 0 && agency) {
    const data = agency.signedFiles.has(CERTIFICATE_DATA_FILE) ? container.files.get(CERTIFICATE_DATA_FILE) : undefined;
    const facts = data ? readFacts(data) : undefined;
    if (!facts || !agency.fingerprint) return fail('verify.signature.no-data');
    report.facts = facts;
    report.fingerprint = agency.fingerprint;
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
