import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTINGS } from '../src/config.js';
import { i18nextTranslate, translationKeys, translator } from '../src/i18n.js';
import { createLogger, maskPersonalCodesIn } from '../src/log.js';
import { readFileSync } from 'node:fs';

describe('settings', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ environment: 'development', port: 3000, host: '127.0.0.1', demoStudents: 2000, logLevel: 'info' });
    expect(config.databaseUrl).toMatch(/data[\\/]portal\.db$/);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://u@h:5432/db',
      DEMO_STUDENTS: '0',
      LOG_LEVEL: 'warn',
      SEAL_WORKERS: '3',
      TSA_URL: 'http://tsa.example/',
    });
    expect(config).toMatchObject({ port: 8080, environment: 'test', databaseUrl: 'postgres://u@h:5432/db', demoStudents: 0, logLevel: 'warn' });
    expect(config.sealing).toMatchObject({ workers: 3, tsaUrl: 'http://tsa.example/', signer: undefined });
  });

  it('in production, refuses to start without a seal key and trust roots, and takes a PKCS#11 token', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/production needs the seal key[\s\S]*TRUSTED_SEAL_ROOTS_FILE/);
    const file = new URL('../package.json', import.meta.url).pathname;
    const config = loadConfig({
      NODE_ENV: 'production',
      SEAL_PKCS11_LIBRARY: file,
      SEAL_PKCS11_PIN: '1234',
      SEAL_PKCS11_TOKEN: 'seal',
      TRUSTED_SEAL_ROOTS_FILE: file,
      SEAL_ORGANIZATION_ID: 'NTRLV-90001234567',
      SUPPORT_EMAIL: 'eksameni@viaa.example.lv',
      SUPPORT_PHONE: '+371 67 000 001',
    });
    expect(config.contact).toMatchObject({ email: 'eksameni@viaa.example.lv', phone: '+371 67 000 001' });
    expect(config.sealing.signer).toEqual({ kind: 'pkcs11', library: file, pin: '1234', tokenLabel: 'seal', keyLabel: undefined, chainFile: undefined });
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        SEAL_KEY_FILE: '/no/such/key.pem',
        SEAL_CERT_FILE: file,
        TRUSTED_SEAL_ROOTS_FILE: file,
        SEAL_ORGANIZATION_ID: 'NTRLV-90001234567',
        SUPPORT_EMAIL: 'eksameni@viaa.example.lv',
        SUPPORT_PHONE: '+371 67 000 001',
      }),
    ).toThrow(/SEAL_KEY_FILE: no file at/);
    // The help route on every page has no placeholder in production.
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SUPPORT_EMAIL must be an e-mail address[\s\S]*SUPPORT_PHONE must be a phone number/);
  });

  it('refuses wrong values with one clear message naming each', () => {
    try {
      loadConfig({ PORT: '70000', NODE_ENV: 'staging', DEMO_STUDENTS: 'many', DATABASE_URL: 'mysql://x' });
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('PORT="70000" must be a whole number from 1 to 65535');
      expect(message).toContain('NODE_ENV="staging" must be one of: development, production, test');
      expect(message).toContain('DEMO_STUDENTS="many"');
      expect(message).toContain('DATABASE_URL must be a postgres:// URL');
      expect(message).not.toContain('mysql://x');
    }
  });

  it('documents every setting in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(SETTINGS)) expect(readme).toContain(`\`${name}\``);
  });
});

describe('translations', () => {
  it('Latvian and English have the same keys', () => {
    expect(translationKeys('en').sort()).toEqual(translationKeys('lv').sort());
  });

  it('the fast translator says exactly what i18next says, for every key, with and without parameters', () => {
    const params = {
      value: 'X&<1>',
      part: 2,
      max: 30,
      row: 5,
      column: 'part_2',
      count: 3,
      number: '2026/1-LAT09',
      time: '03.07.2026 09:00',
      date: '01.02.2026',
      reason: 'r',
      name: 'N',
      exam: 'E',
      total: 1,
      parts: 'p',
      code: 'c',
      id: 'i',
      file: 'f',
      signer: 's',
      year: 'y',
      first: 1,
      expected: 2,
      actual: 1,
    };
    for (const lang of ['lv', 'en'] as const) {
      const t = translator(lang);
      for (const key of translationKeys(lang)) {
        expect(t(key), key).toBe(i18nextTranslate(lang, key));
        expect(t(key, params), key).toBe(i18nextTranslate(lang, key, params));
      }
      expect(t('no.such.key')).toBe(i18nextTranslate(lang, 'no.such.key'));
      const empty = { value: undefined, part: null, reason: '' };
      expect(t('import.row.points-not-number', empty)).toBe(i18nextTranslate(lang, 'import.row.points-not-number', empty));
    }
  });
});

describe('logs', () => {
  it('mask personal codes in every form, and leave candidate codes (12 digits) alone', () => {
    expect(maskPersonalCodesIn('a 161175-19997 b')).toBe('a 161175-***** b');
    expect(maskPersonalCodesIn('x=16117519997&y')).toBe('x=161175-*****&y');
    expect(maskPersonalCodesIn('32579461005')).toBe('3257*******');
    expect(maskPersonalCodesIn('a-161175 19997')).toBe('a-161175-*****');
    expect(maskPersonalCodesIn('candidate 301949081206')).toBe('candidate 301949081206');
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l)).info('x', { code: '161175-19997' });
    expect(lines[0]).not.toContain('19997');
    createLogger('warn', (l) => lines.push(l)).info('dropped');
    expect(lines).toHaveLength(1);
  });
});
