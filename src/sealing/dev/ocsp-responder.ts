/**
 * The development OCSP responder (RFC 6960): it answers, for the development CAs, whether a certificate they issued
 * is good, revoked or unknown, signed by a delegated responder certificate each CA issued (id-kp-OCSPSigning,
 * id-pkix-ocsp-nocheck). `npm start` serves it inside the process beside the development time-stamp authority, so
 * demo documents reach B-LT; tests mark serials revoked to see sealing refuse them.
 *
 * Never use it in production: it knows only the certificates it was given, and its clock is whatever it is given.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { readCertificateFields } from '../certificate-fields.js';
import {
  algorithmIdentifier,
  DerFields,
  encodeDer,
  encodeOid,
  generalizedTimeContent,
  readDerChildren,
  readOid,
  readSingleDer,
  Tag,
  type DerElement,
} from '../der.js';
import { CERT_ID_DIGESTS } from '../ocsp-request.js';
import { OID } from '../oids.js';

export interface OcspAuthority {
  /** The CA whose certificates are answered for. */
  caCertificate: Uint8Array;
  /** The delegated responder's certificate, issued by that CA. */
  responderCertificate: Uint8Array;
  /** The responder's ECDSA P-256 private key. */
  responderKey: KeyObject;
  /** The certificates the CA issued: they are good unless revoked; any other serial is unknown. */
  issued: Uint8Array[];
}

export interface DevelopmentOcspOptions {
  authorities: OcspAuthority[];
  /** Source of producedAt and thisUpdate; the system clock by default. */
  clock?: () => Date;
  /** nextUpdate − thisUpdate (default one hour). */
  validityMs?: number;
}

export interface DevelopmentOcspResponder {
  /** Answers one DER OCSPRequest with a DER OCSPResponse; never throws (a bad request gets malformedRequest). */
  handle(requestDer: Uint8Array): Promise<Uint8Array>;
  /** From now on, answers that the certificate with this serial number (hexadecimal) was revoked at `at`. */
  revoke(serialHex: string, at?: Date): void;
  /** Answers good again for that serial number. */
  reinstate(serialHex: string): void;
}

/** OCSPResponseStatus values (RFC 6960 §4.2.1). */
const Status = { successful: 0, malformedRequest: 1, internalError: 2, unauthorized: 6 } as const;

interface Authority {
  /** issuerNameHash and issuerKeyHash by CertID digest OID, hexadecimal, joined. */
  hashes: Map<string, string>;
  issued: Set<bigint>;
  responderId: Uint8Array;
  responderCertificate: Uint8Array;
  signDer: (data: Uint8Array) => Uint8Array;
}

export function createDevelopmentOcspResponder(options: DevelopmentOcspOptions): DevelopmentOcspResponder {
  const clock = options.clock ?? (() => new Date());
  const validityMs = options.validityMs ?? 60 * 60 * 1000;
  const authorities = options.authorities.map(prepareAuthority);
  const revoked = new Map<bigint, Date>();

  return {
    async handle(requestDer) {
      let requests: { certId: DerElement; nonceExtension: Uint8Array | undefined }[];
      try {
        requests = readOcspRequest(requestDer);
      } catch {
        return plainResponse(Status.malformedRequest);
      }
      try {
        const answered = requests.map((r) => ({ ...r, match: findAuthority(authorities, r.certId) }));
        const authority = answered.find((a) => a.match)?.match?.authority;
        if (!authority) return plainResponse(Status.unauthorized);
        const now = clock();
        const singles = answered.map(({ certId, match }) => {
          const status = match?.authority === authority ? certStatus(match.serial, authority, revoked) : UNKNOWN;
          return singleResponse(certId.encoded, status, now, new Date(now.getTime() + validityMs));
        });
        return signedResponse(authority, singles, now, requests[0]!.nonceExtension);
      } catch {
        return plainResponse(Status.internalError);
      }
    },
    revoke(serialHex, at = clock()) {
      revoked.set(BigInt(`0x${serialHex}`), at);
    },
    reinstate(serialHex) {
      revoked.delete(BigInt(`0x${serialHex}`));
    },
  };
}

function prepareAuthority(authority: OcspAuthority): Authority {
  const ca = readCertificateFields(authority.caCertificate);
  const hashes = new Map<string, string>();
  for (const [oid, digest] of CERT_ID_DIGESTS) {
    const hash = (data: Uint8Array) => createHash(digest).update(data).digest('hex');
    hashes.set(oid, `${hash(ca.subject)} ${hash(ca.subjectPublicKey)}`);
  }
  const responder = readCertificateFields(authority.responderCertificate);
  return {
    hashes,
    issued: new Set(authority.issued.map((der) => serialValue(readSingleDer(readCertificateFields(der).serialNumber, 'der', Tag.integer).content))),
    // ResponderID byKey [2] EXPLICIT KeyHash: the SHA-1 of the responder's public key bits.
    responderId: encodeDer(Tag.context2Constructed, encodeDer(Tag.octetString, createHash('sha1').update(responder.subjectPublicKey).digest())),
    responderCertificate: authority.responderCertificate,
    signDer: (data) => sign('sha256', data, { key: authority.responderKey, dsaEncoding: 'der' }),
  };
}

