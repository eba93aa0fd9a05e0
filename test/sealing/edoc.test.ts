/**
 * Sealed certificates (.edoc = ASiC-E + XAdES) checked end to end: the container layout read by hand from the
 * ZIP bytes, the XML signature checked by an independent verifier (xmlsec1), the time-stamp by OpenSSL, the XAdES
 * rules xmlsec1 does not check by this file, and `verifyEdoc` against tampering, foreign trust anchors and
 * hostile uploads.
 */
import 'reflect-metadata'; // before @peculiar/x509
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../src/certificate/facts.js';
import { kumalFacts } from '../support/facts.js';
import { generateTestSeal } from '../../src/sealing/dev/pki.js';
import { loadPemSigner } from '../../src/sealing/file-signer.js';
import { sealCertificate, type SealedDocument } from '../../src/sealing/seal.js';
import type { Signer } from '../../src/sealing/signer.js';
import { createDevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { startDevelopmentTsaServer, type DevelopmentTsaServer } from '../../src/sealing/dev/tsa-server.js';
import { requestTimestamp } from '../../src/sealing/tsa-client.js';
import { verifyEdoc, type TrustAnchors, type VerificationReport } from '../../src/sealing/verify.js';
import { derToPem } from '../../src/sealing/pem.js';
import {
  SIGNATURE_ENTRY,
  UTF8_NAME_FLAG,
  editEntries,
  editSignatureXml,
  excC14nOfLeaf,
  opensslTsVerify,
  readZipDirectory,
  unzipEntries,
  xmlsec1Verify,
  zipEntries,
  type ToolResult,
  type ZipEntries,
} from '../support/edoc.js';
import { lyingAsice } from '../support/lying-zip.js';

const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xades: 'http://uri.etsi.org/01903/v1.3.2#',
  manifest: 'urn:oasis:names:tc:opendocument:xmlns:manifest:1.0',
};
const ASICE = 'application/vnd.etsi.asic-e+zip';
const PDF_NAME = 'Sertifikāts 2024-301949081206-KUMAL.pdf';
const PDF_URI = 'Sertifik%C4%81ts%202024-301949081206-KUMAL.pdf';
const DATA_NAME = 'certificate-data.json';
const MANIFEST = 'META-INF/manifest.xml';

const facts: CertificateFacts = kumalFacts({ firstName: 'Līga', lastName: 'Ķēniņa-Šņore' });

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const keys = (report: VerificationReport) => report.problems.map((p) => p.key);

let work: string;
let signer: Signer;
let server: DevelopmentTsaServer;
let trust: TrustAnchors;
let sealDer: Uint8Array;
/** Another test seal: same subject and issuer names as ours, other keys. */
let otherSealDer: Uint8Array;
let otherSealRootDer: Uint8Array;
let otherTsaRootDer: Uint8Array;
let sealedBB: SealedDocument;
let sealedBT: SealedDocument;
const pem = { sealRoot: '', otherSealRoot: '', tsaRoot: '', tsa: '' };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edoc-test-'));

  const { root, seal, sealKeys } = await generateTestSeal();
  const keyPem = derToPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', sealKeys.privateKey)), 'PRIVATE KEY');
  signer = await loadPemSigner({ keyPem, certificateChainPem: seal.toString('pem') + '\n' + root.toString('pem') + '\n' });
  sealDer = new Uint8Array(seal.rawData);
  const other = await generateTestSeal();
  otherSealDer = new Uint8Array(other.seal.rawData);
  otherSealRootDer = new Uint8Array(other.root.rawData);

  const tsaIdentity = await generateDevelopmentTsaIdentity();
  server = await startDevelopmentTsaServer(createDevelopmentTsa(tsaIdentity), { host: '127.0.0.1', port: 0 });
  otherTsaRootDer = (await generateDevelopmentTsaIdentity()).rootDer;

  trust = { sealRoots: [new Uint8Array(root.rawData)], timestampRoots: [tsaIdentity.rootDer] };
  const write = (name: string, der: Uint8Array) => {
    const file = join(work, name);
    writeFileSync(file, derToPem(der));
    return file;
  };
  pem.sealRoot = write('seal-root.pem', new Uint8Array(root.rawData));
  pem.otherSealRoot = write('other-seal-root.pem', otherSealRootDer);
  pem.tsaRoot = write('tsa-root.pem', tsaIdentity.rootDer);
  pem.tsa = write('tsa.pem', tsaIdentity.certificateChainDer[0]!);

  sealedBB = await sealCertificate(facts, { signer });
  sealedBT = await sealCertificate(facts, { signer, timestamp: (digest) => requestTimestamp(server.url, digest) });
});

