/**
 * The development OCSP responder and the OCSP client, each checked against the other and against OpenSSL
 * (`openssl ocsp` as an independent client of the responder): good, revoked and unknown answers, the nonce,
 * the delegated responder's certificate, and every way the client must refuse an answer.
 */
import 'reflect-metadata'; // before @peculiar/x509
import { execFile } from 'node:child_process';
import { KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDerPostServer, type DevelopmentServer } from '../../src/sealing/dev/der-post-server.js';
import { createDevelopmentOcspResponder, type DevelopmentOcspResponder, type OcspAuthority } from '../../src/sealing/dev/ocsp-responder.js';
import { startDevelopmentOcspServer } from '../../src/sealing/dev/ocsp-server.js';
import { generateTestSeal } from '../../src/sealing/dev/pki.js';
import { postDer } from '../../src/sealing/http-post.js';
import { ocspUrlOf, requestOcsp } from '../../src/sealing/ocsp-client.js';
import { OcspError } from '../../src/sealing/ocsp-error.js';
import { encodeCertId, encodeOcspRequest } from '../../src/sealing/ocsp-request.js';
import { checkOcspResponse } from '../../src/sealing/ocsp-response.js';
import { derToPem } from '../../src/sealing/pem.js';
import { x509 } from '../../src/sealing/x509.js';

const run = promisify(execFile);

type TestSeal = Awaited<ReturnType<typeof generateTestSeal>>;
const der = (certificate: { rawData: ArrayBuffer }) => new Uint8Array(certificate.rawData);

let work: string;
let ours: TestSeal;
let other: TestSeal;
let responder: DevelopmentOcspResponder;
const servers: DevelopmentServer[] = [];
let url: string;
const pem = { root: '', seal: '', responder: '', otherRoot: '', otherSeal: '' };

function authority(seal: TestSeal, overrides: Partial<OcspAuthority> = {}): OcspAuthority {
  return {
    caCertificate: der(seal.root),
    responderCertificate: der(seal.ocspSigner.certificate),
    responderKey: KeyObject.from(seal.ocspSigner.keys.privateKey),
    issued: [der(seal.seal)],
    ...overrides,
  };
}

async function serve(authorities: OcspAuthority[]): Promise<{ responder: DevelopmentOcspResponder; url: string }> {
  const made = createDevelopmentOcspResponder({ authorities });
  const server = await startDevelopmentOcspServer(made, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { responder: made, url: server.url };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ocsp-test-'));
  ours = await generateTestSeal({ ocspUrl: 'http://127.0.0.1:9/' });
  other = await generateTestSeal();
  ({ responder, url } = await serve([authority(ours)]));
  const write = (name: string, bytes: Uint8Array) => {
    const file = join(work, name);
    writeFileSync(file, derToPem(bytes));
    return file;
  };
  pem.root = write('root.pem', der(ours.root));
  pem.seal = write('seal.pem', der(ours.seal));
  pem.responder = write('responder.pem', der(ours.ocspSigner.certificate));
  pem.otherRoot = write('other-root.pem', der(other.root));
  pem.otherSeal = write('other-seal.pem', der(other.seal));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  if (work) rmSync(work, { recursive: true, force: true });
});

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof OcspError ? error.reason : String(error)),
  );

