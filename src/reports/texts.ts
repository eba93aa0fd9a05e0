/**
 * The texts of report files: `reportFile` in the locales. They are read here rather than through src/i18n.ts,
 * because that module initialises i18next with a top-level await, which a worker thread cannot load from
 * TypeScript source (tsx loads worker code as CommonJS there); a report needs only these few plain texts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALES_DIR } from '../paths.js';

type Lang = 'lv' | 'en';
const loaded = new Map<Lang, unknown>();

/** The text `reportFile.<key>` in the language, with `{{name}}` placeholders filled in. */
export function reportText(lang: Lang, key: string, params: Record<string, string | number> = {}): string {
  if (!loaded.has(lang)) {
    const translation = JSON.parse(readFileSync(join(LOCALES_DIR, lang, 'translation.json'), 'utf8')) as { reportFile?: unknown };
    loaded.set(lang, translation.reportFile);
  }
  const template = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], loaded.get(lang));
  if (typeof template !== 'string') throw new Error(`no text reportFile.${key} in ${lang}`);
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(params[name] ?? ''));
}
