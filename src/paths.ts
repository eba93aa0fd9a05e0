import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** The project folder, the same whether run from source (tsx, vitest) or from dist/. */
export const PROJECT_ROOT = findProjectRoot();
export const LOCALES_DIR = join(PROJECT_ROOT, 'locales');
export const STATIC_DIR = join(PROJECT_ROOT, 'views', 'static');
