/**
 * The exam catalogue of the 2022/23 school year as the agency published it (seed 001): every exam with its
 * parts, maxima and weights, and the calendar of main and additional-term sittings. Later school years copy
 * the definitions and move the dates to their own year.
 */
import type { Education } from './release.js';
import type { WeightedPointsRule } from './scoring.js';

export type Level = 'general' | 'optimal' | 'higher';

export interface CataloguePart {
  maxPoints: number;
  /** Decimal text, exact: "0.78125". */
  weight: string;
  nameLv?: string;
  nameEn?: string;
}

export interface CatalogueExam {
  code: string;
  education: Education;
  level: Level | null;
  subjectLv: string;
  /** Locative case, as the certificate's sentence needs it: "kultūrā un mākslā". */
  subjectLvLocative: string;
  subjectEn: string;
  weightedPointsRule: WeightedPointsRule;
  /** Empty where the seed gives no scoring table (general-level mathematics): staff define the parts. */
  parts: CataloguePart[];
}

export interface CatalogueSitting {
  examCode: string;
  term: 'main' | 'additional';
  /** Month-day of the first and last day of the sitting, in the calendar year the school year ends. */
  from: string;
  to: string;
}

export const CATALOGUE_YEAR = 2022;

const p = (...maxima: number[]): CataloguePart[] => maxima.map((maxPoints) => ({ maxPoints, weight: '1' }));
const weighted = (maxPoints: number, weight: string): CataloguePart => ({ maxPoints, weight });

interface Subject {
  prefix: string;
  lv: string;
  locative: string;
  en: string;
}

const S = {
  latvian: { prefix: 'LAT', lv: 'latviešu valoda', locative: 'latviešu valodā', en: 'Latvian' },
  latvianLiterature: {
    prefix: 'LAT',
    lv: 'latviešu valoda un literatūra',
    locative: 'latviešu valodā un literatūrā',
    en: 'Latvian language and literature',
  },
  mathematics: { prefix: 'MAT', lv: 'matemātika', locative: 'matemātikā', en: 'mathematics' },
  english: { prefix: 'ANG', lv: 'angļu valoda', locative: 'angļu valodā', en: 'English' },
  german: { prefix: 'VAC', lv: 'vācu valoda', locative: 'vācu valodā', en: 'German' },
  french: { prefix: 'FRA', lv: 'franču valoda', locative: 'franču valodā', en: 'French' },
  russian: { prefix: 'KRI', lv: 'krievu valoda', locative: 'krievu valodā', en: 'Russian' },
  biology: { prefix: 'BIO', lv: 'bioloģija', locative: 'bioloģijā', en: 'biology' },
  chemistry: { prefix: 'KIM', lv: 'ķīmija', locative: 'ķīmijā', en: 'chemistry' },
  physics: { prefix: 'FIZ', lv: 'fizika', locative: 'fizikā', en: 'physics' },
  geography: { prefix: 'GEO', lv: 'ģeogrāfija', locative: 'ģeogrāfijā', en: 'geography' },
  history: { prefix: 'VES', lv: 'vēsture', locative: 'vēsturē', en: 'history' },
  socialSciences: {
    prefix: 'SOC',
    lv: 'sociālās zinātnes',
    locative: 'sociālajās zinātnēs',
    en: 'social sciences',
  },
  cultureArts: { prefix: 'KUM', lv: 'kultūra un māksla', locative: 'kultūrā un mākslā', en: 'culture and arts' },
  designTechnology: {
    prefix: 'DIT',
    lv: 'dizains un tehnoloģijas',
    locative: 'dizainā un tehnoloģijās',
    en: 'design and technology',
  },
  programming: { prefix: 'PRO', lv: 'programmēšana', locative: 'programmēšanā', en: 'programming' },
} satisfies Record<string, Subject>;

const LEVEL_SUFFIX: Record<Level, string> = { general: 'VL', optimal: 'OL', higher: 'AL' };

function basic(subject: Subject, parts: CataloguePart[]): CatalogueExam {
  return exam(subject, 'basic', null, parts);
}

function secondary(subject: Subject, level: Level, parts: CataloguePart[], rule: WeightedPointsRule = 'exact'): CatalogueExam {
  return exam(subject, 'secondary', level, parts, rule);
}

function exam(subject: Subject, education: Education, level: Level | null, parts: CataloguePart[], rule: WeightedPointsRule = 'exact'): CatalogueExam {
  return {
    code: subject.prefix + (level ? LEVEL_SUFFIX[level] : '09'),
    education,
    level,
    subjectLv: subject.lv,
    subjectLvLocative: subject.locative,
    subjectEn: subject.en,
    weightedPointsRule: rule,
    parts,
  };
}

const basicForeignLanguage = () => [...p(20, 20, 20), weighted(25, '0.8')];
// The seed's optimal-level example truncates the weighted part (25 × 0.78125 = 19.53 → 19 points, 76 %).
const optimalForeignLanguage = () => [...p(25, 25), weighted(32, '0.78125'), ...p(25)];
// The seed's higher-level example keeps weighted points exact (15 × 1.25 = 18.75, 75 %).
const higherForeignLanguage = () => [...p(25, 25), weighted(20, '1.25'), ...p(25)];

