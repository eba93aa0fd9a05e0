/**
 * Baltic-only access to the student pages. The country comes from an MMDB country database (see
 * country-database.ts: GEOIP_DB_FILE, read into memory and reloaded when the file changes; no download at run
 * time). Latvia, Lithuania and Estonia pass; any other country, and a public address the data does not know,
 * gets a short 403 page in Latvian and English pointing to the Latvija.lv e-service. Loopback and private
 * addresses (and a request without a socket, such as an in-process test) pass only when `allowPrivateAddresses`
 * is set, which the portal does outside production.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { geoRefusedPage } from '../../views/geo-refused.js';
import { PROVIDER_AUDIENCE, PROVIDER_NAMES } from '../auth/oidc.js';
import type { TrustedProxies } from '../net/trusted-proxies.js';
import { clientAddress } from './client-address.js';
import { defaultCountryDatabase, type CountryDatabase, type GeoAttribution } from '../net/country-database.js';
import { sendHtml } from './respond.js';
import type { ServiceContact } from '../config.js';

export const BALTIC_COUNTRIES: ReadonlySet<string> = new Set(['LV', 'LT', 'EE']);

/** Addresses whose verdict is kept (about 100 bytes each); all are forgotten at once when there are more. */
const MAX_KEPT_VERDICTS = 100_000;

/**
 * Path prefixes of the student pages, which only the Baltic states may open: the results, certificate
 * downloads and the students' sign-in (E-klase, Mykoob, demo). Not guarded: `/healthz`, `/static/`, the home
 * page, the public `/verify` (anyone abroad may check a certificate), `/shared` (a holder's share link, opened by
 * its recipient wherever they are), `/eservice/`, `/embed` and `/api/` (the
 * Latvija.lv e-service, for people wherever they are), `POST /logout` (ending a session must work from
 * anywhere), and everything of the staff: `/staff/…` and their Latvija.lv sign-in (`GEO_OPEN_PATHS`). Staff are
 * state-service users who travel; who they are is settled by Latvija.lv and their role, not by where they are.
 */
export const GEO_GUARDED_PREFIXES = ['/results', '/certificates/', '/login', '/auth/', '/apply'] as const;

/** Under the guarded prefixes, the sign-in round trip of the staff providers (Latvija.lv). */
export const GEO_OPEN_PATHS: readonly string[] = PROVIDER_NAMES.filter((name) => PROVIDER_AUDIENCE[name] === 'staff').flatMap((name) => [
  `/login/${name}`,
  `/auth/${name}/callback`,
]);

/** Whether a request path (as the router sees it: `c.req.path`) is a student page. */
export function isGeoGuardedPath(path: string): boolean {
  for (const prefix of GEO_GUARDED_PREFIXES) {
    if (path.startsWith(prefix)) return !GEO_OPEN_PATHS.includes(path);
  }
  return false;
}

/** Addresses that are not on the public internet: they say nothing about a country. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // RFC 1918
  ['192.168.0.0', 16], // RFC 1918
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Loopback, RFC 1918, CGNAT, link-local, ULA (a normalised address, see normaliseAddress). */
export function isPrivateAddress(address: string): boolean {
  return NON_PUBLIC.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

/** ISO 3166-1 alpha-2 country of a public address, or undefined when the data does not know it. */
export function countryOf(address: string, database: CountryDatabase = defaultCountryDatabase()): string | undefined {
  return database.country(address);
}

export type GeoVerdict = 'baltic' | 'private' | 'foreign' | 'unknown';

/** Where an address is from, as far as access is concerned; undefined (no socket) counts as private. */
export function geoVerdict(address: string | undefined, database?: CountryDatabase): GeoVerdict {
  if (address === undefined || isPrivateAddress(address)) return 'private';
  const country = countryOf(address, database);
  if (country === undefined) return 'unknown';
  return BALTIC_COUNTRIES.has(country) ? 'baltic' : 'foreign';
}

export interface BalticOnlyOptions {
  /** Let loopback and private addresses through: true in development and test, false in production. */
  allowPrivateAddresses: boolean;
  /** Proxies whose `X-Forwarded-For` is believed (see clientAddress). */
  trustedProxies?: TrustedProxies;
  /** The stylesheet URL for the refusal page. */
  css?: string;
  /** The country data (default: the shipped database, see defaultCountryDatabase). */
  database?: CountryDatabase;
  /** The agency's help route, on the refusal page. */
  contact?: ServiceContact;
}

/**
 * Whether a request may open the student pages: from Latvia, Lithuania or Estonia, or from a private address
 * where those are allowed. The guard below and the home page's warning for visitors from abroad ask the same.
 */
export function balticVisitor(options: Omit<BalticOnlyOptions, 'css' | 'contact'>): (c: Context) => boolean {
  const database = options.database ?? defaultCountryDatabase();
  // Verdicts by address: a student asks many times from one address, and a school's pupils share one; looking an
  // address up costs more than the rest of a kept results page. Forgotten when the country data is reloaded.
  const verdicts = new Map<string, GeoVerdict>();
  let loaded = database.dataInUse();
  return (c) => {
    const address = clientAddress(c, options.trustedProxies);
    if (database.dataInUse() !== loaded) {
      loaded = database.dataInUse();
      verdicts.clear();
    }
    let verdict = address === undefined ? 'private' : verdicts.get(address);
    if (verdict === undefined) {
      verdict = geoVerdict(address, database);
      if (verdicts.size >= MAX_KEPT_VERDICTS) verdicts.clear();
      verdicts.set(address!, verdict);
    }
    return verdict === 'baltic' || (verdict === 'private' && options.allowPrivateAddresses);
  };
}

/**
 * Refuses every request it sees unless it comes from Latvia, Lithuania or Estonia. Mount it on the student
 * pages only, e.g. `app.use((c, next) => (isGeoGuardedPath(c.req.path) ? guard(c, next) : next()))`.
 */
export function balticOnly(options: BalticOnlyOptions): MiddlewareHandler {
  const database = options.database ?? defaultCountryDatabase();
  const passes = balticVisitor({ ...options, database });
  // Rendered once, and again after a reload: the credit line follows the file loaded.
  let credit: GeoAttribution | undefined = database.attribution();
  let page = geoRefusedPage({ css: options.css, contact: options.contact, attribution: credit });
  return async (c, next) => {
    if (passes(c)) return next();
    if (database.attribution() !== credit) {
      credit = database.attribution();
      page = geoRefusedPage({ css: options.css, contact: options.contact, attribution: credit });
    }
    return sendHtml(c, page, 403);
  };
}
