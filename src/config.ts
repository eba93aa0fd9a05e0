/** Settings come from environment variables only; every one is checked at start and a wrong value stops it. */
import { isAbsolute, join, resolve } from 'node:path';
import { PROJECT_ROOT } from './paths.js';

export type Environment = 'development' | 'production' | 'test';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  environment: Environment;
  host: string;
  port: number;
  dataDir: string;
  /** `postgres://…`, or the SQLite file. */
  databaseUrl: string;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  logLevel: LogLevel;
  demoStudents: number;
  demoSeed: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every setting with its default and meaning; the README's table is written from the same facts. */
export const SETTINGS = {
  NODE_ENV: 'development | production | test (default development). Production never creates demo data or test keys.',
  HOST: 'address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all interfaces)',
  PORT: 'TCP port, 1–65535 (default 3000)',
  DATA_DIR: 'folder for the embedded database and generated files (default ./data)',
  DATABASE_URL: 'postgres://user@host:port/db for PostgreSQL; otherwise the SQLite file DATA_DIR/portal.db',
  DATABASE_POOL_SIZE: 'PostgreSQL connections per instance, 1–100 (default 10)',
  DATABASE_STATEMENT_TIMEOUT_MS: 'PostgreSQL statement timeout, 100–600000 ms (default 30000)',
  LOG_LEVEL: 'debug | info | warn | error | silent (default info)',
  DEMO_STUDENTS: 'students created on the first start in development, 0–100000 (default 2000; 0 = none)',
  DEMO_SEED: 'seed of the demo data, a whole number (default 2026)',
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}="${value}" must be one of: ${allowed.join(', ')}`);
    return fallback;
  };
  const integer = (name: string, min: number, max: number, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      problems.push(`${name}="${value}" must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(value);
  };

  const environment = oneOf<Environment>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const host = env.HOST || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) problems.push(`HOST="${host}" is not a host name or address`);
  const port = integer('PORT', 1, 65535, 3000);
  const dataDir = resolve(PROJECT_ROOT, env.DATA_DIR || 'data');
  const databaseUrl = env.DATABASE_URL || join(dataDir, 'portal.db');
  if (env.DATABASE_URL && !/^postgres(ql)?:\/\/./.test(env.DATABASE_URL) && !isAbsolute(env.DATABASE_URL)) {
    // The value is not repeated: it may hold a password.
    problems.push('DATABASE_URL must be a postgres:// URL or an absolute SQLite file path');
  }
  const config: Config = {
    environment,
    host,
    port,
    dataDir,
    databaseUrl,
    databasePoolSize: integer('DATABASE_POOL_SIZE', 1, 100, 10),
    databaseStatementTimeoutMs: integer('DATABASE_STATEMENT_TIMEOUT_MS', 100, 600000, 30000),
    logLevel: oneOf<LogLevel>('LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'], 'info'),
    demoStudents: integer('DEMO_STUDENTS', 0, 100000, 2000),
    demoSeed: integer('DEMO_SEED', 0, 2 ** 31 - 1, 2026),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
