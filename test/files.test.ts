import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../src/files.js';

describe('writeFileAtomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole, with the mode asked for, and leaves nothing beside it', () => {
    const file = join(dir, 'key.pem');
    writeFileSync(file, 'old');
    writeFileAtomically(file, 'new contents', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('new contents');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['key.pem']);
  });

  it('keeps the old file and removes its temporary copy when the new one cannot be put in place', () => {
    const file = join(dir, 'kept.txt');
    writeFileSync(file, 'old');
    // Renaming over a folder fails after the copy was written.
    expect(() => writeFileAtomically(dir, 'cannot replace a folder')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dirname(dir)).filter((name) => name.startsWith(`${basename(dir)}.`) && name.endsWith('.tmp'))).toEqual([]);
  });
});
