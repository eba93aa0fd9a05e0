/**
 * RFC 3161 time stamps for the seal's SignatureTimeStamp (XAdES B-T): asking a time-stamp authority (TSA) for a
 * token over a SHA-256 digest, and checking a token against that digest and a set of trusted roots.
 *
 * A token is the DER of a CMS ContentInfo holding SignedData whose content is a TSTInfo (RFC 3161 §2.4.2). The
 * TSA signs it with a certificate whose only extended key usage is timeStamping (critical), and names that
 * certificate in a signed ESS signing-certificate attribute (v1, RFC 2634, or v2, RFC 5816).
 *
 * Revocation of the TSA certificate is not checked here: that belongs to the long-term (LT) level, where the
 * revocation values are gathered into the signature.
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { randomFillSync } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type TimestampErrorReason = 'unreachable' | 'rejected' | 'malformed' | 'mismatch' | 'untrusted';

/**
 * Why a time stamp could not be obtained or accepted:
 * - `unreachable`: no answer from the TSA (network error, refused connection, timeout);
 * - `rejected`: the TSA answered with an HTTP error or a TimeStampResp status other than granted;
 * - `malformed`: the answer or the token cannot be parsed or lacks a required part;
 * - `mismatch`: the token is for another digest or request (imprint, nonce), or its signature does not cover
 *   its content (the token was altered);
 * - `untrusted`: the signer cannot be tied to a trusted root, is not a time-stamping certificate, or is not the
 *   certificate named in the signed signing-certificate attribute.
 */
export class TimestampError extends Error {
  override readonly name = 'TimestampError';
  constructor(
    readonly reason: TimestampErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Object identifiers used by time stamps. */
export const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

/** The identifier octets used by time stamps (universal class unless named context). */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  context0: 0x80,
  context1: 0x81,
  context0Constructed: 0xa0,
  context1Constructed: 0xa1,
  context4Constructed: 0xa4,
} as const;

/** WebCrypto names of the digest algorithms a message imprint or an ESS certificate id may use. */
export const DIGEST_BY_OID: ReadonlyMap<string, { name: string; length: number }> = new Map([
  [OID.sha256, { name: 'SHA-256', length: 32 }],
  [OID.sha384, { name: 'SHA-384', length: 48 }],
  [OID.sha512, { name: 'SHA-512', length: 64 }],
]);

let engine: pkijs.CryptoEngine | undefined;

/**
 * The pkijs crypto engine over Node's WebCrypto (`globalThis.crypto`, Node 20). pkijs v4 installs one of its own
 * when it is first imported; we pass ours explicitly to every call that signs, verifies or hashes, so nothing
 * here depends on what other code sets globally, and install it globally only when none is set.
 */
export function pkiCryptoEngine(): pkijs.CryptoEngine {
  if (!engine) {
    engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: globalThis.crypto });
    let current: ReturnType<typeof pkijs.getEngine> | undefined;
    try {
      current = pkijs.getEngine();
    } catch {
      current = undefined;
    }
    if (!current?.crypto) pkijs.setEngine('node-webcrypto', engine);
  }
  return engine;
}

// RFC 5754: SHA-2 identifiers are generated without parameters.
const SHA256_IDENTIFIER = algorithmIdentifier(OID.sha256);

/** Largest TimeStampResp accepted from a TSA; real responses are a few kilobytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Asks the TSA at `tsaUrl` for a time stamp over `messageDigestSha256` (the SHA-256 of the data to stamp; for
 * XAdES, of the canonicalised ds:SignatureValue element) and returns the DER of the TimeStampToken.
 * The response must be granted (or granted with modifications), for this digest and this request's nonce.
 * The token's signature and chain are checked later, by `verifyTimestampToken`.
 */
