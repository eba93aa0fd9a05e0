/**
 * The document tells its reader how to check it: the QR code on a sealed certificate's PDF (rendered by poppler,
 * read by jsQR) is the address that opens /verify with the number and code filled in, and that address says
 * genuine. The code also works in place of the personal code on the form, within the same limits.
 * Needs poppler-utils.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CERTIFICATE_DATA_FILE } from '../../src/certificate/facts.js';
import { annulCertificate } from '../../src/data/certificates.js';
import { createLogger } from '../../src/log.js';
import { openAsice } from '../../src/sealing/asic.js';
import { pdfFileName } from '../../src/sealing/seal.js';
import { createApp } from '../../src/web/app.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import type { SeededSession } from '../support/register.js';
import { sealedKumalSession } from '../support/sealed-session.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

const jsQR = jsQRModule.default;
const PUBLIC_URL = 'https://eksameni.example.lv';

let dir: string;
let sealing: TestSealing;
let test: TestDatabase;
let s: SeededSession;
let app: ReturnType<typeof createApp>;
const documents = new Map<string, Uint8Array>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verify-code-'));
  sealing = await startTestSealing(1, { publicUrl: PUBLIC_URL });
  test = await openTestDatabase('sqlite');
  const db = test.handle.db;
  const sealed = await sealedKumalSession(db, (f) => sealing.pool.seal(f));
  s = sealed.session;
  for (const [number, edoc] of sealed.documents) documents.set(number, edoc);
  await annulCertificate(db, numberOf(1), 'Darbs anulēts', { actor: 't' });
  app = createApp({ db, log: createLogger('silent'), trust: sealing.setup.trust });
});

afterAll(async () => {
  await sealing.close();
  await test.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // Every test starts with fresh counters.
  await test.handle.db.deleteFrom('rate_limit_counters').execute();
});

const numberOf = (i: number) => `2026/${s.candidateCodes[i]}-KUMAL`;

/** The code printed on a certificate, as its data file carries it. */
function codeOf(i: number): string {
  const data = openAsice(documents.get(numberOf(i))!).files.get(CERTIFICATE_DATA_FILE)!;
  return (JSON.parse(new TextDecoder().decode(data)) as { verification: { code: string } }).verification.code;
}

/** The PDF inside a sealed certificate rendered at 150 dpi, its QR code read as a phone would. */
function qrCodeOf(i: number): string | undefined {
  const pdf = openAsice(documents.get(numberOf(i))!).files.get(pdfFileName(numberOf(i)))!;
  const file = join(dir, `certificate-${i}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', file, join(dir, `page-${i}`)]);
  const png = PNG.sync.read(readFileSync(join(dir, `page-${i}.png`)));
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data;
}

function lookup(number: string, code: string, lang = 'en') {
  return app.request(`/verify/number?lang=${lang}`, {
    method: 'POST',
    body: new URLSearchParams({ number, code }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

describe('the verification address printed on a certificate', () => {
  it('is what the QR code holds, and opening it says the certificate is genuine, whose it is and its result', async () => {
    const address = qrCodeOf(0);
    expect(address).toBe(`${PUBLIC_URL}/verify?number=${numberOf(0)}&code=${codeOf(0).replaceAll('-', '')}`);
    const url = new URL(address!);
    const res = await app.request(`${url.pathname}${url.search}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    expect(res.headers.get('cache-control')).toContain('private');
    const body = await res.text();
    expect(body).toContain('Īsts un derīgs</h1>');
    expect(body).toContain('Pārbaudes kods pieder dokumentam, ko aģentūra apzīmogojusi ar šo numuru, un reģistrā sertifikāts ir spēkā.');
    expect(body).toContain('Līga');
    expect(body).toContain('<dt>Kopvērtējums</dt><dd>88 %</dd>');
    // In English too.
    expect(await (await app.request(`${url.pathname}${url.search}&lang=en`)).text()).toContain(
      'The verification code belongs to the document the agency sealed under this number, and the register holds the certificate as valid.',
    );
  });

  it('says an annulled certificate is annulled', async () => {
    const body = await (await app.request(`/verify?number=${numberOf(1)}&code=${codeOf(1)}&lang=en`)).text();
    expect(body).toContain('Genuine but ANNULLED</h1>');
    expect(body).toContain('Reason for the annulment: Darbs anulēts');
  });

  it('is written to the audit log like a look-up by personal code, and the code nowhere in it', async () => {
    await app.request(`/verify?number=${numberOf(0)}&code=${codeOf(0)}`);
    const entry = await test.handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'certificate.verify-number')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: 'public', channel: 'verify', subject: `certificate:${numberOf(0)}` });
    expect(JSON.parse(entry.details!)).toEqual({ found: true, by: 'verification-code' });
    expect(JSON.stringify(entry)).not.toContain(codeOf(0));
    expect(JSON.stringify(entry)).not.toContain(codeOf(0).replaceAll('-', ''));
  });
});

