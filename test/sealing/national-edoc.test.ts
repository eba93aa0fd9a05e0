/**
 * What genuine national tools produce must verify: eParaksts-style eDoc 2.0 (C14N 1.1, edoc-signatures-S1.xml,
 * a time-stamp declaring its canonicalisation), DSS-style SigningCertificate with SHA-1 or SHA-256 and
 * IssuerSerial, and containers with a university's signature beside the agency's seal. xmlsec1 checks the
 * national-style signatures independently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { startDevelopmentTsaServer, type DevelopmentTsaServer } from '../../src/sealing/dev/tsa-server.js';
import { derToPem } from '../../src/sealing/pem.js';
import { sealCertificate, type SealedDocument } from '../../src/sealing/seal.js';
import type { Signer } from '../../src/sealing/signer.js';
import { requestTimestamp } from '../../src/sealing/tsa-client.js';
import { verifyEdoc, type TrustAnchors, type VerificationReport } from '../../src/sealing/verify.js';
import { ALGORITHM } from '../../src/sealing/xml.js';
import { editEntries, editSignatureXml, unzipEntries, xmlsec1Verify } from '../support/edoc.js';
import { kumalFacts } from '../support/facts.js';
import {
  nationalContainer,
  nationalSignature,
  rfc2253IssuerName,
  signatureFile,
  type DataFile,
  type NationalSignatureOptions,
} from '../support/national-edoc.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

const EDOC_SIGNATURES = 'META-INF/edoc-signatures-S1.xml';
const keys = (report: VerificationReport) => report.problems.map((p) => p.key);

let work: string;
let pki: TestPki;
let seal: Signer;
let university: Signer;
let server: DevelopmentTsaServer;
let trust: TrustAnchors;
let rootPem: string;
let sealed: SealedDocument;
let files: DataFile[];

const stamp = (digest: Uint8Array) => requestTimestamp(server.url, digest);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'national-edoc-'));
  pki = await createTestPki();
  seal = await pki.sealSigner();
  university = await pki.universitySigner();
  const tsa = await generateDevelopmentTsaIdentity();
  server = await startDevelopmentTsaServer(createDevelopmentTsa(tsa), { host: '127.0.0.1', port: 0 });
  trust = { sealRoots: [pki.root.der], timestampRoots: [tsa.rootDer], sealOrganizationId: 'NTRLV-90000000000' };
  rootPem = join(work, 'root.pem');
  writeFileSync(rootPem, derToPem(pki.root.der));
  sealed = await sealCertificate(kumalFacts({}), { signer: seal, timestamp: stamp });
  const mimeTypes: Record<string, string> = { pdf: 'application/pdf', json: 'application/json' };
  files = unzipEntries(sealed.edoc)
    .filter(([name]) => name !== 'mimetype' && !name.startsWith('META-INF/'))
    .map(([name, bytes]) => ({ name, bytes, mimeType: mimeTypes[name.split('.').pop()!]! }));
});

afterAll(async () => {
  await server?.close();
  await seal?.close();
  await university?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function nationalEdoc(options: Partial<NationalSignatureOptions> = {}): Promise<Uint8Array> {
  const signature = await nationalSignature({ id: 'S1', signer: seal, files, signingTime: new Date(), ...options });
  return nationalContainer(files, [{ name: EDOC_SIGNATURES, xml: signatureFile([signature]) }]);
}

function expectXmlsecOk(edoc: Uint8Array, entry: string): void {
  const result = xmlsec1Verify(work, edoc, [rootPem], entry);
  expect(result.status, result.output).toBe(0);
  expect(result.output).toMatch(/SignedInfo References \(ok\/all\): 3\/3/);
}

describe('signatures as the national tools write them', () => {
  it('eParaksts style: C14N 1.1, SigningCertificateV2, a time-stamp declaring C14N 1.1, the EDOC layout', async () => {
    const edoc = await nationalEdoc({ timestamp: { stamp, canonicalization: ALGORITHM.c14n11 } });
    const names = unzipEntries(edoc).map(([name]) => name);
    expect(names.slice(-2)).toEqual([EDOC_SIGNATURES, 'META-INF/manifest.xml']);
    expect(new TextDecoder().decode(edoc.subarray(-18))).toBe('EDOC/2.0; LIB/test');
    expectXmlsecOk(edoc, EDOC_SIGNATURES);
    const report = await verifyEdoc(edoc, trust);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ genuine: true, level: 'B-T', signer: { organizationIdentifier: 'NTRLV-90000000000' } });
    expect(report.timestampTime).toBeInstanceOf(Date);
  });

  it.each(['v1-sha1', 'v1-sha256'] as const)(
    'DSS style: SigningCertificate (%s) with IssuerSerial, C14N 1.0, a time-stamp with the default canonicalisation',
    async (kind) => {
      const edoc = await nationalEdoc({ signingCertificate: kind, canonicalization: ALGORITHM.c14n10, timestamp: { stamp, canonicalization: 'default' } });
      expect(new TextDecoder().decode(unzipEntries(edoc).find(([n]) => n === EDOC_SIGNATURES)![1])).toContain(
        `<ds:X509IssuerName>${rfc2253IssuerName(pki.seal.der)}<`,
      );
      // The certificate's last attribute first; organizationIdentifier, which has no keyword there, as BER in hex.
      expect(rfc2253IssuerName(pki.seal.der)).toBe(
        'C=LV,O=Testa uzticamības pakalpojumi,2.5.4.97=#13114e54524c562d3430303033303030303030,CN=Testa kvalificēto sertifikātu CA',
      );
      expectXmlsecOk(edoc, EDOC_SIGNATURES);
      const report = await verifyEdoc(edoc, trust);
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ genuine: true, level: 'B-T' });
    },
  );

  it('exclusive canonicalisation with the older SigningCertificate', async () => {
    const edoc = await nationalEdoc({ signingCertificate: 'v1-sha256', canonicalization: ALGORITHM.excC14n });
    expectXmlsecOk(edoc, EDOC_SIGNATURES);
    expect((await verifyEdoc(edoc, trust)).problems).toEqual([]);
  });

  it.each([
    ['another serial number', (xml: string) => xml.replace(/<ds:X509SerialNumber>(\d+)</, (_, n: string) => `<ds:X509SerialNumber>${BigInt(n) + 1n}<`)],
    ['another issuer', (xml: string) => xml.replace('CN=Testa kvalificēto sertifikātu CA<', 'CN=Cits CA<')],
  ])('refuses a SigningCertificate naming %s (its digest alone matches)', async (_, edit) => {
    // Signed as written: the signed properties are intact, only what they say is wrong.
    const signature = await nationalSignature({ id: 'S1', signer: seal, files, signingTime: new Date(), signingCertificate: 'v1-sha1' });
    const edited = edit(signature);
    expect(edited).not.toBe(signature);
    const report = await verifyEdoc(nationalContainer(files, [{ name: EDOC_SIGNATURES, xml: signatureFile([edited]) }]), trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toContain('verify.signature.certificate-swapped');
  });

  it('uses the canonicalisation the time-stamp declares: the same token declared as another one is refused', async () => {
    const edoc = await nationalEdoc({ timestamp: { stamp, canonicalization: ALGORITHM.c14n11 } });
    const tampered = editEntries(edoc, (entries) =>
      entries.map(([name, data]): [string, Uint8Array] => {
        if (name !== EDOC_SIGNATURES) return [name, data];
        const xml = new TextDecoder().decode(data);
        return [
          name,
          new TextEncoder().encode(
            xml.replace(
              `<xades:SignatureTimeStamp Id="S1-T0"><ds:CanonicalizationMethod Algorithm="${ALGORITHM.c14n11}">`,
              `<xades:SignatureTimeStamp Id="S1-T0"><ds:CanonicalizationMethod Algorithm="${ALGORITHM.excC14n}">`,
            ),
          ),
        ];
      }),
    );
    const report = await verifyEdoc(tampered, trust);
    expect(keys(report)).toEqual(['verify.timestamp.invalid']);
  });
});

describe('a university’s signature beside the agency’s seal', () => {
  // Made once: it needs a time-stamp.
  let universitySignatureXml = '';
  beforeAll(async () => {
    universitySignatureXml = await nationalSignature({
      id: 'U1',
      signer: university,
      files,
      signingTime: new Date(),
      timestamp: { stamp, canonicalization: ALGORITHM.c14n11 },
    });
  });

  it('in a signature file of its own: both verified, the seal found, the university named', async () => {
    const edoc = editEntries(sealed.edoc, (entries) => [
      ...entries,
      ['META-INF/signatures1.xml', new TextEncoder().encode(signatureFile([universitySignatureXml]))],
    ]);
    const report = await verifyEdoc(edoc, trust);
    expect(report.problems).toEqual([]);
    expect(report.genuine).toBe(true);
    expect(report.signer?.organizationIdentifier).toBe('NTRLV-90000000000');
    expect(report.cosigners?.map((s) => s.organizationIdentifier)).toEqual(['NTRLV-90000000076']);
    expect(report.facts?.number).toBe(kumalFacts({}).number);
  });

  it('as a second ds:Signature in the seal’s own signature file', async () => {
    const edoc = editSignatureXml(sealed.edoc, (xml) => xml.replace('</asic:XAdESSignatures>', `${universitySignatureXml}</asic:XAdESSignatures>`));
    const report = await verifyEdoc(edoc, trust);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ genuine: true, level: 'B-T', cosigners: [{ organizationIdentifier: 'NTRLV-90000000076' }] });
  });

  it('a broken university signature makes the container fail, naming that signature', async () => {
    const broken = universitySignatureXml.replace(/(<ds:SignatureValue Id="U1-SIG">)(.)/, (_, open: string, c: string) => `${open}${c === 'A' ? 'B' : 'A'}`);
    const edoc = editEntries(sealed.edoc, (entries) => [...entries, ['META-INF/signatures1.xml', new TextEncoder().encode(signatureFile([broken]))]]);
    const report = await verifyEdoc(edoc, trust);
    expect(report.genuine).toBe(false);
    expect(report.problems).toContainEqual({ key: 'verify.signature.invalid', params: { signature: 'U1' } });
  });

  it('the university’s signature alone is not a certificate', async () => {
    const edoc = nationalContainer(files, [{ name: EDOC_SIGNATURES, xml: signatureFile([universitySignatureXml]) }]);
    const report = await verifyEdoc(edoc, trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['verify.signature.not-the-agency']);
  });
});
