/**
 * B-LT documents end to end, from the development setup `npm start` uses (keys in DATA_DIR/pki, the time-stamp
 * authority and the OCSP responder in this process, the worker pool): xmlsec1 still accepts the signature, OpenSSL
 * accepts the embedded OCSP responses and says the seal and the TSA certificates are good, every response was
 * produced at or after the document's time-stamp, CertificateValues hold what a validator needs, and sealing fails
 * cleanly (no B-T document) when the seal is revoked or the responder is down.
 */
import * as pkijs from 'pkijs';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { startDevelopmentTsaServer } from '../../src/sealing/dev/tsa-server.js';
import { loadPemSigner } from '../../src/sealing/file-signer.js';
import { LongTermValidation } from '../../src/sealing/long-term-data.js';
import { parsePemCertificates } from '../../src/sealing/pem.js';
import { SealingPool } from '../../src/sealing/pool.js';
import { sealCertificate, type SealedDocument } from '../../src/sealing/seal.js';
import { requestTimestamp } from '../../src/sealing/tsa-client.js';
import { kumalFacts, variedFacts } from '../support/facts.js';
import { SIGNATURE_ENTRY, unzipEntries, xmlsec1Verify } from '../support/edoc.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

const run = promisify(execFile);
const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xades: 'http://uri.etsi.org/01903/v1.3.2#',
  xades141: 'http://uri.etsi.org/01903/v1.4.1#',
};

let sealing: TestSealing;
let work: string;
let sealed: SealedDocument;
const pem = (name: string) => join(sealing.pkiDir, name);
const certificatesIn = (name: string) => parsePemCertificates(readFileSync(pem(name), 'utf8'));
const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

beforeAll(async () => {
  sealing = await startTestSealing(2);
  work = mkdtempSync(join(tmpdir(), 'long-term-test-'));
  sealed = await sealing.pool.seal(kumalFacts());
});

afterAll(async () => {
  await sealing?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function signatureOf(edoc: Uint8Array): Document {
  const xml = new TextDecoder().decode(unzipEntries(edoc).find(([name]) => name === SIGNATURE_ENTRY)![1]);
  return new DOMParser().parseFromString(xml, 'application/xml');
}

function all(parent: Document | Element, ns: string, localName: string): Element[] {
  const list = parent.getElementsByTagNameNS(ns, localName);
  return Array.from({ length: list.length }, (_, i) => list.item(i)!);
}

function children(parent: Element): Element[] {
  return Array.from({ length: parent.childNodes.length }, (_, i) => parent.childNodes.item(i)!).filter((n): n is Element => n.nodeType === 1);
}

const base64Of = (el: Element) => new Uint8Array(Buffer.from(el.textContent ?? '', 'base64'));

/** The parts of a B-LT signature: the token, and the certificates and OCSP responses of each unsigned property. */
function longTermParts(edoc: Uint8Array) {
  const doc = signatureOf(edoc);
  const unsigned = all(doc, NS.xades, 'UnsignedSignatureProperties')[0]!;
  const [stamp, certificateValues, revocationValues, validationData] = children(unsigned);
  return {
    order: children(unsigned).map((el) => `${el.namespaceURI === NS.xades141 ? 'xades141' : 'xades'}:${el.localName}`),
    token: base64Of(all(stamp!, NS.xades, 'EncapsulatedTimeStamp')[0]!),
    keyInfo: all(all(doc, NS.ds, 'KeyInfo')[0]!, NS.ds, 'X509Certificate').map(base64Of),
    certificates: all(certificateValues!, NS.xades, 'EncapsulatedX509Certificate').map(base64Of),
    ocsp: all(revocationValues!, NS.xades, 'EncapsulatedOCSPValue').map(base64Of),
    timestampCertificates: validationData ? all(validationData, NS.xades, 'EncapsulatedX509Certificate').map(base64Of) : [],
    timestampOcsp: validationData ? all(validationData, NS.xades, 'EncapsulatedOCSPValue').map(base64Of) : [],
  };
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(work, 'f-')), name);
  writeFileSync(file, bytes);
  return file;
}

