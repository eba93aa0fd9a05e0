// The certificate PDF, read back by independent tools: qpdf checks the file structure, poppler (pdfinfo,
// pdftotext, pdftoppm) reads the page size, the metadata and the structure tree, extracts the text through the
// fonts' ToUnicode maps and renders the page, whose QR code jsQR reads.
// Needs the Debian packages poppler-utils and qpdf.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateFacts, CertificateVerification } from '../../src/certificate/facts.js';
import { renderCertificatePdf, UnsupportedCharacterError } from '../../src/certificate/pdf.js';
import { verificationAddress, verificationPage } from '../../src/certificate/verification-code.js';
import { kumalFacts } from '../support/facts.js';

const NBSP = '\u00A0';

const kumal: CertificateFacts = kumalFacts();

const lat09: CertificateFacts = {
  kind: 'basic',
  number: '2026/733200000308-LAT09',
  firstName: 'Ģirts Ņikita',
  lastName: 'Šķēle-Žūriņa',
  personalCode: '321175-19992',
  examCode: 'LAT09',
  subjectLvLocative: 'latviešu valodā',
  subjectLv: 'Latviešu valoda',
  subjectEn: 'Latvian',
  level: null,
  schoolYear: 2025,
  examSession: { term: 'additional', startsOn: '2026-06-10', endsOn: '2026-06-11' },
  total: 68,
  parts: [
    { nameLv: '1. daļa', nameEn: 'Part 1', percent: 56 },
    { nameLv: '2. daļa', nameEn: 'Part 2', percent: 70 },
    { nameLv: '3. daļa', nameEn: 'Part 3', percent: 95 },
    { nameLv: '4. daļa', nameEn: 'Part 4', percent: 100 },
  ],
  issuedOn: '2026-06-05',
};

/** Every Latvian letter, capital and small, in the name; the other special characters in a part name. */
const allLetters: CertificateFacts = {
  ...kumal,
  number: '2024/601919002079-KUMAL',
  firstName: 'ĀČĒĢĪĶĻŅŠŪŽ',
  lastName: 'āčēģīķļņšūž',
  level: 'optimal',
  total: 0,
  parts: [{ nameLv: '„Dzeja“ un „proza” – № 2 — ’x’ (a) [b] {c} ~|@#$&*+=<>?^_`\\/;:!"\'', nameEn: 'Part', percent: 0 }],
};

/** Each printed line in Latvian with its English translation (none for the name), in the order of the page. */
const SECONDARY_PAIRS: [string, string?][] = [
  ['VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRA', 'STATE EDUCATION DEVELOPMENT AGENCY'],
  ['VISPĀRĒJĀS VIDĒJĀS IZGLĪTĪBAS SERTIFIKĀTS', 'CERTIFICATE OF GENERAL SECONDARY EDUCATION'],
  ['Nr. 2024/301949081206-KUMAL', 'No. 2024/301949081206-KUMAL'],
  ['Anna Bērziņa'],
  ['personas kods 161175-19997', 'personal code 161175-19997'],
  ['piedalījās centralizētajā eksāmenā par vispārējo vidējo izglītību', 'took part in the centralised examination for general secondary education'],
  ['un apliecināja savu zināšanu un prasmju atbilstību', 'and demonstrated knowledge and skills'],
  ['kultūrā un mākslā', 'in Culture and arts'],
  ['augstākajā mācību satura apguves līmenī', 'at the higher level of mastering the learning content'],
  ['kopvērtējums 33 %', 'overall result 33 %'],
  ['Zināšanas, izpratne un prasmes 27 %', 'Knowledge, understanding and skills 27 %'],
  ['Kompleksu problēmu risināšana 42 %', 'Solving complex problems 42 %'],
  ['Mācību gads 2023./2024., pamattermiņš 29.05.2024', 'School year 2023/2024, main term 29.05.2024'],
  ['Izsniegts 17.06.2024', 'Issued on 17.06.2024'],
  ['Rīga, Latvijas Republika', 'Riga, Republic of Latvia'],
];

/** The seal statement is two lines in each language: the Latvian sentence, then the English one. */
const SEAL_LINES = [
  'ŠIS DOKUMENTS APLIECINĀTS AR VALSTS IZGLĪTĪBAS',
  'ATTĪSTĪBAS AĢENTŪRAS KVALIFICĒTU ELEKTRONISKO ZĪMOGU',
  'THIS DOCUMENT IS CERTIFIED WITH THE QUALIFIED ELECTRONIC',
  'SEAL OF THE STATE EDUCATION DEVELOPMENT AGENCY',
];

