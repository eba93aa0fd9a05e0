/** Settings come from environment variables only; every one is checked at start and a wrong value stops it. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { LogLevel } from './log.js';
import { PROJECT_ROOT } from './paths.js';
import type { SignerSpec } from './sealing/signer-spec.js';
import { parseTrustedProxies } from './net/trusted-proxies.js';
import { ARCHIVE_TIMESTAMP_DIGEST, DIGEST_ALGORITHMS, isDigestAlgorithm, type DigestAlgorithm } from './domain/preservation.js';
import { DEFAULT_MAX_TOKEN_SECONDS, DEVELOPMENT_ISSUER } from './eservice/claims.js';
import { DEFAULT_GEOIP_MAX_AGE_DAYS, defaultCountryDatabaseFile } from './net/country-database.js';

export type Environment = 'development' | 'production' | 'test';

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
  backgroundSealing: boolean;
  /** Proxies (addresses and CIDR ranges) whose X-Forwarded-For is believed; empty: the socket peer is the client. */
  trustedProxies: string[];
  /** Bounds above which new requests get a light 503 at once (src/web/overload.ts). */
  overload: { maxLagMs: number; maxInFlight: number };
  /** The bearer token a Prometheus scraper sends to `/metrics`; absent: `/metrics` answers 404. */
  metricsToken?: string;
  /** The MMDB country database of the Baltic-only pages, and the age after which it is reported as stale. */
  geoip: { file: string; maxAgeDays: number };
  sealing: SealingConfig;
  /** Where browsers reach the portal, without a trailing slash: OpenID Connect redirect URIs and Origin checks. */
  publicUrl: string;
  auth: AuthConfig;
  reports: ReportsConfig;
  /** The Latvija.lv e-service; absent: not offered (production without ESERVICE_* settings). */
  eservice?: EserviceConfig;
  /** Whom people ask, shown on every page (footer, refusals, states that need a next step). */
  contact: ServiceContact;
  /** Paper copies of certificates: where and when they are picked up, what they cost, how long they take. */
  paper: PaperCopyConfig;
  /** Outgoing e-mail (the results notices); absent: notices are not offered (production without SMTP settings). */
  mail?: MailConfig;
  /** Results day: the lobby before a release moment, and the kept results pages. */
  resultsDay: ResultsDayConfig;
}

/** How the portal sends e-mail, and how gently the notices go out. */
export interface MailConfig {
  /** An SMTP server, or (outside production, without SMTP settings) .eml files written under DATA_DIR/mail/. */
  transport: { kind: 'smtp'; url: string } | { kind: 'smtp'; host: string; port: number; user?: string; password?: string } | { kind: 'files'; dir: string };
  /** The From: address, e.g. `Eksāmenu portāls <noreply@viaa.gov.lv>`. */
  from: string;
  /** Messages claimed and sent at once, and the pause between such batches. */
  batchSize: number;
  batchPauseMs: number;
}

export interface ResultsDayConfig {
  /** Minutes before a release moment from which a waiting student gets the lobby. */
  lobbyMinutes: number;
  /** The longest wait, in seconds after the moment, before a lobby page opens the results by itself. */
  spreadSeconds: number;
  /** Megabytes of compressed results pages kept in memory per instance. */
  cacheMegabytes: number;
}

/** What the paper request form tells people before they ask, and how long an unfinished form is kept. */
export interface PaperCopyConfig {
  /** Where a paper copy is picked up, as one line. */
  pickupAddress: string;
  /** When it can be picked up, in Latvian and English. */
  pickupHours: { lv: string; en: string };
  /** The price of one paper copy in euro cents; 0: free of charge. */
  priceCents: number;
  /** Working days from the request until the copy is posted or ready to be picked up. */
  deliveryWorkingDays: number;
  /** Hours a form sent after its 15-minute session ended is kept for the same person to finish. */
  draftHours: number;
}

/** Demonstration values; production must set the address and the price itself. */
export const DEVELOPMENT_PAPER_COPY: PaperCopyConfig = {
  pickupAddress: 'Vaļņu iela 3, Rīga, LV-1050',
  pickupHours: { lv: 'darba dienās 9.00–16.00', en: 'working days 9:00–16:00' },
  priceCents: 0,
  deliveryWorkingDays: 10,
  draftHours: 24,
};

/** The agency's help route, printed on every page; each state that needs a next step points here. */
export interface ServiceContact {
  email: string;
  /** As people dial it, e.g. "+371 67 000 000". */
  phone: string;
  /** When the phone is answered, in Latvian and English. */
  hours: { lv: string; en: string };
  /** Where the appeal procedure for an exam result is explained. */
  appealUrl: string;
}

