/** Byte-array helpers shared by the PKI code. */

/** A copy in a fresh ArrayBuffer (asn1js and WebCrypto want ArrayBuffer-backed input of exactly these bytes). */
export function copyBytes(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/** Whether two byte arrays are equal, in time that does not depend on where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