const BASIC_PAIRS: [string, string?][] = [
  ['VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRA', 'STATE EDUCATION DEVELOPMENT AGENCY'],
  ['PAMATIZGLĪTĪBAS SERTIFIKĀTS', 'CERTIFICATE OF BASIC EDUCATION'],
  ['Nr. 2026/733200000308-LAT09', 'No. 2026/733200000308-LAT09'],
  ['Ģirts Ņikita Šķēle-Žūriņa'],
  ['personas kods 321175-19992', 'personal code 321175-19992'],
  ['piedalījās centralizētajā eksāmenā par pamatizglītību', 'took part in the centralised examination for basic education'],
  ['un apliecināja savu zināšanu un prasmju atbilstību', 'and demonstrated knowledge and skills'],
  ['latviešu valodā', 'in Latvian'],
  ['kopvērtējums 68 %', 'overall result 68 %'],
  ['1. daļa 56 %', 'Part 1 56 %'],
  ['2. daļa 70 %', 'Part 2 70 %'],
  ['3. daļa 95 %', 'Part 3 95 %'],
  ['4. daļa 100 %', 'Part 4 100 %'],
  ['Mācību gads 2025./2026., papildtermiņš 10.06.2026–11.06.2026', 'School year 2025/2026, additional term 10.06.2026–11.06.2026'],
  ['Izsniegts 05.06.2026', 'Issued on 05.06.2026'],
  ['Rīga, Latvijas Republika', 'Riga, Republic of Latvia'],
];

const lines = (pairs: [string, string?][]): string[] => [...pairs.flatMap(([lv, en]) => (en ? [lv, en] : [lv])), ...SEAL_LINES];
const SECONDARY_LINES = lines(SECONDARY_PAIRS);
const BASIC_LINES = lines(BASIC_PAIRS);

const CODE = '7KQ2-M9XD-4HTR-B8WN';
const PUBLIC_URL = 'https://eksameni.gov.lv';
const verification = (facts: CertificateFacts, publicUrl = PUBLIC_URL): CertificateVerification => ({
  code: CODE,
  address: verificationAddress(publicUrl, facts.number, CODE),
  page: verificationPage(publicUrl),
});
const VERIFICATION_LINES = [
  'Pārbaudiet šo sertifikātu vietnē eksameni.gov.lv/verify',
  'Verify this certificate at eksameni.gov.lv/verify',
  'ar tā numuru un pārbaudes kodu vai nolasot QR kodu',
  'with its number and verification code, or scan the QR code',
  `Pārbaudes kods ${CODE}`,
  `Verification code ${CODE}`,
];

const PAGE_WIDTH = 595.28;
/** Fonts, every line in two languages, the structure tree, the metadata and the QR code; the .edoc stays under 60 KB. */
const MAX_BYTES = 46 * 1024;

let dir = '';
let counter = 0;

