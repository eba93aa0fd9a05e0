/**
 * The validation data that lifts a B-T signature to B-LT (EN 319 132-1 §5.4, §5.5.1): the certificates a
 * validator needs and does not find in ds:KeyInfo or the time-stamp token, an OCSP response for the seal
 * certificate, and the time-stamp authority's own revocation data.
 *
 * - CertificateValues: the seal chain, the TSA's chain and the seal OCSP responder's certificate, less those
 *   already in KeyInfo (the seal chain) or in the token (the TSA certificate).
 * - RevocationValues: the seal certificate's OCSP response, status good, produced at or after the time-stamp
 *   (see ocsp-batching.ts for how one response serves several documents).
 * - TimeStampValidationData: the TSA certificate's OCSP response and its responder's certificate, when the TSA
 *   certificate names an OCSP responder and is not itself a trust anchor. A TSA certificate that names none gets
 *   no revocation data: there is nothing to fetch, and a validator cannot ask either.
 *
 * One instance per sealing worker: it keeps, per certificate, the batching of OCSP responses.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { orderCertificateChain } from './certificate-chain.js';
import { BatchedOcsp } from './ocsp-batching.js';
import { ocspUrlOf, requestOcsp } from './ocsp-client.js';
import { OcspError } from './ocsp-error.js';
import type { CheckedOcspResponse } from './ocsp-response.js';
import { OID } from './oids.js';
import { readTimestampTokenContents } from './timestamp-token-contents.js';

export interface LongTermData {
  /** xades:CertificateValues */
  certificates: Uint8Array[];
  /** xades:RevocationValues/xades:OCSPValues */
  ocspResponses: Uint8Array[];
  /** xades141:TimeStampValidationData for the signature time-stamp, when there is any. */
  timestampValidation?: { certificates: Uint8Array[]; ocspResponses: Uint8Array[] };
}

export interface LongTermSources {
  /** The seal certificate and its issuers, as in ds:KeyInfo. */
  sealChain: readonly Uint8Array[];
  /** Issuers of time-stamp authority certificates (the TSA's roots and intermediates); a TSA certificate among them is a trust anchor. */
  timestampIssuers: readonly Uint8Array[];
  /** Responders asked instead of the address in a certificate's AuthorityInfoAccess. */
  ocspUrls?: { seal?: string; timestamp?: string };
  /** Fetches a checked response (tests put a failing or slow responder here). */
  fetchOcsp?: (url: string, certificate: Uint8Array, issuer: Uint8Array) => Promise<CheckedOcspResponse>;
}

interface TimestampAuthority {
  chain: Uint8Array[];
  /** Absent when the TSA certificate needs no revocation data. */
  revocation?: { certificate: Uint8Array; issuer: Uint8Array; url: string };
}

const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

export class LongTermValidation {
  private readonly batches = new Map<string, BatchedOcsp>();
  private readonly authorities = new Map<string, TimestampAuthority>();
  private readonly fetchOcsp: NonNullable<LongTermSources['fetchOcsp']>;

  constructor(private readonly sources: LongTermSources) {
    this.fetchOcsp = sources.fetchOcsp ?? ((url, certificate, issuer) => requestOcsp(url, certificate, issuer));
  }

  /** How many OCSP responses were fetched so far, for tests and benchmarks. */
  get ocspFetches(): number {
    let total = 0;
    for (const batch of this.batches.values()) total += batch.fetches;
    return total;
  }

  /** Everything B-LT adds to a signature whose signature time-stamp is `timestampToken`. */
  async gather(timestampToken: Uint8Array): Promise<LongTermData> {
    const token = readTimestampTokenContents(timestampToken);
    const authority = this.timestampAuthority(token.certificates);
    const [seal, sealIssuer] = this.sources.sealChain;
    if (!seal || !sealIssuer) throw new OcspError('no-address', 'the seal certificate chain lacks the issuer, which OCSP needs');
    const sealUrl = this.sources.ocspUrls?.seal ?? ocspUrlOf(seal);
    if (!sealUrl) throw new OcspError('no-address', 'the seal certificate names no OCSP responder and OCSP_URL is not set');

    const [sealOcsp, tsaOcsp] = await Promise.all([
      this.batch(sealUrl, seal, sealIssuer).after(token.genTime),
      authority.revocation && this.batch(authority.revocation.url, authority.revocation.certificate, authority.revocation.issuer).after(token.genTime),
    ]);

    const present = new Set([...this.sources.sealChain, ...token.certificates].map(fingerprint));
    const certificates = unseen([...authority.chain, ...(sealOcsp.responderCertificate ? [sealOcsp.responderCertificate] : [])], present);
    return {
      certificates,
      ocspResponses: [sealOcsp.der],
      ...(tsaOcsp
        ? {
            timestampValidation: {
              certificates: unseen(tsaOcsp.responderCertificate ? [tsaOcsp.responderCertificate] : [], present),
              ocspResponses: [tsaOcsp.der],
            },
          }
        : {}),
    };
  }

  private batch(url: string, certificate: Uint8Array, issuer: Uint8Array): BatchedOcsp {
    const key = `${url} ${fingerprint(certificate)}`;
    let batch = this.batches.get(key);
    if (!batch) {
      batch = new BatchedOcsp({ fetch: () => this.fetchOcsp(url, certificate, issuer) });
      this.batches.set(key, batch);
    }
    return batch;
  }

  /** The TSA's chain and where to ask about its certificate, worked out once per set of token certificates. */
  private timestampAuthority(tokenCertificates: Uint8Array[]): TimestampAuthority {
    const key = tokenCertificates.map(fingerprint).join(' ');
    const known = this.authorities.get(key);
    if (known) return known;
    const tsa = tokenCertificates.find(isTimestampingCertificate);
    if (!tsa) throw new OcspError('no-address', 'the time-stamp token does not carry the TSA certificate');
    const chain = orderCertificateChain(tsa, [...tokenCertificates, ...this.sources.timestampIssuers]);
    const isAnchor = this.sources.timestampIssuers.some((anchor) => fingerprint(anchor) === fingerprint(tsa));
    const url = this.sources.ocspUrls?.timestamp ?? ocspUrlOf(tsa);
    let authority: TimestampAuthority = { chain };
    if (!isAnchor && url) {
      const issuer = chain[1];
      if (!issuer)
        throw new OcspError('no-address', "the TSA certificate's issuer is not among the configured TSA certificates, so OCSP cannot be asked about it");
      authority = { chain, revocation: { certificate: tsa, issuer, url } };
    }
    this.authorities.set(key, authority);
    return authority;
  }
}

function isTimestampingCertificate(der: Uint8Array): boolean {
  try {
    return (new X509Certificate(der).keyUsage ?? []).includes(OID.kpTimeStamping);
  } catch {
    return false;
  }
}

/** The certificates not yet present, each once, in their order. */
function unseen(certificates: Uint8Array[], present: Set<string>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const der of certificates) {
    const key = fingerprint(der);
    if (present.has(key)) continue;
    present.add(key);
    out.push(der);
  }
  return out;
}
