/**
 * Reads one score file with `readTable` in a process of its own, and prints as JSON what became of it and the
 * process's peak resident memory: a test's own process has a history that would hide a peak.
 * Usage: node --import tsx test/support/read-table-peak.ts FILE NAME
 */
import { readFileSync } from 'node:fs';
import { ImportRefused, readTable } from '../../src/import/score-file.js';

const [file, name] = process.argv.slice(2);
let outcome: { rows: number } | { problems: ImportRefused['problems'] };
try {
  outcome = { rows: (await readTable(readFileSync(file!), name!)).rows.length };
} catch (error) {
  if (!(error instanceof ImportRefused)) throw error;
  outcome = { problems: error.problems };
}
process.stdout.write(JSON.stringify({ ...outcome, peakMb: process.resourceUsage().maxRSS / 1024 }));