beforeAll(() => {
  for (const [tool, args] of [
    ['qpdf', ['--version']],
    ['pdftotext', ['-v']],
    ['pdfinfo', ['-v']],
  ] as const) {
    try {
      execFileSync(tool, args, { stdio: 'pipe' });
    } catch {
      throw new Error(`${tool} is missing: install the Debian packages poppler-utils and qpdf`);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'certificate-pdf-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function save(pdf: Uint8Array): string {
  const file = join(dir, `certificate-${++counter}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

function run(tool: string, ...args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The page's text lines as pdftotext -layout sees them, each with its runs of white space made one space. */
function textLines(file: string): string[] {
  return run('pdftotext', '-layout', '-enc', 'UTF-8', file, '-')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '');
}

interface Word {
  xMin: number;
  xMax: number;
  yMin: number;
  text: string;
}

/** Word boxes from pdftotext -bbox (top-down y). */
function words(file: string): Word[] {
  const html = run('pdftotext', '-bbox', '-enc', 'UTF-8', file, '-');
  return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)].map((m) => ({
    xMin: Number(m[1]),
    yMin: Number(m[2]),
    xMax: Number(m[3]),
    text: m[4]!,
  }));
}

/** Asserts qpdf finds no error or warning (qpdf exits 2 on errors and 3 on warnings, which makes execFileSync throw). */
function expectValid(file: string): void {
  expect(run('qpdf', '--check', file)).toContain('No syntax or stream encoding errors found');
}

/**
 * The exact strings shown on the page, decoded through each font's ToUnicode map, read straight from the file:
 * pdftotext turns a non-breaking space into a plain one, so this is how the test sees which space was used.
 */
function shownStrings(pdf: Uint8Array): string[] {
  const text = Buffer.from(pdf).toString('latin1');
  const objects = new Map<number, { dict: string; stream?: string }>();
  for (const m of text.matchAll(/(\d+) 0 obj\n(<<[\s\S]*?>>)\n(stream\n)?/g)) {
    const n = Number(m[1]);
    const dict = m[2]!;
    if (!m[3] || !dict.includes('/FlateDecode')) {
      objects.set(n, { dict });
      continue;
    }
    const length = Number(/\/Length (\d+)/.exec(dict)![1]);
    const start = m.index + m[0].length;
    objects.set(n, { dict, stream: inflateSync(Buffer.from(pdf.subarray(start, start + length))).toString('latin1') });
  }
  const page = [...objects.values()].find((o) => o.dict.includes('/Type /Page '))!;
  const cmaps = new Map<string, Map<string, string>>();
  for (const [, name, ref] of page.dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
    const type0 = objects.get(Number(ref))!;
    const cmap = objects.get(Number(/\/ToUnicode (\d+) 0 R/.exec(type0.dict)![1]))!.stream!;
    const map = new Map<string, string>();
    for (const [, cid, unicode] of cmap.matchAll(/<([0-9A-F]{4})> <([0-9A-F]+)>/g)) map.set(cid!, String.fromCharCode(parseInt(unicode!, 16)));
    cmaps.set(name!, map);
  }
  const content = objects.get(Number(/\/Contents (\d+) 0 R/.exec(page.dict)![1]))!.stream!;
  const shown: string[] = [];
  let font = '';
  for (const [, name, hex] of content.matchAll(/\/(F\d+) [\d.]+ Tf|<([0-9A-F]*)> Tj/g)) {
    if (name) font = name;
    else
      shown.push(
        hex!
          .match(/.{4}/g)!
          .map((cid) => cmaps.get(font)!.get(cid) ?? '\uFFFD')
          .join(''),
      );
  }
  return shown;
}

describe('certificate PDF', () => {
  it('prints every line of a secondary certificate (KUMAL), each Latvian line followed by its English one, valid and one A4 page', () => {
    const pdf = renderCertificatePdf(kumal);
    const file = save(pdf);
    expectValid(file);
    const info = run('pdfinfo', file);
    expect(info).toMatch(/^Pages:\s+1$/m);
    expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)$/m);
    expect(info).toMatch(/^PDF version:\s+1\.7$/m);
    expect(info).toMatch(/^Title:\s+Vispārējās vidējās izglītības sertifikāts Nr\. 2024\/301949081206-KUMAL$/m);
    expect(textLines(file)).toEqual(SECONDARY_LINES);
    expect(pdf.length).toBeLessThan(MAX_BYTES);
  });

  it('prints every line of a basic certificate (LAT09) with Latvian letters in the name', () => {
    const pdf = renderCertificatePdf(lat09);
    const file = save(pdf);
    expectValid(file);
    expect(run('pdfinfo', file)).toMatch(/^Pages:\s+1$/m);
    expect(textLines(file)).toEqual(BASIC_LINES);
    expect(pdf.length).toBeLessThan(MAX_BYTES);
  });

  it('extracts every Latvian letter, capital and small, and the punctuation exactly as written', () => {
    const file = save(renderCertificatePdf(allLetters));
    expectValid(file);
    const lines = textLines(file);
    expect(lines).toContain('ĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž');
    expect(lines).toContain(`${allLetters.parts[0]!.nameLv} 0 %`);
    expect(lines).toContain('optimālajā mācību satura apguves līmenī');
    expect(lines).toContain('kopvērtējums 0 %');
  });

  it('prints the level line of each secondary level and none for basic exams', () => {
    const expected = {
      general: 'vispārīgajā mācību satura apguves līmenī',
      optimal: 'optimālajā mācību satura apguves līmenī',
      higher: 'augstākajā mācību satura apguves līmenī',
    } as const;
    for (const level of ['general', 'optimal', 'higher'] as const) {
      const lines = textLines(save(renderCertificatePdf({ ...kumal, level })));
      for (const [other, line] of Object.entries(expected)) {
        if (other === level) expect(lines).toContain(line);
        else expect(lines).not.toContain(line);
      }
    }
    const basic = textLines(save(renderCertificatePdf({ ...lat09, level: 'higher' })));
    for (const line of Object.values(expected)) expect(basic).not.toContain(line);
  });

  it('puts a non-breaking space between each number and "%"', () => {
    const shown = shownStrings(renderCertificatePdf(kumal));
    expect(shown).toContain(`kopvērtējums 33${NBSP}%`);
    expect(shown).toContain(`Zināšanas, izpratne un prasmes 27${NBSP}%`);
    expect(shown).toContain(`Kompleksu problēmu risināšana 42${NBSP}%`);
    expect(shown).toContain('Anna Bērziņa');
  });

  it('centres every line on the page', () => {
    const byLine = new Map<number, Word[]>();
    for (const word of words(save(renderCertificatePdf(kumal)))) {
      const key = Math.round(word.yMin);
      byLine.set(key, [...(byLine.get(key) ?? []), word]);
    }
    expect(byLine.size).toBe(SECONDARY_LINES.length);
    for (const line of byLine.values()) {
      const left = Math.min(...line.map((w) => w.xMin));
      const right = Math.max(...line.map((w) => w.xMax));
      expect(Math.abs((left + right) / 2 - PAGE_WIDTH / 2), line.map((w) => w.text).join(' ')).toBeLessThan(1);
    }
  });

  it('wraps a long name at spaces and keeps every word inside the text area', () => {
    const firstName = 'Anna Marija Elizabete Kristīne Luīze Katrīna';
    const lastName = 'Bērziņa-Kalniņa-Ozoliņa-Vītoliņa';
    const longWord = 'Pētersone-Kļaviņa-Zariņa-Liepiņa-Krūmiņa-Ābeltiņa';
    const file = save(
      renderCertificatePdf({
        ...kumal,
        firstName,
        lastName,
        subjectLvLocative: 'kultūrā un mākslā, vēsturē un sociālajās zinātnēs, dizainā un tehnoloģijās un dabaszinātnēs',
        parts: [{ ...kumal.parts[0]!, nameLv: longWord }],
      }),
    );
    expectValid(file);
    const lines = textLines(file);
    const joined = lines.join(' ');
    expect(joined).toContain(`${firstName} ${lastName}`);
    expect(lines.some((line) => line.includes(`${firstName} ${lastName}`))).toBe(false); // on more than one line
    expect(joined).toContain('kultūrā un mākslā, vēsturē un sociālajās zinātnēs, dizainā un tehnoloģijās un dabaszinātnēs');
    expect(lines).toContain(`${longWord} 27 %`); // no space to wrap at: the line is made smaller instead
    for (const word of words(file)) {
      expect(word.xMin, word.text).toBeGreaterThanOrEqual(60);
      expect(word.xMax, word.text).toBeLessThanOrEqual(PAGE_WIDTH - 60);
    }
  });

  it('tightens the spacing for many parts and refuses what cannot fit on one page', () => {
    const parts = Array.from({ length: 12 }, (_, i) => ({ nameLv: `${i + 1}. daļa`, nameEn: `Part ${i + 1}`, percent: 50 + i }));
    const file = save(renderCertificatePdf({ ...kumal, parts }));
    expectValid(file);
    expect(run('pdfinfo', file)).toMatch(/^Pages:\s+1$/m);
    const lines = textLines(file);
    for (const part of parts) {
      const at = lines.indexOf(`${part.nameLv} ${part.percent} %`);
      expect(at).toBeGreaterThan(0);
      expect(lines[at + 1]).toBe(`${part.nameEn} ${part.percent} %`);
    }
    expect(lines.slice(-8)).toEqual(SECONDARY_LINES.slice(-8)); // date, place and the seal statement still below the parts
    // With the verification block at the foot of the page too.
    const verified = textLines(save(renderCertificatePdf({ ...kumal, parts }, verification(kumal))));
    expect(verified.slice(-10)).toEqual([...VERIFICATION_LINES, ...SEAL_LINES]);
    expect(verified).toContain('Riga, Republic of Latvia');
    const tooMany = Array.from({ length: 60 }, (_, i) => ({ nameLv: `${i + 1}. daļa`, nameEn: '', percent: 1 }));
    expect(() => renderCertificatePdf({ ...kumal, parts: tooMany })).toThrow(/does not fit on one page/);
  });

  it('prints names from the neighbouring countries and the rest of Europe, letter for letter', () => {
    const file = save(renderCertificatePdf({ ...kumal, firstName: 'Žygimantas Jūratė', lastName: 'Õunapuu-Müller Ąžuolaitė' }));
    expectValid(file);
    expect(textLines(file).join('\n')).toContain('Žygimantas Jūratė');
    expect(textLines(file).join(' ')).toContain('Õunapuu-Müller Ąžuolaitė');
  });

  it('refuses a character it cannot print instead of leaving it out', () => {
    expect(() => renderCertificatePdf({ ...kumal, lastName: 'Bērziņa 你' })).toThrow(UnsupportedCharacterError);
    expect(() => renderCertificatePdf({ ...kumal, lastName: 'Bērziņa 你' })).toThrow(/"你" \(U\+4F60\) in lastName/);
    expect(() => renderCertificatePdf({ ...kumal, subjectLvLocative: 'kultūrā 😀' })).toThrow(/U\+1F600/);
    expect(() => renderCertificatePdf({ ...kumal, firstName: 'Anna\nMarija' })).toThrow(UnsupportedCharacterError);
    expect(() => renderCertificatePdf({ ...kumal, parts: [{ ...kumal.parts[0]!, nameLv: 'Ω daļa' }] })).toThrow(/parts\[0\]\.nameLv/);
  });

  it('accepts decomposed letters (a + combining macron) by composing them', () => {
    const file = save(renderCertificatePdf({ ...kumal, lastName: 'Be\u0304rzin\u0327a' }));
    expect(textLines(file)).toContain('Anna Bērziņa');
  });

  it('refuses impossible facts', () => {
    expect(() => renderCertificatePdf({ ...kumal, issuedOn: '17.06.2024' })).toThrow(/issuedOn/);
    expect(() => renderCertificatePdf({ ...kumal, total: 33.5 })).toThrow(/total/);
    expect(() => renderCertificatePdf({ ...kumal, parts: [{ ...kumal.parts[0]!, percent: 101 }] })).toThrow(/parts\[0\]\.percent/);
  });

  it('gives the same bytes for the same facts and stays small', () => {
    const a = renderCertificatePdf(kumal);
    expect(Buffer.from(renderCertificatePdf(kumal)).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(renderCertificatePdf(lat09)).equals(Buffer.from(a))).toBe(false);
    for (const facts of [kumal, lat09, allLetters]) expect(renderCertificatePdf(facts).length).toBeLessThan(MAX_BYTES);
  });
});

// jsQR is CommonJS: its function is the module's `default` as TypeScript sees it.
const jsQR = jsQRModule.default;

/** The QR code on the page as jsQR reads it from pdftoppm's 150 dpi rendering, as a phone would from a scan. */
function readQrCode(file: string): string | undefined {
  const prefix = file.replace(/\.pdf$/, '');
  execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', file, prefix]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data;
}

describe('how the certificate tells its reader to check it', () => {
  it('prints the verification page and code beneath the flowing text, each with its English line, and the QR code holds the address', () => {
    const v = verification(kumal);
    const file = save(renderCertificatePdf(kumal, v));
    expectValid(file);
    expect(textLines(file)).toEqual([...SECONDARY_LINES.slice(0, -4), ...VERIFICATION_LINES, ...SEAL_LINES]);
    expect(v.address).toBe(`https://eksameni.gov.lv/verify?number=2024/301949081206-KUMAL&code=7KQ2M9XD4HTRB8WN`);
    expect(readQrCode(file)).toBe(v.address);
  });

  it('reads the QR code of a long development address too', () => {
    const v = verification(lat09, 'http://127.0.0.1:43210');
    const file = save(renderCertificatePdf(lat09, v));
    expect(readQrCode(file)).toBe(`http://127.0.0.1:43210/verify?number=2026/733200000308-LAT09&code=7KQ2M9XD4HTRB8WN`);
    expect(textLines(file)).toContain('Verify this certificate at 127.0.0.1:43210/verify');
  });

  it('prints no verification block and no QR code without a verification code', () => {
    const file = save(renderCertificatePdf(kumal));
    expect(textLines(file).join('\n')).not.toContain('Verification code');
    expect(readQrCode(file)).toBeUndefined();
  });
});

describe('archiving and assistive technology', () => {
  it('is tagged, with a structure tree in reading order: a heading, a paragraph per line, the QR code a figure', () => {
    const pdf = renderCertificatePdf(kumal, verification(kumal));
    const file = save(pdf);
    expect(run('pdfinfo', file)).toMatch(/^Tagged:\s+yes$/m);
    const tree = run('pdfinfo', '-struct-text', file);
    // Each element of the document with its text (the percentages' non-breaking spaces read as spaces).
    const elements = [...tree.matchAll(/^ {2}(\w+)[^\n]*\n(?: {4,}[^\n]*\n)*? {4}"([^"\n]*)"$/gm)].map((m) => [m[1]!, m[2]!.replaceAll(NBSP, ' ')]);
    const expectedText = [...SECONDARY_LINES.slice(0, -4), ...VERIFICATION_LINES, SEAL_LINES.slice(0, 2).join(' '), SEAL_LINES.slice(2).join(' ')];
    expect(elements.map(([, text]) => text).filter((text) => text !== '')).toEqual(expectedText);
    expect(tree.split('\n')[0]).toBe('Document');
    expect(elements.find(([tag]) => tag === 'H1')?.[1]).toBe('VISPĀRĒJĀS VIDĒJĀS IZGLĪTĪBAS SERTIFIKĀTS');
    expect(tree).toMatch(/^ {2}Figure:\n\s+\/Placement \/Block\n\s+\/BBox \[/m);
    // Every English line is its own element in English, the document itself Latvian; the figure has a text alternative.
    const raw = Buffer.from(pdf).toString('latin1');
    expect(raw.match(/\/Lang \(en\)/g)).toHaveLength(SECONDARY_PAIRS.filter(([, en]) => en).length + 3 + 1);
    expect(raw).toMatch(/\/Type \/Catalog [^\n]*\/Lang \(lv\) \/MarkInfo << \/Marked true >>/);
    expect(raw).toMatch(/\/S \/Figure [^\n]*\/Alt <FEFF[0-9A-F]+>/);
  });

  it('carries XMP metadata with the PDF/A-2u identification, agreeing with the Info dictionary, and a file identifier', () => {
    const pdf = renderCertificatePdf(kumal, verification(kumal));
    const file = save(pdf);
    const info = run('pdfinfo', file);
    expect(info).toMatch(/^Metadata Stream:\s+yes$/m);
    expect(info).toMatch(/^Author:\s+Valsts izglītības attīstības aģentūra$/m);
    const xmp = run('pdfinfo', '-meta', file);
    expect(xmp).toContain('<pdfaid:part>2</pdfaid:part>');
    expect(xmp).toContain('<pdfaid:conformance>U</pdfaid:conformance>');
    expect(xmp).toContain('<rdf:li xml:lang="x-default">Vispārējās vidējās izglītības sertifikāts Nr. 2024/301949081206-KUMAL</rdf:li>');
    expect(xmp).toContain('<rdf:li>Valsts izglītības attīstības aģentūra</rdf:li>');
    expect(xmp).toContain('<pdf:Producer>Eksāmenu portāls</pdf:Producer>');
    const id = /\/ID \[<([0-9A-F]{32})> <\1>\]/.exec(Buffer.from(pdf).toString('latin1'));
    expect(id).not.toBeNull();
    // Same facts, same identifier; another certificate, another one.
    expect(Buffer.from(renderCertificatePdf(kumal, verification(kumal))).toString('latin1')).toContain(id![0]);
    expect(Buffer.from(renderCertificatePdf(lat09, verification(lat09))).toString('latin1')).not.toContain(id![1]);
    // Grey levels are device-independent (a CIE-based default), so no output intent is needed.
    expect(Buffer.from(pdf).toString('latin1')).toContain('/DefaultGray [/CalGray');
  });

  it('stays small with the QR code and every line translated', () => {
    for (const facts of [kumal, lat09, allLetters]) expect(renderCertificatePdf(facts, verification(facts)).length).toBeLessThan(MAX_BYTES);
  });
});
