/**
 * Exam names as the portals print them: "Eksāmens franču valodā 9. klasei 2023./2024. m.g." for basic
 * education, "Centralizētais eksāmens kultūrā un mākslā (augstākais līmenis) 2023./2024. m.g." for secondary.
 */
import { schoolYearLabel, schoolYearName } from './release.js';

export interface ExamNaming {
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  subjectLvLocative: string;
  subjectEn: string;
  schoolYear: number;
}

const LEVEL_LV = { general: 'vispārīgais līmenis', optimal: 'optimālais līmenis', higher: 'augstākais līmenis' } as const;
const LEVEL_EN = { general: 'general level', optimal: 'optimal level', higher: 'higher level' } as const;

/** The exam's name without its school year, for lists that show the year beside it once. */
export function examName(exam: Omit<ExamNaming, 'schoolYear'>, lang: 'lv' | 'en'): string {
  if (lang === 'lv') {
    return exam.education === 'basic'
      ? `Eksāmens ${exam.subjectLvLocative} 9. klasei`
      : `Centralizētais eksāmens ${exam.subjectLvLocative} (${LEVEL_LV[exam.level ?? 'optimal']})`;
  }
  return exam.education === 'basic'
    ? `Exam in ${exam.subjectEn} for 9th grade`
    : `Centralised exam in ${exam.subjectEn} (${LEVEL_EN[exam.level ?? 'optimal']})`;
}

export function examTitle(exam: ExamNaming, lang: 'lv' | 'en'): string {
  return lang === 'lv' ? `${examName(exam, lang)} ${schoolYearLabel(exam.schoolYear)} m.g.` : `${examName(exam, lang)} ${schoolYearName(exam.schoolYear)}`;
}
