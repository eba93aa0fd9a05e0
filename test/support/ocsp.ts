/**
 * OCSP responses (RFC 6960) built with pkijs for tests: about a certificate, with the status, the production time
 * and the signer a test chooses (the CA itself, a responder it delegated, or one it did not), DER-encoded as
 * xades:EncapsulatedOCSPValue carries them.
 */
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { pkiCryptoEngine } from '../../src/sealing/pki-engine.js';
import type { Issued } from './test-pki.js';

export interface OcspOptions {
  /** The certificate the response is about, and its issuer. */
  certificate: Uint8Array;
  issuer: Uint8Array;
  /** Who signs the response; its certificate goes into the response unless it is the issuer. */
  signer: Issued;
  status: 'good' | 'revoked' | 'unknown';
  producedAt: Date;
  revokedAt?: Date;
  /** Name the responder by its key hash instead of its name. */
  byKey?: boolean;
}

const toCertificate = (der: Uint8Array) => pkijs.Certificate.fromBER(der.slice().buffer);

function certStatus(options: OcspOptions): asn1js.BaseBlock {
  if (options.status === 'good') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  if (options.status === 'unknown') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [new asn1js.GeneralizedTime({ valueDate: options.revokedAt ?? new Date(options.producedAt.getTime() - 3_600_000) })],
  });
}

export async function buildOcspResponse(options: OcspOptions): Promise<Uint8Array> {
  const crypto = pkiCryptoEngine();
  const certificate = toCertificate(options.certificate);
  const issuer = toCertificate(options.issuer);
  const signerCertificate = toCertificate(options.signer.der);
  const certID = await pkijs.CertID.create(certificate, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer }, crypto);
  const keyHash = new Uint8Array(await webcrypto.subtle.digest('SHA-1', signerCertificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));

  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = options.byKey ? new asn1js.OctetString({ valueHex: keyHash }) : signerCertificate.subject;
  basic.tbsResponseData.producedAt = options.producedAt;
  basic.tbsResponseData.responses.push(
    new pkijs.SingleResponse({ certID, certStatus: certStatus(options), thisUpdate: new Date(options.producedAt.getTime() - 60_000) }),
  );
  const signerIsIssuer = Buffer.from(options.signer.der).equals(Buffer.from(options.issuer));
  if (!signerIsIssuer) basic.certs = [signerCertificate];
  await basic.sign(options.signer.keys.privateKey, 'SHA-256', crypto);

  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    responseBytes: new pkijs.ResponseBytes({
      responseType: '1.3.6.1.5.5.7.48.1.1',
      response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER() }),
    }),
  });
  return new Uint8Array(response.toSchema().toBER());
}
