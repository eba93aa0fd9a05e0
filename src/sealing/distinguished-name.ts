/**
 * Comparing a distinguished name written as text (RFC 4514, as in the X509IssuerName of a XAdES
 * SigningCertificate) with one in a certificate. Signing tools write the same name differently: keywords or
 * object identifiers, `#`-hex BER values for types without a keyword (DSS writes organizationIdentifier so),
 * escaped or hex-escaped characters, and most write the most specific part first while a few keep the
 * certificate's order. Names are compared attribute by attribute, values without regard to case or runs of
 * spaces (as X.520 caseIgnoreMatch does for the strings certificates use).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { copyBytes } from './bytes.js';

const KEYWORDS: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SURNAME: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  S: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  TITLE: '2.5.4.12',
  GIVENNAME: '2.5.4.42',
  G: '2.5.4.42',
  ORGANIZATIONIDENTIFIER: '2.5.4.97',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  E: '1.2.840.113549.1.9.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};

type Attribute = [oid: string, value: string];

const normalise = (value: string) => value.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

/** The string inside a BER-encoded attribute value (any of the string types names use). */
function berString(bytes: Uint8Array): string | undefined {
  const asn1 = asn1js.fromBER(copyBytes(bytes));
  if (asn1.offset !== bytes.byteLength) return undefined;
  const value = (asn1.result as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  return typeof value === 'string' ? value : undefined;
}

/** RFC 4514 text → attributes in the order written; undefined when the text is not a name. */
function parseText(text: string): Attribute[] | undefined {
  const attributes: Attribute[] = [];
  let i = 0;
  const at = () => text[i];
  while (i < text.length) {
    while (at() === ' ') i++;
    let type = '';
    while (i < text.length && at() !== '=') type += text[i++];
    if (at() !== '=') return undefined;
    i++;
    type = type.trim();
    const oid = /^\d+(\.\d+)+$/.test(type) ? type : KEYWORDS[type.toUpperCase()];
    if (!oid) return undefined;
    let value: string | undefined;
    if (at() === '#') {
      let hex = '';
      i++;
      while (i < text.length && /[0-9a-fA-F]/.test(at()!)) hex += text[i++];
      if (hex.length === 0 || hex.length % 2 !== 0) return undefined;
      value = berString(Uint8Array.from(Buffer.from(hex, 'hex')));
      if (value === undefined) return undefined;
    } else {
      const bytes: number[] = [];
      let quoted = false;
      if (at() === '"') {
        quoted = true;
        i++;
      }
      for (; i < text.length; i++) {
        const c = text[i]!;
        if (quoted && c === '"') {
          i++;
          break;
        }
        if (!quoted && (c === ',' || c === '+' || c === ';')) break;
        if (c === '\\') {
          const pair = text.slice(i + 1, i + 3);
          if (/^[0-9a-fA-F]{2}$/.test(pair)) {
            bytes.push(parseInt(pair, 16));
            i += 2;
          } else if (i + 1 < text.length) {
            bytes.push(...Buffer.from(text[++i]!, 'utf8'));
          } else return undefined;
          continue;
        }
        bytes.push(...Buffer.from(c, 'utf8'));
      }
      value = Buffer.from(bytes).toString('utf8');
    }
    attributes.push([oid, normalise(value)]);
    while (at() === ' ') i++;
    if (i < text.length) {
      if (at() !== ',' && at() !== '+' && at() !== ';') return undefined;
      i++;
    }
  }
  return attributes.length > 0 ? attributes : undefined;
}

function certificateAttributes(name: pkijs.RelativeDistinguishedNames): Attribute[] | undefined {
  const attributes: Attribute[] = [];
  for (const { type, value } of name.typesAndValues) {
    const text = (value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
    if (typeof text !== 'string') return undefined;
    attributes.push([type, normalise(text)]);
  }
  return attributes;
}

const sameList = (a: Attribute[], b: Attribute[]) => a.length === b.length && a.every(([oid, value], i) => oid === b[i]![0] && value === b[i]![1]);

/** Whether `text` names `name` (read from a certificate), in either order. */
export function sameDistinguishedName(text: string, name: pkijs.RelativeDistinguishedNames): boolean {
  const written = parseText(text);
  const actual = certificateAttributes(name);
  if (!written || !actual) return false;
  return sameList([...written].reverse(), actual) || sameList(written, actual);
}
