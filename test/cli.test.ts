import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from './support/databases.js';
import { seedSession } from './support/register.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => (out.push(s), true) }, stderr: { write: (s: string) => (err.push(s), true) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe.each(DATABASE_KINDS)('command line on %s', (kind) => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
  });
  afterEach(async () => test.close());

  const run = async (...argv: string[]) => {
    const c = capture();
    const code = await runCli(argv, test.handle, c.io);
    return { code, out: c.out(), err: c.err() };
  };

  it('score --json prints exactly the part and total percents', async () => {
    expect(await run('score', '--exam', 'LAT09', '--points', '28,21,19', '--json')).toEqual({ code: 0, out: '{"parts":[56,70,95],"total":68}\n', err: '' });
    expect((await run('score', '--exam', 'KUMAL', '--points', '48,29')).out).toBe('Daļas: 88 %, 87 %. Kopvērtējums: 88 %.\n');
  });

  it('score refuses bad input with the part and range, exit code 1', async () => {
    const r = await run('score', '--exam', 'LAT09', '--points', '28,41,19', '--lang', 'en');
    expect(r.code).toBe(1);
    expect(r.err).toBe('part 2: 41 is outside the allowed range 0–30.\n');
    expect((await run('score', '--exam', 'LAT09', '--points', '28,21')).code).toBe(1);
    expect((await run('score', '--exam', 'XXX09', '--points', '1')).err).toContain('XXX09');
  });

  it('imports, issues and annuls, with JSON results', async () => {
    const s = await seedSession(test.handle.db, { examCode: 'MAT09', candidates: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'scores.csv');
    writeFileSync(file, `kārtotāja kods;piedalījās;1. daļa;2. daļa\n${s.candidateCodes[0]};jā;28;16\n${s.candidateCodes[1]};jā;60;20\n`);
    const imported = await run('import', file, '--session', String(s.sessionId), '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.out)).toMatchObject({ created: 2, updated: 0, unchanged: 0, examCode: 'MAT09' });

    const issued = await run('issue', '--session', String(s.sessionId), '--date', '2026-06-17', '--json');
    expect(JSON.parse(issued.out)).toEqual({ issued: 2, alreadyIssued: 0, notEligible: 0, conflicts: [] });
    const annulled = await run('annul', `2026/${s.candidateCodes[0]}-MAT09`, '--reason', 'Kļūda', '--lang', 'en');
    expect(annulled).toMatchObject({ code: 0, out: `Certificate 2026/${s.candidateCodes[0]}-MAT09 annulled.\n` });

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `candidate_code,took_part,part_1,part_2\n${s.candidateCodes[0]},yes,61,0\n`);
    const refused = await run('import', bad, '--session', String(s.sessionId), '--lang', 'en');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Import refused; nothing was saved. Problems: 1.');
    expect(refused.err).toContain('Row 2, column “part_1”: part 1: 61 is outside the allowed range 0–60.');
  });

  it('lists sessions and defines parts for an exam without a table', async () => {
    const listed = JSON.parse((await run('sessions', '--year', '2022/2023', '--exam', 'MATVL', '--json')).out) as { examCode: string; term: string }[];
    expect(listed.map((s) => [s.examCode, s.term])).toEqual([
      ['MATVL', 'main'],
      ['MATVL', 'additional'],
    ]);
    expect((await run('parts', '--exam', 'MATVL', '--year', '2022/2023', '--max', '40,20')).code).toBe(0);
    expect((await run('score', '--exam', 'MATVL', '--year', '2022/2023', '--points', '30,10', '--json')).out).toBe('{"parts":[75,50],"total":66}\n');
  });

  it('shows and moves a school year’s release moments in Latvian time', async () => {
    expect((await run('release', '--year', '2025/2026', '--lang', 'en')).out).toContain(
      'basic education results from 26.06.2026 09:00, general secondary results from 03.07.2026 09:00',
    );
    const moved = JSON.parse((await run('release', '--year', '2025/2026', '--secondary', '2026-07-06 10:30', '--json')).out) as {
      secondary: string;
      basic: string;
    };
    expect(moved).toMatchObject({ basic: '2026-06-26T06:00:00.000Z', secondary: '2026-07-06T07:30:00.000Z' });
    expect((await run('release', '--year', '2025/2026', '--basic', '2026-02-30 09:00')).code).toBe(2);
    expect((await run('release', '--year', '2025/2026', '--basic', 'tomorrow')).code).toBe(2);
  });

  it('refuses demo data over an existing register with a message, and refuses impossible dates', async () => {
    await seedSession(test.handle.db, { examCode: 'LAT09', candidates: 1 });
    const r = await run('demo', '--students', '10', '--lang', 'en', '--json');
    expect(r.code).toBe(1);
    expect(r.err).toContain('demo data goes only into an empty register');
    expect(JSON.parse(r.out)).toMatchObject({ error: { kind: 'demo.not-empty' } });
    expect((await run('issue', '--session', '1', '--date', '2026-02-31')).code).toBe(2);
    expect((await run('score', '--exam', 'MATVL', '--points', '1', '--lang', 'en')).err).toContain('have not been defined yet');
  });

  it('explains wrong usage with exit code 2', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('issue')).err).toContain('--session');
    expect((await run('score', '--bogus')).code).toBe(2);
    expect((await run('--help')).out).toContain('Usage: npm run cli');
  });
});

