/**
 * The input of the last archive time-stamp (EN 319 132-1 §5.5.2.2), computed independently of our code by
 * libxml2's exclusive canonicalisation (python3-lxml): the references' data in order, then SignedInfo,
 * SignatureValue, KeyInfo and every unsigned signature property before the last archive time-stamp.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SIGNATURE_ENTRY, unpackTo } from './edoc.js';

const run = promisify(execFile);

const LXML_INPUT = `
import sys, urllib.parse
from lxml import etree
DS = 'http://www.w3.org/2000/09/xmldsig#'
XADES = 'http://uri.etsi.org/01903/v1.3.2#'
XADES141 = 'http://uri.etsi.org/01903/v1.4.1#'
folder, signature_file, out = sys.argv[1:4]
tree = etree.parse(signature_file)
c14n = lambda el: etree.tostring(el, method='c14n', exclusive=True, with_comments=False)
signature = tree.find('.//{%s}Signature' % DS)
data = b''
for reference in signature.find('{%s}SignedInfo' % DS).findall('{%s}Reference' % DS):
    uri = reference.get('URI')
    if uri.startswith('#'):
        data += c14n(tree.xpath('//*[@Id=$id]', id=uri[1:])[0])
    else:
        data += open(folder + '/' + urllib.parse.unquote(uri), 'rb').read()
for name in ('SignedInfo', 'SignatureValue', 'KeyInfo'):
    data += c14n(signature.find('{%s}%s' % (DS, name)))
unsigned = signature.find('.//{%s}UnsignedSignatureProperties' % XADES)
properties = list(unsigned)
last = max(i for i, el in enumerate(properties) if el.tag == '{%s}ArchiveTimeStamp' % XADES141)
for el in properties[:last]:
    data += c14n(el)
open(out, 'wb').write(data)
`;

/** Unpacks the container under `work` and returns what its last archive time-stamp must cover. */
export async function independentArchiveInput(work: string, edoc: Uint8Array): Promise<Buffer> {
  const folder = unpackTo(work, edoc);
  const out = join(folder, '..', `input-${Date.now()}-${Math.random()}.bin`);
  await run('/usr/bin/python3', ['-c', LXML_INPUT, folder, join(folder, SIGNATURE_ENTRY), out], { timeout: 30_000 });
  return readFileSync(out);
}