/** The value of a serial number from its INTEGER content octets (serial numbers are positive). */
function serialValue(content: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(content).toString('hex') || '0'}`);
}

/**
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 * TBSRequest ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, requestorName [1] EXPLICIT GeneralName OPTIONAL,
 * requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 * Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
function readOcspRequest(der: Uint8Array): { certId: DerElement; nonceExtension: Uint8Array | undefined }[] {
  const request = DerFields.read(der, 'OCSPRequest');
  const tbs = request.sequence('tbsRequest');
  request.optional(Tag.context0Constructed);
  request.end();
  tbs.optional(Tag.context0Constructed);
  tbs.optional(Tag.context1Constructed);
  const list = readDerChildren(tbs.required(Tag.sequence, 'requestList').content, 'ber');
  const extensions = tbs.optional(Tag.context2Constructed);
  tbs.end();
  if (list.length === 0) throw new SyntaxError('no request');
  let nonceExtension: Uint8Array | undefined;
  if (extensions) {
    for (const extension of readDerChildren(readSingleDer(extensions.content, 'ber', Tag.sequence).content, 'ber')) {
      const fields = new DerFields(extension, 'Extension');
      if (readOid(fields.required(Tag.oid, 'extnID')) === OID.ocspNonce) nonceExtension = extension.encoded;
    }
  }
  return list.map((element) => {
    const single = new DerFields(element, 'Request');
    const certId = single.required(Tag.sequence, 'reqCert');
    single.optional(Tag.context0Constructed);
    single.end();
    return { certId, nonceExtension };
  });
}

function findAuthority(authorities: Authority[], certId: DerElement): { authority: Authority; serial: bigint } | undefined {
  const fields = new DerFields(certId, 'CertID');
  const algorithm = readOid(fields.sequence('hashAlgorithm').required(Tag.oid, 'algorithm'));
  const nameHash = Buffer.from(fields.required(Tag.octetString, 'issuerNameHash').content).toString('hex');
  const keyHash = Buffer.from(fields.required(Tag.octetString, 'issuerKeyHash').content).toString('hex');
  const serial = serialValue(fields.required(Tag.integer, 'serialNumber').content);
  fields.end();
  const authority = authorities.find((a) => a.hashes.get(algorithm) === `${nameHash} ${keyHash}`);
  return authority && { authority, serial };
}

// CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
const GOOD = encodeDer(Tag.context0);
const UNKNOWN = encodeDer(Tag.context2);

function certStatus(serial: bigint, authority: Authority, revoked: Map<bigint, Date>): Uint8Array {
  if (!authority.issued.has(serial)) return UNKNOWN;
  const at = revoked.get(serial);
  // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
  return at ? encodeDer(Tag.context1Constructed, encodeDer(Tag.generalizedTime, generalizedTimeContent(at))) : GOOD;
}

/**
 * SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 * nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL }, the CertID echoed as the request wrote it.
 */
function singleResponse(certId: Uint8Array, status: Uint8Array, thisUpdate: Date, nextUpdate: Date): Uint8Array {
  return encodeDer(
    Tag.sequence,
    certId,
    status,
    encodeDer(Tag.generalizedTime, generalizedTimeContent(thisUpdate)),
    encodeDer(Tag.context0Constructed, encodeDer(Tag.generalizedTime, generalizedTimeContent(nextUpdate))),
  );
}

const ECDSA_WITH_SHA256 = algorithmIdentifier(OID.ecdsaWithSha256);
const BASIC_RESPONSE_TYPE = encodeOid(OID.ocspBasic);

/**
 * A successful OCSPResponse holding a BasicOCSPResponse: ResponseData { responderID, producedAt (with
 * milliseconds, so that it can be compared with a time-stamp made in the same second), responses, the request's
 * nonce extension echoed }, signed by the delegated responder, whose certificate comes along.
 */
function signedResponse(authority: Authority, singles: Uint8Array[], producedAt: Date, nonceExtension: Uint8Array | undefined): Uint8Array {
  const responseData = encodeDer(
    Tag.sequence,
    authority.responderId,
    encodeDer(Tag.generalizedTime, generalizedTimeContent(producedAt)),
    encodeDer(Tag.sequence, ...singles),
    ...(nonceExtension ? [encodeDer(Tag.context1Constructed, encodeDer(Tag.sequence, nonceExtension))] : []),
  );
  const signature = authority.signDer(responseData);
  const basic = encodeDer(
    Tag.sequence,
    responseData,
    ECDSA_WITH_SHA256,
    encodeDer(Tag.bitString, Uint8Array.of(0), signature),
    encodeDer(Tag.context0Constructed, encodeDer(Tag.sequence, authority.responderCertificate)),
  );
  const responseBytes = encodeDer(Tag.sequence, BASIC_RESPONSE_TYPE, encodeDer(Tag.octetString, basic));
  return encodeDer(Tag.sequence, encodeDer(Tag.enumerated, Uint8Array.of(Status.successful)), encodeDer(Tag.context0Constructed, responseBytes));
}

/** OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } for a refusal. */
function plainResponse(status: number): Uint8Array {
  return encodeDer(Tag.sequence, encodeDer(Tag.enumerated, Uint8Array.of(status)));
}
