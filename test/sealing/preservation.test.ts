/**
 * Preservation over the years: a document sealed B-LT "today" and renewed with an archive time-stamp years later
 * (after its seal certificate expired, before its time-stamp's certificate does) still verifies as B-LTA later
 * still, when neither the seal nor the first time-stamp authority's certificate is valid any more; the same
 * document left alone does not. The renewal carries the previous time-stamp's validation data before the new
 * archive time-stamp, OpenSSL accepts the new token over the data libxml2 computes, and a second renewal at the
 * same time does nothing. The verifier's revocation checks for time-stamp authorities and online are here too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../src/sealing/pem.js';
import { preservationStateOf, preserveDocument } from '../../src/sealing/preservation.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { editSignatureXml, SIGNATURE_ENTRY, unzipEntries } from '../support/edoc.js';
import { kumalFacts } from '../support/facts.js';
import { independentArchiveInput } from '../support/archive-input.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { simulatedYears, YEAR_MS, type SimulatedYears } from '../support/simulated-years.js';
import { encodeCertId, encodeOcspRequest } from '../../src/sealing/ocsp-request.js';

const run = promisify(execFile);
const policy = { windowDays: 365, retiredDigests: [] };

let world: SimulatedYears;
let work: string;
let original: Uint8Array;
let untouched: Buffer;
let preserved: Uint8Array;
let renewedAt: Date;
let checkedAt: Date;
const signatureXml = (edoc: Uint8Array) => new TextDecoder().decode(unzipEntries(edoc).find(([name]) => name === SIGNATURE_ENTRY)![1]);
const keys = (report: { problems: { key: string }[] }) => report.problems.map((p) => p.key);

beforeAll(async () => {
  const today = new Date();
  // Two and a half years on: the seal certificate (2 years) has expired, today's time-stamp certificate (3 years)
  // expires within the 365-day window. Five years on, it has expired too.
  renewedAt = new Date(today.getTime() + 2.5 * YEAR_MS);
  checkedAt = new Date(today.getTime() + 5 * YEAR_MS);
  world = await simulatedYears({ laterFrom: new Date(renewedAt.getTime() - 3_600_000) });
  work = mkdtempSync(join(tmpdir(), 'preservation-test-'));
  original = (await world.sealer(kumalFacts())).edoc;
  untouched = Buffer.from(original);
  world.clock.now = renewedAt;
  const outcome = await preserveDocument(original, renewedAt, policy, world.preservation);
  expect(outcome.need).toMatchObject({ action: 'renew', reason: 'certificate-expiring' });
  preserved = (outcome as { edoc: Uint8Array }).edoc;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a document sealed B-LT today and preserved years later', () => {
  it('is genuine B-LT today, and renewing it left the original as it was', async () => {
    const report = await verifyEdoc(original, world.trust, { at: world.today });
    expect(report.problems).toEqual([]);
    expect(report.level).toBe('B-LT');
    expect(Buffer.from(original).equals(untouched)).toBe(true);
  });

  it('verifies as B-LTA five years on, after the seal and the first time-stamp certificate expired', async () => {
    expect(world.seal.notAfter < checkedAt && world.tsaToday.notAfter < checkedAt).toBe(true);
    const report = await verifyEdoc(preserved, world.trust, { at: checkedAt });
    expect(report.problems).toEqual([]);
    expect(report.genuine).toBe(true);
    expect(report.level).toBe('B-LTA');
    expect(report.archiveTimestampTime!.getTime()).toBeGreaterThan(world.seal.notAfter.getTime());
  });

  it('without preservation is not valid five years on: the evidence expired with its certificates', async () => {
    const report = await verifyEdoc(original, world.trust, { at: checkedAt });
    expect(report.genuine).toBe(false);
    expect(keys(report)).toEqual(['preserve.problem.timestamp-expired', 'preserve.problem.seal-expired']);
    // The same file is fine at the moment the renewal was made: only the lapse of time breaks it.
    expect((await verifyEdoc(original, world.trust, { at: renewedAt })).problems).toEqual([]);
  });

  it('carries the previous time-stamp’s validation data just before the new archive time-stamp', () => {
    const xml = signatureXml(preserved);
    const before = signatureXml(original);
    const end = before.indexOf('</xades:UnsignedSignatureProperties>');
    expect(xml.startsWith(before.slice(0, end))).toBe(true);
    const added = xml.slice(end, xml.indexOf('</xades:UnsignedSignatureProperties>'));
    expect(added).toMatch(
      /^<xades141:TimeStampValidationData [^>]*Id="S1-A0-VD"><xades:CertificateValues>(<xades:EncapsulatedX509Certificate>[^<]+<\/xades:EncapsulatedX509Certificate>)+<\/xades:CertificateValues><xades:RevocationValues><xades:OCSPValues><xades:EncapsulatedOCSPValue>[^<]+<\/xades:EncapsulatedOCSPValue><\/xades:OCSPValues><\/xades:RevocationValues><\/xades141:TimeStampValidationData><xades141:ArchiveTimeStamp [^>]*Id="S1-A0">/,
    );
    // The chain of today's authority (its root: the token carries its certificate) and its responder's certificate.
    const certificates = [...added.matchAll(/<xades:EncapsulatedX509Certificate>([^<]+)</g)].map((m) => new X509Certificate(Buffer.from(m[1]!, 'base64')));
    expect(certificates.some((c) => c.raw.equals(Buffer.from(world.tsaToday.root)))).toBe(true);
    expect(certificates.some((c) => (c.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.9'))).toBe(true);
    const state = preservationStateOf(preserved);
    expect(state.newest?.kind).toBe('archive');
    expect(state.newest?.genTime.getTime()).toBe(renewedAt.getTime());
  });

  it('OpenSSL accepts the new archive time-stamp over the data libxml2 computes', async () => {
    const input = join(work, 'input.bin');
    writeFileSync(input, await independentArchiveInput(work, preserved));
    const token = /<xades141:ArchiveTimeStamp [^>]*>.*?<xades:EncapsulatedTimeStamp>([^<]+)</.exec(signatureXml(preserved))![1]!;
    writeFileSync(join(work, 'token.der'), Buffer.from(token, 'base64'));
    writeFileSync(join(work, 'root.pem'), derToPem(world.tsaLater.root));
    writeFileSync(join(work, 'tsa.pem'), derToPem(world.tsaLater.certificate));
    const verify = async (data: string) => {
      const args = [
        'ts',
        '-verify',
        '-token_in',
        '-in',
        join(work, 'token.der'),
        '-data',
        data,
        '-CAfile',
        join(work, 'root.pem'),
        '-untrusted',
        join(work, 'tsa.pem'),
      ];
      // The later authority's certificate begins years from now: check it at the renewal's moment.
      args.push('-attime', String(Math.floor(renewedAt.getTime() / 1000)));
      try {
        const { stdout, stderr } = await run('openssl', args, { timeout: 30_000 });
        return `${stdout}${stderr}`;
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        return `${e.stdout ?? ''}${e.stderr ?? ''} failed`;
      }
    };
    expect(await verify(input)).toMatch(/Verification: OK/);
    const changed = readFileSync(input);
    changed[changed.length - 5]! ^= 1;
    writeFileSync(join(work, 'changed.bin'), changed);
    expect(await verify(join(work, 'changed.bin'))).not.toMatch(/Verification: OK/);
  });

  it('a second run at the same time, or a year later, renews nothing', async () => {
    expect((await preserveDocument(preserved, renewedAt, policy, world.preservation)).need).toEqual({ action: 'none' });
    expect((await preserveDocument(preserved, new Date(renewedAt.getTime() + YEAR_MS), policy, world.preservation)).need).toEqual({ action: 'none' });
  });

  it('renews at once when the agency retires the digest the newest time-stamp uses', async () => {
    const outcome = await preserveDocument(preserved, renewedAt, { windowDays: 365, retiredDigests: ['sha256'] }, world.preservation).catch((e: Error) => e);
    // The later authority stamps with SHA-256 as well: the renewal would not last, and is refused rather than stored.
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/sha256, which is retired/);
  });

  it('is too late once the newest time-stamp’s certificate has expired', async () => {
    expect((await preserveDocument(original, checkedAt, policy, world.preservation)).need).toMatchObject({ action: 'too-late' });
  });
});

describe('revocation of the time-stamp authority, from the validation data the signature carries', () => {
  const withTsaResponse = (edoc: Uint8Array, response: Uint8Array) =>
    editSignatureXml(edoc, (xml) =>
      xml.replace(
        /(<xades141:TimeStampValidationData [^>]*Id="S1-T0-VD">.*?<xades:EncapsulatedOCSPValue>)[^<]+/,
        (_, head: string) => head + Buffer.from(response).toString('base64'),
      ),
    );
  const tsaResponse = async () => {
    const request = encodeOcspRequest(encodeCertId(world.tsaToday.certificate, world.tsaToday.root));
    return world.ocsp.handle(request.der);
  };
  const serial = () => new X509Certificate(world.tsaToday.certificate).serialNumber;

  it('a TSA certificate revoked before the time-stamp was made fails that time-stamp, with its reason', async () => {
    world.clock.now = world.today;
    const sealed = (await world.sealer(kumalFacts())).edoc;
    world.ocsp.revoke(serial(), new Date(world.today.getTime() - 3_600_000));
    try {
      const report = await verifyEdoc(withTsaResponse(sealed, await tsaResponse()), world.trust, { at: world.today });
      expect(report.genuine).toBe(false);
      expect(report.problems).toContainEqual({ key: 'preserve.problem.tsa-revoked', params: { kind: 'signature', time: expect.stringMatching(/UTC$/) } });
    } finally {
      world.ocsp.reinstate(serial());
    }
  });

  it('a TSA certificate revoked after the time-stamp leaves it standing', async () => {
    world.clock.now = world.today;
    const sealed = (await world.sealer(kumalFacts())).edoc;
    world.ocsp.revoke(serial(), new Date(Date.now() + 3_600_000));
    try {
      const report = await verifyEdoc(withTsaResponse(sealed, await tsaResponse()), world.trust, { at: world.today });
      expect(report.problems).toEqual([]);
    } finally {
      world.ocsp.reinstate(serial());
    }
  });
});

describe('online revocation checking (VERIFY_ONLINE_REVOCATION=on)', () => {
  let sealing: TestSealing;
  beforeAll(async () => {
    sealing = await startTestSealing(1);
  });
  afterAll(async () => sealing?.close());

  it('asks the development responder the seal certificate names, and reports what it says', async () => {
    const { edoc } = await sealing.pool.seal(kumalFacts());
    const good = await verifyEdoc(edoc, sealing.setup.trust, { onlineRevocation: true });
    expect(good.problems).toEqual([]);
    expect(good.onlineRevocation).toMatchObject({ status: 'good' });
    // Not asked unless configured.
    expect((await verifyEdoc(edoc, sealing.setup.trust)).onlineRevocation).toBeUndefined();

    const seal = new X509Certificate(readFileSync(join(sealing.pkiDir, 'seal.chain.pem')));
    // Revoked after the time-stamp proved the seal: reported, and the seal stands.
    sealing.setup.developmentOcsp!.revoke(seal.serialNumber, new Date(Date.now() + 60_000));
    const later = await verifyEdoc(edoc, sealing.setup.trust, { onlineRevocation: true });
    expect(later.onlineRevocation).toMatchObject({ status: 'revoked' });
    expect(later.genuine).toBe(true);
    // Revoked before it: refused with its reason.
    sealing.setup.developmentOcsp!.revoke(seal.serialNumber, new Date(Date.now() - 86_400_000));
    const before = await verifyEdoc(edoc, sealing.setup.trust, { onlineRevocation: true });
    expect(before.genuine).toBe(false);
    expect(keys(before)).toContain('preserve.problem.online-revoked');
    sealing.setup.developmentOcsp!.reinstate(seal.serialNumber);
  });

  it('does not ask about a certificate past its validity', async () => {
    const report = await verifyEdoc(original, world.trust, { at: checkedAt, onlineRevocation: (c, i) => world.fetchOcsp('x', c, i) });
    expect(report.onlineRevocation).toEqual({ status: 'not-asked' });
  });
});
