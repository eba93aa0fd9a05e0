/**
 * A small RFC 3161 time-stamp authority for development and tests. It answers TimeStampReq with TimeStampResp
 * holding standard tokens (TSTInfo in CMS SignedData, ECDSA P-256 with SHA-256, signed content-type,
 * message-digest and signingCertificateV2 attributes), which OpenSSL's `ts -verify` accepts.
 *
 * Never use it in production: its identity is generated on the fly and its clock is whatever it is given.
 */

import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API; keep it first
import * as x509 from '@peculiar/x509';
import { KeyObject, createHash, sign, type webcrypto } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DIGEST_BY_OID,
  DerFields,
  OID,
  Tag,
  algorithmIdentifier,
  encodeDer,
  encodeOid,
  randomPositiveInteger,
  readDerChildren,
  readOid,
  readSingleDer,
  readSmallInteger,
} from './timestamp.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Policy of the test TSA's tokens, under the ITU-T/ISO "example" arc 2.999 (never a real policy). */
export const TEST_TSA_POLICY_OID = '2.999.3161.1';

/** Largest request body the test server reads. */
export const TEST_TSA_MAX_REQUEST_BYTES = 64 * 1024;

export interface TestTsaOptions {
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

export interface TestTsa {
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

export function createTestTsa(options: TestTsaOptions): TestTsa {
  const policy = options.policyOid ?? TEST_TSA_POLICY_OID;
  const clock = options.clock ?? (() => new Date());
  const [tsaDer] = options.certificateChainDer;
  if (!tsaDer) throw new TypeError('certificateChainDer must hold the TSA certificate first');
  if (options.keyPair.privateKey.algorithm.name !== 'ECDSA') {
    throw new TypeError('the test TSA signs with ECDSA P-256');
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

function tokenTemplate(options: TestTsaOptions, policy: string): TokenTemplate {
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
    signingCertificateAttribute: attribute(
      encodeOid(OID.signingCertificateV2),
      signingCertificateV2(certHash, tsaCert),
    ),
    signerIdentifier: encodeDer(Tag.sequence, tsaCert.issuer, tsaCert.serialNumber),
    // certificates [0] IMPLICIT CertificateSet, in the order given (the TSA certificate first).
    certificates: encodeDer(Tag.context0Constructed, ...options.certificateChainDer),
  };
}

/** The DER, as they are in the certificate, of its serial number (the INTEGER), issuer and subject (Names). */
function readCertificateFields(der: Uint8Array): { serialNumber: Uint8Array; issuer: Uint8Array; subject: Uint8Array } {
  const certificate = DerFields.read(der, 'Certificate', 'der');
  const tbs = certificate.sequence('tbsCertificate');
  tbs.optional(Tag.context0Constructed); // version
  const serialNumber = tbs.required(Tag.integer, 'serialNumber').encoded;
  tbs.required(Tag.sequence, 'signature');
  const issuer = tbs.required(Tag.sequence, 'issuer').encoded;
  tbs.required(Tag.sequence, 'validity');
  const subject = tbs.required(Tag.sequence, 'subject').encoded;
  return { serialNumber, issuer, subject };
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL } */
function encodeAccuracy(accuracy: NonNullable<TestTsaOptions['accuracy']>): Uint8Array {
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
function grant(
  request: TimeStampRequest,
  template: TokenTemplate,
  genTime: Date,
  signDer: (data: Uint8Array) => Uint8Array,
): Uint8Array {
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
    encodeDer(Tag.generalizedTime, generalizedTime(genTime)),
    ...(template.accuracy ? [template.accuracy] : []),
    ...(request.nonce ? [request.nonce] : []),
    template.tsaName,
  );
}

/** DER GeneralizedTime: UTC, seconds always, fraction only when not zero and without trailing zeros. */
function generalizedTime(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`${iso} is outside GeneralizedTime`);
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  const text = `${iso.slice(0, 19).replace(/[-T:]/g, '')}${fraction ? `.${fraction}` : ''}Z`;
  return new TextEncoder().encode(text);
}

/** DER orders a SET OF by the encodings of its elements; verifiers such as OpenSSL re-encode before checking. */
function sortedSetContent(elements: Uint8Array[]): Uint8Array {
  return Buffer.concat([...elements].sort(Buffer.compare));
}

/** The content octets of a non-negative INTEGER. */
function integerContent(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not a non-negative integer`);
  const bytes = [value % 256];
  for (let rest = Math.floor(value / 256); rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Uint8Array.from(bytes);
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

export interface TestTsaServer {
  /** The URL to POST requests to, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `tsa` over HTTP (RFC 3161 §3.4): POST a TimeStampReq (`application/timestamp-query`), get a
 * TimeStampResp (`application/timestamp-reply`). Bodies over 64 KB get HTTP 413, other methods 405; a body that
 * is not a TimeStampReq gets a rejection response (status 2, badDataFormat).
 */
export async function startTestTsaServer(
  tsa: TestTsa,
  options: { host?: string; port?: number } = {},
): Promise<TestTsaServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => serve(tsa, req, res));
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function serve(tsa: TestTsa, req: IncomingMessage, res: ServerResponse): void {
  req.on('error', () => req.destroy());
  if (req.method !== 'POST') {
    req.resume();
    res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' }).end('POST a TimeStampReq\n');
    return;
  }
  const tooLarge = () => {
    res
      .writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
      .end(`the request is larger than ${TEST_TSA_MAX_REQUEST_BYTES} bytes\n`);
    // Let a client that is still sending finish (so it can read the answer), up to a bound.
    let discarded = 0;
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.byteLength;
      if (discarded > 16 * TEST_TSA_MAX_REQUEST_BYTES) req.destroy();
    });
    req.resume();
  };
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > TEST_TSA_MAX_REQUEST_BYTES) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    total += chunk.byteLength;
    if (total > TEST_TSA_MAX_REQUEST_BYTES) {
      refused = true;
      chunks.length = 0;
      tooLarge();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    tsa
      .handle(new Uint8Array(Buffer.concat(chunks)))
      .then((body) => {
        res
          .writeHead(200, {
            'Content-Type': 'application/timestamp-reply',
            'Content-Length': body.byteLength,
            'Cache-Control': 'no-store',
          })
          .end(body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('time-stamp authority failure\n');
      });
  });
}

/**
 * A fresh test identity: a self-signed root CA and a TSA certificate issued by it (both ECDSA P-256, 10 years),
 * the TSA certificate with the critical timeStamping extended key usage. For development and tests only.
 */
export async function generateTestTsaIdentity(): Promise<{
  keyPair: CryptoKeyPair;
  certificateChainDer: Uint8Array[];
  rootDer: Uint8Array;
}> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const crypto = globalThis.crypto;
  const rootKeys = (await crypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])) as CryptoKeyPair;
  // Extractable, so that development can keep its test TSA across restarts (see src/sealing/dev-pki.ts).
  const tsaKeys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // an hour back, for clocks a little behind
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const rootName = [{ CN: ['Eksāmenu portāla testa TSA sakne'] }];

  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialHex(),
      name: rootName,
      notBefore,
      notAfter,
      keys: rootKeys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
      ],
    },
    crypto,
  );
  const tsa = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: [{ CN: ['Eksāmenu portāla testa laika zīmogs'] }],
      issuer: rootName,
      notBefore,
      notAfter,
      publicKey: tsaKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
        await x509.SubjectKeyIdentifierExtension.create(tsaKeys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
      ],
    },
    crypto,
  );
  return {
    keyPair: tsaKeys,
    certificateChainDer: [new Uint8Array(tsa.rawData)],
    rootDer: new Uint8Array(root.rawData),
  };
}

function randomSerialHex(): string {
  return Buffer.from(randomPositiveInteger(16)).toString('hex');
}