describe('command line sealing', () => {
  it('issue seals, seal writes a file, verify checks it and reports annulment', async () => {
    const { cliServices } = await import('../src/cli/main.js');
    const { rmSync } = await import('node:fs');
    const test = await openTestDatabase('sqlite');
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-seal-'));
    const services = cliServices({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
    try {
      const run = async (...argv: string[]) => {
        const c = capture();
        const code = await runCli(argv, test.handle, c.io, services);
        return { code, out: c.out(), err: c.err() };
      };
      const s = await seedSession(test.handle.db, { examCode: 'LAT09', candidates: 2 });
      const file = join(dataDir, 'scores.csv');
      writeFileSync(file, `candidate_code,took_part,part_1,part_2,part_3\n${s.candidateCodes[0]},yes,28,21,19\n${s.candidateCodes[1]},yes,1,1,1\n`);
      expect((await run('import', file, '--session', String(s.sessionId))).code).toBe(0);
      const issued = await run('issue', '--session', String(s.sessionId), '--date', '2026-06-17', '--json');
      expect(issued.code).toBe(0);
      expect(JSON.parse(issued.out)).toMatchObject({ issued: 2, sealing: { sealed: 2, failed: [], levels: { 'B-LT': 2, 'B-T': 0 } } });
      expect(JSON.parse((await run('issue', '--session', String(s.sessionId), '--json')).out)).toMatchObject({ issued: 0, sealing: { sealed: 0 } });

      // Freshly sealed documents need no archive time-stamp yet: the preservation run looks at both and renews none.
      const preserved = await run('preserve', '--json');
      expect(preserved.code).toBe(0);
      expect(JSON.parse(preserved.out)).toMatchObject({ ran: true, examined: 2, renewed: 0, current: 2, failed: [] });
      expect((await run('preserve', '--at', 'tomorrow')).code).toBe(2);
      expect((await run('preserve', '--window-days', '0')).code).toBe(2);

      const number = `2026/${s.candidateCodes[0]}-LAT09`;
      const edoc = join(dataDir, 'one.edoc');
      expect((await run('seal', number, '-o', edoc, '--lang', 'en')).out).toMatch(/written to .*one\.edoc/);
      const verified = await run('verify', edoc, '--lang', 'en');
      expect(verified.code).toBe(0);
      expect(verified.out).toContain('✓ The document is genuine');
      expect(verified.out).toContain('total 68 %');

      await run('annul', number, '--reason', 'Kļūda');
      const annulled = await run('verify', edoc, '--lang', 'en');
      expect(annulled.code).toBe(1);
      expect(annulled.out).toContain('✗ WARNING: the certificate was annulled');
      expect((await run('seal', '2026/000000000000-LAT09', '-o', edoc)).code).toBe(1);
    } finally {
      await services.close();
      await test.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
