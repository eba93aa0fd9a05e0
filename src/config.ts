/** Settings come from environment variables only; every one is checked at start and a wrong value stops it. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { PROJECT_ROOT } from './paths.js';
import type { SignerSpec } from './sealing/signer-spec.js';

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
  sealing: SealingConfig;
}

export interface SealingConfig {
  /** Absent in development: a test seal is generated into DATA_DIR/pki. */
  signer?: SignerSpec;
  /** RFC 3161 time-stamp authority; absent in development: a test one runs inside the process. */
  tsaUrl?: string;
  sealRootsFile?: string;
  tsaRootsFile?: string;
  workers: number;
  queue: number;
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
  SEAL_KEY_FILE: 'seal private key, PEM (PKCS#8, SEC1 or PKCS#1), with SEAL_CERT_FILE',
  SEAL_CERT_FILE: 'seal certificate chain, PEM, the seal certificate first',
  SEAL_PKCS12_FILE: 'seal key and chain as PKCS#12 (.p12), with SEAL_PKCS12_PASSWORD',
  SEAL_PKCS12_PASSWORD: 'password of SEAL_PKCS12_FILE',
  SEAL_PKCS11_LIBRARY: 'PKCS#11 module of the hardware token holding the seal (e.g. the HSM vendor’s .so)',
  SEAL_PKCS11_TOKEN: 'token label (default: the only token)',
  SEAL_PKCS11_PIN: 'user PIN of the token',
  SEAL_PKCS11_KEY_LABEL: 'label of the seal key on the token (default: the only key)',
  SEAL_PKCS11_CHAIN_FILE: 'PEM issuers of the seal certificate, if the token holds only the seal certificate',
  TSA_URL: 'RFC 3161 time-stamp authority; documents are B-T with it, B-B without (development runs a test TSA)',
  TRUSTED_SEAL_ROOTS_FILE: 'PEM roots a seal certificate must chain to, for verification (required in production)',
  TRUSTED_TSA_ROOTS_FILE: 'PEM roots of time-stamp authorities, for verification (required in production with TSA_URL)',
  SEAL_WORKERS: 'sealing worker threads, 1–64 (default: the number of cores)',
  SEAL_QUEUE: 'sealing jobs waiting for a worker before new ones are refused, 1–100000 (default 256)',
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
    sealing: { workers: 1, queue: 1 },
  };
  config.sealing = loadSealingConfig(env, environment, problems, integer);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function loadSealingConfig(
  env: NodeJS.ProcessEnv,
  environment: Environment,
  problems: string[],
  integer: (name: string, min: number, max: number, fallback: number) => number,
): SealingConfig {
  const file = (name: string): string | undefined => {
    const value = env[name];
    if (!value) return undefined;
    const path = resolve(PROJECT_ROOT, value);
    if (!existsSync(path)) problems.push(`${name}: no file at ${path}`);
    return path;
  };
  let signer: SignerSpec | undefined;
  const keyFile = file('SEAL_KEY_FILE');
  const certFile = file('SEAL_CERT_FILE');
  const pkcs12File = file('SEAL_PKCS12_FILE');
  const library = file('SEAL_PKCS11_LIBRARY');
  const chosen = [keyFile || certFile, pkcs12File, library].filter(Boolean).length;
  if (chosen > 1) problems.push('choose one seal key: SEAL_KEY_FILE/SEAL_CERT_FILE, SEAL_PKCS12_FILE or SEAL_PKCS11_LIBRARY');
  if (keyFile || certFile) {
    if (!keyFile || !certFile) problems.push('SEAL_KEY_FILE and SEAL_CERT_FILE go together');
    else signer = { kind: 'pem', keyFile, chainFile: certFile };
  } else if (pkcs12File) {
    signer = { kind: 'pkcs12', file: pkcs12File, password: env.SEAL_PKCS12_PASSWORD ?? '' };
  } else if (library) {
    if (!env.SEAL_PKCS11_PIN) problems.push('SEAL_PKCS11_PIN is required with SEAL_PKCS11_LIBRARY');
    signer = {
      kind: 'pkcs11',
      library,
      pin: env.SEAL_PKCS11_PIN ?? '',
      tokenLabel: env.SEAL_PKCS11_TOKEN || undefined,
      keyLabel: env.SEAL_PKCS11_KEY_LABEL || undefined,
      chainFile: file('SEAL_PKCS11_CHAIN_FILE'),
    };
  }
  const tsaUrl = env.TSA_URL || undefined;
  if (tsaUrl && !/^https?:\/\/./.test(tsaUrl)) problems.push('TSA_URL must be an http(s) URL');
  const sealRootsFile = file('TRUSTED_SEAL_ROOTS_FILE');
  const tsaRootsFile = file('TRUSTED_TSA_ROOTS_FILE');
  if (environment === 'production') {
    if (!signer) problems.push('production needs the seal key: SEAL_PKCS11_LIBRARY (hardware), SEAL_PKCS12_FILE or SEAL_KEY_FILE/SEAL_CERT_FILE');
    if (!sealRootsFile) problems.push('production needs TRUSTED_SEAL_ROOTS_FILE to verify certificates');
    if (tsaUrl && !tsaRootsFile) problems.push('production with TSA_URL needs TRUSTED_TSA_ROOTS_FILE');
  }
  return {
    signer,
    tsaUrl,
    sealRootsFile,
    tsaRootsFile,
    workers: integer('SEAL_WORKERS', 1, 64, availableParallelism()),
    queue: integer('SEAL_QUEUE', 1, 100000, 256),
  };
}
