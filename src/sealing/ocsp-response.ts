/**
 * Checking an OCSP responder's answer (RFC 6960 §4.2) before it is embedded in a signature: a successful basic
 * response, signed by the certificate's issuer or by a responder the issuer authorised, answering for this very
 * certificate (and this request's nonce, when echoed), within its validity window. Read by hand (see der.ts):
 * this runs for every batch of sealed documents.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { equalBytes } from './bytes.js';
import { readCertificateFields } from './certificate-fields.js';
import { DerFields, readDerChildren, readGeneralizedTime, readOctetString, readOid, readSingleDer, readSmallInteger, Tag, type DerElement } from './der.js';
import { encodeCertId } from './ocsp-request.js';
import { OcspError } from './ocsp-error.js';
import { OID, SIGNATURE_DIGEST_BY_OID } from './oids.js';
import { describeError } from './timestamp-error.js';

/** A response that passed every check. */
export interface CheckedOcspResponse {
  /** The OCSPResponse exactly as the responder sent it. */
  der: Uint8Array;
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** The delegated responder's certificate, when the issuer did not sign the response itself. */
  responderCertificate: Uint8Array | undefined;
}

export interface OcspCheck {
  certificate: Uint8Array;
  issuer: Uint8Array;
  /** The nonce the request carried; a response that echoes another one is refused. */
  nonce?: Uint8Array;
  now: Date;
  /** Where it came from, for messages. */
  url: string;
}

/** How far the responder's clock may be ahead of ours, and its nextUpdate behind. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const STATUS_NAMES = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(4)', 'sigRequired', 'unauthorized'];

/** Checks `der` as the answer about `check.certificate`; its status must be good. */
export function checkOcspResponse(der: Uint8Array, check: OcspCheck): CheckedOcspResponse {
  const response = readResponse(der, check.url);
  const signer = authorisedSigner(response, check);
  const digest = SIGNATURE_DIGEST_BY_OID.get(response.signatureAlgorithm);
  if (!digest) throw new OcspError('untrusted', `the OCSP response is signed with ${response.signatureAlgorithm}, which is not accepted`);
  if (!verify(digest, response.tbsResponseData, signer.certificate.publicKey, response.signature)) {
    throw new OcspError('untrusted', `the signature of the OCSP response from ${check.url} does not verify`);
  }
  if (check.nonce && response.nonce && !equalBytes(response.nonce, check.nonce)) {
    throw new OcspError('mismatch', `the OCSP response from ${check.url} echoes another request's nonce`);
  }

  const single = response.responses.find((r) => sameCertId(r.certId, check));
  if (!single) throw new OcspError('mismatch', `the OCSP response from ${check.url} does not answer for this certificate`);
  if (single.status === 'revoked') {
    throw new OcspError(
      'revoked',
      `the certificate was revoked${single.revocationTime ? ` at ${single.revocationTime.toISOString()}` : ''} (OCSP ${check.url})`,
      single.revocationTime ? { revokedAt: single.revocationTime } : undefined,
    );
  }
  if (single.status === 'unknown') throw new OcspError('unknown', `the OCSP responder ${check.url} does not know the certificate`);

  const now = check.now.getTime();
  if (response.producedAt.getTime() > now + CLOCK_SKEW_MS || single.thisUpdate.getTime() > now + CLOCK_SKEW_MS) {
    throw new OcspError('not-fresh', `the OCSP response from ${check.url} is dated in the future`);
  }
  if (single.nextUpdate && single.nextUpdate.getTime() < now - CLOCK_SKEW_MS) {
    throw new OcspError('not-fresh', `the OCSP response from ${check.url} expired at ${single.nextUpdate.toISOString()}`);
  }
  return {
    der: new Uint8Array(der),
    producedAt: response.producedAt,
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
    responderCertificate: signer.delegated ? signer.der : undefined,
  };
}

interface SingleResponse {
  certId: DerElement;
  status: 'good' | 'revoked' | 'unknown';
  revocationTime: Date | undefined;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
}

interface BasicResponse {
  tbsResponseData: Uint8Array;
  responderId: { byName?: Uint8Array; byKey?: Uint8Array };
  producedAt: Date;
  responses: SingleResponse[];
  nonce: Uint8Array | undefined;
  signatureAlgorithm: string;
  signature: Uint8Array;
  certificates: Uint8Array[];
}