/** Demonstration values (reserved names, no real mailbox); production must set its own. */
export const DEVELOPMENT_CONTACT: ServiceContact = {
  email: 'eksameni@viaa.example.lv',
  phone: '+371 67 000 000',
  hours: { lv: 'darba dienās 9.00–17.00', en: 'working days 9:00–17:00' },
  appealUrl: 'https://www.viaa.gov.lv/lv/centralizeto-eksamenu-rezultatu-apstridesana',
};

/** The Latvija.lv e-service that embeds the certificate list and sends its user with a signed token. */
export interface EserviceConfig {
  /** The `iss` its tokens must carry. */
  issuer: string;
  /** The `aud` its tokens must name (this portal). */
  audience: string;
  /** Where its public keys are: a JWKS URL, a JWKS file, or the development key made in DATA_DIR/eservice/. */
  keys: { kind: 'url'; url: string } | { kind: 'file'; file: string } | { kind: 'development' };
  /** Origins allowed to frame the embedded list (CSP frame-ancestors); none: it can only be opened directly. */
  origins: string[];
  /** The longest lifetime (exp − iat) a token may have. */
  maxTokenSeconds: number;
}

/** The report queue: this instance's runners, and what every user may ask of it. */
export interface ReportsConfig {
  workers: number;
  maxQueuedPerUser: number;
  retentionDays: number;
  /** How long a claimed job stays with its runner without a renewal: after a crash, how soon another takes it. */
  leaseSeconds: number;
}

/** Sign-in: the OpenID Connect providers (only those configured are offered) and web sessions. */
export interface AuthConfig {
  providers: { eklase?: OidcProviderConfig; mykoob?: OidcProviderConfig; latvija?: OidcProviderConfig };
  /** The claim carrying the person's personal code. */
  personalCodeClaim: string;
  /** Scopes asked of the provider. */
  scopes: string;
  sessionIdleMinutes: number;
}

export interface OidcProviderConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** Keeping sealed documents verifiable for decades (src/domain/preservation.ts). */
export interface PreservationConfig {
  windowDays: number;
  retiredDigests: DigestAlgorithm[];
  /** 0: no scheduled run. */
  intervalHours: number;
}

