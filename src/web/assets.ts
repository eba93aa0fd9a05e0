/** Static files are served from memory under names carrying their content hash, so browsers may keep them forever. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PROJECT_ROOT, STATIC_DIR } from '../paths.js';
import { gzipEncoded } from './compression.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export interface Asset {
  body: Uint8Array;
  /** The same bytes gzip-compressed once at start, for clients that accept it. */
  gzip: Uint8Array;
  type: string;
}

export interface Assets {
  /** Public URL by source name: "app.css" → "/static/app.3f9a1c2b7d.css". */
  url(name: string): string;
  /** The asset behind a hashed file name, if any. */
  get(hashedName: string): Asset | undefined;
}

/** Files served from installed packages rather than from views/static: htmx for the staff pages. */
const PACKAGE_ASSETS: Record<string, string> = {
  'htmx.min.js': join(PROJECT_ROOT, 'node_modules', 'htmx.org', 'dist', 'htmx.min.js'),
};

export function loadAssets(dir = STATIC_DIR): Assets {
  const urls = new Map<string, string>();
  const files = new Map<string, Asset>();
  const sources = [...readdirSync(dir).map((name) => [name, join(dir, name)] as const), ...Object.entries(PACKAGE_ASSETS)];
  for (const [name, path] of sources) {
    const ext = extname(name);
    const type = TYPES[ext];
    if (!type) continue;
    const body = readFileSync(path);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
    const hashed = `${name.slice(0, -ext.length)}.${hash}${ext}`;
    urls.set(name, `/static/${hashed}`);
    files.set(hashed, { body, gzip: gzipEncoded(body), type });
  }
  return {
    url(name) {
      const url = urls.get(name);
      if (!url) throw new Error(`no static asset named ${name}`);
      return url;
    },
    get: (hashedName) => files.get(hashedName),
  };
}
