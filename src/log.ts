/** Structured logs: one JSON object per line on stdout. Personal codes and e-mail addresses never reach a log line whole. */
import { maskEmailAddressesInText } from './domain/notices.js';
import { mayHoldPersonalCode, maskPersonalCodesInText as maskCodesOnly } from './domain/personal-code.js';

/** Personal codes and e-mail addresses (notice recipients, and what a mail server says about them) masked. */
function maskPersonalCodesInText(text: string): string {
  return maskCodesOnly(maskEmailAddressesInText(text));
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Masks anything shaped like a personal code in plain text (see maskPersonalCodesInText for the rules). */
export function maskPersonalCodesIn(text: string): string {
  return maskPersonalCodesInText(text);
}

const MAX_DEPTH = 10;

/**
 * The value as JSON would write it, with personal codes masked in every string: values and keys of nested
 * objects and arrays, numbers shaped like a code, and an Error's message, stack and cause (which JSON alone
 * would write as `{}`). Masking the values, before anything is escaped, is what catches a code written with a
 * tab or a line break: in the serialised line those are `\t` and `\n`.
 */
export function maskedForOutput(value: unknown): unknown {
  return masked(value, 0, new WeakSet());
}

function masked(value: unknown, depth: number, within: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return maskPersonalCodesInText(value);
    case 'number': {
      const text = String(value);
      const hidden = maskPersonalCodesInText(text);
      return hidden === text ? value : hidden;
    }
    case 'bigint':
      // JSON.stringify would throw on a bigint.
      return maskPersonalCodesInText(String(value));
    case 'object':
      break;
    default:
      // Booleans, undefined, functions and symbols: JSON's own rules apply.
      return value;
  }
  if (value === null) return null;
  if (within.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  within.add(value);
  try {
    if (value instanceof Error) {
      const { code, cause } = value as Error & { code?: unknown; cause?: unknown };
      return {
        name: maskPersonalCodesInText(value.name),
        message: maskPersonalCodesInText(value.message),
        ...(typeof code === 'string' || typeof code === 'number' ? { code: masked(code, depth + 1, within) } : {}),
        ...(value.stack !== undefined ? { stack: maskPersonalCodesInText(value.stack) } : {}),
        ...(cause !== undefined ? { cause: masked(cause, depth + 1, within) } : {}),
      };
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return masked(toJSON.call(value), depth + 1, within);
    if (Array.isArray(value)) return value.map((item) => masked(item, depth + 1, within));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[maskPersonalCodesInText(key)] = masked(item, depth + 1, within);
    return copy;
  } finally {
    // Only the path from the root counts: the same object met twice side by side is written twice, as JSON does.
    within.delete(value);
  }
}

// A JSON string or number in a serialised line (a string first, so digits inside strings are never numbers).
const JSON_TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d[\d.eE+-]*/g;

/**
 * The second net, over the finished line: every string is read back (so `\t`, `\n` and `\u2010` are characters
 * again), masked, and written anew; a number shaped like a code becomes a masked string. The line stays JSON.
 */
export function maskPersonalCodesInJsonLine(line: string): string {
  return line.replace(JSON_TOKEN, (token) => {
    // Our own JSON.stringify escapes no digit, so a token without enough of them cannot hold a code decoded either.
    if (!mayHoldPersonalCode(token)) return token;
    if (token.startsWith('"')) {
      const text = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
      const hidden = maskPersonalCodesInText(text);
      return hidden === text ? token : JSON.stringify(hidden);
    }
    const hidden = maskPersonalCodesInText(token);
    return hidden === token ? token : JSON.stringify(hidden);
  });
}

export interface Logger {
  /** Whether lines of this level are written (to skip gathering fields nobody will read). */
  enabled(at: LogLevel): boolean;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger {
  const emit =
    (at: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[at] < ORDER[level]) return;
      const time = new Date().toISOString();
      let line: string;
      try {
        line = JSON.stringify({ time, level: at, msg: maskPersonalCodesInText(msg), ...(maskedForOutput(fields) as Record<string, unknown>) });
      } catch {
        // A field whose toJSON throws must not take the request down with it, nor hide that something happened.
        line = JSON.stringify({ time, level: at, msg: maskPersonalCodesInText(msg), logError: 'the fields could not be written' });
      }
      // Most lines hold nothing shaped like a code at all: then the second net has nothing to find either.
      const codesMasked = mayHoldPersonalCode(line) ? maskPersonalCodesInJsonLine(line) : line;
      write(maskEmailAddressesInText(codesMasked));
    };
  return { enabled: (at) => ORDER[at] >= ORDER[level], debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
