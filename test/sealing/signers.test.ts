/**
 * The seal signers: PEM and PKCS#12 files (loadPemSigner, loadPkcs12Signer) and a PKCS#11 token
 * (openPkcs11Signer, against SoftHSM2 in a temporary token directory). Every signature is verified with the
 * certificate's public key by Node's crypto, never by the code under test.
 *
 * Needs the Debian packages `openssl` (PKCS#12 files) and `softhsm2` (the token); both run unattended.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, constants, generateKeyPairSync, randomBytes, verify, webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API before it loads
import * as x509 from '@peculiar/x509';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPemSigner, loadPkcs12Signer } from '../../src/sealing/file-signer.js';
import { PKCS12_WRONG_PASSWORD } from '../../src/sealing/pkcs12.js';
import { openPkcs11Signer } from '../../src/sealing/pkcs11-signer.js';
import type { Signer } from '../../src/sealing/signer.js';

x509.cryptoProvider.set(webcrypto as Parameters<typeof x509.cryptoProvider.set>[1]);
type KeyPair = webcrypto.CryptoKeyPair;
const subtle = webcrypto.subtle;

// ---------------------------------------------------------------------------------------------------------------
// Keys and certificates

type KeyKind = 'ec' | 'rsa' | 'ec384' | 'rsa1024';

interface TestKey {
  keys: KeyPair;
  pkcs8Pem: string;
}

async function makeKey(kind: KeyKind): Promise<TestKey> {
  const algorithm =
    kind === 'ec' || kind === 'ec384'
      ? { name: 'ECDSA', namedCurve: kind === 'ec' ? 'P-256' : 'P-384' }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: kind === 'rsa' ? 2048 : 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as KeyPair;
  const der = await subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, pkcs8Pem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

interface TestCertificate {
  certificate: x509.X509Certificate;
  der: Uint8Array;
  pem: string;
  key: TestKey;
}

let serial = 1;

/** A certificate for `key`, self-signed or issued by `issuer`. */
async function certify(subject: string, key: TestKey, options: { issuer?: TestCertificate; ca?: boolean } = {}): Promise<TestCertificate> {
  const issuer = options.issuer;
  const signingKey = issuer ? issuer.key.keys.privateKey : key.keys.privateKey;
  const signingAlgorithm = signingKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.ca === true, undefined, true),
    new x509.KeyUsagesExtension(
      options.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer ? issuer.key.keys.publicKey : key.keys.publicKey),
  ];
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(4, '0'),
    subject,
    issuer: issuer ? issuer.certificate.subject : subject,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 365 * 86_400_000),
    signingAlgorithm,
    publicKey: key.keys.publicKey,
    signingKey,
    extensions,
  });
  return { certificate, der: new Uint8Array(certificate.rawData), pem: certificate.toString('pem') + '\n', key };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

function verifies(signer: Signer, data: Uint8Array, signature: Uint8Array): boolean {
  const publicKey = new X509Certificate(signer.certificateChain[0]!).publicKey;
  return signer.algorithm === 'ECDSA_SHA256'
    ? verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
    : verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
}

async function expectSignatureVerifies(signer: Signer, size = 1000): Promise<void> {
  const data = randomBytes(size);
  const signature = await signer.sign(data);
  if (signer.algorithm === 'ECDSA_SHA256') {
    expect(signature.length).toBe(64); // raw r‖s of P-256, not DER
    // WebCrypto takes P1363 signatures too: a second, independent verifier
    const publicKey = await subtle.importKey(
      'spki',
      new X509Certificate(signer.certificateChain[0]!).publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    expect(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, data)).toBe(true);
  } else {
    expect(signature.length).toBe(256);
  }
  expect(verifies(signer, data, signature)).toBe(true);
  const tampered = data.length > 0 ? Buffer.from(data) : Buffer.from([0]);
  if (data.length > 0) tampered[0] = tampered[0]! ^ 1;
  expect(verifies(signer, tampered, signature)).toBe(false);
}

function subjects(chain: readonly Uint8Array[]): string[] {
  return chain.map((der) => new X509Certificate(der).subject);
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, timeout: 60_000 });
}

// ---------------------------------------------------------------------------------------------------------------
// PEM