afterAll(async () => {
  await server?.close();
  await signer?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function parseXml(text: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, message) => void (level !== 'warning' && errors.push(message)) }).parseFromString(text, 'application/xml');
  expect(errors).toEqual([]);
  return doc;
}

function all(parent: Document | Element, ns: string, localName: string): Element[] {
  const list = parent.getElementsByTagNameNS(ns, localName);
  return Array.from({ length: list.length }, (_, i) => list.item(i)!);
}

function one(parent: Document | Element, ns: string, localName: string): Element {
  const found = all(parent, ns, localName);
  expect(found, `exactly one ${localName}`).toHaveLength(1);
  return found[0]!;
}

function entry(edoc: Uint8Array, name: string): Uint8Array {
  const found = unzipEntries(edoc).find(([n]) => n === name);
  expect(found, `entry ${name}`).toBeDefined();
  return found![1];
}

const signatureDoc = (edoc: Uint8Array) => parseXml(new TextDecoder().decode(entry(edoc, SIGNATURE_ENTRY)));

/** Media types by full path, from the ODF manifest. */
function manifestTypes(edoc: Uint8Array): Map<string, string> {
  const doc = parseXml(new TextDecoder().decode(entry(edoc, MANIFEST)));
  const root = doc.documentElement!;
  expect(root.namespaceURI).toBe(NS.manifest);
  expect(root.localName).toBe('manifest');
  expect(root.getAttributeNS(NS.manifest, 'version')).toBe('1.2');
  const types = new Map<string, string>();
  for (const fileEntry of all(doc, NS.manifest, 'file-entry')) {
    const path = fileEntry.getAttributeNS(NS.manifest, 'full-path');
    const type = fileEntry.getAttributeNS(NS.manifest, 'media-type');
    expect(path).toBeTruthy();
    expect(types.has(path!), `${path} listed twice`).toBe(false);
    types.set(path!, type ?? '');
  }
  return types;
}

function expectXmlsecOk(result: ToolResult): void {
  expect(result.status, result.output).toBe(0);
  expect(result.output).toMatch(/^OK$/m);
  expect(result.output).toMatch(/SignedInfo References \(ok\/all\): 3\/3/);
}

function expectXmlsecFails(result: ToolResult): void {
  expect(result.status, result.output).not.toBe(0);
  expect(result.output).not.toMatch(/^OK$/m);
}

const xmlsec = (edoc: Uint8Array, roots = [pem.sealRoot]) => xmlsec1Verify(work, edoc, roots);

/** The DER time-stamp token of a B-T signature. */
function timestampToken(doc: Document): Uint8Array {
  const stamp = one(doc, NS.xades, 'SignatureTimeStamp');
  return new Uint8Array(Buffer.from(one(stamp, NS.xades, 'EncapsulatedTimeStamp').textContent ?? '', 'base64'));
}

function tstInfoOf(token: Uint8Array): pkijs.TSTInfo {
  const contentInfo = pkijs.ContentInfo.fromBER(token.slice().buffer);
  expect(contentInfo.contentType).toBe('1.2.840.113549.1.7.2');
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  expect(signedData.encapContentInfo.eContentType).toBe('1.2.840.113549.1.9.16.1.4');
  return pkijs.TSTInfo.fromBER(signedData.encapContentInfo.eContent!.getValue());
}

const pdfOf = (entries: ZipEntries) => entries.find(([name]) => name === PDF_NAME)!;

