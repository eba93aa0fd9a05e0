/**
 * The little XML work sealing and verifying need: canonicalisation (by xml-crypto), escaping, namespaces, and
 * safe parsing of XML we did not write.
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { C14nCanonicalization, ExclusiveCanonicalization } from 'xml-crypto';

export const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xades: 'http://uri.etsi.org/01903/v1.3.2#',
  xades141: 'http://uri.etsi.org/01903/v1.4.1#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  asic: 'http://uri.etsi.org/02918/v1.2.1#',
  manifest: 'urn:oasis:names:tc:opendocument:xmlns:manifest:1.0',
} as const;

export const ALGORITHM = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n10: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14n11: 'http://www.w3.org/2006/12/xml-c14n11',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  signedPropertiesType: 'http://uri.etsi.org/01903#SignedProperties',
} as const;

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

export class UnsafeXmlError extends Error {}

/**
 * Parses XML we did not write ourselves. A document type declaration is refused outright: it is how entity
 * expansion bombs and external entities get in, and no signature file needs one.
 */
export function parseXml(text: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new UnsafeXmlError('document type declarations are not allowed');
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(text, 'application/xml');
  if (errors.length > 0 || !doc.documentElement) throw new UnsafeXmlError(`malformed XML: ${errors[0] ?? 'no root element'}`);
  return doc;
}

const canonicalizer = new ExclusiveCanonicalization();
const inclusiveCanonicalizer = new C14nCanonicalization();

/** Exclusive XML canonicalisation (without comments) of one element and its subtree. */
export function excC14n(element: Element): string {
  return canonicalizer.process(element as never, {});
}

export type CanonicalizationAlgorithm = typeof ALGORITHM.excC14n | typeof ALGORITHM.c14n10 | typeof ALGORITHM.c14n11;

/** The canonicalisations we can compute, all without comments (the forms signatures use). */
export function isCanonicalization(uri: string | null | undefined): uri is CanonicalizationAlgorithm {
  return uri === ALGORITHM.excC14n || uri === ALGORITHM.c14n10 || uri === ALGORITHM.c14n11;
}

/** A subtree whose canonical form we cannot compute faithfully; the signature is then refused as unsupported. */
export class CanonicalizationUnsupportedError extends Error {}

/**
 * One element and its subtree in canonical form, by `algorithm`.
 *
 * Inclusive canonicalisation (C14N 1.0 and 1.1) of a subtree carries the namespace declarations in scope from
 * its ancestors onto the top element, and also the xml:* attributes of the ancestors. xml-crypto has C14N 1.0
 * only and leaves the ancestors' xml:* attributes to the caller, so they are added here on a copy of the top
 * element. C14N 1.1 differs from 1.0 only in those inherited attributes: xml:id is no longer inherited and an
 * inherited xml:base must be resolved against the ones in between. For a whole subtree (nothing inside it left
 * out, which is all a signature's references and time-stamps use) the output is otherwise the same, so 1.1 is
 * 1.0 without inherited xml:id; an ancestor's xml:base under 1.1 is refused rather than guessed at.
 * Processing instructions inside the subtree are refused too: xml-crypto would write them out as text.
 */
export function canonicalize(element: Element, algorithm: CanonicalizationAlgorithm): string {
  if (containsProcessingInstruction(element)) throw new CanonicalizationUnsupportedError('processing instruction in a signed subtree');
  if (algorithm === ALGORITHM.excC14n) return excC14n(element);
  const inherited = inheritedXmlAttributes(element, algorithm);
  let apex = element;
  if (inherited.length > 0) {
    apex = element.cloneNode(true) as Element;
    for (const { localName, value } of inherited) apex.setAttributeNS(NS.xml, `xml:${localName}`, value);
  }
  return inclusiveCanonicalizer.process(apex as never, { ancestorNamespaces: ancestorNamespaces(element) });
}

function containsProcessingInstruction(node: Node): boolean {
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 7 || containsProcessingInstruction(child)) return true;
  }
  return false;
}

/**
 * The namespace declarations in scope at `element` from its ancestors (nearest first wins), less those the
 * element declares itself and less its own prefix, which the canonicaliser writes on its own.
 */
function ancestorNamespaces(element: Element): { prefix: string; namespaceURI: string }[] {
  const own = new Set<string>([element.prefix ?? '']);
  for (const attribute of Array.from(element.attributes)) {
    if (attribute.name === 'xmlns') own.add('');
    else if (attribute.name.startsWith('xmlns:')) own.add(attribute.name.slice(6));
  }
  const seen = new Set<string>();
  const found: { prefix: string; namespaceURI: string }[] = [];
  for (let node = element.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    for (const attribute of Array.from((node as Element).attributes)) {
      const prefix = attribute.name === 'xmlns' ? '' : attribute.name.startsWith('xmlns:') ? attribute.name.slice(6) : undefined;
      if (prefix === undefined || seen.has(prefix)) continue;
      seen.add(prefix);
      // An undeclaration (xmlns="") only hides outer bindings; it is not a namespace in scope.
      if (!own.has(prefix) && attribute.value !== '') found.push({ prefix, namespaceURI: attribute.value });
    }
  }
  return found;
}

/** The xml:* attributes `element` inherits from its ancestors under inclusive canonicalisation. */
function inheritedXmlAttributes(element: Element, algorithm: CanonicalizationAlgorithm): { localName: string; value: string }[] {
  const present = new Set(
    Array.from(element.attributes)
      .filter((a) => a.namespaceURI === NS.xml)
      .map((a) => a.localName),
  );
  const inherited: { localName: string; value: string }[] = [];
  for (let node = element.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    for (const attribute of Array.from((node as Element).attributes)) {
      if (attribute.namespaceURI !== NS.xml || present.has(attribute.localName!)) continue;
      present.add(attribute.localName!);
      if (algorithm === ALGORITHM.c14n11 && attribute.localName === 'id') continue;
      if (algorithm === ALGORITHM.c14n11 && attribute.localName === 'base') {
        throw new CanonicalizationUnsupportedError('xml:base on an ancestor under C14N 1.1');
      }
      inherited.push({ localName: attribute.localName!, value: attribute.value });
    }
  }
  return inherited;
}

/** The element with the given Id attribute, anywhere in the document. */
export function elementById(doc: Document, id: string): Element | undefined {
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const el = all.item(i)!;
    if (el.getAttribute('Id') === id) return el;
  }
  return undefined;
}

export function childrenNS(parent: Element, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const el = node as Element;
      if (el.namespaceURI === ns && el.localName === localName) found.push(el);
    }
  }
  return found;
}

export function descendantsNS(parent: Element | Document, ns: string, localName: string): Element[] {
  const list = parent.getElementsByTagNameNS(ns, localName);
  return Array.from({ length: list.length }, (_, i) => list.item(i)!);
}
