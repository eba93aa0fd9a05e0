/**
 * One file for each answer of the verification page: a genuine certificate, an annulled one, a tampered copy,
 * an .edoc sealed by the agency that is no certificate, and files that are no .edoc at all (a PDF, a photo,
 * random bytes, a ZIP of something else). The register is the shared sealed culture-and-arts session.
 */
import { randomBytes } from 'node:crypto';
import { zipSync } from 'fflate';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { CERTIFICATE_DATA_FILE } from '../../src/certificate/facts.js';
import { annulCertificate } from '../../src/data/certificates.js';
import { buildAsice } from '../../src/sealing/asic.js';
import { SealingPool } from '../../src/sealing/pool.js';
import type { SealingSetup } from '../../src/sealing/setup.js';
import { openSigner } from '../../src/sealing/signer-spec.js';
import { signXades } from '../../src/sealing/xades.js';
import { editEntries } from './edoc.js';
import type { SeededSession } from './register.js';
import { sealedKumalSession } from './sealed-session.js';

export const ANNULMENT_REASON = 'Darbs anulēts: konstatēta norakstīšana';

export interface VerdictFiles {
  session: SeededSession;
  /** The genuine, valid certificate's number (in its printed form) and its holder's personal code. */
  validNumber: string;
  validPersonalCode: string;
  valid: Uint8Array;
  annulled: Uint8Array;
  tampered: Uint8Array;
  /** An .edoc with the agency's valid seal over a letter: no certificate. */
  otherDocument: Uint8Array;
  pdf: Uint8Array;
  photo: Uint8Array;
  randomBytes: Uint8Array;
  /** A ZIP without the ASiC-E media type in front. */
  plainZip: Uint8Array;
}

export async function verdictFiles(db: Kysely<Database>, setup: SealingSetup): Promise<VerdictFiles> {
  const pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm: setup.longTerm, workers: 1, queue: 100 });
  const sealed = await sealedKumalSession(db, (f) => pool.seal(f)).finally(() => pool.close());
  const session = sealed.session;
  const validNumber = `2026/${session.candidateCodes[0]}-KUMAL`;
  const annulledNumber = `2026/${session.candidateCodes[1]}-KUMAL`;
  await annulCertificate(db, annulledNumber, ANNULMENT_REASON, { actor: 't' });
  const valid = sealed.documents.get(validNumber)!;
  // A better total written into the signed data.
  const tampered = editEntries(valid, (entries) =>
    entries.map(([name, data]): [string, Uint8Array] =>
      name === CERTIFICATE_DATA_FILE
        ? [name, new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(data)), total: 98 }))]
        : [name, data],
    ),
  );

  const signer = await openSigner(setup.signer);
  const letter = [{ name: 'vestule.txt', mimeType: 'text/plain', bytes: new TextEncoder().encode('Labdien! Šī nav apliecība.') }];
  const signingTime = new Date();
  const otherDocument = buildAsice(letter, await signXades(letter, signer, { signingTime }), signingTime);
  await signer.close();

  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(600)]);
  return {
    session,
    validNumber,
    validPersonalCode: session.personalCodes[0]!,
    valid,
    annulled: sealed.documents.get(annulledNumber)!,
    tampered,
    otherDocument,
    pdf: new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
    photo: png,
    randomBytes: new Uint8Array(randomBytes(2048)),
    plainZip: zipSync({ 'sertifikats.pdf': new TextEncoder().encode('%PDF-1.7 …') }),
  };
}
