/**
 * The development time-stamp authority: a small RFC 3161 TSA that `npm start` runs inside the process when no
 * `TSA_URL` is configured, so demo documents are B-T; the tests and benchmarks stamp against it too. It answers
 * TimeStampReq with TimeStampResp holding standard tokens (TSTInfo in CMS SignedData, ECDSA P-256 with SHA-256,
 * signed content-type, message-digest and signingCertificateV2 attributes), which OpenSSL's `ts -verify` accepts.
 *
 * Never use it in production: its identity is generated on the fly and its clock is whatever it is given.
 */
import { KeyObject, createHash, sign, type webcrypto } from 'node:crypto';
import { readCertificateFields } from '../certificate-fields.js';
import {
  DerFields,
  Tag,
  algorithmIdentifier,
  encodeDer,
  encodeOid,
  generalizedTimeContent,
  integerContent,
  readDerChildren,
  readOid,
  readSmallInteger,
  sortedSetContent,
} from '../der.js';
import { DIGEST_BY_OID, OID } from '../oids.js';
import { randomPositiveInteger } from '../random-integer.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Policy of the development TSA's tokens, under the ITU-T/ISO "example" arc 2.999 (never a real policy). */
export const DEVELOPMENT_TSA_POLICY_OID = '2.999.3161.1';

export interface DevelopmentTsaOptions {
  /** The TSA's ECDSA P-256 key pair (the private key signs; it may be non-extractable). */
  keyPair: CryptoKeyPair;
  /** DER certificates: the TSA certificate first, then its issuers (the root may be left out). */
  certificateChainDer: Uint8Array[];
  /** Policy OID written into every token and required of requests that name one. */
  policyOid?: string;
  /** Source of genTime; the system clock by default. */
  clock?: () => Date;
  /** Accuracy written into tokens; left out by default. */
  accuracy?: { seconds?: number; millis?: number; micros?: number };
}

export interface DevelopmentTsa {
  /** Answers one DER TimeStampReq with a DER TimeStampResp; never throws (bad requests get a rejection). */
  handle(requestDer: Uint8Array): Promise<Uint8Array>;
}

/** PKIFailureInfo bits (RFC 3161 §2.4.2). */
const FailInfo = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  systemFailure: 25,
} as const;

const PKI_STATUS_REJECTION = 2;
const GRANTED = encodeDer(Tag.sequence, encodeDer(Tag.integer, Uint8Array.of(0)));
const VERSION_1 = encodeDer(Tag.integer, Uint8Array.of(1));
const VERSION_3 = encodeDer(Tag.integer, Uint8Array.of(3));
const SHA256_IDENTIFIER = algorithmIdentifier(OID.sha256);
const ECDSA_WITH_SHA256_IDENTIFIER = algorithmIdentifier('1.2.840.10045.4.3.2');
const SIGNED_DATA_TYPE = encodeOid(OID.signedData);
const TST_INFO_TYPE = encodeOid(OID.tstInfo);
const MESSAGE_DIGEST_TYPE = encodeOid(OID.messageDigest);

/**
 * Everything in a token that does not change from one request to the next, encoded once (a token is made for
 * every sealed document, so per-request work must stay in the tens of microseconds).
 */
interface TokenTemplate {
  policy: Uint8Array;
  accuracy: Uint8Array | undefined;
  tsaName: Uint8Array;
  contentTypeAttribute: Uint8Array;
  signingCertificateAttribute: Uint8Array;
  signerIdentifier: Uint8Array;
  certificates: Uint8Array;
}

export function createDevelopmentTsa(options: DevelopmentTsaOptions): DevelopmentTsa {
  const policy = options.policyOid ?? DEVELOPMENT_TSA_POLICY_OID;
  const clock = options.clock ?? (() => new Date());
  const [tsaDer] = options.certificateChainDer;
  if (!tsaDer) throw new TypeError('certificateChainDer must hold the TSA certificate first');
  if (options.keyPair.privateKey.algorithm.name !== 'ECDSA') {
    throw new TypeError('the development TSA signs with ECDSA P-256');
  }
  const template = tokenTemplate(options, policy);
  const signingKey = KeyObject.from(options.keyPair.privateKey);
  // node:crypto signs synchronously in about half the CPU of WebCrypto, and writes the DER signature CMS wants.
  const signDer = (data: Uint8Array) => sign('sha256', data, { key: signingKey, dsaEncoding: 'der' });

  return {
    async handle(requestDer) {
      let request: TimeStampRequest;
      try {
        request = readTimeStampReq(requestDer);
      } catch {
        return rejection(FailInfo.badDataFormat, 'the request is not a DER TimeStampReq');
      }
      try {
        return refusal(request, policy) ?? grant(request, template, clock(), signDer);
      } catch {
        return rejection(FailInfo.systemFailure, 'the time stamp could not be made');
      }
    },
  };
}

