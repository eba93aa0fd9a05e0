/**
 * The checks anyone may ask for and their limits, shared by the page (/verify) and the API (/api/verify): the
 * same counters and the same audit, so switching between them gains a guesser nothing.
 */
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { RateLimits, type Attempt, type RateLimit } from '../data/rate-limits.js';
import {
  checkCertificateByNumber,
  checkUploadedCertificate,
  type EdocVerifier,
  type HolderProof,
  type NumberCheck,
  type UploadCheck,
} from '../data/verification.js';
import { buildCertificateNumber, parseCertificateNumber } from '../domain/certificate-number.js';
import { parsePersonalCode } from '../domain/personal-code.js';
import { parseVerificationCode } from '../certificate/verification-code.js';
import { addressBuckets, type AddressScope } from '../net/address-buckets.js';
import type { ContainerProblem } from '../sealing/asic.js';
import type { VerificationReport } from '../sealing/verify.js';
import type { TrustedProxies } from '../net/trusted-proxies.js';
import { clientAddress } from './client-address.js';

const TEN_MINUTES = 10 * 60_000;

/**
 * Number look-ups per 10 minutes. One visitor (an IPv4 address, an IPv6 /64) gets what a person checking a few
 * certificates needs; an IPv6 /56 (one customer of an ISP) a little more; an IPv4 /24 (a company, a school
 * district, a carrier's NAT pool) and an IPv6 /48 (one site, or 256 ISP customers) three visitors' worth, so
 * neighbours are not shut out by one busy visitor and one attacker's /48 gives 60 tries, not 1.3 million.
 */
const LOOKUP_LIMITS = addressLimits('verify.lookup', { visitor: 20, 'ipv6/56': 40, wide: 60 });

/** Each upload is unzipped and its signature checked, the costliest thing anyone may ask: one network's share is bounded. */
const UPLOAD_LIMITS = addressLimits('verify.upload', { visitor: 60, 'ipv6/56': 120, wide: 180 });

/**
 * Wrong guesses against one certificate number, from anywhere: five an hour, ten a day. A holder typing their
 * own code needs far fewer; a guesser who knows the holder's birth date still faces some thousand personal codes,
 * and a verification code has 2^80.
 */
const NUMBER_LIMITS: readonly RateLimit[] = [
  { name: 'verify.number', limit: 5, windowMs: 60 * 60_000 },
  { name: 'verify.number.day', limit: 10, windowMs: 24 * 60 * 60_000 },
];

/** One limit per kind of address group (see address-buckets.ts): a visitor, an IPv6 /56, and the wide blocks. */
export function addressLimits(name: string, limits: { visitor: number; 'ipv6/56': number; wide: number }): Record<AddressScope, RateLimit> {
  const visitor = { name, limit: limits.visitor, windowMs: TEN_MINUTES };
  return {
    unknown: visitor,
    ipv4: visitor,
    'ipv6/64': visitor,
    'ipv6/56': { name: `${name}/56`, limit: limits['ipv6/56'], windowMs: TEN_MINUTES },
    'ipv4/24': { name: `${name}/24`, limit: limits.wide, windowMs: TEN_MINUTES },
    'ipv6/48': { name: `${name}/48`, limit: limits.wide, windowMs: TEN_MINUTES },
  };
}

/** The attempts one request counts toward under `limits`. */
export function addressAttempts(limits: Record<AddressScope, RateLimit>, address: string | undefined): Attempt[] {
  return addressBuckets(address).map((bucket) => ({ rule: limits[bucket.scope], key: bucket.key }));
}

/** Which code the visitor gave: the holder's personal code or the document's verification code. */
export type ProofKind = 'personal-code' | 'verification-code';

export type HolderCode = { ok: true; proof: HolderProof; kind: ProofKind } | { ok: false; kind: ProofKind; problemKey: string };

/**
 * One field takes either code: eleven digits (a hyphen after the sixth allowed) are a personal code, sixteen
 * characters of the verification alphabet (hyphens and spaces allowed) a verification code. What fits neither is
 * explained as the code it looks more like: anything with a letter, or sixteen characters, as a verification code.
 */
export function parseHolderCode(text: string): HolderCode {
  const personal = parsePersonalCode(text);
  if (personal.ok) return { ok: true, proof: { personalCode: personal.code }, kind: 'personal-code' };
  const verification = parseVerificationCode(text);
  if (verification) return { ok: true, proof: { verificationCode: verification }, kind: 'verification-code' };
  const compact = text.replace(/[\s-]/g, '');
  if (/\p{L}/u.test(compact) || compact.length >= 16) return { ok: false, kind: 'verification-code', problemKey: 'verify.code-format' };
  return { ok: false, kind: 'personal-code', problemKey: `personalCode.${personal.problem}` };
}

