import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { LOCALES_DIR } from './paths.js';

export const LANGUAGES = ['lv', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'lv';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

function loadResources() {
  return Object.fromEntries(
    LANGUAGES.map((lang) => [
      lang,
      { translation: JSON.parse(readFileSync(join(LOCALES_DIR, lang, 'translation.json'), 'utf8')) as object },
    ]),
  );
}

// One instance for the whole process; each request takes a fixed-language `t`, never changeLanguage().
const instance = i18next.createInstance();
await instance.init({
  resources: loadResources(),
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

export type Translate = TFunction;

export function translator(lang: Language): Translate {
  return instance.getFixedT(lang);
}

/** Every key of one language, for the test that both languages say everything. */
export function translationKeys(lang: Language): string[] {
  const walk = (node: unknown, prefix: string): string[] =>
    node && typeof node === 'object'
      ? Object.entries(node).flatMap(([k, v]) => walk(v, prefix ? `${prefix}.${k}` : k))
      : [prefix];
  return walk(instance.getResourceBundle(lang, 'translation'), '');
}