function tokenTemplate(options: DevelopmentTsaOptions, policy: string): TokenTemplate {
  const chain = options.certificateChainDer.map((der, i) => {
    try {
      return readCertificateFields(der);
    } catch (error) {
      throw new TypeError(`certificate ${i} of the chain is not a DER certificate: ${String(error)}`);
    }
  });
  const tsaCert = chain[0]!;
  const tsaDer = options.certificateChainDer[0]!;
  const certHash = createHash('sha256').update(tsaDer).digest();
  return {
    policy: encodeOid(policy),
    accuracy: options.accuracy && encodeAccuracy(options.accuracy),
    // tsa [0] GeneralName, a CHOICE and so explicitly tagged: directoryName [4] Name.
    tsaName: encodeDer(Tag.context0Constructed, encodeDer(Tag.context4Constructed, tsaCert.subject)),
    contentTypeAttribute: attribute(encodeOid(OID.contentType), TST_INFO_TYPE),
    signingCertificateAttribute: attribute(encodeOid(OID.signingCertificateV2), signingCertificateV2(certHash, tsaCert)),
    signerIdentifier: encodeDer(Tag.sequence, tsaCert.issuer, tsaCert.serialNumber),
    // certificates [0] IMPLICIT CertificateSet, in the order given (the TSA certificate first).
    certificates: encodeDer(Tag.context0Constructed, ...options.certificateChainDer),
  };
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL } */
function encodeAccuracy(accuracy: NonNullable<DevelopmentTsaOptions['accuracy']>): Uint8Array {
  const fields: Uint8Array[] = [];
  if (accuracy.seconds !== undefined) fields.push(encodeDer(Tag.integer, integerContent(accuracy.seconds)));
  if (accuracy.millis !== undefined) fields.push(encodeDer(Tag.context0, integerContent(accuracy.millis)));
  if (accuracy.micros !== undefined) fields.push(encodeDer(Tag.context1, integerContent(accuracy.micros)));
  return encodeDer(Tag.sequence, ...fields);
}

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one ESSCertIDv2 (RFC 5035, 5816). */
function signingCertificateV2(certHash: Uint8Array, cert: { issuer: Uint8Array; serialNumber: Uint8Array }) {
  // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
  const generalNames = encodeDer(Tag.sequence, encodeDer(Tag.context4Constructed, cert.issuer));
  const issuerSerial = encodeDer(Tag.sequence, generalNames, cert.serialNumber);
  // hashAlgorithm is SHA-256, the DEFAULT, so DER leaves it out.
  const essCertIdV2 = encodeDer(Tag.sequence, encodeDer(Tag.octetString, certHash), issuerSerial);
  return encodeDer(Tag.sequence, encodeDer(Tag.sequence, essCertIdV2));
}

/** Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } with one value. */
function attribute(type: Uint8Array, value: Uint8Array): Uint8Array {
  return encodeDer(Tag.sequence, type, encodeDer(Tag.set, value));
}

interface TimeStampRequest {
  version: number;
  hashAlgorithm: string;
  hashLength: number;
  /** The request's MessageImprint element, copied into the token as it is (RFC 3161 §2.4.2). */
  messageImprint: Uint8Array;
  policy: string | undefined;
  /** The nonce INTEGER element, echoed as it is. */
  nonce: Uint8Array | undefined;
  certReq: boolean;
  extensionCount: number;
}

/**
 * TimeStampReq ::= SEQUENCE { version INTEGER, messageImprint MessageImprint, reqPolicy OID OPTIONAL,
 * nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, extensions [0] IMPLICIT Extensions OPTIONAL }
 */
function readTimeStampReq(der: Uint8Array): TimeStampRequest {
  const fields = DerFields.read(der, 'TimeStampReq', 'der');
  const version = readSmallInteger(fields.required(Tag.integer, 'version'));
  const imprint = fields.required(Tag.sequence, 'messageImprint');
  const imprintFields = new DerFields(imprint, 'messageImprint', 'der');
  const algorithm = imprintFields.sequence('hashAlgorithm');
  const hashAlgorithm = readOid(algorithm.required(Tag.oid, 'algorithm'));
  const hashLength = imprintFields.required(Tag.octetString, 'hashedMessage').content.byteLength;
  imprintFields.end();
  const policy = fields.optional(Tag.oid);
  const nonce = fields.optional(Tag.integer);
  if (nonce?.content.byteLength === 0) throw new SyntaxError('empty nonce');
  const certReq = fields.optional(Tag.boolean);
  if (certReq && certReq.content.byteLength !== 1) throw new SyntaxError('certReq is not a BOOLEAN');
  const extensions = fields.optional(Tag.context0Constructed);
  fields.end();
  return {
    version,
    hashAlgorithm,
    hashLength,
    messageImprint: imprint.encoded,
    policy: policy && readOid(policy),
    nonce: nonce?.encoded,
    certReq: !!certReq && certReq.content[0] !== 0,
    extensionCount: extensions ? readDerChildren(extensions.content, 'der').length : 0,
  };
}

