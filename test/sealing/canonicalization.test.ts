/**
 * The canonical forms the verifier computes, checked against libxml2's own (xmllint --c14n, --c14n11,
 * --exc-c14n): for a document's root element, canonicalising the element is canonicalising the document. And the
 * subtree cases xml-crypto leaves to us: namespaces and xml:* attributes inherited from ancestors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALGORITHM, CanonicalizationUnsupportedError, canonicalize, descendantsNS, parseXml, type CanonicalizationAlgorithm } from '../../src/sealing/xml.js';

const work = mkdtempSync(join(tmpdir(), 'c14n-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function xmllint(xml: string, option: string): string {
  const file = join(work, `doc-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', [option, file], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

// Namespaces declared out of order and unused, a default namespace, attributes out of order, entities and
// character references, an empty element, whitespace, xml:lang and xml:space. (No comment: xmllint keeps them.)
const SAMPLE =
  `<?xml version="1.0" encoding="UTF-8"?>\n` +
  `<asic:XAdESSignatures xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" xmlns:unused="urn:x" xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xml:lang="lv">\n` +
  `  <ds:Signature Id="S1" b="2" a="1">\n` +
  `    <ds:SignatureValue Id="S1-SIG">AQID&#13;BA==</ds:SignatureValue>\n` +
  `    <ds:Object><data xmlns="urn:default" xml:space="preserve">Rīga &amp; &lt;Latvija&gt; &#x2603;<empty/></data></ds:Object>\n` +
  `  </ds:Signature>\n` +
  `</asic:XAdESSignatures>\n`;

describe('canonical forms match libxml2', () => {
  it.each([
    ['C14N 1.0', ALGORITHM.c14n10, '--c14n'],
    ['C14N 1.1', ALGORITHM.c14n11, '--c14n11'],
    ['exclusive C14N', ALGORITHM.excC14n, '--exc-c14n'],
  ] as const)('%s of a whole document', (_, algorithm: CanonicalizationAlgorithm, option) => {
    const ours = canonicalize(parseXml(SAMPLE).documentElement!, algorithm);
    expect(ours).toBe(xmllint(SAMPLE, option));
  });

  it('C14N 1.0 and 1.1 of a subtree carry the namespaces in scope and the inherited xml:lang; exclusive C14N only what is used', () => {
    const doc = parseXml(SAMPLE);
    const value = descendantsNS(doc, 'http://www.w3.org/2000/09/xmldsig#', 'SignatureValue')[0]!;
    const inclusive =
      '<ds:SignatureValue xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:unused="urn:x" ' +
      'xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Id="S1-SIG" xml:lang="lv">AQID&#xD;BA==</ds:SignatureValue>';
    expect(canonicalize(value, ALGORITHM.c14n10)).toBe(inclusive);
    expect(canonicalize(value, ALGORITHM.c14n11)).toBe(inclusive);
    expect(canonicalize(value, ALGORITHM.excC14n)).toBe(
      '<ds:SignatureValue xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="S1-SIG">AQID&#xD;BA==</ds:SignatureValue>',
    );
    // The document itself is left as it was.
    expect(value.hasAttributeNS('http://www.w3.org/XML/1998/namespace', 'lang')).toBe(false);
  });

  it('C14N 1.1 does not inherit xml:id, and refuses to guess an inherited xml:base', () => {
    const withId = parseXml('<a xmlns="urn:a" xml:id="top"><b>x</b></a>');
    const b = withId.documentElement!.firstChild as Parameters<typeof canonicalize>[0];
    expect(canonicalize(b, ALGORITHM.c14n10)).toBe('<b xmlns="urn:a" xml:id="top">x</b>');
    expect(canonicalize(b, ALGORITHM.c14n11)).toBe('<b xmlns="urn:a">x</b>');
    const withBase = parseXml('<a xml:base="http://example.org/dir/"><b>x</b></a>');
    expect(() => canonicalize(withBase.documentElement!.firstChild as Parameters<typeof canonicalize>[0], ALGORITHM.c14n11)).toThrow(
      CanonicalizationUnsupportedError,
    );
  });

  it('refuses a processing instruction inside a subtree rather than write it as text', () => {
    const doc = parseXml('<a><?pi data?><b/></a>');
    expect(() => canonicalize(doc.documentElement!, ALGORITHM.c14n10)).toThrow(CanonicalizationUnsupportedError);
  });
});