// ---------------------------------------------------------------------------------------------------------------

describe('the container layout', () => {
  it('starts with a stored mimetype entry naming ASiC-E, with no extra field', () => {
    const bytes = sealedBT.edoc;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(0, true)).toBe(0x04034b50); // the first local file header
    expect(view.getUint16(8, true)).toBe(0); // method: stored
    expect(view.getUint16(26, true)).toBe('mimetype'.length);
    expect(view.getUint16(28, true)).toBe(0); // no extra field: the type can be read at a fixed offset
    expect(Buffer.from(bytes.subarray(30, 38)).toString('latin1')).toBe('mimetype');
    expect(view.getUint32(18, true)).toBe(ASICE.length); // compressed size
    expect(view.getUint32(22, true)).toBe(ASICE.length); // uncompressed size
    expect(Buffer.from(bytes.subarray(38, 38 + ASICE.length)).toString('latin1')).toBe(ASICE);

    const first = readZipDirectory(bytes)[0]!;
    expect(first.name).toBe('mimetype');
    expect(first.localHeaderOffset).toBe(0);
    expect(first.centralMethod).toBe(0);
  });

  it.each(['B-B', 'B-T'] as const)('%s holds the PDF, the data file, the manifest and the signature; UTF-8 names are flagged', (level) => {
    const sealed = level === 'B-B' ? sealedBB : sealedBT;
    expect(sealed.level).toBe(level);
    const entries = readZipDirectory(sealed.edoc);
    expect(entries.map((e) => e.name)).toEqual(['mimetype', PDF_NAME, DATA_NAME, MANIFEST, SIGNATURE_ENTRY]);
    expect(PDF_NAME).toMatch(/^Sertifikāts 2024-.+\.pdf$/);
    const nonAscii = entries.filter((e) => e.nameBytes.some((b) => b >= 0x80));
    expect(nonAscii.map((e) => e.name)).toEqual([PDF_NAME]);
    for (const e of nonAscii) {
      expect(e.centralFlags & UTF8_NAME_FLAG, `${e.name}: central UTF-8 flag`).toBe(UTF8_NAME_FLAG);
      expect(e.localFlags & UTF8_NAME_FLAG, `${e.name}: local UTF-8 flag`).toBe(UTF8_NAME_FLAG);
    }
    for (const e of entries) expect(e.localMethod, e.name).toBe(e.centralMethod);
    expect(Buffer.from(entries[1]!.nameBytes).toString('hex')).toContain('c481'); // ā in UTF-8
    expect(sealed.edoc.length).toBeLessThanOrEqual(60 * 1024);
  });

  it('carries an ODF manifest listing the container and each data file with its media type', () => {
    const types = manifestTypes(sealedBT.edoc);
    expect(Object.fromEntries(types)).toEqual({ '/': ASICE, [PDF_NAME]: 'application/pdf', [DATA_NAME]: 'application/json' });
  });

  it('holds the PDF and the data file the facts make', () => {
    const pdf = entry(sealedBT.edoc, PDF_NAME);
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const data = JSON.parse(new TextDecoder().decode(entry(sealedBT.edoc, DATA_NAME))) as Record<string, unknown>;
    expect(data).toMatchObject({ ...facts });
  });
});

describe('xmlsec1, an independent XML-DSig verifier', () => {
  it.each(['B-B', 'B-T'] as const)('accepts the %s signature, every reference resolved in the unpacked container', (level) => {
    expectXmlsecOk(xmlsec(level === 'B-B' ? sealedBB.edoc : sealedBT.edoc));
  });

  it('refuses it when only another root is trusted', () => {
    const result = xmlsec(sealedBT.edoc, [pem.otherSealRoot]);
    expectXmlsecFails(result);
    expect(result.output).toMatch(/certificate verification failed/);
  });
});

