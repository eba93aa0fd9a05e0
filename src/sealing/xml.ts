/** The little XML work sealing needs: exclusive canonicalisation (by xml-crypto), escaping, namespaces. */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';

export const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xades: 'http://uri.etsi.org/01903/v1.3.2#',
  xades141: 'http://uri.etsi.org/01903/v1.4.1#',
  asic: 'http://uri.etsi.org/02918/v1.2.1#',
  manifest: 'urn:oasis:names:tc:opendocument:xmlns:manifest:1.0',
} as const;

export const ALGORITHM = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
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

/** Exclusive XML canonicalisation (without comments) of one element and its subtree. */
export function excC14n(element: Element): string {
  return canonicalizer.process(element as never, {});
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
