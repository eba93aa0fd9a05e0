/**
 * The long-term levels and the strict container rules: a B-T document raised to B-LT (an OCSP response from the
 * test's own CA or its delegated responder spliced into the unsigned properties) and B-LTA (an archive
 * time-stamp), and each kind of tampering refused with its own reason.
 */
import { randomBytes } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { startDevelopmentTsaServer, type DevelopmentTsaServer } from '../../src/sealing/dev/tsa-server.js';
import { sealCertificate } from '../../src/sealing/seal.js';
import type { Signer } from '../../src/sealing/signer.js';
import { requestTimestamp } from '../../src/sealing/tsa-client.js';
import { verifyEdoc, type TrustAnchors, type VerificationReport } from '../../src/sealing/verify.js';
import { editEntries, editSignatureXml, readZipDirectory, unzipEntries } from '../support/edoc.js';
import { kumalFacts } from '../support/facts.js';
import { withArchiveTimestamp, withLongTermData } from '../support/long-term.js';
import { buildOcspResponse, type OcspOptions } from '../support/ocsp.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

const keys = (report: VerificationReport) => report.problems.map((p) => p.key);

let pki: TestPki;
let signer: Signer;
let server: DevelopmentTsaServer;
let trust: TrustAnchors;
/** The agency's B-T document and the time its time-stamp vouches for. */
let sealed: Uint8Array;
let stampedAt: Date;

const stamp = (digest: Uint8Array) => requestTimestamp(server.url, digest);

beforeAll(async () => {
  pki = await createTestPki();
  signer = await pki.sealSigner();
  const tsa = await generateDevelopmentTsaIdentity();
  server = await startDevelopmentTsaServer(createDevelopmentTsa(tsa), { host: '127.0.0.1', port: 0 });
  trust = { sealRoots: [pki.root.der], timestampRoots: [tsa.rootDer], sealOrganizationId: 'NTRLV-90000000000' };
  sealed = (await sealCertificate(kumalFacts({}), { signer, timestamp: stamp })).edoc;
  const report = await verifyEdoc(sealed, trust);
  expect(report).toMatchObject({ genuine: true, level: 'B-T' });
  stampedAt = report.timestampTime!;
});

afterAll(async () => {
  await server?.close();
  await signer?.close();
});

/** An OCSP response about the seal, good and produced a second after the time-stamp unless told otherwise. */
const ocsp = (options: Partial<OcspOptions> = {}) =>
  buildOcspResponse({
    certificate: pki.seal.der,
    issuer: pki.root.der,
    signer: pki.root,
    status: 'good',
    producedAt: new Date(stampedAt.getTime() + 1000),
    ...options,
  });

const longTerm = async (options: Partial<OcspOptions> = {}, document = sealed) =>
  withLongTermData(document, { certificates: [pki.seal.der, pki.root.der], ocspResponses: [await ocsp(options)] });

describe('B-LT and B-LTA documents', () => {
  it('B-LT with a good response from the CA itself', async () => {
    const report = await verifyEdoc(await longTerm(), trust);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ genuine: true, level: 'B-LT' });
    expect(report.revocationTime!.getTime()).toBeGreaterThanOrEqual(stampedAt.getTime());
  });

  it('B-LT with a good response from a responder the CA delegated, named by its key', async () => {
    const report = await verifyEdoc(await longTerm({ signer: pki.responder, byKey: true }), trust);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ genuine: true, level: 'B-LT' });
  });

  it('B-LT with a response stating whole seconds, produced in the time-stamp’s own second', async () => {
    const report = await verifyEdoc(await longTerm({ producedAt: new Date(Math.floor(stampedAt.getTime() / 1000) * 1000) }), trust);
    expect(report.problems).toEqual([]);
    expect(report.level).toBe('B-LT');
  });

  it('B-LTA: an archive time-stamp over the signature, its data and the validation data', async () => {
    const report = await verifyEdoc(await withArchiveTimestamp(await longTerm(), stamp), trust);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ genuine: true, level: 'B-LTA' });
    expect(report.archiveTimestampTime).toBeInstanceOf(Date);
  });
});