export async function requestTimestamp(
  tsaUrl: string,
  messageDigestSha256: Uint8Array,
  options: { timeoutMs?: number } = {},
): Promise<Uint8Array> {
  const request = encodeTimestampRequest(messageDigestSha256);
  const body = await postTimestampQuery(tsaUrl, request.der, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return readTimestampResponse(body, messageDigestSha256, request.nonce, tsaUrl);
}

/** A DER TimeStampReq (v1, SHA-256 imprint, a fresh 64-bit nonce, certReq) and its nonce. */
export function encodeTimestampRequest(messageDigestSha256: Uint8Array): { der: Uint8Array; nonce: Uint8Array } {
  if (messageDigestSha256.byteLength !== 32) {
    throw new RangeError(`a SHA-256 digest has 32 bytes, not ${messageDigestSha256.byteLength}`);
  }
  const nonce = randomPositiveInteger(8);
  const der = encodeDer(
    Tag.sequence,
    encodeDer(Tag.integer, Uint8Array.of(1)),
    encodeDer(Tag.sequence, SHA256_IDENTIFIER, encodeDer(Tag.octetString, messageDigestSha256)),
    encodeDer(Tag.integer, nonce),
    encodeDer(Tag.boolean, Uint8Array.of(0xff)),
  );
  return { der, nonce };
}

/**
 * POSTs the query and reads the answer (RFC 3161 §3.4), all within `timeoutMs`. node:http rather than fetch:
 * fetch's web streams cost several times the CPU of making and checking the time stamp itself.
 */
async function postTimestampQuery(tsaUrl: string, requestDer: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await openResponse(tsaUrl, requestDer, abort.signal);
    return await readLimited(response, MAX_RESPONSE_BYTES, tsaUrl, abort.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The TSA's answer once its headers are in; it must be a success (2xx). */
async function openResponse(tsaUrl: string, requestDer: Uint8Array, signal: AbortSignal): Promise<IncomingMessage> {
  let response: IncomingMessage;
  try {
    response = await sendPost(new URL(tsaUrl), requestDer, signal);
  } catch (error) {
    throw new TimestampError('unreachable', `time-stamp authority ${tsaUrl} did not answer: ${describe(error)}`, {
      cause: error,
    });
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.destroy();
    throw new TimestampError('rejected', `time-stamp authority ${tsaUrl} answered HTTP ${status}`);
  }
  return response;
}

function sendPost(url: URL, body: Uint8Array, signal: AbortSignal): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${url.protocol} is not HTTP`);
  const headers = {
    'Content-Type': 'application/timestamp-query',
    Accept: 'application/timestamp-reply',
    'Content-Length': body.byteLength,
  };
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', headers, signal }, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Checks a TSA's answer to the request with `nonce` over `messageDigestSha256` and returns the token's bytes,
 * exactly as the TSA sent them (never re-encoded): the status must be granted, the token a SignedData over a
 * TSTInfo v1 with this imprint and nonce, and it must carry the TSA certificate (the request asks for it).
 */
export function readTimestampResponse(
  body: Uint8Array,
  messageDigestSha256: Uint8Array,
  nonce: Uint8Array,
  tsaUrl: string,
): Uint8Array {
  let response: { status: PkiStatus; token: Uint8Array | undefined };
  try {
    response = readTimeStampResp(body);
  } catch (error) {
    throw new TimestampError('malformed', `the answer of ${tsaUrl} is not a TimeStampResp: ${describe(error)}`, {
      cause: error,
    });
  }
  const { status, token } = response;
  if (status.status !== pkijs.PKIStatus.granted && status.status !== pkijs.PKIStatus.grantedWithMods) {
    const texts = status.texts.length ? `: ${status.texts.join('; ')}` : '';
    const failInfo = status.failInfo ? ` (failInfo ${failInfoNames(status.failInfo).join(', ')})` : '';
    const message = `time-stamp authority ${tsaUrl} refused the request: status ${status.status}${failInfo}${texts}`;
    throw new TimestampError('rejected', message);
  }
  if (!token) throw new TimestampError('malformed', `the answer of ${tsaUrl} is granted but holds no token`);

  const { tstInfo, hasCertificate } = readTokenQuickly(token);
  if (tstInfo.imprintAlgorithm !== OID.sha256) {
    throw new TimestampError('mismatch', `the time stamp's imprint uses ${tstInfo.imprintAlgorithm}, not SHA-256`);
  }
  if (!equalBytes(tstInfo.imprint, messageDigestSha256)) {
    throw new TimestampError('mismatch', 'the time stamp is for another digest');
  }
  if (!tstInfo.nonce || !equalBytes(tstInfo.nonce, nonce)) {
    throw new TimestampError('mismatch', 'the time stamp does not echo the nonce of the request');
  }
  if (!hasCertificate) {
    throw new TimestampError('malformed', 'the time stamp lacks the TSA certificate although the request asked for it');
  }
  return new Uint8Array(token); // a copy of its own, not a view into the answer
}

interface PkiStatus {
  status: number;
  texts: string[];
  /** The PKIFailureInfo BIT STRING's content: the unused-bits octet, then the bits. */
  failInfo: Uint8Array | undefined;
}

/** TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL } (RFC 3161 §2.4.2) */
function readTimeStampResp(body: Uint8Array): { status: PkiStatus; token: Uint8Array | undefined } {
  const fields = DerFields.read(body, 'TimeStampResp');
  const status = readPkiStatusInfo(fields.required(Tag.sequence, 'status'));
  const token = fields.optional(Tag.sequence)?.encoded;
  fields.end();
  return { status, token };
}

/** PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString PKIFreeText OPTIONAL, failInfo BIT STRING OPTIONAL } */
function readPkiStatusInfo(element: DerElement): PkiStatus {
  const fields = new DerFields(element, 'PKIStatusInfo');
  const status = readSmallInteger(fields.required(Tag.integer, 'status'));
  const freeText = fields.optional(Tag.sequence);
  const texts = freeText ? readDerChildren(freeText.content, 'ber').map(readUtf8String) : [];
  const failInfo = fields.optional(Tag.bitString)?.content;
  fields.end();
  return { status, texts, failInfo };
}

interface QuickTstInfo {
  imprintAlgorithm: string;
  imprint: Uint8Array;
  /** The nonce INTEGER's content octets. */
  nonce: Uint8Array | undefined;
}

/**
 * The parts of a token that a request checks, read without building the CMS objects: a SignedData over a TSTInfo
 * v1, and whether a certificate came along. The signature is left to verifyTimestampToken.
 */
function readTokenQuickly(tokenDer: Uint8Array): { tstInfo: QuickTstInfo; hasCertificate: boolean } {
  let signedData: ReturnType<typeof readSignedDataQuickly>;
  try {
    signedData = readSignedDataQuickly(tokenDer);
  } catch (error) {
    throw new TimestampError('malformed', `the time stamp is not CMS SignedData: ${describe(error)}`, { cause: error });
  }
  const { eContentType, eContent, hasCertificate } = signedData;
  if (eContentType !== OID.tstInfo || !eContent) {
    throw new TimestampError('malformed', `the time stamp's content is ${eContentType}, not TSTInfo`);
  }
  let tstInfo: QuickTstInfo & { version: number };
  try {
    tstInfo = readTstInfoQuickly(eContent);
  } catch (error) {
    const message = `the time stamp's TSTInfo cannot be read: ${describe(error)}`;
    throw new TimestampError('malformed', message, { cause: error });
  }
  if (tstInfo.version !== 1) throw new TimestampError('malformed', `TSTInfo version ${tstInfo.version} is not 1`);
  return { tstInfo, hasCertificate };
}

/**
 * ContentInfo ::= SEQUENCE { contentType signedData, content [0] EXPLICIT SignedData } (RFC 5652): the
 * encapsulated content, and whether the SignedData carries a certificate. It must name at least one signer.
 */
function readSignedDataQuickly(tokenDer: Uint8Array) {
  const contentInfo = DerFields.read(tokenDer, 'ContentInfo');
  const contentType = readOid(contentInfo.required(Tag.oid, 'contentType'));
  if (contentType !== OID.signedData) throw new SyntaxError(`content type ${contentType}`);
  const wrapper = contentInfo.required(Tag.context0Constructed, 'content');
  contentInfo.end();
  const signedData = DerFields.read(wrapper.content, 'SignedData');
  signedData.required(Tag.integer, 'version');
  signedData.required(Tag.set, 'digestAlgorithms');
  const encapsulated = readEncapsulatedContentInfo(signedData.required(Tag.sequence, 'encapContentInfo'));
  const certificates = signedData.optional(Tag.context0Constructed);
  signedData.optional(Tag.context1Constructed); // crls
  const signerInfos = signedData.required(Tag.set, 'signerInfos');
  signedData.end();
  if (readDerChildren(signerInfos.content, 'ber').length === 0) throw new SyntaxError('SignedData: no SignerInfo');
  const certificateSet = certificates ? readDerChildren(certificates.content, 'ber') : [];
  return { ...encapsulated, hasCertificate: certificateSet.some((choice) => choice.tag === Tag.sequence) };
}

/** EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL } */
function readEncapsulatedContentInfo(element: DerElement): { eContentType: string; eContent: Uint8Array | undefined } {
  const fields = new DerFields(element, 'EncapsulatedContentInfo');
  const eContentType = readOid(fields.required(Tag.oid, 'eContentType'));
  const wrapper = fields.optional(Tag.context0Constructed);
  fields.end();
  return { eContentType, eContent: wrapper && readOctetString(readSingleDer(wrapper.content, 'ber')) };
}

/** The TSTInfo fields a request checks (RFC 3161 §2.4.2); the others are only seen to be there. */
function readTstInfoQuickly(der: Uint8Array): QuickTstInfo & { version: number } {
  const fields = DerFields.read(der, 'TSTInfo');
  const version = readSmallInteger(fields.required(Tag.integer, 'version'));
  fields.required(Tag.oid, 'policy');
  const messageImprint = fields.sequence('messageImprint');
  const algorithm = messageImprint.sequence('hashAlgorithm');
  const imprintAlgorithm = readOid(algorithm.required(Tag.oid, 'algorithm'));
  const imprint = messageImprint.required(Tag.octetString, 'hashedMessage').content;
  messageImprint.end();
  fields.required(Tag.integer, 'serialNumber');
  fields.required(Tag.generalizedTime, 'genTime');
  fields.optional(Tag.sequence); // accuracy
  fields.optional(Tag.boolean); // ordering
  const nonce = fields.optional(Tag.integer)?.content;
  fields.optional(Tag.context0Constructed); // tsa
  fields.optional(Tag.context1Constructed); // extensions
  fields.end();
  return { version, imprintAlgorithm, imprint, nonce };
}

/**
 * Checks a TimeStampToken: it is a TSTInfo over `expectedDigestSha256`, signed (CMS) by a certificate with the
 * critical timeStamping extended key usage that chains to one of `trustedRootsDer` at the token's time, and
 * that certificate is the one named in the signed signing-certificate attribute. Returns the time, the TSA
 * certificate and the token's serial number (lower-case hexadecimal, even number of digits).
 */
export async function verifyTimestampToken(
  tokenDer: Uint8Array,
  expectedDigestSha256: Uint8Array,
  trustedRootsDer: Uint8Array[],
): Promise<{ genTime: Date; tsaCertificateDer: Uint8Array; serialNumber: string }> {
  const crypto = pkiCryptoEngine();
  const trustedCerts = trustedRootsDer.map((der, i) => {
    try {
      return pkijs.Certificate.fromBER(copyBytes(der));
    } catch (error) {
      throw new TypeError(`trusted root ${i} is not a DER certificate: ${describe(error)}`);
    }
  });
  if (trustedCerts.length === 0) throw new TimestampError('untrusted', 'no trusted roots were given');

  const { signedData, tstInfo } = parseToken(tokenDer);
  checkImprint(tstInfo, expectedDigestSha256);

  if (signedData.signerInfos.length !== 1) {
    throw new TimestampError('malformed', `a time stamp has one signer, this one has ${signedData.signerInfos.length}`);
  }
  const signerInfo = signedData.signerInfos[0]!;
  const signedAttrs = signerInfo.signedAttrs?.attributes ?? [];
  const contentTypeAttr = signedAttrs.find((a) => a.type === OID.contentType);
  const contentTypeValue = contentTypeAttr?.values[0];
  const contentType = contentTypeValue instanceof asn1js.ObjectIdentifier ? contentTypeValue.valueBlock.toString() : '';
  if (contentType !== OID.tstInfo) {
    throw new TimestampError('malformed', 'the signed content-type attribute does not name TSTInfo');
  }

  // Altered content is reported as such before the chain is looked at (an altered genTime would otherwise
  // surface as a certificate that is not valid at that time). pkijs checks this digest again below.
  const signerDigest = DIGEST_BY_OID.get(signerInfo.digestAlgorithm.algorithmId);
  const messageDigestValue = signedAttrs.find((a) => a.type === OID.messageDigest)?.values[0];
  if (!signerDigest || !(messageDigestValue instanceof asn1js.OctetString)) {
    throw new TimestampError('malformed', 'the time stamp lacks a SHA-2 message-digest attribute');
  }
  const contentDigest = new Uint8Array(
    await globalThis.crypto.subtle.digest(signerDigest.name, signedData.encapContentInfo.eContent!.getValue()),
  );
  if (!equalBytes(contentDigest, messageDigestValue.valueBlock.valueHexView)) {
    throw new TimestampError('mismatch', 'the time stamp was altered after signing (message digest)');
  }

  // pkijs's SignedData.verify recognises TSTInfo content and then wants the original stamped data (it hashes it
  // itself), while a signature time stamp is checked against a digest. The imprint is checked above, so the
  // CMS check below is told the content is opaque data: the message-digest attribute, the signature over the
  // signed attributes and the certificate chain are all checked exactly as for any SignedData.
  signedData.encapContentInfo.eContentType = OID.data;

  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signedData.verify(
      { signer: 0, trustedCerts, checkChain: true, checkDate: tstInfo.genTime, extendedMode: true },
      crypto,
    );
  } catch (error) {
    if (error instanceof pkijs.SignedDataVerifyError) {
      if (error.code === 2 || error.code === 3 || error.code === 5) {
        const message = `the time stamp's signer is not trusted: ${error.message}`;
        throw new TimestampError('untrusted', message, { cause: error });
      }
      if (error.code === 15 && /digest/i.test(error.message)) {
        const message = 'the time stamp was altered after signing (message digest)';
        throw new TimestampError('mismatch', message, { cause: error });
      }
    }
    throw new TimestampError('malformed', `the time stamp's signature cannot be checked: ${describe(error)}`, {
      cause: error,
    });
  }
  if (!result.signatureVerified) {
    throw new TimestampError('mismatch', 'the signature of the time stamp does not match its content');
  }
  const signerCert = result.signerCertificate;
  if (!signerCert) throw new TimestampError('untrusted', 'the signer certificate of the time stamp was not found');

  const ekuExtension = signerCert.extensions?.find((e) => e.extnID === OID.extKeyUsage);
  const eku = ekuExtension?.parsedValue;
  if (
    !ekuExtension ||
    !ekuExtension.critical ||
    !(eku instanceof pkijs.ExtKeyUsage) ||
    !eku.keyPurposes.includes(OID.kpTimeStamping)
  ) {
    throw new TimestampError(
      'untrusted',
      'the signer certificate of the time stamp lacks the critical timeStamping extended key usage',
    );
  }

  const tsaCertificateDer = new Uint8Array(signerCert.toSchema().toBER());
  await checkSigningCertificateAttribute(signedAttrs, signerCert, tsaCertificateDer);

  return {
    genTime: tstInfo.genTime,
    tsaCertificateDer,
    serialNumber: serialHex(tstInfo.serialNumber),
  };
}