function readResponse(der: Uint8Array, url: string): BasicResponse {
  let status: number;
  let basic: Uint8Array | undefined;
  try {
    // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
    const fields = DerFields.read(der, 'OCSPResponse');
    status = readSmallInteger(fields.required(Tag.enumerated, 'responseStatus'));
    const wrapper = fields.optional(Tag.context0Constructed);
    fields.end();
    if (wrapper) {
      // ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING }
      const bytes = DerFields.read(readSingleDer(wrapper.content, 'ber').encoded, 'ResponseBytes');
      const type = readOid(bytes.required(Tag.oid, 'responseType'));
      if (type !== OID.ocspBasic) throw new SyntaxError(`response type ${type} is not id-pkix-ocsp-basic`);
      basic = readOctetString(readSingleDer(bytes.required(Tag.octetString, 'response').encoded, 'ber'));
      bytes.end();
    }
  } catch (error) {
    throw new OcspError('malformed', `the answer of ${url} is not an OCSPResponse: ${describeError(error)}`, { cause: error });
  }
  if (status !== 0) throw new OcspError('rejected', `OCSP responder ${url} answered ${STATUS_NAMES[status] ?? `status ${status}`}`);
  if (!basic) throw new OcspError('malformed', `the successful answer of ${url} holds no response`);
  try {
    return readBasicResponse(basic);
  } catch (error) {
    throw new OcspError('malformed', `the BasicOCSPResponse of ${url} cannot be read: ${describeError(error)}`, { cause: error });
  }
}

/**
 * BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
 * signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 * ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID ResponderID, producedAt
 * GeneralizedTime, responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 */
function readBasicResponse(der: Uint8Array): BasicResponse {
  const basic = DerFields.read(der, 'BasicOCSPResponse');
  const tbs = basic.required(Tag.sequence, 'tbsResponseData');
  const algorithm = basic.sequence('signatureAlgorithm');
  const signatureAlgorithm = readOid(algorithm.required(Tag.oid, 'algorithm'));
  const signatureBits = basic.required(Tag.bitString, 'signature').content;
  if (signatureBits[0] !== 0) throw new SyntaxError('the signature is not whole octets');
  const certs = basic.optional(Tag.context0Constructed);
  basic.end();
  const certificates = certs ? readDerChildren(readSingleDer(certs.content, 'ber', Tag.sequence).content, 'ber').map((c) => c.encoded) : [];

  const data = new DerFields(tbs, 'ResponseData');
  const version = data.optional(Tag.context0Constructed);
  if (version && readSmallInteger(readSingleDer(version.content, 'ber', Tag.integer)) !== 0) throw new SyntaxError('ResponseData version is not v1');
  const byName = data.optional(Tag.context1Constructed);
  const byKey = byName ? undefined : data.required(Tag.context2Constructed, 'responderID');
  const producedAt = readGeneralizedTime(data.required(Tag.generalizedTime, 'producedAt'));
  const responses = readDerChildren(data.required(Tag.sequence, 'responses').content, 'ber').map(readSingleResponse);
  const extensions = data.optional(Tag.context1Constructed);
  data.end();
  return {
    tbsResponseData: tbs.encoded,
    responderId: byName
      ? { byName: readSingleDer(byName.content, 'ber', Tag.sequence).encoded }
      : { byKey: readOctetString(readSingleDer(byKey!.content, 'ber')) },
    producedAt,
    responses,
    nonce: extensions ? readNonce(extensions) : undefined,
    signatureAlgorithm,
    signature: signatureBits.subarray(1),
    certificates,
  };
}

/**
 * SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 * nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }
 * CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
 */
function readSingleResponse(element: DerElement): SingleResponse {
  const fields = new DerFields(element, 'SingleResponse');
  const certId = fields.required(Tag.sequence, 'certID');
  let status: SingleResponse['status'];
  let revocationTime: Date | undefined;
  if (fields.optional(Tag.context0)) status = 'good';
  else if (fields.optional(Tag.context2)) status = 'unknown';
  else {
    const revoked = fields.required(Tag.context1Constructed, 'certStatus');
    status = 'revoked';
    revocationTime = readGeneralizedTime(readDerChildren(revoked.content, 'ber')[0]!);
  }
  const thisUpdate = readGeneralizedTime(fields.required(Tag.generalizedTime, 'thisUpdate'));
  const next = fields.optional(Tag.context0Constructed);
  fields.optional(Tag.context1Constructed);
  fields.end();
  return { certId, status, revocationTime, thisUpdate, nextUpdate: next && readGeneralizedTime(readSingleDer(next.content, 'ber')) };
}

/** The nonce among the response's extensions (RFC 8954: its value is the DER of an OCTET STRING). */
function readNonce(extensions: DerElement): Uint8Array | undefined {
  for (const extension of readDerChildren(readSingleDer(extensions.content, 'ber', Tag.sequence).content, 'ber')) {
    const fields = new DerFields(extension, 'Extension');
    if (readOid(fields.required(Tag.oid, 'extnID')) !== OID.ocspNonce) continue;
    fields.optional(Tag.boolean);
    const value = readOctetString(fields.required(Tag.octetString, 'extnValue'));
    // Some responders put the nonce's octets in the extension value directly; take both forms.
    try {
      return readOctetString(readSingleDer(value, 'ber', Tag.octetString));
    } catch {
      return value;
    }
  }
  return undefined;
}

