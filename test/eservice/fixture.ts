/**
 * The e-service's world for tests: its signing keys (and a stranger's), tokens signed as it would sign them,
 * and a small register in which one person holds certificates of several school years, one of them annulled,
 * another person holds their own, and a child is represented by a parent the register does not know.
 */
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JSONWebKeySet } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findExam, installCatalogue } from '../../src/data/catalogue.js';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { signEserviceToken } from '../../src/eservice/dev-keys.js';
import { eserviceTokenVerifier } from '../../src/eservice/token.js';
import { validPersonalCode } from '../support/register.js';

export const ISSUER = 'https://eservice.test.latvija.lv';
export const AUDIENCE = 'https://eksameni.test';
export const MAX_TOKEN_SECONDS = 300;

export interface SigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function signingKey(kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const meta = { kid: kid ?? (await calculateJwkThumbprint(publicJwk)), alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}

export function keySetOf(...keys: SigningKey[]) {
  return createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) } as JSONWebKeySet);
}

export interface TokenOptions {
  personalCode: string;
  represented?: string;
  now: Date;
  lifetimeSeconds?: number;
  issuer?: string;
  audience?: string;
}

/** A token as the e-service signs it; every claim may be bent for a refusal test. */
export function token(key: SigningKey, options: TokenOptions): Promise<string> {
  return signEserviceToken(key.privateJwk, {
    issuer: options.issuer ?? ISSUER,
    audience: options.audience ?? AUDIENCE,
    personalCode: options.personalCode,
    ...(options.represented ? { representedPersonalCode: options.represented } : {}),
    lifetimeSeconds: options.lifetimeSeconds ?? 120,
    now: options.now,
  });
}

/** A token with any claims at all (for tokens the e-service would never send). */
export async function rawToken(key: SigningKey, claims: Record<string, unknown>, alg = 'ES256'): Promise<string> {
  const { importJWK } = await import('jose');
  return new SignJWT(claims).setProtectedHeader({ alg, kid: key.privateJwk.kid! }).sign(await importJWK(key.privateJwk, alg));
}

export function verifierFor(db: Kysely<Database>, key: SigningKey, clock: () => Date) {
  return eserviceTokenVerifier({ db, keys: keySetOf(key), issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS, clock });
}

export interface RegisterPerson {
  personId: number;
  personalCode: string;
  firstName: string;
  lastName: string;
}

export interface EserviceRegister {
  holder: RegisterPerson;
  other: RegisterPerson;
  child: RegisterPerson;
  /** A parent's code the register does not know. */
  parentCode: string;
  /** The holder's certificate numbers by what they are. */
  numbers: { lat09Of2022: string; mat09Of2022Annulled: string; kumalOf2025: string; otherKumal: string; childLat09: string };
}

let counter = 0;

async function person(db: Kysely<Database>, firstName: string, lastName: string): Promise<RegisterPerson> {
  const personalCode = validPersonalCode(700_000 + Math.floor(Math.random() * 90_000) + ++counter * 7);
  const row = await db
    .insertInto('persons')
    .values({ personal_code: personalCode, first_name: firstName, last_name: lastName })
    .onConflict((oc) => oc.column('personal_code').doUpdateSet({ first_name: firstName, last_name: lastName }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return { personId: row.id, personalCode, firstName, lastName };
}

/** Registers people for one exam session, loads their points and issues their certificates; returns the numbers. */
async function sitting(
  db: Kysely<Database>,
  institutionId: number,
  year: number,
  examCode: string,
  people: { person: RegisterPerson; points: string }[],
  issuedOn: string,
): Promise<string[]> {
  await installCatalogue(db, year);
  const exam = (await findExam(db, examCode, year))!;
  const session = await db.selectFrom('exam_sessions').select('id').where('exam_id', '=', exam.id).where('term', '=', 'main').executeTakeFirstOrThrow();
  const rows: string[] = [];
  const codes: string[] = [];
  for (const { person: p, points } of people) {
    const code = `8${String(year % 100).padStart(2, '0')}${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
    const candidate = await db
      .insertInto('candidates')
      .values({ code, person_id: p.personId, school_year: year, institution_id: institutionId, class_name: '9.a' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('registrations')
      .values({ session_id: session.id, candidate_id: candidate.id, applied_at: `${year}-12-01T10:00:00.000Z` })
      .execute();
    rows.push(`${code},yes,${points}`);
    codes.push(code);
  }
  const parts = exam.parts.map((_, i) => `part_${i + 1}`).join(',');
  await importScores(db, session.id, { bytes: new TextEncoder().encode([`candidate_code,took_part,${parts}`, ...rows].join('\n')), name: 's.csv' }, 'test');
  await issueCertificates(db, session.id, { actor: 'test', issuedOn });
  const numbers: string[] = [];
  for (const code of codes) {
    const row = await db
      .selectFrom('certificates')
      .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .select('certificates.number')
      .where('candidates.code', '=', code)
      .executeTakeFirstOrThrow();
    numbers.push(row.number);
  }
  return numbers;
}

export async function seedEserviceRegister(db: Kysely<Database>): Promise<EserviceRegister> {
  const registration = `40${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const institution = await db
    .insertInto('institutions')
    .values({ registration_number: registration, name: `E-pakalpojuma testa skola ${registration}`, municipality: 'Rīga' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const holder = await person(db, 'Anna', `Kalniņa-${randomUUID().slice(0, 6)}`);
  const other = await person(db, 'Pēteris', `Ozols-${randomUUID().slice(0, 6)}`);
  const child = await person(db, 'Mārtiņš', `Liepiņš-${randomUUID().slice(0, 6)}`);
  const [lat09Of2022] = await sitting(db, institution.id, 2022, 'LAT09', [{ person: holder, points: '28,21,19' }], '2023-06-17');
  const [mat09Of2022Annulled] = await sitting(db, institution.id, 2022, 'MAT09', [{ person: holder, points: '28,16' }], '2023-06-17');
  await annulCertificate(db, mat09Of2022Annulled!, 'Kļūda datos', { actor: 'test', now: new Date('2023-08-01T10:00:00Z') });
  const [kumalOf2025, otherKumal] = await sitting(
    db,
    institution.id,
    2025,
    'KUMAL',
    [
      { person: holder, points: '48,29' },
      { person: other, points: '40,20' },
    ],
    '2026-06-30',
  );
  const [childLat09] = await sitting(db, institution.id, 2025, 'LAT09', [{ person: child, points: '50,30,20' }], '2026-06-17');
  const parentCode = validPersonalCode(690_000 + Math.floor(Math.random() * 9000));
  return {
    holder,
    other,
    child,
    parentCode,
    numbers: {
      lat09Of2022: lat09Of2022!,
      mat09Of2022Annulled: mat09Of2022Annulled!,
      kumalOf2025: kumalOf2025!,
      otherKumal: otherKumal!,
      childLat09: childLat09!,
    },
  };
}