export interface SealingConfig {
  /** Absent in development: a test seal is generated into DATA_DIR/pki. */
  signer?: SignerSpec;
  /** RFC 3161 time-stamp authority; absent in development: a test one runs inside the process. */
  tsaUrl?: string;
  /** OCSP responder asked about the seal certificate instead of the one its AuthorityInfoAccess names. */
  ocspUrl?: string;
  sealRootsFile?: string;
  tsaRootsFile?: string;
  /** The agency seal's organisation identifier: verification accepts no other seal. */
  organizationId?: string;
  workers: number;
  queue: number;
  /** Always set by loadConfig; DEFAULT_PRESERVATION where a caller builds its own settings. */
  preservation?: PreservationConfig;
  /** Verification asks the seal certificate's OCSP responder as well (VERIFY_ONLINE_REVOCATION; default off). */
  onlineRevocation?: boolean;
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
  TRUSTED_PROXIES: 'comma-separated IPs and CIDR ranges (IPv4, IPv6) of the proxies in front; only from them is X-Forwarded-For believed (default none)',
  OVERLOAD_MAX_LAG_MS:
    'event-loop delay which, lasting over two of the last three half-seconds while at least 4 requests are in progress, sends new page requests to the waiting room, 10–60000 ms (default 200)',
  OVERLOAD_MAX_IN_FLIGHT: 'requests in progress at which new page requests get a place in the waiting room, 1–1000000 (default 1000)',
  METRICS_TOKEN: 'bearer token (at least 32 characters) a Prometheus scraper sends to /metrics; without it /metrics answers 404 (default none)',
  GEOIP_DB_FILE:
    'MMDB country database for the Baltic-only student pages (DB-IP IP to Country Lite or GeoLite2 Country), read again when the file changes (default: the DB-IP Lite copy shipped in node_modules)',
  GEOIP_MAX_AGE_DAYS: 'days after its build time at which the geo database is reported as stale in the log and on /healthz, 1–3650 (default 35)',
  SEAL_KEY_FILE: 'seal private key, PEM (PKCS#8, SEC1 or PKCS#1), with SEAL_CERT_FILE',
  SEAL_CERT_FILE: 'seal certificate chain, PEM, the seal certificate first',
  SEAL_PKCS12_FILE: 'seal key and chain as PKCS#12 (.p12), with SEAL_PKCS12_PASSWORD',
  SEAL_PKCS12_PASSWORD: 'password of SEAL_PKCS12_FILE',
  SEAL_PKCS11_LIBRARY: 'PKCS#11 module of the hardware token holding the seal (e.g. the HSM vendor’s .so)',
  SEAL_PKCS11_TOKEN: 'token label (default: the only token)',
  SEAL_PKCS11_PIN: 'user PIN of the token',
  SEAL_PKCS11_KEY_LABEL: 'label of the seal key on the token (default: the only key)',
  SEAL_PKCS11_CHAIN_FILE: 'PEM issuers of the seal certificate, if the token holds only the seal certificate',
  TSA_URL: 'RFC 3161 time-stamp authority; documents are B-LT with it (time-stamp and OCSP response), B-B without (development runs its own TSA)',
  OCSP_URL: 'OCSP responder asked about the seal certificate (default: the address in its AuthorityInfoAccess; development runs its own responder)',
  SEAL_ORGANIZATION_ID:
    'organisation identifier in the agency seal certificate (2.5.4.97, e.g. NTRLV-90001234567); verification accepts only that seal (required in production)',
  TRUSTED_SEAL_ROOTS_FILE: 'PEM roots a seal certificate must chain to, for verification (required in production)',
  TRUSTED_TSA_ROOTS_FILE: 'PEM roots of time-stamp authorities, for verification (required in production with TSA_URL)',
  BACKGROUND_SEALING: 'on | off: seal issued certificates that have no document yet, in the background after start (default on in development, off otherwise)',
  SEAL_WORKERS: 'sealing worker threads, 1–64 (default: the number of cores)',
  SEAL_QUEUE: 'sealing jobs waiting for a worker before new ones are refused, 1–100000 (default 256)',
  PRESERVE_WINDOW_DAYS:
    "renew a document's evidence with a new archive time-stamp when its newest time-stamp's certificate expires within this many days, 1–3650 (default 365)",
  RETIRED_DIGEST_ALGORITHMS:
    'comma-separated digests the agency no longer trusts in time-stamps (md5, sha1, sha224, sha384, sha512); documents resting on one are renewed (default none; md5 and sha1 always)',
  PRESERVE_INTERVAL_HOURS: 'hours between scheduled preservation runs of the portal, 0–720 (default 24; 0: only the command line `preserve`)',
  VERIFY_ONLINE_REVOCATION: 'on | off (default off): verification also asks the OCSP responder the seal certificate names, while the certificate is valid',
  PUBLIC_URL: 'address browsers use to reach the portal (default http://127.0.0.1:PORT; https required in production)',
  EKLASE_ISSUER: 'E-klase OpenID Connect issuer URL; with EKLASE_CLIENT_ID and EKLASE_CLIENT_SECRET it offers “Sign in with E-klase”',
  EKLASE_CLIENT_ID: 'the portal’s client id at E-klase',
  EKLASE_CLIENT_SECRET: 'the portal’s client secret at E-klase',
  MYKOOB_ISSUER: 'Mykoob OpenID Connect issuer URL; with MYKOOB_CLIENT_ID and MYKOOB_CLIENT_SECRET it offers “Sign in with Mykoob”',
  MYKOOB_CLIENT_ID: 'the portal’s client id at Mykoob',
  MYKOOB_CLIENT_SECRET: 'the portal’s client secret at Mykoob',
  LATVIJA_ISSUER:
    'Latvija.lv OpenID Connect issuer URL for staff sign-in; with LATVIJA_CLIENT_ID and LATVIJA_CLIENT_SECRET it offers “Sign in with Latvija.lv” on /staff/login',
  LATVIJA_CLIENT_ID: 'the portal’s client id at Latvija.lv',
  LATVIJA_CLIENT_SECRET: 'the portal’s client secret at Latvija.lv',
  OIDC_PERSONAL_CODE_CLAIM: 'claim (ID token or UserInfo) holding the personal code (default personal_code)',
  OIDC_SCOPES: 'scopes asked of the providers, space-separated, openid among them (default openid)',
  SESSION_IDLE_MINUTES: 'minutes without a request after which a sign-in ends, 1–720 (default 30; 12 hours at most in any case)',
  REPORT_WORKERS: 'report worker threads of this instance, 0–16 (default 1; 0: this instance only queues reports, others run them)',
  REPORT_MAX_QUEUED: 'reports one staff member may have queued or running at once, 1–100 (default 5)',
  REPORT_RETENTION_DAYS: 'days a finished report file is kept before it is removed, 1–365 (default 7)',
  REPORT_LEASE_SECONDS:
    'seconds a running report stays with its instance without a sign of life; after a crash another instance takes it over then, 10–600 (default 30)',
  ESERVICE_ISSUER:
    'the Latvija.lv e-service’s token issuer (iss); with ESERVICE_AUDIENCE and a key source it offers the embedded certificate list (outside production without it: a demo e-service with a key in DATA_DIR/eservice/)',
  ESERVICE_AUDIENCE: 'the audience (aud) the e-service’s tokens must name: this portal (default outside production: PUBLIC_URL)',
  ESERVICE_JWKS_URL: 'the e-service’s published keys, a JWKS URL (https in production); or ESERVICE_JWKS_FILE',
  ESERVICE_JWKS_FILE: 'the e-service’s keys as a JWKS file, instead of ESERVICE_JWKS_URL',
  ESERVICE_ORIGINS:
    'comma-separated origins allowed to frame the embedded list (CSP frame-ancestors), e.g. https://latvija.gov.lv; required in production with the e-service (default none)',
  SUPPORT_EMAIL: 'the agency’s help e-mail, on every page (required in production; development: a placeholder)',
  SUPPORT_PHONE: 'the agency’s help phone number, on every page (required in production)',
  SUPPORT_HOURS_LV: 'when the phone is answered, in Latvian (default “darba dienās 9.00–17.00”)',
  SUPPORT_HOURS_EN: 'when the phone is answered, in English (default “working days 9:00–17:00”)',
  APPEAL_URL: 'page that explains how to appeal an exam result (https; default: the agency’s page)',
  ESERVICE_MAX_TOKEN_SECONDS: 'the longest lifetime (exp − iat) an e-service token may have, 10–600 s (default 300)',
  PAPER_PICKUP_ADDRESS:
    'where paper copies of certificates are picked up, one line (required in production with the e-service; development: Vaļņu iela 3, Rīga, LV-1050)',
  PAPER_PICKUP_HOURS_LV: 'when paper copies can be picked up, in Latvian (default “darba dienās 9.00–16.00”)',
  PAPER_PICKUP_HOURS_EN: 'when paper copies can be picked up, in English (default “working days 9:00–16:00”)',
  PAPER_PRICE_EUR: 'price of one paper copy in euro, e.g. 5 or 4.50; 0 = free of charge (required in production with the e-service; development: 0)',
  PAPER_DELIVERY_WORKING_DAYS: 'working days until a paper copy is posted or ready to be picked up, 1–60 (default 10)',
  PAPER_DRAFT_HOURS: 'hours a paper request form sent after its session ended is kept for the same person to finish, 1–72 (default 24)',
  SMTP_URL:
    'the mail server for the results notices as one URL, smtp://user:password@host:587 or smtps://…:465 (or SMTP_HOST and the others); without any, production offers no notices and development writes .eml files under DATA_DIR/mail/',
  SMTP_HOST: 'the mail server’s host name, instead of SMTP_URL',
  SMTP_PORT: 'its port, 1–65535 (default 587; 465 means TLS from the start, others STARTTLS when offered)',
  SMTP_USER: 'the user name the portal signs in to it with (default: no sign-in)',
  SMTP_PASSWORD: 'that user’s password',
  MAIL_FROM: 'the From: address of the notices, e.g. "Eksāmenu portāls <noreply@viaa.gov.lv>" (required in production with SMTP; development: a placeholder)',
  NOTICE_BATCH_SIZE: 'results notices sent at once by one instance before it pauses, 1–500 (default 20)',
  NOTICE_BATCH_PAUSE_MS: 'pause between two batches of notices, 0–600000 ms (default 2000)',
  LOBBY_MINUTES: 'minutes before a release moment from which a waiting student gets the lobby page with the time left, 0–720 (default 60; 0: no lobby)',
  LOBBY_SPREAD_SECONDS:
    'the lobby page opens the results by itself at the release moment plus up to this many seconds, spread over students, 0–600 (default 60)',
  RESULTS_CACHE_MB: 'megabytes of rendered, compressed results pages kept in memory per instance, 1–4096 (default 128)',
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
    backgroundSealing: oneOf('BACKGROUND_SEALING', ['on', 'off'], environment === 'development' ? 'on' : 'off') === 'on',
    trustedProxies: trustedProxyEntries(env.TRUSTED_PROXIES, problems),
    overload: {
      maxLagMs: integer('OVERLOAD_MAX_LAG_MS', 10, 60000, 200),
      maxInFlight: integer('OVERLOAD_MAX_IN_FLIGHT', 1, 1000000, 1000),
    },
    ...metricsToken(env.METRICS_TOKEN, problems),
    geoip: { file: geoipFile(env.GEOIP_DB_FILE, problems), maxAgeDays: integer('GEOIP_MAX_AGE_DAYS', 1, 3650, DEFAULT_GEOIP_MAX_AGE_DAYS) },
    sealing: { workers: 1, queue: 1 },
    publicUrl: '',
    auth: { providers: {}, personalCodeClaim: 'personal_code', scopes: 'openid', sessionIdleMinutes: 30 },
    reports: {
      workers: integer('REPORT_WORKERS', 0, 16, 1),
      maxQueuedPerUser: integer('REPORT_MAX_QUEUED', 1, 100, 5),
      retentionDays: integer('REPORT_RETENTION_DAYS', 1, 365, 7),
      leaseSeconds: integer('REPORT_LEASE_SECONDS', 10, 600, 30),
    },
    contact: DEVELOPMENT_CONTACT,
    paper: DEVELOPMENT_PAPER_COPY,
    resultsDay: {
      lobbyMinutes: integer('LOBBY_MINUTES', 0, 720, 60),
      spreadSeconds: integer('LOBBY_SPREAD_SECONDS', 0, 600, 60),
      cacheMegabytes: integer('RESULTS_CACHE_MB', 1, 4096, 128),
    },
  };
  config.sealing = loadSealingConfig(env, environment, problems, integer);
  config.auth = loadAuthConfig(env, environment, problems, integer);
  config.publicUrl = loadPublicUrl(env, environment, port, Object.keys(config.auth.providers).length > 0, problems);
  // The Latvija.lv e-service.
  const eservice = loadEserviceConfig(env, environment, config.publicUrl, problems, integer);
  if (eservice) config.eservice = eservice;
  config.contact = loadContact(env, environment, problems);
  config.paper = loadPaperCopyConfig(env, environment, config.eservice !== undefined, problems, integer);
  const mail = loadMailConfig(env, environment, dataDir, problems, integer);
  if (mail) config.mail = mail;
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export const DEVELOPMENT_MAIL_FROM = 'Eksāmenu portāls <noreply@viaa.example.lv>';

