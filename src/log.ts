/** Structured logs: one JSON object per line on stdout. Personal codes never reach a log line whole. */
import type { LogLevel } from './config.js';
import { maskPersonalCode } from './domain/personal-code.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

// Eleven digits standing alone, the last five possibly set off by a hyphen, space, dot or plus: anything
// shaped like a personal code, however it was typed.
const PERSONAL_CODE = /(?<!\d)(\d{6})[-\s.+]?(\d{5})(?!\d)/g;

export function maskPersonalCodesIn(text: string): string {
  return text.replace(PERSONAL_CODE, (_code, first: string, last: string) => maskPersonalCode(first + last));
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger {
  const emit = (at: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields }, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value,
    );
    write(maskPersonalCodesIn(line));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