describe('tampering with the long-term data is refused with its reason', () => {
  it('a revoked certificate', async () => {
    const revokedAt = new Date(stampedAt.getTime() - 3_600_000);
    const report = await verifyEdoc(await longTerm({ status: 'revoked', revokedAt }), trust);
    expect(report.genuine).toBe(false);
    expect(report.problems).toEqual([{ key: 'verify.revocation.revoked', params: { time: `${revokedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` } }]);
  });

  it('a response produced before the time-stamp', async () => {
    const report = await verifyEdoc(await longTerm({ producedAt: new Date(Math.floor(stampedAt.getTime() / 1000) * 1000 - 1000) }), trust);
    expect(keys(report)).toEqual(['verify.revocation.before-timestamp']);
  });

  it('a response signed by a certificate the CA did not make an OCSP responder', async () => {
    const report = await verifyEdoc(await longTerm({ signer: pki.notAResponder }), trust);
    expect(keys(report)).toEqual(['verify.revocation.untrusted']);
  });

  it('a response about another certificate', async () => {
    const report = await verifyEdoc(await longTerm({ certificate: pki.university.der }), trust);
    expect(keys(report)).toEqual(['verify.revocation.missing']);
  });

  it('the time-stamp removed from a document that claims B-LT', async () => {
    const tampered = editSignatureXml(await longTerm(), (xml) => xml.replace(/<xades:SignatureTimeStamp[\s\S]*?<\/xades:SignatureTimeStamp>/, ''));
    const report = await verifyEdoc(tampered, trust);
    expect(report.level).toBe('B-LT');
    expect(keys(report)).toEqual(['verify.timestamp.missing']);
  });

  it('a foreign archive time-stamp (over another imprint)', async () => {
    const report = await verifyEdoc(await withArchiveTimestamp(await longTerm(), stamp, new Uint8Array(randomBytes(32))), trust);
    expect(report.level).toBe('B-LTA');
    expect(keys(report)).toEqual(['verify.timestamp.archive-invalid']);
  });

  it('validation data swapped after the archive time-stamp', async () => {
    const archived = await withArchiveTimestamp(await longTerm(), stamp);
    const other = Buffer.from(await ocsp({ producedAt: new Date(stampedAt.getTime() + 5000) })).toString('base64');
    const tampered = editSignatureXml(archived, (xml) => xml.replace(/<xades:EncapsulatedOCSPValue>[^<]+</, `<xades:EncapsulatedOCSPValue>${other}<`));
    expect(keys(await verifyEdoc(tampered, trust))).toEqual(['verify.timestamp.archive-invalid']);
  });

  it('a signature time-stamp outside the unsigned signature properties', async () => {
    const tampered = editSignatureXml(sealed, (xml) => {
      const timestamp = /<xades:SignatureTimeStamp[\s\S]*?<\/xades:SignatureTimeStamp>/.exec(xml)![0];
      return xml.replace(timestamp, '').replace('</ds:KeyInfo>', `</ds:KeyInfo><ds:Object>${timestamp}</ds:Object>`);
    });
    const report = await verifyEdoc(tampered, trust);
    expect(report.problems).toEqual([{ key: 'verify.timestamp.misplaced', params: { property: 'SignatureTimeStamp' } }]);
  });
});

describe('the container is refused when it is not as the standard has it', () => {
  it('without its manifest', async () => {
    const tampered = editEntries(sealed, (entries) => entries.filter(([name]) => name !== 'META-INF/manifest.xml'));
    expect(keys(await verifyEdoc(tampered, trust))).toEqual(['verify.container.no-manifest']);
  });

  it('with an extra field in the mimetype entry (the magic bytes move)', async () => {
    const zippable: Zippable = {};
    for (const [name, data] of unzipEntries(sealed)) {
      zippable[name] = [data, name === 'mimetype' ? { level: 0, extra: { 0xcafe: Uint8Array.of(1, 2, 3, 4) } } : { level: 6 }];
    }
    const tampered = zipSync(zippable);
    expect(readZipDirectory(tampered)[0]).toMatchObject({ name: 'mimetype', localMethod: 0, localExtraLength: 8 });
    expect(keys(await verifyEdoc(tampered, trust))).toEqual(['verify.container.mimetype-extra-field']);
  });

  it('with a manifest whose media type differs from the signed one', async () => {
    const tampered = editEntries(sealed, (entries) =>
      entries.map(([name, data]): [string, Uint8Array] =>
        name === 'META-INF/manifest.xml'
          ? [name, new TextEncoder().encode(new TextDecoder().decode(data).replace('"application/json"', '"text/plain"'))]
          : [name, data],
      ),
    );
    const report = await verifyEdoc(tampered, trust);
    expect(report.problems).toEqual([
      { key: 'verify.manifest.mime-mismatch', params: { file: 'certificate-data.json', manifest: 'text/plain', signed: 'application/json' } },
    ]);
  });

  it('with a manifest listing a file that is not there', async () => {
    const tampered = editEntries(sealed, (entries) =>
      entries.map(([name, data]): [string, Uint8Array] =>
        name === 'META-INF/manifest.xml'
          ? [
              name,
              new TextEncoder().encode(
                new TextDecoder()
                  .decode(data)
                  .replace(
                    '</manifest:manifest>',
                    '<manifest:file-entry manifest:full-path="Pielikums.pdf" manifest:media-type="application/pdf"/></manifest:manifest>',
                  ),
              ),
            ]
          : [name, data],
      ),
    );
    expect(await verifyEdoc(tampered, trust)).toMatchObject({
      genuine: false,
      problems: [{ key: 'verify.manifest.file-absent', params: { file: 'Pielikums.pdf' } }],
    });
  });
});
