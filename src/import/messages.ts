import type { Translate } from '../i18n.js';
import type { ImportProblem } from './score-file.js';

/** One line per problem, in the reader's language: "Row 5, column “part_2”: part 2: 35 is outside …". */
export function describeImportProblem(problem: ImportProblem, t: Translate): string {
  const message = t(problem.key, problem.params ?? {});
  if (problem.row === undefined) return message;
  const where =
    problem.column !== undefined ? t('import.where.rowColumn', { row: problem.row, column: problem.column }) : t('import.where.row', { row: problem.row });
  return `${where}: ${message}`;
}