function parseToken(tokenDer: Uint8Array): { signedData: pkijs.SignedData; tstInfo: pkijs.TSTInfo } {
  let contentInfo: pkijs.ContentInfo;
  let signedData: pkijs.SignedData;
  try {
    const asn1 = asn1js.fromBER(copyBytes(tokenDer));
    if (asn1.offset === -1 || asn1.offset !== tokenDer.byteLength) throw new Error('not a single DER value');
    contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
    if (contentInfo.contentType !== OID.signedData) throw new Error(`content type ${contentInfo.contentType}`);
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw new TimestampError('malformed', `the time stamp is not CMS SignedData: ${describe(error)}`, { cause: error });
  }
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== OID.tstInfo || !encap.eContent) {
    throw new TimestampError('malformed', `the time stamp's content is ${encap.eContentType}, not TSTInfo`);
  }
  let tstInfo: pkijs.TSTInfo;
  try {
    tstInfo = pkijs.TSTInfo.fromBER(encap.eContent.getValue());
  } catch (error) {
    const message = `the time stamp's TSTInfo cannot be read: ${describe(error)}`;
    throw new TimestampError('malformed', message, { cause: error });
  }
  if (tstInfo.version !== 1) throw new TimestampError('malformed', `TSTInfo version ${tstInfo.version} is not 1`);
  return { signedData, tstInfo };
}

