/**
 * Every message the application rules can give a reader is a sentence in both languages: a missing key would show
 * as `apply.refused.xyz` on the page. The pure rules are run into each of their refusals; the keys the data
 * layer, the class-list reader and the routes throw or show are read from their source, so a new key without its
 * texts fails here rather than on a page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplicationActorKind, ApplicationStatus } from '../db/schema.js';
import { choiceRefusals, EXAM_GROUPS, internationalCertificateRefusal, windowProblem, type Refusal } from '../src/domain/applications.js';
import { APPLICATION_BASES, exemptionProblems, SUPPORT_MEASURES, supportMeasureProblem } from '../src/domain/school-applications.js';
import { LANGUAGES, translationKeys, translator } from '../src/i18n.js';
import { PROJECT_ROOT } from '../src/paths.js';

const STATUSES: readonly ApplicationStatus[] = ['submitted', 'checked', 'registered', 'withdrawn'];
const ACTOR_KINDS: readonly ApplicationActorKind[] = ['student', 'school', 'university', 'agency'];
const ACTIONS = ['submitted', 'changed', 'withdrawn', 'checked', 'registered'] as const;

/** Every refusal the pure rules give, each case run once. */
function ruleRefusals(): Refusal[] {
  const offered = [
    { code: 'LATOL', level: 'optimal' as const },
    { code: 'LATAL', level: 'higher' as const },
    { code: 'ANGOL', level: 'optimal' as const },
    { code: 'ANGAL', level: 'higher' as const },
  ];
  const exam = (code: string, level: 'optimal' | 'higher') => ({ code, level, examDay: '2027-05-20' });
  const refusals = [
    ...choiceRefusals({ offered, chosen: [], takenElsewhere: [] }),
    ...choiceRefusals({ offered, chosen: ['MAT09', 'LATOL', 'LATAL'], takenElsewhere: ['LATOL'] }),
    internationalCertificateRefusal({ cefrLevel: 'C2' }, exam('LATOL', 'optimal')),
    internationalCertificateRefusal({ cefrLevel: 'B1' }, exam('ANGOL', 'optimal')),
    internationalCertificateRefusal({ cefrLevel: 'B2' }, exam('ANGAL', 'higher')),
    internationalCertificateRefusal({ cefrLevel: 'C1', validUntil: '2027-05-19' }, exam('ANGAL', 'higher')),
    internationalCertificateRefusal({ cefrLevel: 'C1', validFrom: '2027-05-21' }, exam('ANGAL', 'higher')),
  ].filter((r): r is Refusal => r !== undefined);
  const moment = new Date('2026-12-05T08:00:00Z');
  const problems = [
    windowProblem({ opensAt: moment, closesAt: moment }),
    supportMeasureProblem(['extra-time-30', 'extra-time-50'], ''),
    supportMeasureProblem(['other'], ' '),
    ...exemptionProblems({ orderNumber: '', orderDate: 'x', specialistStatement: '' }, '2026-12-10').map((p) => p.key),
    ...exemptionProblems({ orderNumber: '1', orderDate: '2026-12-11', specialistStatement: 'x' }, '2026-12-10').map((p) => p.key),
  ].filter((k): k is string => k !== undefined);
  return [...refusals, ...problems.map((key) => ({ key, params: {} }))];
}

/** The message keys written out in the application modules' source (thrown, pushed as problems, or shown). */
function keysInSource(): string[] {
  const files = [
    'src/data/applications.ts',
    'src/data/school-applications.ts',
    'src/import/class-list.ts',
    'src/web/routes/apply.ts',
    'src/web/routes/staff-applications.ts',
    'src/web/routes/agency-applications.ts',
    'src/web/routes/agency-application-windows.ts',
    'views/apply.ts',
    'views/school-applications.ts',
  ];
  const keys = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(PROJECT_ROOT, file), 'utf8');
    for (const match of source.matchAll(/'((?:apply|applySchool)\.[A-Za-z0-9.-]+[A-Za-z0-9])'/g)) keys.add(match[1]!);
    // The class list's row problems name their column first and the key's last part second.
    for (const match of source.matchAll(/problem\('\w+', '([a-z-]+)'/g)) keys.add(`applySchool.classList.row.${match[1]}`);
  }
  return [...keys];
}

/** The keys the pages build from a value (status, action, level…): every value of each. */
function builtKeys(): string[] {
  return [
    ...STATUSES.flatMap((s) => [`apply.status.${s}`, `apply.statusNext.${s}`, `applySchool.status.${s}`]),
    ...ACTIONS.flatMap((a) => [`apply.history.action.${a}`, `applySchool.history.action.${a}`]),
    ...ACTOR_KINDS.map((k) => `apply.history.kind.${k}`),
    ...['optimal', 'higher', 'basic'].map((l) => `apply.level.${l}`),
    ...['optimal', 'higher'].map((l) => `applySchool.level.${l}`),
    ...['submitted', 'changed', 'withdrawn'].map((d) => `apply.done.${d}`),
    ...['registered', 'changed', 'support', 'exemption', 'certificate'].map((d) => `applySchool.done.${d}`),
    ...EXAM_GROUPS.map((g) => `apply.group.${g}`),
    ...SUPPORT_MEASURES.map((m) => `applySchool.support.measure.${m}`),
    ...APPLICATION_BASES.map((b) => `applySchool.basis.${b}`),
  ];
}

describe('the application messages', () => {
  const known = new Map(LANGUAGES.map((lang) => [lang, new Set(translationKeys(lang))]));

  it('finds the refusals it checks: the rules give at least one of each kind', () => {
    const keys = ruleRefusals().map((r) => r.key);
    for (const expected of [
      'apply.refused.none',
      'apply.refused.not-offered',
      'apply.refused.one-level',
      'apply.refused.once-per-year',
      'apply.certificate.below-optimal',
      'apply.certificate.below-higher',
      'apply.certificate.expires',
    ])
      expect(keys).toContain(expected);
    expect(keysInSource()).toEqual(expect.arrayContaining(['apply.window.closed', 'apply.late.reason-required', 'applySchool.classList.row.language']));
  });

  for (const lang of LANGUAGES) {
    it(`has a text for every message key in ${lang}`, () => {
      const keys = new Set([...ruleRefusals().map((r) => r.key), ...keysInSource(), ...builtKeys()]);
      const missing = [...keys].filter((key) => !known.get(lang)!.has(key));
      expect(missing).toEqual([]);
    });

    it(`turns every refusal into a sentence in ${lang}, its parameters filled in`, () => {
      const t = translator(lang);
      for (const refusal of ruleRefusals()) {
        const text = t(refusal.key, refusal.params);
        expect(text, refusal.key).not.toContain(refusal.key);
        expect(text, refusal.key).not.toMatch(/\{\{/);
        expect(text, refusal.key).toMatch(/[.!?)]$/);
        for (const value of Object.values(refusal.params)) expect(text, refusal.key).toContain(String(value));
      }
    });
  }
});