/** The rejection a request gets before a token is made, if any. */
function refusal(request: TimeStampRequest, policy: string): Uint8Array | undefined {
  if (request.version !== 1) return rejection(FailInfo.badRequest, `version ${request.version} is not 1`);
  const digest = DIGEST_BY_OID.get(request.hashAlgorithm);
  if (!digest) return rejection(FailInfo.badAlg, 'the imprint must use SHA-256, SHA-384 or SHA-512');
  if (request.hashLength !== digest.length) {
    return rejection(FailInfo.badDataFormat, `a ${digest.name} imprint has ${digest.length} bytes`);
  }
  if (request.policy && request.policy !== policy) {
    return rejection(FailInfo.unacceptedPolicy, `this TSA stamps under policy ${policy} only`);
  }
  if (request.extensionCount) return rejection(FailInfo.unacceptedExtension, 'no extensions are supported');
  return undefined;
}

/** A granted TimeStampResp holding a token for `request`, stamped `genTime`. */
function grant(request: TimeStampRequest, template: TokenTemplate, genTime: Date, signDer: (data: Uint8Array) => Uint8Array): Uint8Array {
  const tstInfo = encodeTstInfo(request, template, genTime);
  const signedAttributes = sortedSetContent([
    template.contentTypeAttribute,
    attribute(MESSAGE_DIGEST_TYPE, encodeDer(Tag.octetString, createHash('sha256').update(tstInfo).digest())),
    template.signingCertificateAttribute,
  ]);
  // The signature covers the attributes as a SET; the SignerInfo carries them [0] IMPLICIT.
  const signature = signDer(encodeDer(Tag.set, signedAttributes));
  const signerInfo = encodeDer(
    Tag.sequence,
    VERSION_1,
    template.signerIdentifier,
    SHA256_IDENTIFIER,
    encodeDer(Tag.context0Constructed, signedAttributes),
    ECDSA_WITH_SHA256_IDENTIFIER,
    encodeDer(Tag.octetString, signature),
  );
  const signedData = encodeDer(
    Tag.sequence,
    // Version 3: the content is not id-data (RFC 5652 §5.1).
    VERSION_3,
    encodeDer(Tag.set, SHA256_IDENTIFIER),
    encodeDer(Tag.sequence, TST_INFO_TYPE, encodeDer(Tag.context0Constructed, encodeDer(Tag.octetString, tstInfo))),
    // RFC 3161 §2.4.1: the certificates field only when the request asked for it.
    ...(request.certReq ? [template.certificates] : []),
    encodeDer(Tag.set, signerInfo),
  );
  const token = encodeDer(Tag.sequence, SIGNED_DATA_TYPE, encodeDer(Tag.context0Constructed, signedData));
  return encodeDer(Tag.sequence, GRANTED, token);
}

/**
 * TSTInfo ::= SEQUENCE { version INTEGER, policy OID, messageImprint, serialNumber INTEGER,
 * genTime GeneralizedTime, accuracy OPTIONAL, ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL, ... }
 */
function encodeTstInfo(request: TimeStampRequest, template: TokenTemplate, genTime: Date): Uint8Array {
  return encodeDer(
    Tag.sequence,
    VERSION_1,
    template.policy,
    request.messageImprint,
    encodeDer(Tag.integer, randomPositiveInteger(16)),
    encodeDer(Tag.generalizedTime, generalizedTimeContent(genTime)),
    ...(template.accuracy ? [template.accuracy] : []),
    ...(request.nonce ? [request.nonce] : []),
    template.tsaName,
  );
}

function rejection(failBit: number, text: string): Uint8Array {
  // A named BIT STRING in DER drops trailing zero bits: the value ends at the set bit.
  const bits = new Uint8Array((failBit >> 3) + 2);
  bits[0] = 7 - (failBit & 7); // unused bits
  bits[(failBit >> 3) + 1] = 0x80 >> (failBit & 7);
  const statusInfo = encodeDer(
    Tag.sequence,
    encodeDer(Tag.integer, Uint8Array.of(PKI_STATUS_REJECTION)),
    encodeDer(Tag.sequence, encodeDer(Tag.utf8String, new TextEncoder().encode(text))),
    encodeDer(Tag.bitString, bits),
  );
  return encodeDer(Tag.sequence, statusInfo);
}