function checkImprint(tstInfo: pkijs.TSTInfo, expected: Uint8Array): void {
  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256) {
    const algorithm = imprint.hashAlgorithm.algorithmId;
    throw new TimestampError('mismatch', `the time stamp's imprint uses ${algorithm}, not SHA-256`);
  }
  if (!equalBytes(imprint.hashedMessage.valueBlock.valueHexView, expected)) {
    throw new TimestampError('mismatch', 'the time stamp is for another digest');
  }
}

/**
 * RFC 3161 / RFC 5816: the signed attributes name the TSA certificate by its hash (ESSCertID with SHA-1, or
 * ESSCertIDv2 with SHA-256 by default); the first entry must be the signer's certificate, and its issuer and
 * serial number, when present, must match it too.
 */
async function checkSigningCertificateAttribute(
  attributes: pkijs.Attribute[],
  signerCert: pkijs.Certificate,
  signerDer: Uint8Array,
): Promise<void> {
  const v2 = attributes.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attributes.find((a) => a.type === OID.signingCertificate);
  const attribute = v2 ?? v1;
  if (!attribute) {
    throw new TimestampError('untrusted', 'the time stamp has no signed signing-certificate attribute (RFC 5816)');
  }
  try {
    const signingCertificate = attribute.values[0] as asn1js.Sequence;
    const certs = signingCertificate.valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const parts = [...first.valueBlock.value];
    let hashName = 'SHA-1';
    if (v2) {
      hashName = 'SHA-256';
      if (parts[0] instanceof asn1js.Sequence) {
        const algorithm = new pkijs.AlgorithmIdentifier({ schema: parts.shift() });
        const digest = DIGEST_BY_OID.get(algorithm.algorithmId);
        if (!digest) throw new Error(`unsupported certificate hash ${algorithm.algorithmId}`);
        hashName = digest.name;
      }
    }
    const certHash = parts[0];
    if (!(certHash instanceof asn1js.OctetString)) throw new Error('certHash is missing');
    const actual = new Uint8Array(await globalThis.crypto.subtle.digest(hashName, copyBytes(signerDer)));
    if (!equalBytes(certHash.valueBlock.valueHexView, actual)) {
      throw new TimestampError('untrusted', 'the signing-certificate attribute names another certificate');
    }
    const issuerSerial = parts[1];
    if (issuerSerial instanceof asn1js.Sequence) {
      const names = new pkijs.GeneralNames({ schema: issuerSerial.valueBlock.value[0] });
      const serial = issuerSerial.valueBlock.value[1];
      const directoryNames = names.names.filter((n) => n.type === 4);
      const issuerMatches = directoryNames.some(
        (n) => n.value instanceof pkijs.RelativeDistinguishedNames && n.value.isEqual(signerCert.issuer),
      );
      if (!issuerMatches || !(serial instanceof asn1js.Integer) || !serial.isEqual(signerCert.serialNumber)) {
        throw new TimestampError('untrusted', 'the signing-certificate attribute names another issuer or serial');
      }
    }
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError('malformed', `the signing-certificate attribute cannot be read: ${describe(error)}`, {
      cause: error,
    });
  }
}

