/** The notice rules: which addresses are taken, what a mail server's answer means, and masking in logs. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isTemporaryFailure, maskEmailAddressesInText, parseEmailAddress, parseReleaseKey, releaseKey, retryDelayMs } from '../../src/domain/notices.js';
import { createLogger } from '../../src/log.js';

describe('notice rules', () => {
  it('takes an address trimmed with its domain in lower case, and refuses what is not one', () => {
    expect(parseEmailAddress('  Liga.Berzina@Example.LV ')).toEqual({ ok: true, email: 'Liga.Berzina@example.lv' });
    expect(parseEmailAddress('')).toEqual({ ok: false, problem: 'missing' });
    for (const wrong of ['liga', 'liga@', '@example.lv', 'liga@example', 'a b@example.lv', 'x@example.lv\r\nBcc: y@example.lv', 'a@b@example.lv']) {
      expect(parseEmailAddress(wrong), wrong).toEqual({ ok: false, problem: 'format' });
    }
    expect(parseEmailAddress(`${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.lv`)).toEqual({
      ok: false,
      problem: 'length',
    });
  });

  it('retries 4xx and lost connections with a growing pause, and stops at 5xx', () => {
    expect(isTemporaryFailure(451)).toBe(true);
    expect(isTemporaryFailure(421)).toBe(true);
    expect(isTemporaryFailure(undefined)).toBe(true);
    expect(isTemporaryFailure(550)).toBe(false);
    expect(isTemporaryFailure(554)).toBe(false);
    expect([1, 2, 3].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(4 * 3_600_000);
  });

  it('names a release moment by school year and education', () => {
    expect(releaseKey(2025, 'secondary')).toBe('2025:secondary');
    expect(parseReleaseKey('2025:basic')).toEqual({ startYear: 2025, education: 'basic' });
    expect(parseReleaseKey('2025:other')).toBeUndefined();
  });

  it('masks addresses in text and in every log line', () => {
    expect(maskEmailAddressesInText('550 5.1.1 <liga.berzina@example.lv>: no such user')).toBe('550 5.1.1 <l***@example.lv>: no such user');
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    log.warn('refused for janis@example.lv', { error: new Error('RCPT TO:<janis@example.lv> failed'), to: ['anna@example.lv'] });
    expect(lines[0]).not.toMatch(/janis@|anna@/);
    expect(lines[0]).toContain('j***@example.lv');
  });
});

describe('mail settings', () => {
  it('writes .eml files in development, needs SMTP and MAIL_FROM to offer notices in production', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/portal-data' }).mail).toMatchObject({ transport: { kind: 'files', dir: '/tmp/portal-data/mail' }, batchSize: 20 });
    expect(loadConfig({ SMTP_HOST: 'mail.example.lv', SMTP_PORT: '465', SMTP_USER: 'portal', SMTP_PASSWORD: 'secret' }).mail?.transport).toEqual({
      kind: 'smtp',
      host: 'mail.example.lv',
      port: 465,
      user: 'portal',
      password: 'secret',
    });
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.lv', SMTP_HOST: 'x' })).toThrow(/choose one of SMTP_URL and SMTP_HOST/);
    expect(() => loadConfig({ MAIL_FROM: 'no address' })).toThrow(/MAIL_FROM/);
  });
});