describe('XAdES rules xmlsec1 does not check', () => {
  it('SigningCertificateV2 names the seal certificate by its SHA-256 digest, issuer and serial', () => {
    const doc = signatureDoc(sealedBT.edoc);
    const keyInfoCertificates = all(one(doc, NS.ds, 'KeyInfo'), NS.ds, 'X509Certificate').map((el) => Buffer.from(el.textContent ?? '', 'base64'));
    expect(b64(keyInfoCertificates[0]!)).toBe(b64(sealDer));

    const signingCertificate = one(doc, NS.xades, 'SigningCertificateV2');
    const cert = one(signingCertificate, NS.xades, 'Cert');
    expect(one(cert, NS.ds, 'DigestMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmlenc#sha256');
    expect(one(cert, NS.ds, 'DigestValue').textContent).toBe(b64(sha256(sealDer)));

    const der = Buffer.from(one(cert, NS.xades, 'IssuerSerialV2').textContent ?? '', 'base64');
    const asn1 = asn1js.fromBER(new Uint8Array(der).buffer);
    expect(asn1.offset).toBe(der.length);
    const issuerSerial = new pkijs.IssuerSerial({ schema: asn1.result });
    const sealCertificate = pkijs.Certificate.fromBER(sealDer.slice().buffer);
    expect(issuerSerial.issuer.names).toHaveLength(1);
    const name = issuerSerial.issuer.names[0]!;
    expect(name.type).toBe(4); // directoryName
    expect(name.value).toBeInstanceOf(pkijs.RelativeDistinguishedNames);
    expect((name.value as pkijs.RelativeDistinguishedNames).isEqual(sealCertificate.issuer)).toBe(true);
    expect(issuerSerial.serialNumber.toBigInt().toString(16).toUpperCase()).toBe(new X509Certificate(sealDer).serialNumber.replace(/^0+/, ''));
    // And not merely equal to itself: another certificate's issuer/serial would not match.
    expect((name.value as pkijs.RelativeDistinguishedNames).isEqual(pkijs.Certificate.fromBER(otherSealDer.slice().buffer).subject)).toBe(false);
  });

  it("gives each file's DataObjectFormat the manifest's media type, and each data reference a percent-encoded URI", () => {
    const doc = signatureDoc(sealedBT.edoc);
    const types = manifestTypes(sealedBT.edoc);
    const signedInfo = one(doc, NS.ds, 'SignedInfo');
    const references = all(signedInfo, NS.ds, 'Reference');
    const fileReferences = references.filter((r) => !(r.getAttribute('URI') ?? '').startsWith('#'));
    expect(fileReferences.map((r) => r.getAttribute('URI'))).toEqual([PDF_URI, DATA_NAME]);
    expect(decodeURIComponent(PDF_URI)).toBe(PDF_NAME);

    const formats = all(doc, NS.xades, 'DataObjectFormat');
    expect(formats).toHaveLength(fileReferences.length);
    for (const reference of fileReferences) {
      const id = reference.getAttribute('Id');
      expect(id).toBeTruthy();
      const format = formats.filter((f) => f.getAttribute('ObjectReference') === `#${id}`);
      expect(format, `DataObjectFormat of ${id}`).toHaveLength(1);
      const file = decodeURIComponent(reference.getAttribute('URI')!);
      expect(types.get(file), `${file} in the manifest`).toBeDefined();
      expect(one(format[0]!, NS.xades, 'MimeType').textContent).toBe(types.get(file));
    }

    const propertiesReference = references.filter((r) => r.getAttribute('URI') === '#S1-SignedProperties');
    expect(propertiesReference).toHaveLength(1);
    expect(propertiesReference[0]!.getAttribute('Type')).toBe('http://uri.etsi.org/01903#SignedProperties');
  });

  it('time-stamps (B-T) the canonical SignatureValue, and OpenSSL accepts the token', () => {
    const doc = signatureDoc(sealedBT.edoc);
    const canonical = excC14nOfLeaf(one(doc, NS.ds, 'SignatureValue'));
    expect(canonical).toMatch(/^<ds:SignatureValue xmlns:ds="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#" Id="S1-SIG">[A-Za-z0-9+/=]+<\/ds:SignatureValue>$/);
    const digest = sha256(canonical);

    const token = timestampToken(doc);
    const tstInfo = tstInfoOf(token);
    expect(tstInfo.messageImprint.hashAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.1');
    expect(Buffer.from(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex')).toBe(digest.toString('hex'));
    expect(Math.abs(tstInfo.genTime.getTime() - Date.now())).toBeLessThan(60_000);

    const ok = opensslTsVerify(work, token, digest.toString('hex'), pem.tsaRoot, pem.tsa);
    expect(ok.status, ok.output).toBe(0);
    expect(ok.output).toMatch(/Verification: OK/);
    const wrong = opensslTsVerify(work, token, sha256('something else').toString('hex'), pem.tsaRoot, pem.tsa);
    expect(wrong.status, wrong.output).not.toBe(0);
  });

  it('has no time-stamp at B-B', () => {
    expect(all(signatureDoc(sealedBB.edoc), NS.xades, 'SignatureTimeStamp')).toHaveLength(0);
  });

  it('claims a signing time within a minute of now', () => {
    for (const sealed of [sealedBB, sealedBT]) {
      const text = one(signatureDoc(sealed.edoc), NS.xades, 'SigningTime').textContent ?? '';
      expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Math.abs(new Date(text).getTime() - Date.now())).toBeLessThan(60_000);
    }
  });

  it('verifyEdoc reports a genuine B-T seal of the agency and the facts sealed', async () => {
    const report = await verifyEdoc(sealedBT.edoc, trust);
    expect(report.problems).toEqual([]);
    expect(report.genuine).toBe(true);
    expect(report.level).toBe('B-T');
    expect(report.signer?.organizationIdentifier).toMatch(/^NTRLV-\d{11}$/);
    expect(report.signer?.organization).toBe('Valsts izglītības attīstības aģentūra');
    expect(report.sha256).toBe(sealedBT.sha256);
    expect(Math.abs(report.signingTime!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(Math.abs(report.timestampTime!.getTime() - Date.now())).toBeLessThan(60_000);
    const { format, issuer, issuerEn, text, ...stated } = report.facts as CertificateFacts & {
      format?: unknown;
      issuer?: unknown;
      issuerEn?: unknown;
      text?: unknown;
    };
    expect(format).toBe('lv-ce-certificate/2');
    expect(issuerEn).toBe('State Education Development Agency');
    expect(text).toMatchObject({ lv: { subject: facts.subjectLvLocative }, en: { subject: `in ${facts.subjectEn}` } });
    expect(issuer).toBe('Valsts izglītības attīstības aģentūra');
    expect(stated).toEqual(facts);
  });

  it('verifyEdoc reports a genuine B-B seal', async () => {
    const report = await verifyEdoc(sealedBB.edoc, trust);
    expect(report.problems).toEqual([]);
    expect(report.genuine).toBe(true);
    expect(report.level).toBe('B-B');
    expect(report.timestampTime).toBeUndefined();
  });
});

describe('tampering is detected by xmlsec1 and by verifyEdoc', () => {
  it('(control) a container rebuilt without changes still verifies with both', async () => {
    const rebuilt = editEntries(sealedBT.edoc, (entries) => entries);
    expectXmlsecOk(xmlsec(rebuilt));
    const report = await verifyEdoc(rebuilt, trust);
    expect(report.problems).toEqual([]);
    expect(report.genuine).toBe(true);
  });

  it('(a) one byte changed inside the PDF', async () => {
    const tampered = editEntries(sealedBT.edoc, (entries) =>
      entries.map(([name, data]): [string, Uint8Array] => {
        if (name !== PDF_NAME) return [name, data];
        const changed = data.slice();
        const middle = changed.length >> 1;
        changed[middle] = changed[middle]! ^ 0x01;
        return [name, changed];
      }),
    );
    const first = readZipDirectory(tampered)[0]!;
    expect([first.name, first.localMethod]).toEqual(['mimetype', 0]);
    expect(Buffer.compare(Buffer.from(pdfOf(unzipEntries(tampered))[1]), Buffer.from(entry(sealedBT.edoc, PDF_NAME)))).not.toBe(0);

    const result = xmlsec(tampered);
    expectXmlsecFails(result);
    expect(result.output).toMatch(/data and digest do not match/);
    const report = await verifyEdoc(tampered, trust);
    expect(report.genuine).toBe(false);
    expect(report.problems).toContainEqual({ key: 'verify.signature.file-changed', params: { file: PDF_NAME } });
    expect(report.facts).toBeUndefined();
  });

  it.each([
    ['the SigningTime', (xml: string) => xml.replace(/<xades:SigningTime>(\d{4})/, (_, year: string) => `<xades:SigningTime>${Number(year) - 1}`)],
    ['a MimeType', (xml: string) => xml.replace('<xades:MimeType>application/json</xades:MimeType>', '<xades:MimeType>text/plain</xades:MimeType>')],
    ['the production place', (xml: string) => xml.replace('<xades:City>Rīga</xades:City>', '<xades:City>Rēzekne</xades:City>')],
  ])('(b) a signed property changed: %s', async (_, edit) => {
    const tampered = editSignatureXml(sealedBT.edoc, edit);
    const result = xmlsec(tampered);
    expectXmlsecFails(result);
    expect(result.output).toMatch(/data and digest do not match/);
    const report = await verifyEdoc(tampered, trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toContain('verify.signature.properties-changed');
  });

  it("(b') a forged copy of the signed properties placed before the signed ones (verifyEdoc only)", async () => {
    // A claimed time an hour back, while the seal certificate is valid: nothing but the forgery gives it away.
    const forgedTime = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const tampered = editSignatureXml(sealedBB.edoc, (xml) => {
      const signed = /<xades:SignedProperties [\s\S]*?<\/xades:SignedProperties>/.exec(xml)![0];
      const forged = signed
        .replace('Id="S1-SignedProperties"', 'Id="S1-SignedProperties-2"')
        .replace(/<xades:SigningTime>[^<]+</, `<xades:SigningTime>${forgedTime}<`);
      return xml.replace(
        '</ds:KeyInfo>',
        `</ds:KeyInfo><ds:Object><xades:QualifyingProperties Target="#S1">${forged}</xades:QualifyingProperties></ds:Object>`,
      );
    });
    // xmlsec1 checks only what SignedInfo references, and that is untouched.
    expectXmlsecOk(xmlsec(tampered));
    const report = await verifyEdoc(tampered, trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toContain('verify.signature.malformed');
    expect(report.signingTime?.getTime()).not.toBe(new Date(forgedTime).getTime());
  });

  it('(c) the seal certificate in KeyInfo swapped for another with the same subject', async () => {
    expect(new X509Certificate(otherSealDer).subject).toBe(new X509Certificate(sealDer).subject);
    expect(new X509Certificate(otherSealDer).publicKey.equals(new X509Certificate(sealDer).publicKey)).toBe(false);
    const tampered = editSignatureXml(sealedBT.edoc, (xml) =>
      xml.replace(`<ds:X509Certificate>${b64(sealDer)}</ds:X509Certificate>`, `<ds:X509Certificate>${b64(otherSealDer)}</ds:X509Certificate>`),
    );
    // Even trusting the other certificate's root too, so that xmlsec1 gets as far as the signature value.
    const result = xmlsec(tampered, [pem.sealRoot, pem.otherSealRoot]);
    expectXmlsecFails(result);
    expect(result.output).toMatch(/signature verification failed/);
    expect(result.output).toMatch(/SignedInfo References \(ok\/all\): 3\/3/);

    for (const anchors of [trust, { ...trust, sealRoots: [...trust.sealRoots, otherSealRootDer] }]) {
      const report = await verifyEdoc(tampered, anchors);
      expect(report.genuine).toBe(false);
      expect(
        keys(report).some((k) => k === 'verify.signature.certificate-swapped' || k === 'verify.signature.invalid'),
        keys(report).join(),
      ).toBe(true);
    }
  });

  it('(d) an unsigned file added to the container (verifyEdoc only)', async () => {
    const tampered = editEntries(sealedBT.edoc, (entries) => [...entries, ['Pielikums.txt', new TextEncoder().encode('atzīme 100%')]]);
    const report = await verifyEdoc(tampered, trust);
    expect(report.genuine).toBe(false);
    expect(report.problems).toContainEqual({ key: 'verify.signature.unsigned-file', params: { file: 'Pielikums.txt' } });
  });

  it('(e) the signature value altered', async () => {
    const tampered = editSignatureXml(sealedBB.edoc, (xml) =>
      xml.replace(/(<ds:SignatureValue Id="S1-SIG">)([^<]+)</, (_, open: string, value: string) => {
        const bytes = Buffer.from(value, 'base64');
        bytes[5] = bytes[5]! ^ 0x20;
        return `${open}${bytes.toString('base64')}<`;
      }),
    );
    const result = xmlsec(tampered);
    expectXmlsecFails(result);
    expect(result.output).toMatch(/signature verification failed/);
    const report = await verifyEdoc(tampered, trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toContain('verify.signature.invalid');
  });
});

describe('verifyEdoc refuses foreign trust and bad time-stamps', () => {
  it("another organisation's seal under the same trusted root", async () => {
    expect((await verifyEdoc(sealedBT.edoc, { ...trust, sealOrganizationId: 'NTRLV-90000000000' })).genuine).toBe(true);
    const report = await verifyEdoc(sealedBT.edoc, { ...trust, sealOrganizationId: 'NTRLV-40003000000' });
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['verify.signature.not-the-agency']);
  });

  it('two entries of one name (a forged PDF in front of the signed one)', async () => {
    const entries = unzipEntries(sealedBT.edoc);
    // A twin name of the same length, written into the archive and then renamed byte for byte.
    const twin = 'X' + PDF_NAME.slice(1);
    const withForgery = zipEntries([entries[0]!, [twin, new TextEncoder().encode('%PDF-1.7 forged')], ...entries.slice(1)]);
    const bytes = new Uint8Array(withForgery);
    const from = new TextEncoder().encode(twin);
    const to = new TextEncoder().encode(PDF_NAME);
    let renamed = 0;
    for (let i = 0; i <= bytes.length - from.length; i++) {
      if (from.every((byte, k) => bytes[i + k] === byte)) {
        bytes.set(to, i);
        renamed++;
      }
    }
    expect(renamed).toBe(2); // its local and its central directory header
    const report = await verifyEdoc(bytes, trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['verify.container.duplicate-entry']);
  });

  it('another trusted seal root', async () => {
    const report = await verifyEdoc(sealedBT.edoc, { ...trust, sealRoots: [otherSealRootDer] });
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['verify.signature.untrusted']);
  });

  it('another trusted TSA root', async () => {
    const report = await verifyEdoc(sealedBT.edoc, { ...trust, timestampRoots: [otherTsaRootDer] });
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['verify.timestamp.untrusted']);
  });

  it('a time-stamp token over another digest', async () => {
    const foreign = await requestTimestamp(server.url, new Uint8Array(randomBytes(32)));
    const tampered = editSignatureXml(sealedBT.edoc, (xml) =>
      xml.replace(/<xades:EncapsulatedTimeStamp>[^<]+</, `<xades:EncapsulatedTimeStamp>${b64(foreign)}<`),
    );
    const report = await verifyEdoc(tampered, trust);
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['verify.timestamp.invalid']);
  });
});

describe('hostile uploads are refused cleanly', () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  /** mimetype (stored) first, then `rest`. */
  const container = (rest: ZipEntries, options: { compressMimetype?: boolean } = {}) => zipEntries([['mimetype', encode(ASICE)], ...rest], options);
  const sealedEntries = () => unzipEntries(sealedBT.edoc).filter(([name]) => name !== 'mimetype');

  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
    ']><asic:XAdESSignatures xmlns:asic="http://uri.etsi.org/02918/v1.2.1#">&lol9;</asic:XAdESSignatures>';

  const cases: Array<[string, () => Uint8Array | Promise<Uint8Array>, string]> = [
    ['random bytes', () => new Uint8Array(randomBytes(4096)), 'verify.container.not-a-zip'],
    [
      'an empty ZIP',
      () => {
        const empty = zipSync({});
        expect(empty.length).toBe(22);
        return empty;
      },
      'verify.container.not-a-zip',
    ],
    [
      'a ZIP whose first entry is not mimetype',
      () => zipEntries([...sealedEntries().slice(0, 1), ['mimetype', encode(ASICE)], ...sealedEntries().slice(1)]),
      'verify.container.mimetype-not-first',
    ],
    [
      'a compressed mimetype',
      () => {
        const bytes = container(sealedEntries(), { compressMimetype: true });
        expect(readZipDirectory(bytes)[0]).toMatchObject({ name: 'mimetype', localMethod: 8 });
        return bytes;
      },
      'verify.container.mimetype-compressed',
    ],
    ['an entry named ../evil.txt', () => container([...sealedEntries(), ['../evil.txt', encode('evil')]]), 'verify.container.unsafe-entry-name'],
    ['an entry named /etc/passwd', () => container([...sealedEntries(), ['/etc/passwd', encode('root:x:0:0')]]), 'verify.container.unsafe-entry-name'],
    [
      'a zip bomb (20 MB of zeros)',
      () => {
        const bytes = container([...sealedEntries(), ['bomb.bin', new Uint8Array(20 * 1024 * 1024)]]);
        expect(bytes.length).toBeLessThan(1024 * 1024);
        expect(readZipDirectory(bytes).find((e) => e.name === 'bomb.bin')?.uncompressedSize).toBe(20 * 1024 * 1024);
        return bytes;
      },
      'verify.container.entry-too-large',
    ],
    [
      'entries whose headers under-state their size (4 × 1 GiB of zeros, each claiming 1,000 bytes)',
      async () => {
        const rest = sealedEntries().map(([name, data]) => ({ name, data, deflated: false, declaredSize: data.length }));
        const bytes = await lyingAsice({ bombs: 4, mebibytes: 1024, rest });
        expect(bytes.length).toBeLessThan(5 * 1024 * 1024);
        expect(
          readZipDirectory(bytes)
            .filter((e) => e.name.startsWith('data-'))
            .map((e) => e.uncompressedSize),
        ).toEqual([1000, 1000, 1000, 1000]);
        return bytes;
      },
      'verify.container.entry-too-large',
    ],
    [
      'more than 32 entries',
      () => container([...sealedEntries(), ...Array.from({ length: 40 }, (_, i): [string, Uint8Array] => [`fails-${i}.txt`, encode(`${i}`)])]),
      'verify.container.too-many-entries',
    ],
    [
      'a billion-laughs signature file',
      () => container([...sealedEntries().filter(([name]) => name !== SIGNATURE_ENTRY), [SIGNATURE_ENTRY, encode(billionLaughs)]]),
      'verify.signature.malformed',
    ],
    [
      'a container over 5 MB',
      () => {
        const bytes = zipEntries([['mimetype', encode(ASICE)], ...sealedEntries(), ['big.bin', new Uint8Array(randomBytes(5 * 1024 * 1024 + 1024))]], {
          stored: (name) => name === 'big.bin',
        });
        expect(bytes.length).toBeGreaterThan(5 * 1024 * 1024);
        return bytes;
      },
      'verify.container.too-large',
    ],
  ];

  it.each(cases)('%s', async (_, make, expected) => {
    const upload = await make();
    const report = await verifyEdoc(upload, trust);
    expect(report.genuine).toBe(false);
    expect(report.facts).toBeUndefined();
    expect(keys(report)).toEqual([expected]);
    expect(expected).toMatch(/^verify\.(container\.[a-z-]+|signature\.malformed)$/);
    expect(report.sha256).toBe(sha256(upload).toString('hex'));
  });
});
