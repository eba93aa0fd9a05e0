/** PEM text to and from DER: certificate chains read from configuration, keys and certificates written out. */
import { X509Certificate } from 'node:crypto';

/** The DER of every `CERTIFICATE` block of a PEM text, in order; an Error when a block is not a certificate. */
export function parsePemCertificates(pem: string): Uint8Array[] {
  const result: Uint8Array[] = [];
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g);
  let index = 0;
  for (const block of blocks) {
    index += 1;
    const der = new Uint8Array(Buffer.from((block[1] ?? '').replace(/\s+/g, ''), 'base64'));
    try {
      new X509Certificate(der);
    } catch {
      throw new Error(`certificate ${index} of the PEM chain is not a valid X.509 certificate`);
    }
    result.push(der);
  }
  return result;
}

export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}