/** SMTP_* and MAIL_FROM: outgoing e-mail. Production without them offers no notices; development writes files. */
function loadMailConfig(
  env: NodeJS.ProcessEnv,
  environment: Environment,
  dataDir: string,
  problems: string[],
  integer: (name: string, min: number, max: number, fallback: number) => number,
): MailConfig | undefined {
  const batchSize = integer('NOTICE_BATCH_SIZE', 1, 500, 20);
  const batchPauseMs = integer('NOTICE_BATCH_PAUSE_MS', 0, 600000, 2000);
  const url = env.SMTP_URL || undefined;
  const host = env.SMTP_HOST || undefined;
  let transport: MailConfig['transport'] | undefined;
  if (url && host) problems.push('choose one of SMTP_URL and SMTP_HOST');
  else if (url) {
    // The value is not repeated: it may hold a password.
    if (!/^smtps?:\/\/[^\s]+$/.test(url)) problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
    else transport = { kind: 'smtp', url };
  } else if (host) {
    if (!/^[\w.:-]+$/.test(host)) problems.push(`SMTP_HOST="${host}" is not a host name or address`);
    else
      transport = {
        kind: 'smtp',
        host,
        port: integer('SMTP_PORT', 1, 65535, 587),
        ...(env.SMTP_USER ? { user: env.SMTP_USER } : {}),
        ...(env.SMTP_PASSWORD ? { password: env.SMTP_PASSWORD } : {}),
      };
  } else if (env.SMTP_USER || env.SMTP_PASSWORD || env.SMTP_PORT) problems.push('SMTP_PORT, SMTP_USER and SMTP_PASSWORD need SMTP_HOST');
  if (!transport) {
    if (environment === 'production') {
      if (env.MAIL_FROM && !url && !host) problems.push('MAIL_FROM needs SMTP_URL or SMTP_HOST');
      return undefined;
    }
    transport = { kind: 'files', dir: join(dataDir, 'mail') };
  }
  const from = env.MAIL_FROM || (environment === 'production' ? '' : DEVELOPMENT_MAIL_FROM);
  if (!from) problems.push('production with SMTP needs MAIL_FROM, the From: address of the notices');
  else if (!/^(?:[^<>\r\n]*<[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>|[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+)$/.test(from.trim()))
    problems.push(`MAIL_FROM="${from}" must be an address, or a name and <address>`);
  return { transport, from: from.trim(), batchSize, batchPauseMs };
}

/** PAPER_* settings: what the e-service's paper request form states, and how long an unfinished form is kept. */
function loadPaperCopyConfig(
  env: NodeJS.ProcessEnv,
  environment: Environment,
  eservice: boolean,
  problems: string[],
  integer: (name: string, min: number, max: number, fallback: number) => number,
): PaperCopyConfig {
  // Production states the agency's real address and price; development may show the demonstration ones.
  const required = environment === 'production' && eservice;
  const pickupAddress = (env.PAPER_PICKUP_ADDRESS ?? '').trim();
  if (!pickupAddress && required) problems.push('production with the e-service needs PAPER_PICKUP_ADDRESS, where paper copies are picked up');
  else if (pickupAddress.length > 200) problems.push('PAPER_PICKUP_ADDRESS must be at most 200 characters');
  const price = (env.PAPER_PRICE_EUR ?? '').trim();
  let priceCents = DEVELOPMENT_PAPER_COPY.priceCents;
  if (!price) {
    if (required) problems.push('production with the e-service needs PAPER_PRICE_EUR, the price of a paper copy (0 when free of charge)');
  } else {
    const match = /^(\d{1,4})(?:[.,](\d{1,2}))?$/.exec(price);
    if (match) priceCents = Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
    else problems.push(`PAPER_PRICE_EUR="${price}" must be an amount in euro such as 5 or 4.50`);
  }
  return {
    pickupAddress: pickupAddress || DEVELOPMENT_PAPER_COPY.pickupAddress,
    pickupHours: {
      lv: env.PAPER_PICKUP_HOURS_LV || DEVELOPMENT_PAPER_COPY.pickupHours.lv,
      en: env.PAPER_PICKUP_HOURS_EN || DEVELOPMENT_PAPER_COPY.pickupHours.en,
    },
    priceCents,
    deliveryWorkingDays: integer('PAPER_DELIVERY_WORKING_DAYS', 1, 60, DEVELOPMENT_PAPER_COPY.deliveryWorkingDays),
    draftHours: integer('PAPER_DRAFT_HOURS', 1, 72, DEVELOPMENT_PAPER_COPY.draftHours),
  };
}

function loadContact(env: NodeJS.ProcessEnv, environment: Environment, problems: string[]): ServiceContact {
  const email = env.SUPPORT_EMAIL || (environment === 'production' ? '' : DEVELOPMENT_CONTACT.email);
  const phone = env.SUPPORT_PHONE || (environment === 'production' ? '' : DEVELOPMENT_CONTACT.phone);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problems.push(`SUPPORT_EMAIL${email ? `="${email}"` : ''} must be an e-mail address`);
  if (!/^\+?[\d ()-]{5,20}$/.test(phone)) problems.push(`SUPPORT_PHONE${phone ? `="${phone}"` : ''} must be a phone number (digits, spaces, +)`);
  const appealUrl = env.APPEAL_URL || DEVELOPMENT_CONTACT.appealUrl;
  if (!/^https:\/\/[^\s]+$/.test(appealUrl)) problems.push(`APPEAL_URL="${appealUrl}" must be an https:// address`);
  return {
    email,
    phone,
    hours: { lv: env.SUPPORT_HOURS_LV || DEVELOPMENT_CONTACT.hours.lv, en: env.SUPPORT_HOURS_EN || DEVELOPMENT_CONTACT.hours.en },
    appealUrl,
  };
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
  const ocspUrl = env.OCSP_URL || undefined;
  if (ocspUrl && !/^https?:\/\/./.test(ocspUrl)) problems.push('OCSP_URL must be an http(s) URL');
  const sealRootsFile = file('TRUSTED_SEAL_ROOTS_FILE');
  const tsaRootsFile = file('TRUSTED_TSA_ROOTS_FILE');
  if (environment === 'production') {
    if (!signer) problems.push('production needs the seal key: SEAL_PKCS11_LIBRARY (hardware), SEAL_PKCS12_FILE or SEAL_KEY_FILE/SEAL_CERT_FILE');
    if (!sealRootsFile) problems.push('production needs TRUSTED_SEAL_ROOTS_FILE to verify certificates');
    if (!env.SEAL_ORGANIZATION_ID) problems.push('production needs SEAL_ORGANIZATION_ID, the organisation identifier of the agency seal');
    if (tsaUrl && !tsaRootsFile) problems.push('production with TSA_URL needs TRUSTED_TSA_ROOTS_FILE');
  }
  const online = env.VERIFY_ONLINE_REVOCATION || 'off';
  if (online !== 'on' && online !== 'off') problems.push(`VERIFY_ONLINE_REVOCATION="${online}" must be one of: on, off`);
  const organizationId = env.SEAL_ORGANIZATION_ID || undefined;
  if (organizationId && !/^[A-Z]{2,3}[A-Z]{2}-\S+$/.test(organizationId))
    problems.push(`SEAL_ORGANIZATION_ID="${organizationId}" is not an organisation identifier such as NTRLV-90001234567`);
  return {
    signer,
    tsaUrl,
    ocspUrl,
    sealRootsFile,
    tsaRootsFile,
    organizationId,
    workers: integer('SEAL_WORKERS', 1, 64, availableParallelism()),
    queue: integer('SEAL_QUEUE', 1, 100000, 256),
    preservation: {
      windowDays: integer('PRESERVE_WINDOW_DAYS', 1, 3650, DEFAULT_PRESERVATION.windowDays),
      retiredDigests: retiredDigests(env.RETIRED_DIGEST_ALGORITHMS, problems),
      intervalHours: integer('PRESERVE_INTERVAL_HOURS', 0, 720, DEFAULT_PRESERVATION.intervalHours),
    },
    onlineRevocation: online === 'on',
  };
}

export const DEFAULT_PRESERVATION: PreservationConfig = { windowDays: 365, retiredDigests: [], intervalHours: 24 };

function retiredDigests(value: string | undefined, problems: string[]): DigestAlgorithm[] {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase().replace(/^sha-/, 'sha'))
    .filter(Boolean);
  const unknown = names.filter((name) => !isDigestAlgorithm(name));
  if (unknown.length > 0) problems.push(`RETIRED_DIGEST_ALGORITHMS names unknown digests: ${unknown.join(', ')} (known: ${DIGEST_ALGORITHMS.join(', ')})`);
  // Renewing with the very digest retired would renew every document again at every run.
  if (names.includes(ARCHIVE_TIMESTAMP_DIGEST))
    problems.push(`RETIRED_DIGEST_ALGORITHMS cannot retire ${ARCHIVE_TIMESTAMP_DIGEST}: the portal's archive time-stamps use it`);
  return names.filter(isDigestAlgorithm);
}

function loadPublicUrl(env: NodeJS.ProcessEnv, environment: Environment, port: number, signIn: boolean, problems: string[]): string {
  const value = env.PUBLIC_URL;
  if (!value) {
    if (environment === 'production' && signIn) {
      problems.push('production with EKLASE_/MYKOOB_/LATVIJA_ sign-in needs PUBLIC_URL, the https:// address browsers use to reach the portal');
    }
    return `http://127.0.0.1:${port}`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`PUBLIC_URL="${value}" is not a URL (e.g. https://eksameni.example.lv)`);
    return `http://127.0.0.1:${port}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push(`PUBLIC_URL="${value}" must be an http(s) URL`);
  else if (environment === 'production' && url.protocol !== 'https:')
    problems.push(`PUBLIC_URL="${value}" must be https:// in production (session cookies are Secure)`);
  if (url.search || url.hash || url.username || url.password) problems.push(`PUBLIC_URL="${value}" must have no query, fragment or credentials`);
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

function loadAuthConfig(
  env: NodeJS.ProcessEnv,
  environment: Environment,
  problems: string[],
  integer: (name: string, min: number, max: number, fallback: number) => number,
): AuthConfig {
  const provider = (prefix: 'EKLASE' | 'MYKOOB' | 'LATVIJA'): OidcProviderConfig | undefined => {
    const issuer = env[`${prefix}_ISSUER`];
    const clientId = env[`${prefix}_CLIENT_ID`];
    const clientSecret = env[`${prefix}_CLIENT_SECRET`];
    if (!issuer && !clientId && !clientSecret) return undefined;
    const missing = [issuer ? '' : `${prefix}_ISSUER`, clientId ? '' : `${prefix}_CLIENT_ID`, clientSecret ? '' : `${prefix}_CLIENT_SECRET`].filter(Boolean);
    if (missing.length > 0) {
      // The secret itself is never repeated in a message.
      problems.push(`${prefix}_ISSUER, ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET go together; missing: ${missing.join(', ')}`);
      return undefined;
    }
    let url: URL | undefined;
    try {
      url = new URL(issuer!);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
      problems.push(`${prefix}_ISSUER="${issuer}" must be the provider's issuer URL (https://…, no query)`);
      return undefined;
    }
    if (environment === 'production' && url.protocol !== 'https:') {
      problems.push(`${prefix}_ISSUER="${issuer}" must be https:// in production`);
      return undefined;
    }
    return { issuer: issuer!, clientId: clientId!, clientSecret: clientSecret! };
  };
  const providers: AuthConfig['providers'] = {};
  const eklase = provider('EKLASE');
  if (eklase) providers.eklase = eklase;
  const mykoob = provider('MYKOOB');
  if (mykoob) providers.mykoob = mykoob;
  const latvija = provider('LATVIJA');
  if (latvija) providers.latvija = latvija;

  const personalCodeClaim = env.OIDC_PERSONAL_CODE_CLAIM || 'personal_code';
  if (!/^[\w.:/-]{1,200}$/.test(personalCodeClaim)) {
    problems.push(`OIDC_PERSONAL_CODE_CLAIM="${personalCodeClaim}" must be a claim name (letters, digits, _ . : / -)`);
  }
  const scopes = (env.OIDC_SCOPES || 'openid').trim().split(/\s+/);
  if (!scopes.includes('openid') || !scopes.every((scope) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    problems.push(`OIDC_SCOPES="${env.OIDC_SCOPES}" must be space-separated scopes including openid`);
  }
  return {
    providers,
    personalCodeClaim,
    scopes: scopes.join(' '),
    sessionIdleMinutes: integer('SESSION_IDLE_MINUTES', 1, 720, 30),
  };
}

/** GEOIP_DB_FILE, or the shipped database; whether the file is a usable MMDB is checked when the portal opens it. */
function geoipFile(value: string | undefined, problems: string[]): string {
  if (!value) return defaultCountryDatabaseFile();
  const file = resolve(PROJECT_ROOT, value);
  if (!existsSync(file)) problems.push(`GEOIP_DB_FILE: no file at ${file}`);
  return file;
}

function trustedProxyEntries(value: string | undefined, problems: string[]): string[] {
  const parsed = parseTrustedProxies(value);
  for (const problem of parsed.problems) problems.push(`TRUSTED_PROXIES: ${problem}`);
  return parsed.entries;
}

/** ESERVICE_* settings: the Latvija.lv e-service. Outside production, none of them gives the demo e-service. */
function loadEserviceConfig(
  env: NodeJS.ProcessEnv,
  environment: Environment,
  publicUrl: string,
  problems: string[],
  integer: (name: string, min: number, max: number, fallback: number) => number,
): EserviceConfig | undefined {
  const production = environment === 'production';
  const maxTokenSeconds = integer('ESERVICE_MAX_TOKEN_SECONDS', 10, 600, DEFAULT_MAX_TOKEN_SECONDS);
  const origins: string[] = [];
  for (const entry of (env.ESERVICE_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    // Only a bare origin: it goes into a Content-Security-Policy header as it is.
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== entry.replace(/\/$/, '')) {
      problems.push(`ESERVICE_ORIGINS: "${entry}" is not an origin such as https://latvija.gov.lv (scheme, host and port only)`);
    } else if (production && url.protocol !== 'https:') {
      problems.push(`ESERVICE_ORIGINS: "${entry}" must be https:// in production`);
    } else origins.push(url.origin);
  }
  const issuer = env.ESERVICE_ISSUER || undefined;
  const audience = env.ESERVICE_AUDIENCE || undefined;
  const jwksUrl = env.ESERVICE_JWKS_URL || undefined;
  const jwksFile = env.ESERVICE_JWKS_FILE || undefined;
  if (!issuer && !jwksUrl && !jwksFile) {
    if (production) {
      if (audience || origins.length > 0)
        problems.push('ESERVICE_AUDIENCE and ESERVICE_ORIGINS need ESERVICE_ISSUER and ESERVICE_JWKS_URL or ESERVICE_JWKS_FILE');
      return undefined;
    }
    return { issuer: DEVELOPMENT_ISSUER, audience: audience ?? publicUrl, keys: { kind: 'development' }, origins, maxTokenSeconds };
  }
  const word = /^\S{1,500}$/;
  if (!issuer) problems.push('ESERVICE_ISSUER is required with ESERVICE_JWKS_URL or ESERVICE_JWKS_FILE');
  else if (!word.test(issuer)) problems.push(`ESERVICE_ISSUER="${issuer}" must be one word (a URL or URN) of at most 500 characters`);
  if (!audience) {
    if (production) problems.push('production with the e-service needs ESERVICE_AUDIENCE, the audience its tokens name');
  } else if (!word.test(audience)) problems.push(`ESERVICE_AUDIENCE="${audience}" must be one word (a URL or URN) of at most 500 characters`);
  let keys: EserviceConfig['keys'] | undefined;
  if (jwksUrl && jwksFile) problems.push('choose one of ESERVICE_JWKS_URL and ESERVICE_JWKS_FILE');
  else if (jwksUrl) {
    let url: URL | undefined;
    try {
      url = new URL(jwksUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) problems.push(`ESERVICE_JWKS_URL="${jwksUrl}" must be an http(s) URL`);
    else if (production && url.protocol !== 'https:') problems.push(`ESERVICE_JWKS_URL="${jwksUrl}" must be https:// in production`);
    else keys = { kind: 'url', url: url.href };
  } else if (jwksFile) {
    const file = resolve(PROJECT_ROOT, jwksFile);
    if (!existsSync(file)) problems.push(`ESERVICE_JWKS_FILE: no file at ${file}`);
    else keys = { kind: 'file', file };
  } else problems.push('ESERVICE_ISSUER needs the e-service’s keys: ESERVICE_JWKS_URL or ESERVICE_JWKS_FILE');
  if (production && origins.length === 0) problems.push('production with the e-service needs ESERVICE_ORIGINS, the origins allowed to frame the embedded list');
  if (!issuer || !keys) return undefined;
  return { issuer, audience: audience ?? publicUrl, keys, origins, maxTokenSeconds };
}

/** METRICS_TOKEN: long enough that guessing it is hopeless, and a header-safe word. */
function metricsToken(value: string | undefined, problems: string[]): { metricsToken?: string } {
  if (!value) return {};
  // The value is not repeated: it is a secret.
  if (!/^[\x21-\x7e]{32,512}$/.test(value)) {
    problems.push('METRICS_TOKEN must be 32 to 512 visible ASCII characters without spaces');
    return {};
  }
  return { metricsToken: value };
}