describe('loadPemSigner', () => {
  let root: TestCertificate;
  let intermediate: TestCertificate;
  let ecSeal: TestCertificate;
  let rsaSeal: TestCertificate;
  let impostorRoot: TestCertificate;

  beforeAll(async () => {
    root = await certify('CN=Test Root CA,O=VISC test,C=LV', await makeKey('ec'), { ca: true });
    intermediate = await certify('CN=Test Seal CA,O=VISC test,C=LV', await makeKey('ec'), { issuer: root, ca: true });
    ecSeal = await certify('CN=Valsts izglītības satura centrs (EC),C=LV', await makeKey('ec'), { issuer: intermediate });
    rsaSeal = await certify('CN=Valsts izglītības satura centrs (RSA),C=LV', await makeKey('rsa'));
    // same name as the root, different key: must never be taken for the root
    impostorRoot = await certify('CN=Test Root CA,O=VISC test,C=LV', await makeKey('ec'), { ca: true });
  });

  it('signs with an EC P-256 key: raw r‖s that Node verifies with the certificate key', async () => {
    const signer = await loadPemSigner({ keyPem: ecSeal.key.pkcs8Pem, certificateChainPem: ecSeal.pem });
    expect(signer.algorithm).toBe('ECDSA_SHA256');
    expect(signer.certificateChain).toHaveLength(1);
    expect(Buffer.from(signer.certificateChain[0]!).equals(ecSeal.der)).toBe(true);
    await expectSignatureVerifies(signer);
    await expectSignatureVerifies(signer, 0);
    await signer.close();
    await expect(signer.sign(new Uint8Array([1]))).rejects.toThrow(/closed/);
  });

  it('signs with an RSA-2048 key: PKCS#1 v1.5 with SHA-256', async () => {
    const signer = await loadPemSigner({ keyPem: rsaSeal.key.pkcs8Pem, certificateChainPem: rsaSeal.pem });
    expect(signer.algorithm).toBe('RSA_SHA256');
    await expectSignatureVerifies(signer);
    // PKCS#1 v1.5 is deterministic: the same data signs the same way (PSS would not)
    const data = Buffer.from('Sertifikāts 2026/301949081206-FRA09');
    expect(Buffer.from(await signer.sign(data)).equals(Buffer.from(await signer.sign(data)))).toBe(true);
    await signer.close();
  });

  it('accepts SEC1 and PKCS#1 key PEMs as well as PKCS#8', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecCertificate = await certify('CN=SEC1', {
      keys: await importPair(ec.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }),
      pkcs8Pem: '',
    });
    const signer = await loadPemSigner({ keyPem: ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), certificateChainPem: ecCertificate.pem });
    await expectSignatureVerifies(signer);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaCertificate = await certify('CN=PKCS1', {
      keys: await importPair(rsa.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }),
      pkcs8Pem: '',
    });
    const rsaSigner = await loadPemSigner({
      keyPem: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      certificateChainPem: rsaCertificate.pem,
    });
    await expectSignatureVerifies(rsaSigner);
  });

  it('refuses a key that does not match the first certificate', async () => {
    await expect(loadPemSigner({ keyPem: ecSeal.key.pkcs8Pem, certificateChainPem: root.pem })).rejects.toThrow(
      /private key does not match the first certificate/,
    );
    await expect(loadPemSigner({ keyPem: rsaSeal.key.pkcs8Pem, certificateChainPem: ecSeal.pem })).rejects.toThrow(
      /private key does not match the first certificate/,
    );
    // the key's certificate later in the PEM is not enough: the seal certificate comes first
    await expect(loadPemSigner({ keyPem: ecSeal.key.pkcs8Pem, certificateChainPem: intermediate.pem + ecSeal.pem })).rejects.toThrow(/does not match/);
  });

  it('orders the chain by issuer and leaves out unrelated certificates', async () => {
    const signer = await loadPemSigner({
      keyPem: ecSeal.key.pkcs8Pem,
      certificateChainPem: ecSeal.pem + impostorRoot.pem + rsaSeal.pem + root.pem + intermediate.pem,
    });
    expect(signer.certificateChain.map((der) => Buffer.from(der).toString('base64'))).toEqual(
      [ecSeal.der, intermediate.der, root.der].map((der) => Buffer.from(der).toString('base64')),
    );
    await expectSignatureVerifies(signer);
  });

  it('refuses keys other than EC P-256 and RSA of 2048 bits or more, and unreadable input', async () => {
    const p384 = await makeKey('ec384');
    const p384Certificate = await certify('CN=P-384', p384);
    await expect(loadPemSigner({ keyPem: p384.pkcs8Pem, certificateChainPem: p384Certificate.pem })).rejects.toThrow(/P-256/);
    const rsa1024 = await makeKey('rsa1024');
    const rsa1024Certificate = await certify('CN=RSA-1024', rsa1024);
    await expect(loadPemSigner({ keyPem: rsa1024.pkcs8Pem, certificateChainPem: rsa1024Certificate.pem })).rejects.toThrow(/2048/);
    await expect(loadPemSigner({ keyPem: ecSeal.key.pkcs8Pem, certificateChainPem: '' })).rejects.toThrow(/no certificate/);
    await expect(loadPemSigner({ keyPem: 'not a key', certificateChainPem: ecSeal.pem })).rejects.toThrow(/private key/);
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'x',
    });
    await expect(loadPemSigner({ keyPem: encrypted.toString(), certificateChainPem: ecSeal.pem })).rejects.toThrow(/encrypted/);
  });
});

