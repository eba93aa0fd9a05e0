/**
 * Where an exam's certificate goes in the applications report ("CE kārtotāju pieteikumu pārskats"): Latvian,
 * mathematics and foreign language are one column each whatever the exam's level or year (the seed's columns
 * "Latviešu valoda", "Matemātika", "Svešvaloda"); every other subject has a column of its own.
 */

export const SUBJECT_GROUPS = ['latvian', 'mathematics', 'foreignLanguage'] as const;
export type SubjectGroup = (typeof SUBJECT_GROUPS)[number];

const GROUP_OF_SUBJECT: ReadonlyMap<string, SubjectGroup> = new Map([
  ['LAT', 'latvian'],
  ['MAT', 'mathematics'],
  ['ANG', 'foreignLanguage'],
  ['VAC', 'foreignLanguage'],
  ['FRA', 'foreignLanguage'],
  ['KRI', 'foreignLanguage'],
]);

/** The subject of an exam, the same at every level and in every year: "BIOAL" → "BIO", "LAT09" → "LAT". */
export function examSubject(examCode: string): string {
  return examCode.slice(0, 3).toUpperCase();
}

/** The group column an exam belongs to, or undefined when its subject has a column of its own. */
export function subjectGroup(examCode: string): SubjectGroup | undefined {
  return GROUP_OF_SUBJECT.get(examSubject(examCode));
}