describe('the form takes the verification code in place of the personal code', () => {
  it('offers one field for either code, with a hint where to find the verification code', async () => {
    const page = await (await app.request('/verify?lang=en')).text();
    expect(page).toMatch(/<label for="code">Holder’s personal code or verification code<\/label>/);
    expect(page).toContain('The verification code is printed at the foot of the certificate');
  });

  it('confirms a certificate by its code however it is typed, and still by the personal code', async () => {
    for (const typed of [codeOf(0), codeOf(0).toLowerCase(), codeOf(0).replaceAll('-', ' ')]) {
      const body = await (await lookup(numberOf(0), typed)).text();
      expect(body).toContain('The verification code belongs to the document the agency sealed under this number');
      expect(body).toContain('<dt>Total</dt><dd>88 %</dd>');
    }
    const byPersonalCode = await (await lookup(numberOf(0), s.personalCodes[0]!)).text();
    expect(byPersonalCode).toContain('The register holds a valid certificate with this number, issued to the person with the personal code given.');
    expect(byPersonalCode).not.toContain('The verification code belongs');
    // The answer shows the personal code only masked.
    expect(byPersonalCode).not.toContain(s.personalCodes[0]!);
  });

  it('answers a wrong code exactly like an unknown number, and another certificate’s code as wrong', async () => {
    const wrong = await (await lookup(numberOf(0), '0000-0000-0000-0000')).text();
    const others = await (await lookup(numberOf(0), codeOf(1))).text();
    const unknown = await (await lookup(`2026/${s.candidateCodes[0]}-LAT09`, '0000-0000-0000-0000')).text();
    expect(wrong).toContain('No certificate with this number and verification code was found.');
    // Alike but for the minute of the check.
    const bare = (text: string) => text.replace(/<p class="verify-checked">[^<]*<\/p>/, '');
    expect(bare(wrong)).toBe(bare(unknown));
    expect(bare(others)).toBe(bare(unknown));
  });

  it('explains a code that cannot be one, as a verification code when it has letters and as a personal code otherwise', async () => {
    const res = await lookup(numberOf(0), 'ABCD-EFGH', 'lv');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Pārbaudes kodā ir 16 burti un cipari');
    expect(await (await lookup(numberOf(0), '161175-19998', 'lv')).text()).toContain('kontrolcipars nesakrīt');
  });

  describe('within one hour', () => {
    beforeEach(() => {
      // Well inside every window (10 minutes, an hour, a day), so no count starts again during the test.
      const hour = 60 * 60_000;
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Math.ceil(Date.now() / hour) * hour + 33 * 60_000 + 20_000);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('spends the number’s budget of wrong codes from the form and the address alike, then refuses even the right code', async () => {
      for (let i = 0; i < 5; i++) {
        const res =
          i % 2 === 0
            ? await app.request(`/verify?number=${numberOf(0)}&code=${'0'.repeat(15)}${i}&lang=en`)
            : await lookup(numberOf(0), `${'0'.repeat(15)}${i}`);
        expect(res.status).toBe(200);
      }
      const refused = await app.request(`/verify?number=${numberOf(0)}&code=${codeOf(0)}&lang=en`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.text()).toContain('Too many wrong codes have been tried with this certificate number.');
    });
  });
});