async function importPair(pkcs8: Buffer, algorithm: { name: string; namedCurve?: string; hash?: string }): Promise<KeyPair> {
  const privateKey = await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  const jwk = await subtle.exportKey('jwk', privateKey);
  delete jwk.d;
  delete jwk.p;
  delete jwk.q;
  delete jwk.dp;
  delete jwk.dq;
  delete jwk.qi;
  jwk.key_ops = ['verify'];
  const publicKey = await subtle.importKey('jwk', jwk, algorithm, true, ['verify']);
  return { privateKey, publicKey };
}

// ---------------------------------------------------------------------------------------------------------------
// PKCS#12

describe('loadPkcs12Signer', () => {
  let dir: string;
  let ca: TestCertificate;
  let seal: TestCertificate;
  let rsaSeal: TestCertificate;
  let unrelated: TestCertificate;
  const password = 'Ēšķ-parole 2026';

  /** `openssl pkcs12 -export` of the seal key and certificate with `certfile` as the extra certificates. */
  function exportPkcs12(name: string, key: TestCertificate, certfile: string, pass: string, extra: string[] = []): Uint8Array {
    writeFileSync(join(dir, `${name}.key.pem`), key.key.pkcs8Pem);
    writeFileSync(join(dir, `${name}.crt.pem`), key.pem);
    writeFileSync(join(dir, `${name}.chain.pem`), certfile);
    const out = join(dir, `${name}.p12`);
    run('openssl', [
      'pkcs12',
      '-export',
      ...extra,
      '-inkey',
      join(dir, `${name}.key.pem`),
      '-in',
      join(dir, `${name}.crt.pem`),
      '-certfile',
      join(dir, `${name}.chain.pem`),
      '-name',
      'VISC seal',
      '-passout',
      `pass:${pass}`,
      '-out',
      out,
    ]);
    return new Uint8Array(readFileSync(out));
  }

  /** What `openssl pkcs12 -info` says of a file (it writes to stderr): the test checks it made the intended format. */
  function opensslInfo(name: string, pass: string, extra: string[] = []): string {
    const result = spawnSync('openssl', ['pkcs12', '-info', '-noout', ...extra, '-in', join(dir, `${name}.p12`), '-passin', `pass:${pass}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    if (result.status !== 0) throw new Error(`openssl pkcs12 -info failed: ${result.stderr}`);
    return result.stdout + result.stderr;
  }

  beforeAll(async () => {
    run('openssl', ['version']); // fails clearly when the openssl package is missing
    dir = mkdtempSync(join(tmpdir(), 'seal-p12-'));
    ca = await certify('CN=Test Seal CA,O=VISC test,C=LV', await makeKey('ec'), { ca: true });
    seal = await certify('CN=Valsts izglītības satura centrs,C=LV', await makeKey('ec'), { issuer: ca });
    rsaSeal = await certify('CN=VISC RSA seal,C=LV', await makeKey('rsa'), { issuer: ca });
    unrelated = await certify('CN=Unrelated,C=LV', await makeKey('ec'), { ca: true });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the default OpenSSL 3 format (PBES2, AES-256-CBC, SHA-256 MAC): key, chain in order, signature', async () => {
    const pfx = exportPkcs12('modern', seal, ca.pem, password);
    const info = opensslInfo('modern', password);
    expect(info).toMatch(/MAC: sha256/);
    expect(info).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
    const signer = await loadPkcs12Signer(pfx, password);
    expect(signer.algorithm).toBe('ECDSA_SHA256');
    expect(signer.certificateChain).toHaveLength(2);
    expect(Buffer.from(signer.certificateChain[0]!).equals(seal.der)).toBe(true);
    expect(Buffer.from(signer.certificateChain[1]!).equals(ca.der)).toBe(true);
    await expectSignatureVerifies(signer);
    await signer.close();
  });

  it('refuses a wrong password and a damaged file with a clear message', async () => {
    const pfx = exportPkcs12('wrong', seal, ca.pem, password);
    await expect(loadPkcs12Signer(pfx, 'wrong password')).rejects.toThrow(PKCS12_WRONG_PASSWORD);
    await expect(loadPkcs12Signer(pfx, '')).rejects.toThrow('wrong password or damaged PKCS#12');
    const damaged = new Uint8Array(pfx);
    const middle = Math.floor(damaged.length / 2);
    damaged[middle] = damaged[middle]! ^ 0x55;
    await expect(loadPkcs12Signer(damaged, password)).rejects.toThrow();
    await expect(loadPkcs12Signer(new Uint8Array([1, 2, 3]), password)).rejects.toThrow(/PKCS#12/);
  });

  it('leaves unrelated certificates out of the chain and loads RSA keys', async () => {
    const pfx = exportPkcs12('rsa', rsaSeal, unrelated.pem + ca.pem + seal.pem, 'secret');
    const signer = await loadPkcs12Signer(pfx, 'secret');
    expect(signer.algorithm).toBe('RSA_SHA256');
    expect(subjects(signer.certificateChain)).toEqual([rsaSeal.certificate.subject, ca.certificate.subject].map(nodeSubject));
    await expectSignatureVerifies(signer);
  });

  it('loads the legacy 3DES format with a SHA-1 MAC', async () => {
    const pfx = exportPkcs12('des', seal, ca.pem, password, ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
    expect(opensslInfo('des', password)).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
    const signer = await loadPkcs12Signer(pfx, password);
    expect(signer.certificateChain).toHaveLength(2);
    await expectSignatureVerifies(signer);
    await expect(loadPkcs12Signer(pfx, 'nope')).rejects.toThrow(PKCS12_WRONG_PASSWORD);
  });

  it('loads the -legacy format (RC2-40 certificates, 3DES key) when OpenSSL has its legacy provider', async (context) => {
    let pfx: Uint8Array;
    try {
      pfx = exportPkcs12('legacy', seal, ca.pem, password, ['-legacy']);
    } catch {
      context.skip('the OpenSSL legacy provider is not installed');
      return;
    }
    expect(opensslInfo('legacy', password, ['-legacy'])).toMatch(/pbeWithSHA1And40BitRC2-CBC/);
    const signer = await loadPkcs12Signer(pfx, password);
    expect(signer.certificateChain.map((der) => Buffer.from(der).toString('hex'))).toEqual([seal.der, ca.der].map((der) => Buffer.from(der).toString('hex')));
    await expectSignatureVerifies(signer);
    await expect(loadPkcs12Signer(pfx, 'nope')).rejects.toThrow(PKCS12_WRONG_PASSWORD);
  });

  it('loads a file with an empty password', async () => {
    const pfx = exportPkcs12('empty', seal, ca.pem, '');
    const signer = await loadPkcs12Signer(pfx, '');
    await expectSignatureVerifies(signer);
    await expect(loadPkcs12Signer(pfx, 'x')).rejects.toThrow(PKCS12_WRONG_PASSWORD);
  });

  it('reports a file without the certificate of its key', async () => {
    writeFileSync(join(dir, 'nocert.key.pem'), seal.key.pkcs8Pem);
    run('openssl', ['pkcs12', '-export', '-nocerts', '-inkey', join(dir, 'nocert.key.pem'), '-passout', 'pass:x', '-out', join(dir, 'nocert.p12')]);
    await expect(loadPkcs12Signer(new Uint8Array(readFileSync(join(dir, 'nocert.p12'))), 'x')).rejects.toThrow(/no certificate for its private key/);
  });
});

/** Node prints subjects one attribute a line; @peculiar/x509 with commas. */
function nodeSubject(subject: string): string {
  return subject.split(/,\s*/).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// PKCS#11 (SoftHSM2)

const SOFTHSM_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';
const PIN = '1234';
const SO_PIN = '5678';

describe('openPkcs11Signer (SoftHSM2)', () => {
  let dir: string;
  let previousConf: string | undefined;
  let ca: TestCertificate;
  let ecSeal: TestCertificate;
  let rsaSeal: TestCertificate;
  const opened: Signer[] = [];

  async function open(options: Partial<Parameters<typeof openPkcs11Signer>[0]> = {}): Promise<Signer> {
    const signer = await openPkcs11Signer({ library: SOFTHSM_LIBRARY, tokenLabel: 'seal', pin: PIN, keyLabel: 'sealkey', ...options });
    opened.push(signer);
    return signer;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seal-hsm-'));
    const conf = join(dir, 'softhsm2.conf');
    mkdirSync(join(dir, 'tokens'));
    writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    previousConf = process.env.SOFTHSM2_CONF;
    process.env.SOFTHSM2_CONF = conf; // before the PKCS#11 module is loaded (SoftHSM reads it on C_Initialize)

    ca = await certify('CN=Test Seal CA,O=VISC test,C=LV', await makeKey('ec'), { ca: true });
    ecSeal = await certify('CN=Valsts izglītības satura centrs,C=LV', await makeKey('ec'), { issuer: ca });
    rsaSeal = await certify('CN=VISC RSA seal,C=LV', await makeKey('rsa'));

    run('softhsm2-util', ['--init-token', '--free', '--label', 'seal', '--pin', PIN, '--so-pin', SO_PIN]);
    writeFileSync(join(dir, 'ec.pk8.pem'), ecSeal.key.pkcs8Pem);
    writeFileSync(join(dir, 'rsa.pk8.pem'), rsaSeal.key.pkcs8Pem);
    run('softhsm2-util', ['--import', join(dir, 'ec.pk8.pem'), '--token', 'seal', '--label', 'sealkey', '--id', 'a1b2', '--pin', PIN]);
    run('softhsm2-util', ['--import', join(dir, 'rsa.pk8.pem'), '--token', 'seal', '--label', 'rsakey', '--id', 'c3d4', '--pin', PIN]);
    rmSync(join(dir, 'ec.pk8.pem'));
    rmSync(join(dir, 'rsa.pk8.pem'));

    // The EC seal certificate (same CKA_ID as its key) and the CA certificate go on the token; the RSA
    // certificate does not (the signer gets it from certificateChainPem).
    storeCertificates([
      { certificate: ecSeal, id: 'a1b2', label: 'sealkey' },
      { certificate: ca, id: 'ca01', label: 'Test Seal CA' },
    ]);
  });

  afterAll(async () => {
    for (const signer of opened) await signer.close();
    if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previousConf;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs with the EC key; the chain is the token certificate and its CA from the token', async () => {
    const signer = await open();
    expect(signer.algorithm).toBe('ECDSA_SHA256');
    expect(signer.certificateChain.map((der) => Buffer.from(der).toString('hex'))).toEqual([ecSeal.der, ca.der].map((der) => Buffer.from(der).toString('hex')));
    await expectSignatureVerifies(signer);
    await expectSignatureVerifies(signer, 100_000);
  });

  it('finds the key by CKA_ID as well as by label', async () => {
    const signer = await open({ keyLabel: undefined, keyId: 'A1B2' });
    expect(signer.algorithm).toBe('ECDSA_SHA256');
    await expectSignatureVerifies(signer);
    await signer.close();
  });

  it('serialises many concurrent sign calls; every signature verifies', async () => {
    const signer = await open();
    const messages = Array.from({ length: 64 }, (_, i) => Buffer.from(`certificate ${i} ${randomBytes(8).toString('hex')}`));
    const signatures = await Promise.all(messages.map((message) => signer.sign(message)));
    signatures.forEach((signature, i) => {
      expect(signature.length).toBe(64);
      expect(verifies(signer, messages[i]!, signature)).toBe(true);
    });
    // the caller's buffer is copied when sign is called: mutating it afterwards changes nothing
    const data = Buffer.from('mutable');
    const pending = signer.sign(data);
    data.fill(0);
    expect(verifies(signer, Buffer.from('mutable'), await pending)).toBe(true);
  });

  it('signs with the RSA-2048 key on the same token (CKM_SHA256_RSA_PKCS), certificate from PEM', async () => {
    const signer = await open({ keyLabel: 'rsakey', certificateChainPem: rsaSeal.pem });
    expect(signer.algorithm).toBe('RSA_SHA256');
    expect(signer.certificateChain).toHaveLength(1);
    expect(Buffer.from(signer.certificateChain[0]!).equals(rsaSeal.der)).toBe(true);
    await expectSignatureVerifies(signer);
    // PKCS#1 v1.5 is deterministic: equal signatures for equal data
    const data = Buffer.from('Sertifikāts');
    const signatures = await Promise.all([signer.sign(data), signer.sign(data)]);
    expect(Buffer.from(signatures[0]!).equals(Buffer.from(signatures[1]!))).toBe(true);
  });

  it('keeps two signers on one token independent: closing one leaves the other logged in', async () => {
    const ec = await openPkcs11Signer({ library: SOFTHSM_LIBRARY, tokenLabel: 'seal', pin: PIN, keyLabel: 'sealkey' });
    const rsa = await openPkcs11Signer({ library: SOFTHSM_LIBRARY, tokenLabel: 'seal', pin: PIN, keyLabel: 'rsakey', certificateChainPem: rsaSeal.pem });
    const data = Buffer.from('both');
    const [ecSignature, rsaSignature] = await Promise.all([ec.sign(data), rsa.sign(data)]);
    expect(verifies(ec, data, ecSignature)).toBe(true);
    expect(verifies(rsa, data, rsaSignature)).toBe(true);
    await ec.close();
    await expect(ec.sign(data)).rejects.toThrow(/closed/);
    expect(verifies(rsa, data, await rsa.sign(data))).toBe(true);
    await rsa.close();
    await rsa.close(); // closing twice is harmless
  });

  it('refuses a wrong PIN with a clear message that does not contain the PIN', async () => {
    for (const wrong of ['9876', '12345678']) {
      const error = await openPkcs11Signer({ library: SOFTHSM_LIBRARY, tokenLabel: 'seal', pin: wrong, keyLabel: 'sealkey' }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toMatch(/wrong PIN/);
      expect(error!.message).toContain('seal');
      expect(error!.message).not.toContain(wrong);
      expect(String(error!.stack)).not.toContain(wrong);
    }
    // also while another signer keeps the token logged in
    const signer = await open();
    await expect(openPkcs11Signer({ library: SOFTHSM_LIBRARY, tokenLabel: 'seal', pin: '9876', keyLabel: 'sealkey' })).rejects.toThrow(/wrong PIN/);
    await expectSignatureVerifies(signer);
  });

  it('names what is missing: key, token, certificate, library', async () => {
    await expect(open({ keyLabel: 'nokey' })).rejects.toThrow('PKCS#11: no private key with label "nokey" on token "seal"');
    await expect(open({ keyLabel: undefined, keyId: 'ffff' })).rejects.toThrow(/no private key with id ffff/);
    await expect(open({ keyLabel: undefined })).rejects.toThrow(/holds 2 private keys; give keyLabel or keyId/);
    await expect(open({ tokenLabel: 'nosuchtoken' })).rejects.toThrow(/no token labelled "nosuchtoken"/);
    await expect(open({ keyLabel: 'rsakey' })).rejects.toThrow(/no certificate for key "rsakey"/);
    await expect(open({ keyLabel: 'rsakey', certificateChainPem: ecSeal.pem })).rejects.toThrow(/does not match the key/);
    await expect(open({ library: join(dir, 'missing.so') })).rejects.toThrow(/could not load the library/);
    await expect(open({ keyId: 'xyz' })).rejects.toThrow(/keyId must be hexadecimal/);
  });
});

/** Stores certificates on the "seal" token as CKO_CERTIFICATE objects (what `pkcs11-tool --write-object` does). */
function storeCertificates(items: { certificate: TestCertificate; id: string; label: string }[]): void {
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load(SOFTHSM_LIBRARY);
  pkcs11.C_Initialize();
  try {
    const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trim() === 'seal');
    if (!slot) throw new Error('token "seal" not found');
    const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    pkcs11.C_Login(session, pkcs11js.CKU_USER, PIN);
    for (const { certificate, id, label } of items) {
      pkcs11.C_CreateObject(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: false },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: Buffer.from(id, 'hex') },
        { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(certificate.certificate.subjectName.toArrayBuffer()) },
        { type: pkcs11js.CKA_VALUE, value: Buffer.from(certificate.der) },
      ]);
    }
    pkcs11.C_Logout(session);
    pkcs11.C_CloseSession(session);
  } finally {
    pkcs11.C_Finalize();
    pkcs11.close();
  }
}
