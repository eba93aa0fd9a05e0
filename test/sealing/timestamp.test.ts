import 'reflect-metadata'; // before @peculiar/x509
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { spawnSync } from 'node:child_process';
import { createHash, type webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevelopmentTsa, type DevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { DEVELOPMENT_TSA_MAX_REQUEST_BYTES, startDevelopmentTsaServer, type DevelopmentTsaServer } from '../../src/sealing/dev/tsa-server.js';
import { TimestampError } from '../../src/sealing/timestamp-error.js';
import { verifyTimestampToken } from '../../src/sealing/timestamp-token.js';
import { requestTimestamp } from '../../src/sealing/tsa-client.js';

type Identity = Awaited<ReturnType<typeof generateDevelopmentTsaIdentity>>;

const sha256 = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const pem = (der: Uint8Array) => {
  const lines = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
};

/** Resolves to the TimestampError the promise rejects with (and fails the test when it does not reject so). */
async function refusal(promise: Promise<unknown>): Promise<TimestampError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a TimestampError').toBeInstanceOf(TimestampError);
  return error as TimestampError;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

/** A TimeStampResp posted by hand (not through requestTimestamp). */
async function post(url: string, body: Uint8Array, method = 'POST') {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/timestamp-query' },
    ...(method === 'POST' ? { body } : {}),
  });
  const reply = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, type: response.headers.get('content-type'), body: reply };
}

function parseResponse(der: Uint8Array): pkijs.TimeStampResp {
  return pkijs.TimeStampResp.fromBER(der.slice().buffer);
}

function failInfoBits(resp: pkijs.TimeStampResp): number[] {
  const bytes = resp.status.failInfo?.valueBlock.valueHexView ?? new Uint8Array();
  const bits: number[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit++) if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) bits.push(bit);
  return bits;
}

// The TSA's clock runs ten minutes behind the system clock, so a genTime taken from the system clock is caught.
const CLOCK_OFFSET_MS = -10 * 60 * 1000;

let identity: Identity;
let tsa: DevelopmentTsa;
let server: DevelopmentTsaServer;

