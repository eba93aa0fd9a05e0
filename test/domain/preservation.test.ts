/** The rule deciding when a document's evidence needs a new archive time-stamp. */
import { describe, expect, it } from 'vitest';
import { preservationNeed, type NewestTimestamp } from '../../src/domain/preservation.js';

const DAY = 86_400_000;
const at = new Date('2030-01-01T00:00:00Z');
const stamp = (daysLeft: number, digests = ['sha256']): NewestTimestamp => ({
  kind: 'signature',
  genTime: new Date('2026-07-01T00:00:00Z'),
  certificateNotAfter: new Date(at.getTime() + daysLeft * DAY),
  digests,
});
const policy = { windowDays: 365, retiredDigests: [] };

describe('preservationNeed', () => {
  it('renews when the newest time-stamp’s certificate expires within the window, and not before', () => {
    expect(preservationNeed(stamp(366), true, at, policy)).toEqual({ action: 'none' });
    expect(preservationNeed(stamp(365), true, at, policy)).toMatchObject({ action: 'renew', reason: 'certificate-expiring' });
    expect(preservationNeed(stamp(1), true, at, policy)).toMatchObject({ action: 'renew', reason: 'certificate-expiring' });
  });

  it('is too late once that certificate has expired', () => {
    expect(preservationNeed(stamp(0), true, at, policy)).toMatchObject({ action: 'too-late' });
    expect(preservationNeed(stamp(-10), true, at, policy)).toMatchObject({ action: 'too-late' });
  });

  it('renews a time-stamp relying on a retired digest, SHA-1 and MD5 always, others when the agency says so', () => {
    expect(preservationNeed(stamp(3000, ['sha1', 'sha256']), true, at, policy)).toMatchObject({ action: 'renew', reason: 'digest-retired', digest: 'sha1' });
    expect(preservationNeed(stamp(3000, ['md5']), true, at, policy)).toMatchObject({ action: 'renew', reason: 'digest-retired' });
    expect(preservationNeed(stamp(3000, ['sha224']), true, at, policy)).toEqual({ action: 'none' });
    expect(preservationNeed(stamp(3000, ['sha224']), true, at, { windowDays: 365, retiredDigests: ['SHA224'] })).toMatchObject({ reason: 'digest-retired' });
  });

  it('leaves documents without long-term data or without a time-stamp to be sealed again', () => {
    expect(preservationNeed(stamp(10), false, at, policy)).toEqual({ action: 'not-long-term' });
    expect(preservationNeed(undefined, true, at, policy)).toEqual({ action: 'not-long-term' });
  });
});
