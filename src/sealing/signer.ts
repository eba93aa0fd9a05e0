/**
 * Whatever holds the agency's seal key. Files (PEM, PKCS#12) for development and tests, a PKCS#11 token
 * (a qualified seal lives in hardware) in production; the sealing code sees only this interface.
 */

export type SignatureAlgorithm = 'ECDSA_SHA256' | 'RSA_SHA256';

export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  /** DER certificates: the seal certificate first, then its issuers up to (not necessarily including) the root. */
  readonly certificateChain: readonly Uint8Array[];
  /**
   * Signs `data` with SHA-256. ECDSA returns the raw r‖s pair (IEEE P1363, as XML signatures need it);
   * RSA returns a PKCS#1 v1.5 signature.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Releases sessions or handles; a closed signer must not be used again. */
  close(): Promise<void>;
}

/** XML-DSig algorithm URIs of each signature algorithm. */
export const SIGNATURE_METHOD_URI: Record<SignatureAlgorithm, string> = {
  ECDSA_SHA256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  RSA_SHA256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
};