beforeAll(async () => {
  identity = await generateDevelopmentTsaIdentity();
  tsa = createDevelopmentTsa({ ...identity, clock: () => new Date(Date.now() + CLOCK_OFFSET_MS) });
  server = await startDevelopmentTsaServer(tsa, { host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('development TSA identity', () => {
  it('is a P-256 root CA and a TSA certificate with the critical timeStamping usage, valid 10 years', async () => {
    const root = new x509.X509Certificate(identity.rootDer);
    const tsaCert = new x509.X509Certificate(identity.certificateChainDer[0]!);
    expect(root.subject).toBe('CN=Eksāmenu portāla testa TSA sakne');
    expect(tsaCert.subject).toBe('CN=Eksāmenu portāla testa laika zīmogs');
    expect(tsaCert.issuer).toBe(root.subject);
    expect(await root.isSelfSigned()).toBe(true);
    expect(await tsaCert.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    expect(root.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect(root.getExtension(x509.KeyUsagesExtension)!.usages & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    const eku = tsaCert.getExtension(x509.ExtendedKeyUsageExtension)!;
    expect(eku.critical).toBe(true);
    expect(eku.usages).toEqual([x509.ExtendedKeyUsage.timeStamping]);
    expect(tsaCert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
    expect(tsaCert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(tsaCert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    const years = (tsaCert.notAfter.getTime() - tsaCert.notBefore.getTime()) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
  });
});

describe('requestTimestamp and verifyTimestampToken through the HTTP development TSA', () => {
  const digest = sha256('<ds:SignatureValue>…</ds:SignatureValue>');
  let token: Uint8Array;
  let before: number;
  let after: number;

  beforeAll(async () => {
    before = Date.now() + CLOCK_OFFSET_MS;
    token = await requestTimestamp(server.url, digest, { timeoutMs: 5000 });
    after = Date.now() + CLOCK_OFFSET_MS;
  });

  it('returns a token that verifies against the right digest and root, with genTime from the TSA clock', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const result = await verifyTimestampToken(token, digest, [identity.rootDer]);
    expect(result.genTime.getTime()).toBeGreaterThanOrEqual(before);
    expect(result.genTime.getTime()).toBeLessThanOrEqual(after);
    expect(hex(result.tsaCertificateDer)).toBe(hex(identity.certificateChainDer[0]!));
    expect(result.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(result.serialNumber.length % 2).toBe(0);
  });

  it('gives every token its own serial number', async () => {
    const other = await requestTimestamp(server.url, digest);
    const [a, b] = await Promise.all([verifyTimestampToken(token, digest, [identity.rootDer]), verifyTimestampToken(other, digest, [identity.rootDer])]);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it('refuses the token for another digest', async () => {
    const error = await refusal(verifyTimestampToken(token, sha256('another document'), [identity.rootDer]));
    expect(error.reason).toBe('mismatch');
  });

  it('refuses the token when only another root is trusted', async () => {
    const stranger = await generateDevelopmentTsaIdentity();
    const error = await refusal(verifyTimestampToken(token, digest, [stranger.rootDer]));
    expect(error.reason).toBe('untrusted');
    expect((await refusal(verifyTimestampToken(token, digest, []))).reason).toBe('untrusted');
  });

  it('refuses a token with any byte of its TSTInfo changed', async () => {
    const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(token.slice().buffer).content });
    const tstInfo = new Uint8Array(signedData.encapContentInfo.eContent!.getValue());
    const start = indexOfBytes(token, tstInfo);
    expect(start).toBeGreaterThan(0);
    for (let i = start; i < start + tstInfo.length; i++) {
      const tampered = token.slice();
      tampered[i]! ^= 0x01;
      const error = await refusal(verifyTimestampToken(tampered, digest, [identity.rootDer]));
      expect(['mismatch', 'malformed'], `byte ${i - start} of TSTInfo`).toContain(error.reason);
    }
  });

  it('refuses a token with its signature or its TSA certificate changed', async () => {
    const badSignature = token.slice();
    badSignature[badSignature.length - 1]! ^= 0x01; // the signature is the token's last field
    expect((await refusal(verifyTimestampToken(badSignature, digest, [identity.rootDer]))).reason).toBe('mismatch');

    const cert = identity.certificateChainDer[0]!;
    const certStart = indexOfBytes(token, cert);
    expect(certStart).toBeGreaterThan(0);
    const tsaKey = new Uint8Array(new x509.X509Certificate(cert).publicKey.rawData);
    const keyAt = certStart + indexOfBytes(cert, tsaKey.slice(-32));
    const badCert = token.slice();
    badCert[keyAt + 5]! ^= 0x01;
    await refusal(verifyTimestampToken(badCert, digest, [identity.rootDer]));

    await refusal(verifyTimestampToken(token.slice(0, -1), digest, [identity.rootDer]));
    expect((await refusal(verifyTimestampToken(new Uint8Array([0x30, 0x00]), digest, [identity.rootDer]))).reason).toBe('malformed');
  });

  it('refuses a token signed by a certificate without the timeStamping usage', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const rootKeys = (await crypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const leafKeys = (await crypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=Other root',
      keys: rootKeys,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const leaf = await x509.X509CertificateGenerator.create({
      subject: 'CN=Not a TSA',
      issuer: root.subject,
      publicKey: leafKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: alg,
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning], true)],
    });
    const impostor = createDevelopmentTsa({ keyPair: leafKeys, certificateChainDer: [new Uint8Array(leaf.rawData)] });
    const impostorServer = await startDevelopmentTsaServer(impostor, { host: '127.0.0.1', port: 0 });
    try {
      const badToken = await requestTimestamp(impostorServer.url, digest);
      const error = await refusal(verifyTimestampToken(badToken, digest, [new Uint8Array(root.rawData)]));
      expect(error.reason).toBe('untrusted');
      expect(error.message).toMatch(/timeStamping/);
    } finally {
      await impostorServer.close();
    }
  });

  it('refuses a replayed answer (nonce) and an answer for another digest (imprint)', async () => {
    // A "TSA" that always sends back one earlier answer.
    const earlier = await post(server.url, await requestDerFor(digest));
    const replaying = await startDevelopmentTsaServer({ handle: async () => earlier.body }, { host: '127.0.0.1', port: 0 });
    try {
      expect((await refusal(requestTimestamp(replaying.url, digest))).reason).toBe('mismatch');
      expect((await refusal(requestTimestamp(replaying.url, sha256('other')))).reason).toBe('mismatch');
    } finally {
      await replaying.close();
    }
  });
});

describe('requestTimestamp reading answers without parsing them in full', () => {
  const digest = sha256('<ds:SignatureValue>…</ds:SignatureValue>');

  type Rewrite = (der: Uint8Array) => Uint8Array;
  const same: Rewrite = (der) => der;

  /** Serves `tsa`'s answers after passing each request and answer through the given rewrites. */
  async function relay({ request = same, answer = same }: { request?: Rewrite; answer?: Rewrite }) {
    const relaying: DevelopmentTsa = { handle: async (der) => answer(await tsa.handle(request(der))) };
    return startDevelopmentTsaServer(relaying, { host: '127.0.0.1', port: 0 });
  }

  it('accepts answers in BER (indefinite lengths, eContent in segments), as some TSAs send them', async () => {
    const server = await relay({
      answer(der) {
        const resp = parseResponse(der);
        const signedData = new pkijs.SignedData({ schema: resp.timeStampToken!.content });
        const tstInfo = signedData.encapContentInfo.eContent!.getValue();
        // pkijs splits a primitive eContent given to this constructor into a constructed OCTET STRING.
        signedData.encapContentInfo = new pkijs.EncapsulatedContentInfo({
          eContentType: signedData.encapContentInfo.eContentType,
          eContent: new asn1js.OctetString({ valueHex: tstInfo }),
        });
        const content = signedData.toSchema(true);
        const token = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content });
        const status = new Uint8Array(resp.status.toSchema().toBER());
        const tokenBer = new Uint8Array(token.toSchema().toBER());
        return new Uint8Array([0x30, 0x80, ...status, ...tokenBer, 0x00, 0x00]);
      },
    });
    try {
      const token = await requestTimestamp(server.url, digest);
      const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(token.slice().buffer).content });
      expect(signedData.encapContentInfo.eContent!.idBlock.isConstructed).toBe(true);
      await verifyTimestampToken(token, digest, [identity.rootDer]);
    } finally {
      await server.close();
    }
  });

  it('refuses a token over other content than TSTInfo, or without the certificate it asked for', async () => {
    const tstInfoType = Buffer.from('060b2a864886f70d0109100104', 'hex'); // 1.2.840.113549.1.9.16.1.4
    const otherContent = await relay({
      answer(der) {
        const at = indexOfBytes(der, tstInfoType); // the first one is the eContentType
        expect(at).toBeGreaterThan(0);
        const altered = der.slice();
        altered[at + tstInfoType.length - 1] = 0x02; // id-ct-authData
        return altered;
      },
    });
    // The client's request ends with certReq TRUE; the relay turns it to FALSE.
    const noCertificate = await relay({ request: (der) => new Uint8Array([...der.subarray(0, -1), 0x00]) });
    try {
      const error = await refusal(requestTimestamp(otherContent.url, digest));
      expect(error.reason).toBe('malformed');
      expect(error.message).toContain('1.2.840.113549.1.9.16.1.2, not TSTInfo');
      const noCert = await refusal(requestTimestamp(noCertificate.url, digest));
      expect(noCert.reason).toBe('malformed');
      expect(noCert.message).toMatch(/lacks the TSA certificate/);
    } finally {
      await otherContent.close();
      await noCertificate.close();
    }
  });
});

/** A DER TimeStampReq for `digest` (SHA-256, a nonce, certReq). */
async function requestDerFor(digest: Uint8Array): Promise<Uint8Array> {
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1' }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest.slice().buffer }),
    }),
    nonce: new asn1js.Integer({ value: 0x1234567 }),
    certReq: true,
  });
  return new Uint8Array(request.toSchema().toBER());
}