export const CATALOGUE: readonly CatalogueExam[] = [
  basic(S.latvian, p(50, 30, 20)),
  basic(S.mathematics, p(60, 20)),
  basic(S.english, basicForeignLanguage()),
  basic(S.german, basicForeignLanguage()),
  basic(S.french, basicForeignLanguage()),

  secondary(S.latvian, 'optimal', p(34, 46, 20)),
  secondary(S.latvianLiterature, 'higher', p(20, 60)),
  secondary(S.mathematics, 'general', []),
  secondary(S.mathematics, 'optimal', p(75, 25)),
  secondary(S.mathematics, 'higher', p(75, 25, 35, 25)),
  secondary(S.english, 'optimal', optimalForeignLanguage(), 'truncate'),
  secondary(S.english, 'higher', higherForeignLanguage()),
  secondary(S.german, 'optimal', optimalForeignLanguage(), 'truncate'),
  secondary(S.german, 'higher', higherForeignLanguage()),
  secondary(S.french, 'optimal', optimalForeignLanguage(), 'truncate'),
  secondary(S.french, 'higher', higherForeignLanguage()),
  secondary(S.russian, 'higher', higherForeignLanguage()),
  secondary(S.biology, 'higher', p(25, 50, 15)),
  secondary(S.chemistry, 'higher', p(25, 50, 15)),
  secondary(S.physics, 'higher', p(25, 50, 25)),
  secondary(S.geography, 'higher', p(25, 50, 25)),
  secondary(S.history, 'higher', p(28, 20, 25, 24)),
  secondary(S.socialSciences, 'higher', p(58, 48)),
  secondary(S.cultureArts, 'higher', [
    { maxPoints: 54, weight: '1', nameLv: 'Zināšanas, izpratne un prasmes', nameEn: 'Knowledge, understanding and skills' },
    { maxPoints: 33, weight: '1', nameLv: 'Kompleksu problēmu risināšana', nameEn: 'Solving complex problems' },
  ]),
  secondary(S.designTechnology, 'higher', p(28, 44, 48)),
  secondary(S.programming, 'higher', [...p(20, 20, 38), weighted(28, '1.5')]),
];

const main = (examCode: string, from: string, to = from): CatalogueSitting => ({ examCode, term: 'main', from, to });
const additional = (examCode: string, from: string, to = from): CatalogueSitting => ({
  examCode,
  term: 'additional',
  from,
  to,
});

/**
 * The 2022/23 calendar: main sittings (May–June) and the additional term for valid absences. A sitting spans
 * from its written part to its last oral day (Latvian, optimal level: written 15 May, oral 7–9 June); the
 * scores of all its parts belong to that one sitting.
 */
export const CALENDAR: readonly CatalogueSitting[] = [
  main('LATOL', '05-15', '06-09'),
  main('LATAL', '05-15'),
  main('PROAL', '05-17'),
  main('SOCAL', '05-19'),
  main('GEOAL', '05-22', '05-23'),
  main('KIMAL', '05-25', '05-26'),
  main('DITAL', '05-29'),
  main('MATVL', '06-01'),
  main('MATOL', '06-01'),
  main('MATAL', '06-01', '06-02'),
  main('ANGOL', '06-05', '06-07'),
  main('ANGAL', '06-05', '06-08'),
  main('FRAOL', '06-06'),
  main('FRAAL', '06-06'),
  main('VACOL', '06-08'),
  main('VACAL', '06-08'),
  main('KRIAL', '06-09'),
  main('BIOAL', '06-12', '06-13'),
  main('KUMAL', '06-14'),
  main('FIZAL', '06-15', '06-16'),
  main('VESAL', '06-19'),
  main('ANG09', '05-24', '05-26'),
  main('FRA09', '05-24', '05-25'),
  main('VAC09', '05-24', '05-25'),
  main('LAT09', '05-29', '06-02'),
  main('MAT09', '06-06'),

  additional('LAT09', '06-12'),
  additional('MAT09', '06-14'),
  additional('ANG09', '06-16'),
  ...['ANGOL', 'ANGAL', 'VACOL', 'VACAL', 'FRAOL', 'FRAAL', 'KRIAL'].map((code) => additional(code, '06-20')),
  additional('PROAL', '06-21'),
  additional('BIOAL', '06-22'),
  additional('LATOL', '06-26'),
  additional('LATAL', '06-26'),
  additional('DITAL', '06-27'),
  additional('SOCAL', '06-28'),
  additional('MATVL', '06-29'),
  additional('MATOL', '06-29'),
  additional('MATAL', '06-29', '06-30'),
  additional('VESAL', '07-03'),
  additional('KIMAL', '07-04'),
  additional('KUMAL', '07-05'),
  additional('FIZAL', '07-06'),
  additional('GEOAL', '07-07'),
  // For a candidate who must sit exams in two foreign languages on the same day.
  ...['VACOL', 'VACAL', 'FRAOL', 'FRAAL', 'KRIAL'].map((code) => additional(code, '07-11')),
];

export function catalogueExam(code: string): CatalogueExam | undefined {
  return CATALOGUE.find((e) => e.code === code);
}
