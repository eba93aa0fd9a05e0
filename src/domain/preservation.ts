/**
 * When a sealed document needs a new archive time-stamp (XAdES B-LTA, EN 319 132-1 §5.5.2, renewal as in
 * EN 319 102-1 §5.6.2.3): its evidence rests on its newest time-stamp (the signature time-stamp, or the latest
 * archive time-stamp, which covers everything before it). That time-stamp proves something only while its
 * authority's certificate is valid and its digest algorithm is trusted, so a new one must be added, by a
 * certificate that lives longer and with a trusted algorithm, before either runs out.
 */

/** Digest algorithms by the names the settings use (RETIRED_DIGEST_ALGORITHMS). */
export const DIGEST_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** Broken for collisions: retired whatever the settings say. */
export const ALWAYS_RETIRED_DIGESTS: readonly DigestAlgorithm[] = ['md5', 'sha1'];

/** The digest the portal's own archive time-stamps use; it cannot be retired until they use another. */
export const ARCHIVE_TIMESTAMP_DIGEST: DigestAlgorithm = 'sha256';

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(name);
}

export interface NewestTimestamp {
  kind: 'signature' | 'archive';
  genTime: Date;
  /** When the time-stamp authority's certificate expires. */
  certificateNotAfter: Date;
  /** Every digest the time-stamp relies on: the imprint's and the one its signature is made over. */
  digests: readonly string[];
}

export interface PreservationPolicy {
  /** Renew when the newest time-stamp's certificate expires within this many days. */
  windowDays: number;
  /** Digests the agency no longer trusts, beside those always retired. */
  retiredDigests: readonly string[];
}

export type PreservationNeed =
  | { action: 'none' }
  /** Renew now: the certificate expires within the window, or an algorithm is retired. */
  | { action: 'renew'; reason: 'certificate-expiring' | 'digest-retired'; expiresAt: Date; digest?: string }
  /** Too late: the certificate has already expired, so a new time-stamp would prove nothing about the old one. */
  | { action: 'too-late'; expiredAt: Date }
  /** No long-term data to preserve (B-B or B-T): it would have to be sealed again. */
  | { action: 'not-long-term' };

const DAY_MS = 86_400_000;

/**
 * What the document whose evidence ends in `newest` needs at `at`; `longTerm`: it carries the validation data
 * (B-LT or B-LTA). An expired certificate wins over a retired digest: neither can be mended then.
 */
export function preservationNeed(newest: NewestTimestamp | undefined, longTerm: boolean, at: Date, policy: PreservationPolicy): PreservationNeed {
  if (!newest || !longTerm) return { action: 'not-long-term' };
  const expiresAt = newest.certificateNotAfter;
  if (expiresAt.getTime() <= at.getTime()) return { action: 'too-late', expiredAt: expiresAt };
  const retired = new Set<string>([...ALWAYS_RETIRED_DIGESTS, ...policy.retiredDigests.map((d) => d.toLowerCase())]);
  const digest = newest.digests.find((d) => retired.has(d.toLowerCase()));
  if (digest) return { action: 'renew', reason: 'digest-retired', expiresAt, digest };
  if (expiresAt.getTime() - at.getTime() <= policy.windowDays * DAY_MS) return { action: 'renew', reason: 'certificate-expiring', expiresAt };
  return { action: 'none' };
}
