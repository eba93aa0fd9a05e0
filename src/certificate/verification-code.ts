/**
 * Verification codes: the secret printed on a certificate that lets whoever holds the document (or a printout)
 * confirm it on /verify without the holder's personal code.
 *
 * Sixteen characters of Crockford's base 32 (digits and capital letters without I, L, O and U, so nothing reads as
 * something else), 80 random bits, printed in groups of four: `7KQ2-M9XD-4HTR-B8WN`. A reader's I and L are read
 * as 1 and O as 0, spaces and hyphens anywhere are ignored. The register keeps only a SHA-256 of the code with the
 * certificate number, so the same code under another number gives another hash, and a copy of the database does
 * not give the codes back (2^80 guesses per certificate).
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const VERIFICATION_CODE_LENGTH = 16;

/** A new code of 80 random bits, grouped for reading. */
export function newVerificationCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = VERIFICATION_CODE_LENGTH - 1; i >= 0; i--) code += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return formatVerificationCode(code);
}

/** `7KQ2M9XD4HTRB8WN` as printed: `7KQ2-M9XD-4HTR-B8WN`. */
export function formatVerificationCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

/**
 * The code as typed or read from an address, normalised to its sixteen characters without hyphens, or undefined
 * when it cannot be one (wrong length, a character outside the alphabet).
 */
export function parseVerificationCode(text: string): string | undefined {
  const compact = text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\u00A0\u2010-\u2015-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (compact.length !== VERIFICATION_CODE_LENGTH) return undefined;
  for (const ch of compact) if (!ALPHABET.includes(ch)) return undefined;
  return compact;
}

/** What the register keeps of a code: SHA-256 of the certificate number and the normalised code, in hex. */
export function verificationCodeHash(certificateNumber: string, code: string): string {
  const normalised = parseVerificationCode(code);
  if (!normalised) throw new RangeError('not a verification code');
  return createHash('sha256').update(`lv-ce-verification-code\0${certificateNumber}\0${normalised}`).digest('hex');
}

/** The page that checks a certificate, under the portal's public address. */
export const VERIFY_PATH = '/verify';

/** The address that opens the check of one certificate with its number and code filled in (the QR code's content). */
export function verificationAddress(publicUrl: string, certificateNumber: string, code: string): string {
  const normalised = parseVerificationCode(code);
  if (!normalised) throw new RangeError('not a verification code');
  // The number's "/" and "-" are allowed in a query as they are, which keeps the QR code small and the address readable.
  return `${publicUrl.replace(/\/+$/, '')}${VERIFY_PATH}?number=${certificateNumber}&code=${normalised}`;
}

/** The verification page as a reader types it: the public address without its scheme ("eksameni.gov.lv/verify"). */
export function verificationPage(publicUrl: string): string {
  return `${publicUrl.replace(/^https?:\/\//, '').replace(/\/+$/, '')}${VERIFY_PATH}`;
}
