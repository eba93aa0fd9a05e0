/**
 * What a sealed document's time-stamp token says that long-term validation data depends on: when it was made
 * (genTime) and which certificates it carries. Read by hand (see der.ts), for every sealed document; the token
 * itself was checked when it was received.
 */
import { DerFields, readDerChildren, readGeneralizedTime, readOctetString, readOid, readSingleDer, Tag } from './der.js';
import { OID } from './oids.js';

export function readTimestampTokenContents(tokenDer: Uint8Array): { genTime: Date; certificates: Uint8Array[] } {
  // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT SignedData }
  const contentInfo = DerFields.read(tokenDer, 'ContentInfo');
  if (readOid(contentInfo.required(Tag.oid, 'contentType')) !== OID.signedData) throw new SyntaxError('the token is not SignedData');
  const signedData = DerFields.read(readSingleDer(contentInfo.required(Tag.context0Constructed, 'content').content, 'ber').encoded, 'SignedData');
  signedData.required(Tag.integer, 'version');
  signedData.required(Tag.set, 'digestAlgorithms');
  const encapsulated = signedData.sequence('encapContentInfo');
  if (readOid(encapsulated.required(Tag.oid, 'eContentType')) !== OID.tstInfo) throw new SyntaxError('the token does not hold a TSTInfo');
  const tstInfoDer = readOctetString(readSingleDer(encapsulated.required(Tag.context0Constructed, 'eContent').content, 'ber'));
  const certificates = signedData.optional(Tag.context0Constructed);

  // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime GeneralizedTime, ... }
  const tstInfo = DerFields.read(tstInfoDer, 'TSTInfo');
  tstInfo.required(Tag.integer, 'version');
  tstInfo.required(Tag.oid, 'policy');
  tstInfo.required(Tag.sequence, 'messageImprint');
  tstInfo.required(Tag.integer, 'serialNumber');
  const genTime = readGeneralizedTime(tstInfo.required(Tag.generalizedTime, 'genTime'));
  return {
    genTime,
    // Only plain certificates (SEQUENCE) among the CertificateChoices; attribute certificates and others are left out.
    certificates: certificates
      ? readDerChildren(certificates.content, 'ber')
          .filter((c) => c.tag === Tag.sequence)
          .map((c) => new Uint8Array(c.encoded))
      : [],
  };
}