/**
 * Container problems that mean an upload is no .edoc at all: not a ZIP (a PDF, a photo), or a ZIP without the
 * ASiC-E media type in front (an office document, an archive of something else). The visitor chose the wrong file;
 * nothing about a certificate follows from it.
 */
const NOT_AN_EDOC: readonly ContainerProblem[] = ['not-a-zip', 'mimetype-not-first', 'wrong-mimetype'];

export function isNotAnEdoc(report: VerificationReport): boolean {
  return report.problems.some((p) => NOT_AN_EDOC.some((problem) => p.key === `verify.container.${problem}`));
}

export type LookupOutcome =
  /** `number` and `code` are the fields at fault, each with a text key. */
  | { outcome: 'invalid'; problems: { field: 'number' | 'code'; key: string; params?: Record<string, string> }[] }
  /** Refused by a limit; `byNumber` when it was the certificate number's budget of wrong codes. */
  | { outcome: 'refused'; kind: ProofKind; byNumber: boolean; retryAt: Date; retryAfterSeconds: number }
  | { outcome: 'checked'; kind: ProofKind; check: NumberCheck };

export type UploadOutcome = { outcome: 'refused'; retryAfterSeconds: number } | { outcome: 'checked'; check: UploadCheck };

export interface VerificationDependencies {
  db: Kysely<Database>;
  /** Checks an upload: the verification worker pool in the portal. */
  verify: EdocVerifier;
  trustedProxies?: TrustedProxies;
}

export class Verification {
  // Counted in the database, shared by every instance: guesses are slowed down wherever they land.
  private readonly limits: RateLimits;

  constructor(private readonly deps: VerificationDependencies) {
    this.limits = new RateLimits(deps.db);
  }

  /** A look-up by number and code, within the visitor's and the number's limits, audited with `channel`. */
  async lookup(c: Context, numberText: string, codeText: string, channel: string): Promise<LookupOutcome> {
    const problems: Extract<LookupOutcome, { outcome: 'invalid' }>['problems'] = [];
    const parsed = parseCertificateNumber(numberText);
    if (!parsed) problems.push({ field: 'number', key: 'verify.bad-number' });
    const code = parseHolderCode(codeText);
    if (!code.ok) problems.push({ field: 'code', key: code.problemKey });
    if (!parsed || !code.ok) return { outcome: 'invalid', problems };
    // Every spelling of a number (a lower-case exam code) spends the same budget.
    const numberAttempts = NUMBER_LIMITS.map((rule) => ({ rule, key: buildCertificateNumber(parsed) }));
    // The visitor's own counters first: a visitor already refused does not spend a number's budget.
    const admission = await this.limits.admit([...addressAttempts(LOOKUP_LIMITS, clientAddress(c, this.deps.trustedProxies)), ...numberAttempts]);
    if (!admission.allowed) {
      const { retryAt, retryAfterSeconds } = admission;
      return { outcome: 'refused', kind: code.kind, byNumber: NUMBER_LIMITS.includes(admission.rule), retryAt, retryAfterSeconds };
    }
    const check = await checkCertificateByNumber(this.deps.db, numberText, code.proof, { actor: 'public', channel });
    // Only wrong guesses spend a number's budget, so the holder and those they show it to can check it as often
    // as they like. Whether to answer was decided above, before the code was compared: once the budget is
    // spent the right code is refused like any other, or the refusal itself would tell a guesser "wrong".
    if (check.found) await this.limits.giveBack(admission.counted.filter((attempt) => NUMBER_LIMITS.includes(attempt.rule)));
    return { outcome: 'checked', kind: code.kind, check };
  }

  /** Whether the visitor may have another upload checked now. */
  async admitUpload(c: Context): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const admission = await this.limits.admit(addressAttempts(UPLOAD_LIMITS, clientAddress(c, this.deps.trustedProxies)));
    return admission.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: admission.retryAfterSeconds };
  }

  /** An uploaded document's check, in the verification pool; errors (a busy pool, a check too slow) propagate. */
  checkUpload(bytes: Uint8Array, channel: string): Promise<UploadCheck> {
    return checkUploadedCertificate(this.deps.db, bytes, this.deps.verify, { actor: 'public', channel });
  }
}
