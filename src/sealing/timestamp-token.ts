/**
 * Checking an RFC 3161 TimeStampToken against a SHA-256 digest and a set of trusted roots.
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
import { copyBytes, equalBytes } from './bytes.js';
import { DIGEST_BY_OID, OID } from './oids.js';
import { pkiCryptoEngine } from './pki-engine.js';
import { describeError, TimestampError } from './timestamp-error.js';

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
      throw new TypeError(`trusted root ${i} is not a DER certificate: ${describeError(error)}`);
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
  const contentDigest = new Uint8Array(await globalThis.crypto.subtle.digest(signerDigest.name, signedData.encapContentInfo.eContent!.getValue()));
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
    result = await signedData.verify({ signer: 0, trustedCerts, checkChain: true, checkDate: tstInfo.genTime, extendedMode: true }, crypto);
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
    throw new TimestampError('malformed', `the time stamp's signature cannot be checked: ${describeError(error)}`, {
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
  if (!ekuExtension || !ekuExtension.critical || !(eku instanceof pkijs.ExtKeyUsage) || !eku.keyPurposes.includes(OID.kpTimeStamping)) {
    throw new TimestampError('untrusted', 'the signer certificate of the time stamp lacks the critical timeStamping extended key usage');
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
    throw new TimestampError('malformed', `the time stamp is not CMS SignedData: ${describeError(error)}`, { cause: error });
  }
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== OID.tstInfo || !encap.eContent) {
    throw new TimestampError('malformed', `the time stamp's content is ${encap.eContentType}, not TSTInfo`);
  }
  let tstInfo: pkijs.TSTInfo;
  try {
    tstInfo = pkijs.TSTInfo.fromBER(encap.eContent.getValue());
  } catch (error) {
    const message = `the time stamp's TSTInfo cannot be read: ${describeError(error)}`;
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
async function checkSigningCertificateAttribute(attributes: pkijs.Attribute[], signerCert: pkijs.Certificate, signerDer: Uint8Array): Promise<void> {
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
      const issuerMatches = directoryNames.some((n) => n.value instanceof pkijs.RelativeDistinguishedNames && n.value.isEqual(signerCert.issuer));
      if (!issuerMatches || !(serial instanceof asn1js.Integer) || !serial.isEqual(signerCert.serialNumber)) {
        throw new TimestampError('untrusted', 'the signing-certificate attribute names another issuer or serial');
      }
    }
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError('malformed', `the signing-certificate attribute cannot be read: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** A serial number in lower-case hexadecimal with an even number of digits (as OpenSSL shows it, without 0x). */
function serialHex(serial: asn1js.Integer): string {
  const value = serial.toBigInt();
  const digits = (value < 0n ? -value : value).toString(16);
  return `${value < 0n ? '-' : ''}${digits.length % 2 ? '0' : ''}${digits}`;
}
