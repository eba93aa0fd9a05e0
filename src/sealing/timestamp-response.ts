/**
 * Checking a TSA's TimeStampResp (RFC 3161 §2.4.2) against the request it answers. Only the few fields a request
 * checks are read, by hand (see der.ts); the thorough check of the token is verifyTimestampToken's.
 */
import * as pkijs from 'pkijs';
import { equalBytes } from './bytes.js';
import { DerFields, readDerChildren, readOctetString, readOid, readSingleDer, readSmallInteger, readUtf8String, Tag, type DerElement } from './der.js';
import { OID } from './oids.js';
import { describeError, TimestampError } from './timestamp-error.js';

/**
 * Checks a TSA's answer to the request with `nonce` over `messageDigestSha256` and returns the token's bytes,
 * exactly as the TSA sent them (never re-encoded): the status must be granted, the token a SignedData over a
 * TSTInfo v1 with this imprint and nonce, and it must carry the TSA certificate (the request asks for it).
 */
export function readTimestampResponse(body: Uint8Array, messageDigestSha256: Uint8Array, nonce: Uint8Array, tsaUrl: string): Uint8Array {
  let response: { status: PkiStatus; token: Uint8Array | undefined };
  try {
    response = readTimeStampResp(body);
  } catch (error) {
    throw new TimestampError('malformed', `the answer of ${tsaUrl} is not a TimeStampResp: ${describeError(error)}`, {
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
    throw new TimestampError('malformed', `the time stamp is not CMS SignedData: ${describeError(error)}`, { cause: error });
  }
  const { eContentType, eContent, hasCertificate } = signedData;
  if (eContentType !== OID.tstInfo || !eContent) {
    throw new TimestampError('malformed', `the time stamp's content is ${eContentType}, not TSTInfo`);
  }
  let tstInfo: QuickTstInfo & { version: number };
  try {
    tstInfo = readTstInfoQuickly(eContent);
  } catch (error) {
    const message = `the time stamp's TSTInfo cannot be read: ${describeError(error)}`;
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