describe('independent check with OpenSSL', () => {
  let dir: string;

  beforeAll(() => {
    const version = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    if (version.status !== 0) throw new Error('these tests need the openssl command (Debian: apt-get install openssl)');
    dir = mkdtempSync(join(tmpdir(), 'tsa-test-'));
    writeFileSync(join(dir, 'root.pem'), pem(identity.rootDer));
    writeFileSync(join(dir, 'tsa.pem'), pem(identity.certificateChainDer[0]!));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function openssl(args: string[]): { ok: boolean; output: string } {
    const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  }

  const trust = () => ['-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'tsa.pem')];

  it('accepts the token from requestTimestamp (ts -verify -token_in)', async () => {
    const digest = sha256('certificate 2026/301949081206-FRA09');
    const token = await requestTimestamp(server.url, digest);
    writeFileSync(join(dir, 'token.der'), token);
    const good = openssl(['ts', '-verify', '-digest', hex(digest), '-token_in', '-in', 'token.der', ...trust()]);
    expect(good.output).toContain('Verification: OK');
    expect(good.ok).toBe(true);
    // The same check must fail for another digest, or the success above proves nothing.
    const bad = openssl(['ts', '-verify', '-digest', hex(sha256('x')), '-token_in', '-in', 'token.der', ...trust()]);
    expect(bad.output).not.toContain('Verification: OK');
    expect(bad.ok).toBe(false);
  });

  it('accepts the full response to an OpenSSL-made query, checked against that query', async () => {
    const digest = sha256('another certificate');
    const query = openssl(['ts', '-query', '-digest', hex(digest), '-sha256', '-cert', '-out', 'request.tsq']);
    expect(query.ok, query.output).toBe(true);
    const reply = await post(server.url, new Uint8Array(readFileSync(join(dir, 'request.tsq'))));
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('application/timestamp-reply');
    writeFileSync(join(dir, 'response.tsr'), reply.body);
    const viaDigest = openssl(['ts', '-verify', '-digest', hex(digest), '-in', 'response.tsr', ...trust()]);
    expect(viaDigest.output).toContain('Verification: OK');
    // -queryfile also checks the version, the nonce, the imprint algorithm and the TSA name.
    const viaQuery = openssl(['ts', '-verify', '-queryfile', 'request.tsq', '-in', 'response.tsr', ...trust()]);
    expect(viaQuery.output).toContain('Verification: OK');
    const text = openssl(['ts', '-reply', '-in', 'response.tsr', '-text']);
    expect(text.output).toContain('Status: Granted.');
    expect(text.output).toContain('Policy OID: 2.999.3161.1');
  });

  it('answers a SHA-512 query without nonce or certReq, leaving both out of the token', async () => {
    const digest = createHash('sha512').update('a third certificate').digest('hex');
    const query = openssl(['ts', '-query', '-digest', digest, '-sha512', '-no_nonce', '-out', 'plain.tsq']);
    expect(query.ok, query.output).toBe(true);
    const reply = await post(server.url, new Uint8Array(readFileSync(join(dir, 'plain.tsq'))));
    writeFileSync(join(dir, 'plain.tsr'), reply.body);
    const viaQuery = openssl(['ts', '-verify', '-queryfile', 'plain.tsq', '-in', 'plain.tsr', ...trust()]);
    expect(viaQuery.output).toContain('Verification: OK');
    const text = openssl(['ts', '-reply', '-in', 'plain.tsr', '-text']);
    expect(text.output).toContain('Nonce: unspecified');
    const token = parseResponse(reply.body).timeStampToken!;
    expect(new pkijs.SignedData({ schema: token.content }).certificates).toBeUndefined();
  });
});

describe('development TSA server refusals', () => {
  it('answers a garbage body with a rejection (status 2, badDataFormat), not a crash', async () => {
    for (const garbage of [new Uint8Array([1, 2, 3]), new Uint8Array(0), new TextEncoder().encode('GET / HTTP/1.1')]) {
      const reply = await post(server.url, garbage);
      expect(reply.status).toBe(200);
      expect(reply.type).toBe('application/timestamp-reply');
      const resp = parseResponse(reply.body);
      expect(resp.status.status).toBe(2);
      expect(failInfoBits(resp)).toEqual([5]);
      expect(resp.timeStampToken).toBeUndefined();
    }
    // Still serving afterwards.
    const digest = sha256('still alive');
    await verifyTimestampToken(await requestTimestamp(server.url, digest), digest, [identity.rootDer]);
  });

  it('rejects an unsupported imprint algorithm and a foreign policy', async () => {
    const md5Like = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.2.5' }),
        hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(16).buffer }),
      }),
    });
    const badAlg = parseResponse(await tsa.handle(new Uint8Array(md5Like.toSchema().toBER())));
    expect(badAlg.status.status).toBe(2);
    expect(failInfoBits(badAlg)).toEqual([0]);

    const foreignPolicy = pkijs.TimeStampReq.fromBER((await requestDerFor(sha256('p'))).slice().buffer);
    foreignPolicy.reqPolicy = '1.3.6.1.4.1.99999.1';
    const policy = parseResponse(await tsa.handle(new Uint8Array(foreignPolicy.toSchema().toBER())));
    expect(policy.status.status).toBe(2);
    expect(failInfoBits(policy)).toEqual([15]);
  });

  it('refuses bodies over 64 KB with HTTP 413 and methods other than POST with 405', async () => {
    const big = await post(server.url, new Uint8Array(DEVELOPMENT_TSA_MAX_REQUEST_BYTES + 1));
    expect(big.status).toBe(413);
    const huge = await post(server.url, new Uint8Array(4 * DEVELOPMENT_TSA_MAX_REQUEST_BYTES));
    expect(huge.status).toBe(413);
    const get = await post(server.url, new Uint8Array(0), 'GET');
    expect(get.status).toBe(405);
    // Exactly at the limit is read (and, not being a request, rejected as a time-stamp request).
    const atLimit = await post(server.url, new Uint8Array(DEVELOPMENT_TSA_MAX_REQUEST_BYTES));
    expect(atLimit.status).toBe(200);
    expect(parseResponse(atLimit.body).status.status).toBe(2);
  });

  it('makes requestTimestamp report rejections as "rejected"', async () => {
    const refusing = await startDevelopmentTsaServer({ handle: () => tsa.handle(new Uint8Array([0])) }, { host: '127.0.0.1' });
    try {
      const error = await refusal(requestTimestamp(refusing.url, sha256('x')));
      expect(error.reason).toBe('rejected');
      expect(error.message).toContain('badDataFormat');
    } finally {
      await refusing.close();
    }
  });

  it('makes requestTimestamp report a closed port or a silent server as "unreachable"', async () => {
    const closed = await startDevelopmentTsaServer(tsa, { host: '127.0.0.1', port: 0 });
    await closed.close();
    expect((await refusal(requestTimestamp(closed.url, sha256('x'), { timeoutMs: 2000 }))).reason).toBe('unreachable');

    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket); // accepts connections, never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const error = await refusal(requestTimestamp(`http://127.0.0.1:${port}/`, sha256('x'), { timeoutMs: 300 }));
      expect(error.reason).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses a digest that is not 32 bytes before asking anyone', async () => {
    await expect(requestTimestamp(server.url, new Uint8Array(20))).rejects.toThrow(RangeError);
  });
});