function sameCertId(certId: DerElement, check: OcspCheck): boolean {
  const algorithm = readOid(new DerFields(certId, 'CertID').sequence('hashAlgorithm').required(Tag.oid, 'algorithm'));
  try {
    const expected = new DerFields(readSingleDer(encodeCertId(check.certificate, check.issuer, algorithm), 'der'), 'CertID');
    const actual = new DerFields(certId, 'CertID');
    expected.required(Tag.sequence, 'hashAlgorithm');
    actual.required(Tag.sequence, 'hashAlgorithm');
    // Hashes and serial compared by content: parameters of the hash algorithm (NULL or absent) do not matter.
    for (const [tag, name] of [
      [Tag.octetString, 'issuerNameHash'],
      [Tag.octetString, 'issuerKeyHash'],
      [Tag.integer, 'serialNumber'],
    ] as const) {
      if (!equalBytes(expected.required(tag, name).content, actual.required(tag, name).content)) return false;
    }
    return true;
  } catch {
    return false; // a CertID made with a digest we do not make is not ours
  }
}

/**
 * Responders already found authorised, by their certificate and the issuer's: a worker meets the same one for
 * every batch, and checking its certificate's signature again would cost as much as the response's own.
 */
const authorisedResponders = new Map<string, { certificate: X509Certificate; notBefore: number; notAfter: number }>();
const MAX_REMEMBERED_RESPONDERS = 16;

/**
 * The certificate whose key signed the response: the issuer itself, or a certificate in the response that the
 * issuer signed, valid when the response was produced and carrying the OCSP-signing extended key usage
 * (RFC 6960 §4.2.2.2). A responder's own certificate says nothing about whether it may answer for this CA.
 */
function authorisedSigner(response: BasicResponse, check: OcspCheck): { certificate: X509Certificate; der: Uint8Array; delegated: boolean } {
  if (namesResponder(check.issuer, response.responderId)) return { certificate: new X509Certificate(check.issuer), der: check.issuer, delegated: false };
  const der = response.certificates.find((candidate) => namesResponder(candidate, response.responderId));
  if (!der) throw new OcspError('untrusted', `the OCSP response from ${check.url} is signed by a responder it does not include`);
  const key = `${fingerprint(der)} ${fingerprint(check.issuer)}`;
  let known = authorisedResponders.get(key);
  if (!known) {
    known = delegatedResponder(der, check.issuer);
    if (authorisedResponders.size >= MAX_REMEMBERED_RESPONDERS) authorisedResponders.clear();
    authorisedResponders.set(key, known);
  }
  const at = response.producedAt.getTime();
  if (at < known.notBefore || at > known.notAfter) {
    throw new OcspError('untrusted', 'the OCSP responder certificate was not valid when the response was produced');
  }
  return { certificate: known.certificate, der, delegated: true };
}

function delegatedResponder(der: Uint8Array, issuerDer: Uint8Array): { certificate: X509Certificate; notBefore: number; notAfter: number } {
  const issuer = new X509Certificate(issuerDer);
  let responder: X509Certificate;
  try {
    responder = new X509Certificate(der);
  } catch (error) {
    throw new OcspError('malformed', `the OCSP responder's certificate cannot be read: ${describeError(error)}`, { cause: error });
  }
  if (!responder.checkIssued(issuer) || !responder.verify(issuer.publicKey)) {
    throw new OcspError('untrusted', `the OCSP responder ${responder.subject.replace(/\n/g, ', ')} is not certified by the certificate's issuer`);
  }
  if (!(responder.keyUsage ?? []).includes(OID.kpOcspSigning)) {
    throw new OcspError('untrusted', 'the OCSP responder certificate lacks the OCSP-signing extended key usage');
  }
  return { certificate: responder, notBefore: Date.parse(responder.validFrom), notAfter: Date.parse(responder.validTo) };
}

const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash (SHA-1 of the subjectPublicKey bits) } */
function namesResponder(certificateDer: Uint8Array, responderId: BasicResponse['responderId']): boolean {
  let fields;
  try {
    fields = readCertificateFields(certificateDer);
  } catch {
    return false;
  }
  if (responderId.byName) return equalBytes(fields.subject, responderId.byName);
  return equalBytes(createHash('sha1').update(fields.subjectPublicKey).digest(), responderId.byKey!);
}
