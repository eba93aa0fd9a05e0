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
    LANGUAGES.map((lang) => [lang, { translation: JSON.parse(readFileSync(join(LOCALES_DIR, lang, 'translation.json'), 'utf8')) as object }]),
  );
}

// One instance for the whole process; each request takes a fixed-language `t`, never changeLanguage().
// Synchronous (resources given, initAsync false), so the module has no top-level await and worker threads,
// which tsx loads as CommonJS from source, can import it too.
const instance = i18next.createInstance();
void instance.init({
  resources: loadResources(),
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

export type Translate = TFunction;

const translators = new Map<Language, Translate>();

/**
 * A fixed-language `t`. Texts are looked up once in i18next's resources and then kept with their
 * {{placeholders}}; a page renders dozens of texts, and i18next's full resolution per call cost a tenth of the
 * results page's time. Anything the fast path does not know (a missing key, a non-text resource) goes to
 * i18next itself, so the answers are the same.
 */
export function translator(lang: Language): Translate {
  const existing = translators.get(lang);
  if (existing) return existing;
  const fixed = instance.getFixedT(lang);
  const templates = new Map<string, string | null>();
  const t = (key: string, params?: Record<string, unknown>): string => {
    let template = templates.get(key);
    if (template === undefined) {
      const own: unknown = instance.getResource(lang, 'translation', key);
      const raw = own ?? instance.getResource(DEFAULT_LANGUAGE, 'translation', key);
      template = typeof raw === 'string' ? raw : null;
      templates.set(key, template);
    }
    if (template === null) return String(fixed(key, params as never));
    if (!params || !template.includes('{{')) return template;
    return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => {
      if (!Object.hasOwn(params, name)) return whole;
      const value = params[name];
      return value === null || value === undefined ? '' : String(value);
    });
  };
  translators.set(lang, t as unknown as Translate);
  return t as unknown as Translate;
}

/** i18next's own answer, for the test that the fast path says the same. */
export function i18nextTranslate(lang: Language, key: string, params?: Record<string, unknown>): string {
  return String(instance.getFixedT(lang)(key, params as never));
}

/** Every key of one language, for the test that both languages say everything. */
export function translationKeys(lang: Language): string[] {
  const walk = (node: unknown, prefix: string): string[] =>
    node && typeof node === 'object' ? Object.entries(node).flatMap(([k, v]) => walk(v, prefix ? `${prefix}.${k}` : k)) : [prefix];
  return walk(instance.getResourceBundle(lang, 'translation'), '');
}
