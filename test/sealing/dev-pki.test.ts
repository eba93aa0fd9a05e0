/** The development keys in DATA_DIR/pki: made once, kept, and replaced when they predate the OCSP responder. */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDevelopmentPki } from '../../src/sealing/dev/pki.js';
import { ocspUrlOf } from '../../src/sealing/ocsp-client.js';
import { parsePemCertificates } from '../../src/sealing/pem.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const certificates = (file: string) => parsePemCertificates(readFileSync(file, 'utf8')).map((der) => new X509Certificate(der));

describe('ensureDevelopmentPki', () => {
  it('makes delegated OCSP responders for both CAs and names one responder address in the seal and TSA certificates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-'));
    dirs.push(dir);
    const pki = await ensureDevelopmentPki(dir);
    const [seal, sealRoot] = certificates(pki.sealChainFile);
    const [tsa] = certificates(pki.tsaChainFile);
    const [tsaRoot] = certificates(pki.tsaRootFile);
    const url = ocspUrlOf(new Uint8Array(seal!.raw));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(ocspUrlOf(new Uint8Array(tsa!.raw))).toBe(url);
    const [sealResponder] = certificates(pki.sealOcspCertFile);
    const [tsaResponder] = certificates(pki.tsaOcspCertFile);
    expect(sealResponder!.checkIssued(sealRoot!) && sealResponder!.verify(sealRoot!.publicKey)).toBe(true);
    expect(tsaResponder!.checkIssued(tsaRoot!) && tsaResponder!.verify(tsaRoot!.publicKey)).toBe(true);
    expect(sealResponder!.keyUsage).toEqual(['1.3.6.1.5.5.7.3.9']);
    for (const key of [pki.sealOcspKeyFile, pki.tsaOcspKeyFile]) expect(statSync(key).mode & 0o777).toBe(0o600);
    // A second call keeps everything.
    const before = readFileSync(pki.sealChainFile, 'utf8');
    await ensureDevelopmentPki(dir);
    expect(readFileSync(pki.sealChainFile, 'utf8')).toBe(before);
  });

  it('replaces keys made before the OCSP responder existed, and keeps trusting the earlier roots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-'));
    dirs.push(dir);
    const first = await ensureDevelopmentPki(dir);
    const earlierSealRoot = certificates(first.sealRootFile)[0]!.fingerprint256;
    const earlierTsaRoot = certificates(first.tsaRootFile)[0]!.fingerprint256;
    for (const file of [first.sealOcspKeyFile, first.sealOcspCertFile, first.tsaOcspKeyFile, first.tsaOcspCertFile]) unlinkSync(file);
    const second = await ensureDevelopmentPki(dir);
    const sealRoots = certificates(second.sealRootFile).map((c) => c.fingerprint256);
    const tsaRoots = certificates(second.tsaRootFile).map((c) => c.fingerprint256);
    expect(sealRoots).toHaveLength(2);
    expect(sealRoots[1]).toBe(earlierSealRoot);
    expect(sealRoots[0]).not.toBe(earlierSealRoot);
    expect(tsaRoots).toEqual([expect.not.stringMatching(earlierTsaRoot), earlierTsaRoot]);
    expect(certificates(second.sealChainFile)[1]!.fingerprint256).toBe(sealRoots[0]);
  });
});
