// The certificate PDF, read back by independent tools: qpdf checks the file structure, poppler (pdfinfo,
// pdftotext) reads the page size and extracts the text through the fonts' ToUnicode maps.
// Needs the Debian packages poppler-utils and qpdf.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../src/certificate/facts.js';
import { renderCertificatePdf, UnsupportedCharacterError } from '../../src/certificate/pdf.js';
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

const SECONDARY_LINES = [
  'VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRA',
  'VISPĀRĒJĀS VIDĒJĀS IZGLĪTĪBAS SERTIFIKĀTS',
  'Nr. 2024/301949081206-KUMAL',
  'Anna Bērziņa',
  'personas kods 161175-19997',
  'piedalījās centralizētajā eksāmenā par vispārējo vidējo izglītību',
  'un apliecināja savu zināšanu un prasmju atbilstību',
  'kultūrā un mākslā',
  'augstākajā mācību satura apguves līmenī',
  'kopvērtējums 33 %',
  'Zināšanas, izpratne un prasmes 27 %',
  'Kompleksu problēmu risināšana 42 %',
  'Izsniegts 17.06.2024',
  'Rīga, Latvijas Republika',
  'ŠIS DOKUMENTS APLIECINĀTS AR VALSTS IZGLĪTĪBAS ATTĪSTĪBAS',
  'AĢENTŪRAS KVALIFICĒTU ELEKTRONISKO ZĪMOGU',
];

const BASIC_LINES = [
  'VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRA',
  'PAMATIZGLĪTĪBAS SERTIFIKĀTS',
  'Nr. 2026/733200000308-LAT09',
  'Ģirts Ņikita Šķēle-Žūriņa',
  'personas kods 321175-19992',
  'piedalījās centralizētajā eksāmenā par pamatizglītību',
  'un apliecināja savu zināšanu un prasmju atbilstību',
  'latviešu valodā',
  'kopvērtējums 68 %',
  '1. daļa 56 %',
  '2. daļa 70 %',
  '3. daļa 95 %',
  '4. daļa 100 %',
  'Izsniegts 05.06.2026',
  'Rīga, Latvijas Republika',
  'ŠIS DOKUMENTS APLIECINĀTS AR VALSTS IZGLĪTĪBAS ATTĪSTĪBAS',
  'AĢENTŪRAS KVALIFICĒTU ELEKTRONISKO ZĪMOGU',
];

const PAGE_WIDTH = 595.28;
const MAX_BYTES = 40 * 1024;

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
    if (!m[3]) {
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
  it('prints every line of a secondary certificate (KUMAL), valid and one A4 page', () => {
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
    for (const part of parts) expect(lines).toContain(`${part.nameLv} ${part.percent} %`);
    expect(lines.slice(-4)).toEqual(SECONDARY_LINES.slice(-4)); // date, place and the seal statement still below the parts
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
