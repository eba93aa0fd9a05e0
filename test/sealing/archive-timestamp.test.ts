/**
 * B-LTA: an archive time-stamp appended to a B-LT document. The data it covers is computed a second time by an
 * independent canonicaliser (libxml2 through Python's lxml, from the unpacked container) and OpenSSL checks the
 * token against that data; xmlsec1 still accepts the signature, and the original container is left untouched.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArchiveTimestamp, archivedPartsOf, archiveTimestampInput } from '../../src/sealing/archive-timestamp.js';
import { openAsice } from '../../src/sealing/asic.js';
import { ALGORITHM } from '../../src/sealing/xml.js';
import { requestTimestamp } from '../../src/sealing/tsa-client.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { kumalFacts } from '../support/facts.js';
import { SIGNATURE_ENTRY, unzipEntries, xmlsec1Verify } from '../support/edoc.js';
import { independentArchiveInput } from '../support/archive-input.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

const run = promisify(execFile);

let sealing: TestSealing;
let work: string;
let original: Uint8Array;
let untouched: Buffer;
let archived: Uint8Array;
const pem = (name: string) => join(sealing.pkiDir, name);
const signatureXml = (edoc: Uint8Array) => new TextDecoder().decode(unzipEntries(edoc).find(([name]) => name === SIGNATURE_ENTRY)![1]);

beforeAll(async () => {
  sealing = await startTestSealing(1);
  work = mkdtempSync(join(tmpdir(), 'archive-test-'));
  original = (await sealing.pool.seal(kumalFacts())).edoc;
  untouched = Buffer.from(original);
  archived = await addArchiveTimestamp(original, { timestamp: (digest) => requestTimestamp(sealing.setup.tsaUrl!, digest) });
});

afterAll(async () => {
  await sealing?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function archiveToken(xml: string, index = 0): Uint8Array {
  const found = [
    ...xml.matchAll(/<xades141:ArchiveTimeStamp [^>]*>.*?<xades:EncapsulatedTimeStamp>([^<]+)<\/xades:EncapsulatedTimeStamp><\/xades141:ArchiveTimeStamp>/g),
  ];
  return new Uint8Array(Buffer.from(found[index]![1]!, 'base64'));
}

const independentInput = (edoc: Uint8Array) => independentArchiveInput(work, edoc);

async function opensslVerify(token: Uint8Array, data: Uint8Array): Promise<string> {
  const dir = mkdtempSync(join(work, 'ts-'));
  writeFileSync(join(dir, 'token.der'), token);
  writeFileSync(join(dir, 'data.bin'), data);
  const args = [
    'ts',
    '-verify',
    '-token_in',
    '-in',
    join(dir, 'token.der'),
    '-data',
    join(dir, 'data.bin'),
    '-CAfile',
    pem('tsa-root.pem'),
    '-untrusted',
    pem('tsa.chain.pem'),
  ];
  try {
    const { stdout, stderr } = await run('openssl', args, { timeout: 30_000 });
    return `${stdout}\n${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}\n${e.stderr ?? ''}\nfailed`;
  }
}

describe('addArchiveTimestamp', () => {
  it('returns a new container and leaves the original as it was', () => {
    expect(Buffer.from(original).equals(untouched)).toBe(true);
    expect(Buffer.from(archived).equals(untouched)).toBe(false);
  });

  it('appends xades141:ArchiveTimeStamp after every earlier unsigned property, changing nothing else', () => {
    const before = signatureXml(original);
    const after = signatureXml(archived);
    const at = before.indexOf('</xades:UnsignedSignatureProperties>');
    expect(after.startsWith(before.slice(0, at))).toBe(true);
    expect(after.endsWith(before.slice(at))).toBe(true);
    const added = after.slice(at, after.length - (before.length - at));
    expect(added).toMatch(
      /^<xades141:ArchiveTimeStamp xmlns:xades141="http:\/\/uri\.etsi\.org\/01903\/v1\.4\.1#" [^>]*Id="S1-A0"><ds:CanonicalizationMethod Algorithm="http:\/\/www\.w3\.org\/2001\/10\/xml-exc-c14n#"><\/ds:CanonicalizationMethod><xades:EncapsulatedTimeStamp>[A-Za-z0-9+/=]+<\/xades:EncapsulatedTimeStamp><\/xades141:ArchiveTimeStamp>$/,
    );
    // Every other entry keeps its bytes and its place.
    const names = (edoc: Uint8Array) => unzipEntries(edoc).map(([name]) => name);
    expect(names(archived)).toEqual(names(original));
    for (const [name, data] of unzipEntries(original)) {
      if (name !== SIGNATURE_ENTRY) expect(Buffer.from(unzipEntries(archived).find(([n]) => n === name)![1]).equals(Buffer.from(data)), name).toBe(true);
    }
  });

  it('time-stamps exactly the data libxml2 computes independently, and OpenSSL verifies the token against it', async () => {
    const theirs = await independentInput(archived);
    const container = openAsice(archived);
    const ours = archiveTimestampInput(archivedPartsOf(signatureXml(original), container.files), ALGORITHM.excC14n);
    expect(Buffer.from(ours).equals(theirs)).toBe(true);
    expect(theirs.length).toBeGreaterThan(20_000); // the PDF is in it
    const token = archiveToken(signatureXml(archived));
    expect(await opensslVerify(token, theirs)).toMatch(/Verification: OK/);
    // And not against the data with one byte changed.
    const changed = Buffer.from(theirs);
    changed[changed.length - 10]! ^= 1;
    expect(await opensslVerify(token, changed)).not.toMatch(/Verification: OK/);
  });

  it('keeps the signature valid for xmlsec1 and for verifyEdoc', async () => {
    const result = xmlsec1Verify(work, archived, [pem('seal-root.pem')]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/^OK$/m);
    const report = await verifyEdoc(archived, sealing.setup.trust);
    expect(report.problems).toEqual([]);
    expect(report.genuine).toBe(true);
  });

  it('a second archive time-stamp covers the first', async () => {
    const twice = await addArchiveTimestamp(archived, { timestamp: (digest) => requestTimestamp(sealing.setup.tsaUrl!, digest) });
    const xml = signatureXml(twice);
    expect(xml).toContain('Id="S1-A1"');
    const theirs = await independentInput(twice);
    expect(theirs.includes(Buffer.from('Id="S1-A0"'))).toBe(true);
    expect(await opensslVerify(archiveToken(xml, 1), theirs)).toMatch(/Verification: OK/);
    expect(createHash('sha256').update(theirs).digest('hex')).not.toBe(
      createHash('sha256')
        .update(await independentInput(archived))
        .digest('hex'),
    );
  });
});