/** `openssl ocsp -respin` on a DER response; the exit status and everything it printed. */
async function opensslOcsp(responseDer: Uint8Array, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('openssl', ['ocsp', '-respin', writeTemp('response.der', responseDer), '-resp_text', ...args], { timeout: 30_000 });
  return `${stdout}\n${stderr}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time as OpenSSL prints it ("Dec  6 19:18:03.924 2026 GMT"), milliseconds included. */
function opensslTime(text: string): Date {
  const m = /(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4}) GMT/.exec(text);
  if (!m) throw new Error(`no time in ${text}`);
  const [, month, day, hour, minute, second, fraction, year] = m;
  const millis = fraction ? Number(`${fraction}00`.slice(0, 3)) : 0;
  return new Date(Date.UTC(Number(year), MONTHS.indexOf(month!), Number(day), Number(hour), Number(minute), Number(second), millis));
}

async function genTimeByOpenssl(token: Uint8Array): Promise<Date> {
  const { stdout } = await run('openssl', ['ts', '-reply', '-token_in', '-in', writeTemp('token.der', token), '-text'], { timeout: 30_000 });
  return opensslTime(/^Time stamp: (.+)$/m.exec(stdout)![1]!);
}

/** producedAt and genTime read with pkijs, for checks over many documents. */
function times(edoc: Uint8Array): { genTime: Date; producedAt: Date; ocsp: string } {
  const parts = longTermParts(edoc);
  const contentInfo = pkijs.ContentInfo.fromBER(parts.token.slice().buffer);
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const tstInfo = pkijs.TSTInfo.fromBER(signedData.encapContentInfo.eContent!.getValue());
  const response = pkijs.OCSPResponse.fromBER(parts.ocsp[0]!.slice().buffer);
  const basic = pkijs.BasicOCSPResponse.fromBER(response.responseBytes!.response.getValue());
  return { genTime: tstInfo.genTime, producedAt: basic.tbsResponseData.producedAt, ocsp: fingerprint(parts.ocsp[0]!) };
}

describe('a B-LT document', () => {
  it('is B-LT, at most 60 KB, and xmlsec1 still accepts its signature', () => {
    expect(sealed.level).toBe('B-LT');
    expect(sealed.edoc.length).toBeLessThanOrEqual(60 * 1024);
    const result = xmlsec1Verify(work, sealed.edoc, [pem('seal-root.pem')]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/^OK$/m);
    expect(result.output).toMatch(/SignedInfo References \(ok\/all\): 3\/3/);
  });

  it('has, after the signature time-stamp, CertificateValues, RevocationValues and TimeStampValidationData', () => {
    expect(longTermParts(sealed.edoc).order).toEqual([
      'xades:SignatureTimeStamp',
      'xades:CertificateValues',
      'xades:RevocationValues',
      'xades141:TimeStampValidationData',
    ]);
  });

  it("embeds the seal certificate's OCSP response: OpenSSL verifies it, status good, from the delegated responder", async () => {
    const parts = longTermParts(sealed.edoc);
    expect(parts.ocsp).toHaveLength(1);
    const output = await opensslOcsp(parts.ocsp[0]!, '-issuer', pem('seal-root.pem'), '-CAfile', pem('seal-root.pem'));
    expect(output).toMatch(/Response verify OK/);
    expect(output).toMatch(/OCSP Response Status: successful/);
    expect(output).toMatch(/Cert Status: good/);
    const serial = new X509Certificate(certificatesIn('seal.chain.pem')[0]!).serialNumber;
    expect(output.replace(/\s/g, '')).toContain(`SerialNumber:${serial}`);
    // The responder is the delegated one from DATA_DIR/pki: its certificate comes in the response, and -VAfile
    // naming it verifies too.
    const responderPem = readFileSync(pem('ocsp-seal.pem'), 'utf8').trim();
    expect(output).toContain(responderPem);
    expect(await opensslOcsp(parts.ocsp[0]!, '-VAfile', pem('ocsp-seal.pem'), '-CAfile', pem('seal-root.pem'))).toMatch(/Response verify OK/);
  });

  it('the OCSP response was produced at or after the time-stamp, within 15 minutes (OpenSSL reading both)', async () => {
    const parts = longTermParts(sealed.edoc);
    const genTime = await genTimeByOpenssl(parts.token);
    const producedAt = opensslTime(/Produced At: (.+)$/m.exec(await opensslOcsp(parts.ocsp[0]!, '-noverify'))![1]!);
    expect(producedAt.getTime()).toBeGreaterThanOrEqual(genTime.getTime());
    expect(producedAt.getTime() - genTime.getTime()).toBeLessThanOrEqual(15 * 60 * 1000);
  });

  it('CertificateValues hold the TSA root and the seal OCSP responder, nothing already in KeyInfo or the token', () => {
    const parts = longTermParts(sealed.edoc);
    const expected = [certificatesIn('tsa-root.pem')[0]!, certificatesIn('ocsp-seal.pem')[0]!].map(fingerprint);
    expect(parts.certificates.map(fingerprint).sort()).toEqual(expected.sort());
    expect(parts.keyInfo.map(fingerprint)).toEqual(certificatesIn('seal.chain.pem').map(fingerprint));
    const tokenCertificates = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(parts.token.slice().buffer).content }).certificates ?? [];
    const inToken = tokenCertificates.map((c) => fingerprint(new Uint8Array((c as pkijs.Certificate).toSchema().toBER())));
    expect(inToken).toEqual([fingerprint(certificatesIn('tsa.chain.pem')[0]!)]);
    for (const certificate of parts.certificates) {
      expect(inToken).not.toContain(fingerprint(certificate));
      expect(parts.keyInfo.map(fingerprint)).not.toContain(fingerprint(certificate));
    }
  });

  it("TimeStampValidationData holds the TSA certificate's OCSP response (good, OpenSSL verifies it) and its responder", async () => {
    const parts = longTermParts(sealed.edoc);
    expect(parts.timestampCertificates.map(fingerprint)).toEqual([fingerprint(certificatesIn('ocsp-tsa.pem')[0]!)]);
    expect(parts.timestampOcsp).toHaveLength(1);
    const output = await opensslOcsp(parts.timestampOcsp[0]!, '-issuer', pem('tsa-root.pem'), '-CAfile', pem('tsa-root.pem'));
    expect(output).toMatch(/Response verify OK/);
    expect(output).toMatch(/Cert Status: good/);
    const serial = new X509Certificate(certificatesIn('tsa.chain.pem')[0]!).serialNumber;
    expect(output.replace(/\s/g, '')).toContain(`SerialNumber:${serial}`);
  });
});

describe('OCSP responses across a batch', () => {
  it('every document of a batch carries a response produced at or after its own time-stamp, within 15 minutes', async () => {
    const documents = await Promise.all(Array.from({ length: 24 }, (_, i) => sealing.pool.seal(variedFacts(i))));
    const seen = documents.map((d) => times(d.edoc));
    for (const { genTime, producedAt } of seen) {
      expect(producedAt.getTime()).toBeGreaterThanOrEqual(genTime.getTime());
      expect(producedAt.getTime() - genTime.getTime()).toBeLessThanOrEqual(15 * 60 * 1000);
    }
    const distinct = new Set(seen.map((s) => s.ocsp)).size;
    // How many documents share one depends on timing; that none carries a response older than its time-stamp does not.
    expect(distinct).toBeGreaterThanOrEqual(1);
    expect(distinct).toBeLessThanOrEqual(documents.length);
  });
});

describe('one OCSP response for a whole batch', () => {
  it('documents time-stamped before the fetch share one response per certificate, produced after every time-stamp', async () => {
    const signer = await loadPemSigner({ keyPem: readFileSync(pem('seal.key.pem'), 'utf8'), certificateChainPem: readFileSync(pem('seal.chain.pem'), 'utf8') });
    try {
      const longTerm = new LongTermValidation({ sealChain: signer.certificateChain, ...sealing.setup.longTerm! });
      const tokens: Uint8Array[] = [];
      for (let i = 0; i < 12; i++) tokens.push(await requestTimestamp(sealing.setup.tsaUrl!, createHash('sha256').update(`document ${i}`).digest()));
      const gathered = await Promise.all(tokens.map((token) => longTerm.gather(token)));
      expect(longTerm.ocspFetches).toBe(2); // one for the seal certificate, one for the TSA certificate
      expect(new Set(gathered.map((g) => fingerprint(g.ocspResponses[0]!))).size).toBe(1);
      const response = pkijs.OCSPResponse.fromBER(gathered[0]!.ocspResponses[0]!.slice().buffer);
      const producedAt = pkijs.BasicOCSPResponse.fromBER(response.responseBytes!.response.getValue()).tbsResponseData.producedAt;
      for (const token of tokens) {
        const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(token.slice().buffer).content });
        const genTime = pkijs.TSTInfo.fromBER(signedData.encapContentInfo.eContent!.getValue()).genTime;
        expect(producedAt.getTime()).toBeGreaterThanOrEqual(genTime.getTime());
      }
      // A document time-stamped after that response was produced (the TSA and the responder share this clock)
      // does not get it.
      while (Date.now() <= producedAt.getTime()) await new Promise((resolve) => setTimeout(resolve, 2));
      const later = await requestTimestamp(sealing.setup.tsaUrl!, createHash('sha256').update('later').digest());
      const laterData = await longTerm.gather(later);
      expect(fingerprint(laterData.ocspResponses[0]!)).not.toBe(fingerprint(gathered[0]!.ocspResponses[0]!));
      expect(longTerm.ocspFetches).toBe(4);
    } finally {
      await signer.close();
    }
  });
});

describe('sealing fails cleanly instead of producing a B-T document', () => {
  it('when the seal certificate is revoked; the next document after reinstating is B-LT again', async () => {
    const serial = new X509Certificate(certificatesIn('seal.chain.pem')[0]!).serialNumber;
    sealing.setup.developmentOcsp!.revoke(serial);
    try {
      await expect(sealing.pool.seal(kumalFacts())).rejects.toThrow(/revoked/);
    } finally {
      sealing.setup.developmentOcsp!.reinstate(serial);
    }
    expect((await sealing.pool.seal(kumalFacts())).level).toBe('B-LT');
  });

  it('when the OCSP responder does not answer', async () => {
    const longTerm = { ...sealing.setup.longTerm!, ocspUrls: { ...sealing.setup.longTerm!.ocspUrls, seal: 'http://127.0.0.1:9/' } };
    const pool = new SealingPool({ signer: sealing.setup.signer, tsaUrl: sealing.setup.tsaUrl, longTerm, workers: 1, queue: 10 });
    try {
      await expect(pool.seal(kumalFacts())).rejects.toThrow(/OCSP responder http:\/\/127\.0\.0\.1:9\/ did not answer/);
    } finally {
      await pool.close();
    }
  });
});

describe('a time-stamp authority whose certificate names no OCSP responder', () => {
  it('gets no TimeStampValidationData; the seal still gets its OCSP response and the TSA root', async () => {
    const identity = await generateDevelopmentTsaIdentity(); // no OCSP address in its certificate
    const tsa = await startDevelopmentTsaServer(createDevelopmentTsa(identity), { host: '127.0.0.1', port: 0 });
    const signer = await loadPemSigner({ keyPem: readFileSync(pem('seal.key.pem'), 'utf8'), certificateChainPem: readFileSync(pem('seal.chain.pem'), 'utf8') });
    try {
      const longTerm = new LongTermValidation({
        sealChain: signer.certificateChain,
        timestampIssuers: [identity.rootDer],
        ocspUrls: { seal: sealing.setup.longTerm!.ocspUrls.seal },
      });
      const document = await sealCertificate(kumalFacts(), {
        signer,
        timestamp: (digest) => requestTimestamp(tsa.url, digest),
        longTerm: (token) => longTerm.gather(token),
      });
      const parts = longTermParts(document.edoc);
      expect(parts.order).toEqual(['xades:SignatureTimeStamp', 'xades:CertificateValues', 'xades:RevocationValues']);
      expect(parts.certificates.map(fingerprint).sort()).toEqual([identity.rootDer, certificatesIn('ocsp-seal.pem')[0]!].map(fingerprint).sort());
    } finally {
      await tsa.close();
      await signer.close();
    }
  });
});
