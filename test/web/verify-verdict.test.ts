/**
 * The verification page's answers: one verdict first (genuine and valid, genuine but annulled, not genuine, not a
 * certificate file, not found), then the facts, then the technical details; a file that is no .edoc is a form
 * error; the number is accepted as the download's file name carries it; what was typed survives an error; the
 * language switch after a check leads to a page, not a 404.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { createApp } from '../../src/web/app.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { ANNULMENT_REASON, verdictFiles, type VerdictFiles } from '../support/verdict-files.js';

let dataDir: string;
let setup: SealingSetup;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'verify-verdict-'));
  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
});

afterAll(async () => {
  await setup.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The verdict heading's words, without its sign. */
function verdictOf(body: string): string | undefined {
  return /<h1 id="verdict"[^>]*><span class="verdict-icon" aria-hidden="true">[^<]*<\/span> ([^<]*)<\/h1>/.exec(body)?.[1];
}

/** The href of the header's language switch. */
function languageSwitch(body: string, to: 'lv' | 'en'): string {
  return new RegExp(`<a class="switch" href="([^"]*)" hreflang="${to}"`).exec(body)![1]!.replaceAll('&amp;', '&');
}

describe.each(DATABASE_KINDS)('the verification page’s verdict, on %s', (kind) => {
  let test: TestDatabase;
  let files: VerdictFiles;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    files = await verdictFiles(test.handle.db, setup);
    app = createApp({ db: test.handle.db, log: createLogger('silent'), trust: setup.trust });
  });
  afterAll(async () => test.close());

  function upload(bytes: Uint8Array, lang: 'lv' | 'en', name = 'sertifikats.edoc') {
    const form = new FormData();
    form.append('edoc', new Blob([bytes]), name);
    return app.request(`/verify?lang=${lang}`, { method: 'POST', body: form });
  }

  function lookup(number: string, code: string, lang: 'lv' | 'en') {
    return app.request(`/verify/number?lang=${lang}`, {
      method: 'POST',
      body: new URLSearchParams({ number, code }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  it('says a genuine certificate is genuine and valid, then its facts, then the seal’s details folded away', async () => {
    const lv = await upload(files.valid, 'lv');
    expect(lv.status).toBe(200);
    const body = await lv.text();
    expect(verdictOf(body)).toBe('Īsts un derīgs');
    expect(body).toMatch(/<title>Īsts un derīgs · Sertifikāta pārbaude · /);
    // The verdict comes before the facts, and the facts before the technical details.
    const order = ['id="verdict"', 'Ziņas par sertifikātu', '<details class="verify-technical">'].map((text) => body.indexOf(text));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(body).toContain(`<dt>Numurs</dt><dd>${files.validNumber}</dd>`);
    expect(body).toContain('<dt>Kopvērtējums</dt><dd>88 %</dd>');
    expect(body).toContain('<dt>Reģistrā</dt><dd>spēkā</dd>');
    expect(body).toMatch(/<dt>Zīmoga līmenis<\/dt><dd>B-LT \(ar laika zīmogu un ilgtermiņa pārbaudes datiem\)<\/dd>/);
    // The holder's personal code only masked; the file's digest among the technical details.
    expect(body).not.toContain(files.validPersonalCode);
    expect(body).toContain(`<dt>Personas kods</dt><dd>${files.validPersonalCode.slice(0, 6)}-*****</dd>`);
    expect(body.slice(body.indexOf('<details'))).toContain('Datnes SHA-256');
    expect(body).toMatch(/Pārbaudīts \d\d\.\d\d\.\d{4} \d\d:\d\d \(Latvijas laiks\)/);
    expect(body).toContain('<a href="/verify?lang=lv">Pārbaudīt citu sertifikātu</a>');

    const en = await (await upload(files.valid, 'en')).text();
    expect(verdictOf(en)).toBe('Genuine and valid');
    expect(en).toContain('<dt>Total</dt><dd>88 %</dd>');
    expect(en).toContain('<a href="/verify?lang=en">Check another certificate</a>');
  });

  it('says an annulled certificate is genuine but annulled, with the date and the reason the register holds', async () => {
    const today = new Date().toLocaleDateString('lv-LV', { timeZone: 'Europe/Riga', day: '2-digit', month: '2-digit', year: 'numeric' });
    const lv = await (await upload(files.annulled, 'lv')).text();
    expect(verdictOf(lv)).toBe('Īsts, bet ANULĒTS');
    expect(lv).toContain(`Sertifikāts anulēts ${today}, un tas vairs nav derīgs.`);
    expect(lv).toContain(`Anulēšanas iemesls: ${ANNULMENT_REASON}`);
    const en = await (await upload(files.annulled, 'en')).text();
    expect(verdictOf(en)).toBe('Genuine but ANNULLED');
    expect(en).toContain(`The certificate was annulled on ${today} and is no longer valid.`);
    expect(en).toContain(`Reason for the annulment: ${ANNULMENT_REASON}`);
    expect(en).toContain(`<dt>In the register</dt><dd>annulled on ${today}</dd>`);
  });

  it('says a tampered certificate is not genuine, and why in plain words, without stating its facts', async () => {
    const lv = await (await upload(files.tampered, 'lv')).text();
    expect(verdictOf(lv)).toBe('Nav īsts');
    expect(lv).toContain('Kāpēc');
    expect(lv).not.toContain('Ziņas par sertifikātu');
    const en = await (await upload(files.tampered, 'en')).text();
    expect(verdictOf(en)).toBe('Not genuine');
    expect(en).toContain('<li>The file “certificate-data.json” was changed after sealing.</li>');
    expect(en).not.toContain('98 %');
    expect(en).toContain('Do not accept this file.');
  });

  it('says an .edoc that holds no certificate is not a certificate file', async () => {
    const lv = await (await upload(files.otherDocument, 'lv')).text();
    expect(verdictOf(lv)).toBe('Nav sertifikāta datne');
    const en = await (await upload(files.otherDocument, 'en')).text();
    expect(verdictOf(en)).toBe('Not a certificate file');
    expect(en).toContain('The container has no certificate data file, or it is damaged.');
  });

  for (const [what, pick, name] of [
    ['a PDF', (f: VerdictFiles) => f.pdf, 'sertifikats.pdf'],
    ['a photo', (f: VerdictFiles) => f.photo, 'foto.png'],
    ['random bytes', (f: VerdictFiles) => f.randomBytes, 'sertifikats.edoc'],
    ['a ZIP without the ASiC-E media type', (f: VerdictFiles) => f.plainZip, 'sertifikats.zip'],
  ] as const) {
    it(`answers ${what} with an error on the upload field, not with a verdict`, async () => {
      const lv = await upload(pick(files), 'lv', name);
      expect(lv.status).toBe(400);
      const body = await lv.text();
      expect(verdictOf(body)).toBeUndefined();
      expect(body).toMatch(/<title>Kļūda: Sertifikāta pārbaude · /);
      expect(body).toContain('<a href="#edoc">Šī nav .edoc datne. Palūdziet sertifikāta īpašniekam .edoc datni vai pārbaudiet sertifikātu pēc numura.</a>');
      expect(body).toMatch(/<p class="field-error" id="edoc-error">/);
      expect(body).toMatch(/<input type="file" id="edoc"[^>]*aria-describedby="edoc-hint edoc-error"[^>]*aria-invalid="true"/);
      const en = await (await upload(pick(files), 'en', name)).text();
      expect(en).toMatch(/<title>Error: Check a certificate · /);
      expect(en).toContain(
        '<a href="#edoc">This is not an .edoc file. Ask the certificate’s holder for the .edoc file, or check the certificate by its number.</a>',
      );
    });
  }

  it('checks a number typed as the download’s file name carries it', async () => {
    const fileNameForm = files.validNumber.replace('/', '-');
    for (const typed of [fileNameForm, `sertifikats-${fileNameForm}.edoc`]) {
      const body = await (await lookup(typed, files.validPersonalCode, 'en')).text();
      expect(verdictOf(body), typed).toBe('Genuine and valid');
      expect(body).toContain(`<dt>Number</dt><dd>${files.validNumber}</dd>`);
    }
    const lv = await (await lookup(fileNameForm, files.validPersonalCode, 'lv')).text();
    expect(verdictOf(lv)).toBe('Īsts un derīgs');
    expect(lv).toContain('Reģistrā ir spēkā esošs sertifikāts ar šo numuru, un tas izsniegts personai ar norādīto personas kodu.');
  });

  it('says "not found" for a number and code that match nothing, in both languages', async () => {
    const wrong = files.session.personalCodes[1]!;
    expect(verdictOf(await (await lookup(files.validNumber, wrong, 'lv')).text())).toBe('Sertifikāts nav atrasts');
    const en = await (await lookup(files.validNumber, wrong, 'en')).text();
    expect(verdictOf(en)).toBe('No certificate found');
    expect(en).toContain('No certificate with this number and personal code was found.');
    expect(en).not.toContain('About the certificate');
  });

  it('keeps what was typed after an error, the personal code in its field, with a summary linking to each field', async () => {
    const res = await lookup('2026/12345-KUMAL', '161175-19998', 'lv');
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toMatch(/<title>Kļūda: Sertifikāta pārbaude · /);
    expect(body).toMatch(/<input type="text" id="number" name="number" value="2026\/12345-KUMAL"/);
    expect(body).toMatch(/<input type="text" id="code" name="code" value="161175-19998"/);
    expect(body).toMatch(/<a href="#number">Numuram jābūt formā/);
    expect(body).toMatch(/<a href="#code">[^<]*kontrolcipars nesakrīt/);
    // The summary comes first in the page's content, before the heading.
    expect(body.indexOf('class="error-summary"')).toBeLessThan(body.indexOf('<h1>'));
    // A verification code with a typo is kept too.
    const code = await (await lookup(files.validNumber, 'ABCD-EFGH', 'en')).text();
    expect(code).toMatch(/id="code" name="code" value="ABCD-EFGH"/);
    expect(code).toMatch(/id="number" name="number" value="[^"]+"/);
  });

  it('switches language after a check to the form in the other language, never a 404 and never with a code in the link', async () => {
    for (const res of [await lookup(files.validNumber, files.validPersonalCode, 'lv'), await upload(files.valid, 'lv')]) {
      const body = await res.text();
      const href = languageSwitch(body, 'en');
      expect(href).toBe('/verify?lang=en');
      const switched = await app.request(href);
      expect(switched.status).toBe(200);
      expect(await switched.text()).toContain('<h1>Check a certificate</h1>');
    }
    // After a form error too, and the old address of a look-up's answer opened again.
    const error = await (await lookup('x', files.validPersonalCode, 'en')).text();
    expect(languageSwitch(error, 'lv')).toBe('/verify?lang=lv');
    expect(error).not.toMatch(new RegExp(`href="[^"]*${files.validPersonalCode}`));
    const old = await app.request('/verify/number?lang=en');
    expect(old.status).toBe(303);
    expect(old.headers.get('location')).toBe('/verify?lang=en');
  });

  it('does not repeat a personal code typed into an address by hand in the language switch', async () => {
    const address = `/verify?number=${encodeURIComponent(files.validNumber)}&code=${encodeURIComponent(files.validPersonalCode)}`;
    const body = await (await app.request(address)).text();
    expect(verdictOf(body)).toBe('Īsts un derīgs');
    expect(languageSwitch(body, 'en')).toBe('/verify?lang=en');
  });

  it('writes every upload of a certificate and every look-up to the audit log, as before', async () => {
    const count = async (action: string) =>
      Number(
        (
          await test.handle.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('action', '=', action)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const uploads = await count('certificate.verify-upload');
    const lookups = await count('certificate.verify-number');
    await upload(files.annulled, 'en');
    await lookup(files.validNumber.replace('/', '-'), files.validPersonalCode, 'en');
    expect(await count('certificate.verify-upload')).toBe(uploads + 1);
    expect(await count('certificate.verify-number')).toBe(lookups + 1);
  });
});