/** `openssl ocsp` asking our responder about `certFile` (issued by `issuerFile`), trusting `caFile`. */
async function opensslAsk(certFile: string, issuerFile: string, caFile: string, extra: string[] = []) {
  try {
    const { stdout, stderr } = await run(
      'openssl',
      ['ocsp', '-issuer', issuerFile, '-cert', certFile, '-url', url, '-CAfile', caFile, '-resp_text', ...extra],
      {
        timeout: 30_000,
      },
    );
    return { ok: true, output: `${stdout}\n${stderr}` };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}\n${e.stderr ?? ''}` };
  }
}

describe('the development OCSP responder', () => {
  it('answers good for the seal certificate, signed by the delegated responder, and OpenSSL accepts it with the nonce', async () => {
    const result = await opensslAsk(pem.seal, pem.root, pem.root);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toMatch(/Response verify OK/);
    expect(result.output).toMatch(/seal\.pem: good/);
    expect(result.output).not.toMatch(/WARNING: no nonce|nonce verify error/i);
    expect(result.output).toMatch(/OCSP Nonce/);
    expect(result.output).toMatch(/Responder Id: [0-9A-F]{40}/); // byKey
  });

  it('is accepted by OpenSSL with the responder named in -VAfile as well', async () => {
    const result = await opensslAsk(pem.seal, pem.root, pem.root, ['-VAfile', pem.responder]);
    expect(result.output).toMatch(/Response verify OK/);
    expect(result.output).toMatch(/seal\.pem: good/);
  });

  it('gives the seal certificate its OCSP address, the QC statements of an e-seal and the QCP-l-qscd policy', async () => {
    const seal = new X509Certificate(der(ours.seal));
    expect(ocspUrlOf(der(ours.seal))).toBe('http://127.0.0.1:9/');
    const { stdout } = await run('openssl', ['x509', '-in', pem.seal, '-noout', '-text']);
    expect(stdout).toMatch(/0\.4\.0\.194112\.1\.3/);
    expect(stdout).toMatch(/1\.3\.6\.1\.5\.5\.7\.1\.3|qcStatements/);
    expect(seal.infoAccess).toMatch(/^OCSP - URI:http:\/\/127\.0\.0\.1:9\/$/m);
    // QcCompliance, QcType with id-etsi-qct-eseal, QcSSCD, as DER in the extension.
    const hex = Buffer.from(der(ours.seal)).toString('hex');
    for (const oid of ['04008e460101', '04008e460106', '04008e46010602', '04008e460104']) expect(hex).toContain(oid);
  });

  it('gives the delegated responder certificate the OCSP-signing usage and id-pkix-ocsp-nocheck, issued by the CA', async () => {
    const { stdout } = await run('openssl', ['x509', '-in', pem.responder, '-noout', '-text']);
    expect(stdout).toMatch(/OCSP Signing/);
    expect(stdout).toMatch(/OCSP No Check/);
    const verified = await run('openssl', ['verify', '-CAfile', pem.root, '-purpose', 'ocsphelper', pem.responder]);
    expect(verified.stdout).toMatch(/OK/);
  });

  it('answers revoked once a serial is marked revoked, and good again after', async () => {
    const serial = new X509Certificate(der(ours.seal)).serialNumber;
    responder.revoke(serial, new Date('2026-07-01T00:00:00Z'));
    try {
      const result = await opensslAsk(pem.seal, pem.root, pem.root);
      expect(result.output).toMatch(/seal\.pem: revoked/);
      expect(result.output).toMatch(/Revocation Time: Jul {2}1 00:00:00 2026 GMT/);
      expect(await reasonOf(requestOcsp(url, der(ours.seal), der(ours.root)))).toBe('revoked');
    } finally {
      responder.reinstate(serial);
    }
    expect(await reasonOf(requestOcsp(url, der(ours.seal), der(ours.root)))).toBe('accepted');
  });

  it('answers unknown for a serial the CA did not issue to anyone it knows, and unauthorized for another CA', async () => {
    // The responder's own certificate is not in its list of issued certificates.
    expect(await reasonOf(requestOcsp(url, der(ours.ocspSigner.certificate), der(ours.root)))).toBe('unknown');
    const foreign = await opensslAsk(pem.otherSeal, pem.otherRoot, pem.otherRoot);
    expect(foreign.output).toMatch(/unauthorized/i);
    expect(await reasonOf(requestOcsp(url, der(other.seal), der(other.root)))).toBe('rejected');
  });

  it('answers a request that is not an OCSPRequest with malformedRequest', async () => {
    const body = await postDer(url, new TextEncoder().encode('hello'), {
      contentType: 'application/ocsp-request',
      accept: 'application/ocsp-response',
      timeoutMs: 10_000,
      maxResponseBytes: 1024,
      service: 'OCSP responder',
    });
    expect(Buffer.from(body).toString('hex')).toBe('30030a0101');
  });
});

describe('requestOcsp and checkOcspResponse', () => {
  it('returns the response as sent, with its times and the delegated responder certificate', async () => {
    const checked = await requestOcsp(url, der(ours.seal), der(ours.root));
    expect(Math.abs(checked.producedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(checked.thisUpdate.getTime()).toBeLessThanOrEqual(checked.nextUpdate!.getTime());
    expect(Buffer.from(checked.responderCertificate!).equals(Buffer.from(der(ours.ocspSigner.certificate)))).toBe(true);
    const again = checkOcspResponse(checked.der, { certificate: der(ours.seal), issuer: der(ours.root), now: new Date(), url });
    expect(again.producedAt).toEqual(checked.producedAt);
  });

  it('refuses a response with a byte of its signed data changed', async () => {
    const request = encodeOcspRequest(encodeCertId(der(ours.seal), der(ours.root)));
    const body = Buffer.from(await responder.handle(request.der));
    const at = body.indexOf(Buffer.from(request.nonce));
    expect(at).toBeGreaterThan(0);
    const changed = Buffer.from(body);
    changed[at + 5]! ^= 0x01;
    const check = { certificate: der(ours.seal), issuer: der(ours.root), nonce: request.nonce, now: new Date(), url };
    expect(() => checkOcspResponse(new Uint8Array(changed), check)).toThrow(OcspError);
    expect(() => checkOcspResponse(new Uint8Array(changed), check)).toThrow(/does not verify/);
    expect(() => checkOcspResponse(new Uint8Array(body), check)).not.toThrow();
  });

  it('refuses a responder certified by another CA, and a certificate of the CA without the OCSP-signing usage', async () => {
    const impostor = await serve([
      authority(ours, { responderCertificate: der(other.ocspSigner.certificate), responderKey: KeyObject.from(other.ocspSigner.keys.privateKey) }),
    ]);
    await expect(requestOcsp(impostor.url, der(ours.seal), der(ours.root))).rejects.toThrow(/not certified by the certificate's issuer/);
    // The seal certificate is the CA's, but may not sign OCSP responses.
    const sealAsResponder = await serve([authority(ours, { responderCertificate: der(ours.seal), responderKey: KeyObject.from(ours.sealKeys.privateKey) })]);
    await expect(requestOcsp(sealAsResponder.url, der(ours.seal), der(ours.root))).rejects.toThrow(/lacks the OCSP-signing extended key usage/);
  });

  it('accepts a response the CA signs itself, and then names no delegated responder', async () => {
    const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const caKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=Self-answering test CA',
      keys: caKeys,
      signingAlgorithm: EC,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    const leafKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'CN=Leaf',
      issuer: ca.subject,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: EC,
    });
    const selfAnswering = await serve([
      { caCertificate: der(ca), responderCertificate: der(ca), responderKey: KeyObject.from(caKeys.privateKey), issued: [der(leaf)] },
    ]);
    const checked = await requestOcsp(selfAnswering.url, der(leaf), der(ca));
    expect(checked.responderCertificate).toBeUndefined();
  });

  it('refuses a replayed answer (another nonce) and an answer about another certificate', async () => {
    const earlier = await responder.handle(encodeOcspRequest(encodeCertId(der(ours.seal), der(ours.root))).der);
    const replaying = await startDerPostServer({
      handle: async () => earlier,
      replyType: 'application/ocsp-response',
      requestName: 'x',
      maxRequestBytes: 1024,
    });
    servers.push(replaying);
    expect(await reasonOf(requestOcsp(replaying.url, der(ours.seal), der(ours.root)))).toBe('mismatch');
    // An answer about the seal certificate, offered for the responder's certificate.
    const check = { certificate: der(ours.ocspSigner.certificate), issuer: der(ours.root), now: new Date(), url };
    expect(() => checkOcspResponse(earlier, check)).toThrow(/does not answer for this certificate/);
  });

  it('refuses an answer outside its validity window', async () => {
    const checked = await requestOcsp(url, der(ours.seal), der(ours.root));
    const check = { certificate: der(ours.seal), issuer: der(ours.root), url };
    expect(() => checkOcspResponse(checked.der, { ...check, now: new Date(Date.now() + 3 * 60 * 60 * 1000) })).toThrow(/expired/);
    expect(() => checkOcspResponse(checked.der, { ...check, now: new Date(Date.now() - 60 * 60 * 1000) })).toThrow(/in the future/);
  });

  it('reports a closed port as unreachable and an HTTP error as rejected', async () => {
    const closed = await startDevelopmentOcspServer(responder, { host: '127.0.0.1', port: 0 });
    await closed.close();
    expect(await reasonOf(requestOcsp(closed.url, der(ours.seal), der(ours.root)))).toBe('unreachable');
    const failing = await startDerPostServer({
      handle: async () => {
        throw new Error('down');
      },
      replyType: 'application/ocsp-response',
      requestName: 'x',
      maxRequestBytes: 1024,
    });
    servers.push(failing);
    expect(await reasonOf(requestOcsp(failing.url, der(ours.seal), der(ours.root)))).toBe('rejected');
  });
});