async function readLimited(
  response: IncomingMessage,
  limit: number,
  url: string,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    response.destroy();
    throw new TimestampError('malformed', `the answer of ${url} is too large (${declared} bytes)`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > limit) {
        response.destroy();
        throw new TimestampError('malformed', `the answer of ${url} is larger than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    const why = describe(signal.aborted ? signal.reason : error);
    throw new TimestampError('unreachable', `the answer of ${url} broke off: ${why}`, { cause: error });
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const FAIL_INFO_NAMES: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

/** The names of the bits set in a PKIFailureInfo BIT STRING's content (the unused-bits octet first). */
function failInfoNames(bitString: Uint8Array): string[] {
  const bytes = bitString.subarray(1);
  const names: string[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) names.push(FAIL_INFO_NAMES[bit] ?? `bit ${bit}`);
  }
  return names;
}

/** A random positive INTEGER value of `length` bytes in minimal DER form (first byte 0x01–0x7f). */
export function randomPositiveInteger(length: number): Uint8Array {
  const bytes = randomBytesFromPool(length);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes;
}

// Each call into the system's random generator costs microseconds whatever its size, and every time stamp needs
// a nonce or a serial number: take them from a larger draw.
let randomPool = new Uint8Array(0);
let randomPoolOffset = 0;

function randomBytesFromPool(length: number): Uint8Array {
  if (length > 256) return randomFillSync(new Uint8Array(length));
  if (randomPoolOffset + length > randomPool.byteLength) {
    randomPool = randomFillSync(new Uint8Array(4096));
    randomPoolOffset = 0;
  }
  randomPoolOffset += length;
  return randomPool.slice(randomPoolOffset - length, randomPoolOffset);
}

/** A serial number in lower-case hexadecimal with an even number of digits (as OpenSSL shows it, without 0x). */
function serialHex(serial: asn1js.Integer): string {
  const value = serial.toBigInt();
  const digits = (value < 0n ? -value : value).toString(16);
  return `${value < 0n ? '-' : ''}${digits.length % 2 ? '0' : ''}${digits}`;
}

/** A copy in a fresh ArrayBuffer (asn1js and WebCrypto want ArrayBuffer-backed input of exactly these bytes). */
export function copyBytes(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/*
 * DER, by hand, for the hot path: requesting a time stamp and the test TSA answering one take a few fields from
 * small fixed-shape structures, which asn1js's generic schema matching makes a hundred times slower. The
 * thorough parsing in verifyTimestampToken stays with pkijs.
 */


/** One element as read: its identifier octet, its content and its whole encoding (views into the input). */
export interface DerElement {
  tag: number;
  content: Uint8Array;
  encoded: Uint8Array;
}

/**
 * `der` reads only DER lengths (definite, minimal), which is what the test TSA requires of requests (RFC 3161
 * §3.4). `ber` also takes non-minimal and indefinite lengths and constructed strings, as some TSAs send.
 */
export type DerRules = 'der' | 'ber';

const MAX_NESTING = 64;

/** The one element that `bytes` holds, with nothing after it; with `tag`, it must have that tag. */
export function readSingleDer(bytes: Uint8Array, rules: DerRules, tag?: number, what = 'value'): DerElement {
  const { element, end } = readDerAt(bytes, 0, rules, 0);
  if (end !== bytes.byteLength) throw new SyntaxError(`${what}: ${bytes.byteLength - end} bytes after the end`);
  if (tag !== undefined && element.tag !== tag) throw new SyntaxError(`${what}: tag ${element.tag}, not ${tag}`);
  return element;
}

/** The elements that make up `content`, in order. */
export function readDerChildren(content: Uint8Array, rules: DerRules): DerElement[] {
  const children: DerElement[] = [];
  for (let at = 0; at < content.byteLength; ) {
    const { element, end } = readDerAt(content, at, rules, 0);
    children.push(element);
    at = end;
  }
  return children;
}

interface DerRead {
  element: DerElement;
  /** Where the next element begins. */
  end: number;
}

function readDerAt(bytes: Uint8Array, start: number, rules: DerRules, depth: number): DerRead {
  const tag = bytes[start];
  const first = bytes[start + 1];
  if (tag === undefined || first === undefined) throw new SyntaxError('truncated');
  if ((tag & 0x1f) === 0x1f) throw new SyntaxError('high tag numbers do not occur here');
  if (first === 0x80) return readIndefiniteAt(bytes, start, rules, depth);
  let length = first;
  let at = start + 2;
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4 || at + count > bytes.byteLength) throw new SyntaxError('length out of range');
    length = 0;
    for (const byte of bytes.subarray(at, at + count)) length = length * 256 + byte;
    if (rules === 'der' && (length < 0x80 || bytes[at] === 0)) throw new SyntaxError('length not in DER form');
    at += count;
  }
  const end = at + length;
  if (end > bytes.byteLength) throw new SyntaxError('truncated');
  return { element: { tag, content: bytes.subarray(at, end), encoded: bytes.subarray(start, end) }, end };
}

/** A constructed element of indefinite length (BER): its content runs up to an end-of-contents marker. */
function readIndefiniteAt(bytes: Uint8Array, start: number, rules: DerRules, depth: number): DerRead {
  const tag = bytes[start]!;
  if (rules === 'der' || !(tag & 0x20)) throw new SyntaxError('indefinite length');
  if (depth >= MAX_NESTING) throw new SyntaxError('nested too deeply');
  let at = start + 2;
  while (bytes[at] !== 0 || bytes[at + 1] !== 0) {
    if (at >= bytes.byteLength) throw new SyntaxError('truncated');
    at = readDerAt(bytes, at, rules, depth + 1).end;
  }
  const content = bytes.subarray(start + 2, at);
  return { element: { tag, content, encoded: bytes.subarray(start, at + 2) }, end: at + 2 };
}

/** Walks the fields of a SEQUENCE in order, for schemas whose optional fields have distinct tags. */
export class DerFields {
  private readonly children: DerElement[];
  private index = 0;

  constructor(
    sequence: DerElement,
    private readonly what: string,
    private readonly rules: DerRules = 'ber',
  ) {
    this.children = readDerChildren(sequence.content, rules);
  }

  /** The fields of the one SEQUENCE that `bytes` holds. */
  static read(bytes: Uint8Array, what: string, rules: DerRules = 'ber'): DerFields {
    return new DerFields(readSingleDer(bytes, rules, Tag.sequence, what), what, rules);
  }

  required(tag: number, name: string): DerElement {
    const element = this.optional(tag);
    if (!element) throw new SyntaxError(`${this.what}: ${name} is missing`);
    return element;
  }

  /** The fields of the next field, a SEQUENCE. */
  sequence(name: string): DerFields {
    return new DerFields(this.required(Tag.sequence, name), name, this.rules);
  }

  optional(tag: number): DerElement | undefined {
    const element = this.children[this.index];
    if (element?.tag !== tag) return undefined;
    this.index++;
    return element;
  }

  end(): void {
    if (this.index !== this.children.length) throw new SyntaxError(`${this.what}: unexpected field ${this.index + 1}`);
  }
}

/** The value of an INTEGER that fits in 32 bits. */
export function readSmallInteger(element: DerElement): number {
  const bytes = element.content;
  if (bytes.byteLength === 0 || bytes.byteLength > 4) throw new SyntaxError('INTEGER out of range');
  let value = (bytes[0]! << 24) >> 24; // sign-extended
  for (const byte of bytes.subarray(1)) value = value * 256 + byte;
  return value;
}

/** The dotted form of an OBJECT IDENTIFIER. */
export function readOid(element: DerElement): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of element.content) {
    if (value === 0 && byte === 0x80) throw new SyntaxError('OBJECT IDENTIFIER not in DER form');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new SyntaxError('OBJECT IDENTIFIER arc too large');
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  if (arcs.length === 0 || value !== 0) throw new SyntaxError('truncated OBJECT IDENTIFIER');
  return arcs.join('.');
}

/** The octets of an OCTET STRING, primitive or (BER) constructed from segments. */
function readOctetString(element: DerElement): Uint8Array {
  if (element.tag === Tag.octetString) return element.content;
  if (element.tag !== (Tag.octetString | 0x20)) throw new SyntaxError(`tag ${element.tag} is not an OCTET STRING`);
  return Buffer.concat(readDerChildren(element.content, 'ber').map(readOctetString));
}

function readUtf8String(element: DerElement): string {
  if (element.tag !== Tag.utf8String) throw new SyntaxError(`tag ${element.tag} is not a UTF8String`);
  return new TextDecoder().decode(element.content);
}

/** The DER of one element: `tag`, the definite length, then the concatenated `contents`. */
export function encodeDer(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of contents) length += part.byteLength;
  const header = derHeaderLength(length);
  const out = new Uint8Array(header + length);
  out[0] = tag;
  if (header === 2) out[1] = length;
  else {
    out[1] = 0x80 | (header - 2);
    for (let i = header - 1, rest = length; i >= 2; i--, rest >>>= 8) out[i] = rest & 0xff;
  }
  let at = header;
  for (const part of contents) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function derHeaderLength(length: number): number {
  if (length < 0x80) return 2;
  if (length < 0x100) return 3;
  if (length < 0x10000) return 4;
  if (length < 0x1000000) return 5;
  return 6;
}

/** The DER of an OBJECT IDENTIFIER given in dotted form. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0) || arcs[0]! > 2) {
    throw new TypeError(`${dotted} is not an object identifier`);
  }
  const bytes: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc % 128];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest % 128) | 0x80);
    bytes.push(...groups);
  }
  return encodeDer(Tag.oid, Uint8Array.from(bytes));
}

/** AlgorithmIdentifier without parameters (as for SHA-2, RFC 5754, and ECDSA, RFC 5758). */
export function algorithmIdentifier(oid: string): Uint8Array {
  return encodeDer(Tag.sequence, encodeOid(oid));
}

