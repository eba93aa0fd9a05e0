/**
 * A world whose clock the test sets, for documents that must outlive their certificates: the agency's test seal
 * (valid 2 years) with its CA's OCSP responder, the time-stamp authority of "today" (its certificate valid 3
 * years, with an OCSP responder of its own root) and the authority of "later" (a fresh one, valid 10 years from
 * the later moment), all answering in this process at the simulated time.
 */
import { KeyObject, X509Certificate } from 'node:crypto';
import { createDevelopmentOcspResponder, type DevelopmentOcspResponder } from '../../src/sealing/dev/ocsp-responder.js';
import { generateTestSeal, TEST_ORGANIZATION_IDENTIFIER } from '../../src/sealing/dev/pki.js';
import { createDevelopmentTsa, type DevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { loadPemSigner } from '../../src/sealing/file-signer.js';
import { LongTermValidation } from '../../src/sealing/long-term-data.js';
import { encodeCertId, encodeOcspRequest } from '../../src/sealing/ocsp-request.js';
import { checkOcspResponse, type CheckedOcspResponse } from '../../src/sealing/ocsp-response.js';
import { derToPem } from '../../src/sealing/pem.js';
import type { PreservationDependencies } from '../../src/sealing/preservation.js';
import { sealCertificate, type SealedDocument } from '../../src/sealing/seal.js';
import type { Signer } from '../../src/sealing/signer.js';
import { readTimestampResponse } from '../../src/sealing/timestamp-response.js';
import { encodeTimestampRequest } from '../../src/sealing/tsa-client.js';
import type { TrustAnchors } from '../../src/sealing/verify.js';
import type { CertificateFacts } from '../../src/certificate/facts.js';

const DAY_MS = 86_400_000;
export const YEAR_MS = 365 * DAY_MS;

export interface SimulatedYears {
  /** "Today": when documents are sealed. */
  today: Date;
  /** The simulated clock of every authority and responder; set `clock.now`. */
  clock: { now: Date };
  trust: TrustAnchors;
  seal: { certificate: Uint8Array; root: Uint8Array; notAfter: Date };
  /** Today's time-stamp authority: certificate, root, expiry. */
  tsaToday: { certificate: Uint8Array; root: Uint8Array; notAfter: Date };
  /** The later time-stamp authority, valid from `laterFrom`. */
  tsaLater: { certificate: Uint8Array; root: Uint8Array };
  ocsp: DevelopmentOcspResponder;
  /** Seals at the simulated time with today's authority, at B-LT. */
  sealer: (facts: CertificateFacts) => Promise<SealedDocument>;
  /** What a preservation step needs at the simulated time, stamping with the later authority. */
  preservation: PreservationDependencies;
  /** Asks the responder at the simulated time (the `onlineRevocation` check of the verifier). */
  fetchOcsp: (url: string, certificate: Uint8Array, issuer: Uint8Array) => Promise<CheckedOcspResponse>;
}

const stampWith = (tsa: DevelopmentTsa) => async (digest: Uint8Array) => {
  const request = encodeTimestampRequest(digest);
  return readTimestampResponse(await tsa.handle(request.der), digest, request.nonce, 'simulated');
};

/** `laterFrom`: when the later authority's certificate begins (it lasts 10 years). */
export async function simulatedYears(options: { laterFrom: Date }): Promise<SimulatedYears> {
  const today = new Date();
  const clock = { now: today };
  const now = () => clock.now;
  const sealPki = await generateTestSeal({ validFrom: new Date(today.getTime() - DAY_MS), years: 2, ocspUrl: 'http://seal-ocsp.invalid/' });
  const tsaToday = await generateDevelopmentTsaIdentity({ ocspUrl: 'http://tsa-ocsp.invalid/', validFrom: new Date(today.getTime() - 3_600_000), years: 3 });
  const tsaLater = await generateDevelopmentTsaIdentity({ validFrom: options.laterFrom, years: 10 });
  const sealDer = new Uint8Array(sealPki.seal.rawData);
  const rootDer = new Uint8Array(sealPki.root.rawData);
  const ocsp = createDevelopmentOcspResponder({
    clock: now,
    authorities: [
      {
        caCertificate: rootDer,
        responderCertificate: new Uint8Array(sealPki.ocspSigner.certificate.rawData),
        responderKey: KeyObject.from(sealPki.ocspSigner.keys.privateKey),
        issued: [sealDer],
      },
      {
        caCertificate: tsaToday.rootDer,
        responderCertificate: tsaToday.ocspSigner.certificateDer,
        responderKey: KeyObject.from(tsaToday.ocspSigner.keyPair.privateKey),
        issued: tsaToday.certificateChainDer,
      },
    ],
  });
  const fetchOcsp = async (url: string, certificate: Uint8Array, issuer: Uint8Array) => {
    const request = encodeOcspRequest(encodeCertId(certificate, issuer));
    return checkOcspResponse(await ocsp.handle(request.der), { certificate, issuer, nonce: request.nonce, now: now(), url });
  };
  const todayTsa = createDevelopmentTsa({ keyPair: tsaToday.keyPair, certificateChainDer: tsaToday.certificateChainDer, clock: now });
  const laterTsa = createDevelopmentTsa({ keyPair: tsaLater.keyPair, certificateChainDer: tsaLater.certificateChainDer, clock: now });

  const keyPem = derToPem(new Uint8Array(await crypto.subtle.exportKey('pkcs8', sealPki.sealKeys.privateKey)), 'PRIVATE KEY');
  const signer: Signer = await loadPemSigner({ keyPem, certificateChainPem: derToPem(sealDer) + derToPem(rootDer) });
  const longTerm = new LongTermValidation({ sealChain: signer.certificateChain, timestampIssuers: [tsaToday.rootDer], fetchOcsp });
  const timestampIssuers = [tsaToday.rootDer, tsaLater.rootDer];
  return {
    today,
    clock,
    trust: { sealRoots: [rootDer], sealOrganizationId: TEST_ORGANIZATION_IDENTIFIER, timestampRoots: timestampIssuers },
    seal: { certificate: sealDer, root: rootDer, notAfter: sealPki.seal.notAfter },
    tsaToday: {
      certificate: tsaToday.certificateChainDer[0]!,
      root: tsaToday.rootDer,
      notAfter: new Date(new X509Certificate(tsaToday.certificateChainDer[0]!).validTo),
    },
    tsaLater: { certificate: tsaLater.certificateChainDer[0]!, root: tsaLater.rootDer },
    ocsp,
    sealer: (facts) => sealCertificate(facts, { signer, timestamp: stampWith(todayTsa), longTerm: (token) => longTerm.gather(token), now: now() }),
    preservation: { timestamp: stampWith(laterTsa), timestampIssuers, fetchOcsp },
    fetchOcsp,
  };
}
