/**
 * The agency workspace's data on every database: the migration that adds administrators, annulment requests and
 * the audit-trail report type (the report queue rebuilt on SQLite keeps its jobs and files, and its cascade);
 * the two-person rule in the code and in the database; the command line's staff functions with their audit; and
 * the audit search finding a person wherever the log names them.
 */
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../db/connect.js';
import { migrationProvider } from '../../db/migrations/index.js';
import { AnnulmentError, decideAnnulment, requestAnnulment } from '../../src/data/annulment-requests.js';
import { audit } from '../../src/data/audit.js';
import { countAuditTrail, searchAuditTrail } from '../../src/data/audit-search.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { listStaffUsers, loadStaffScope, removeStaffUser, saveStaffUser } from '../../src/data/staff.js';
import { parseAuditForm } from '../../src/domain/audit-trail.js';
import { DATABASE_KINDS, openTestDatabase } from '../support/databases.js';
import { seedSession, validPersonalCode } from '../support/register.js';

describe.each(DATABASE_KINDS)('agency workspace data on %s', (kind) => {
  it('keeps queued reports and their files through the migration, and the queue takes audit-trail reports after it', async () => {
    const test = await openTestDatabase(kind, { prepare: false });
    try {
      const db = test.handle.db;
      const migrationTableSchema = kind === 'postgres' ? (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]!.name : undefined;
      const { error } = await new Migrator({ db, provider: migrationProvider, migrationTableSchema }).migrateTo('0009_verification_codes');
      expect(error).toBeUndefined();
      const at = '2026-09-01T10:00:00.000Z';
      const user = await db.insertInto('users').values({ subject: validPersonalCode(930_001), display_name: 'A', created_at: at }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('user_roles').values({ user_id: user.id, role: 'agency', institution_id: null } as never).execute();
      const job = await db
        .insertInto('report_jobs')
        .values({ user_id: user.id, institution_id: null, type: 'postal-list', format: 'xlsx', parameters: '{}', status: 'done', requested_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('report_file_chunks').values({ job_id: job.id, chunk_no: 0, data: new Uint8Array([1, 2, 3]) }).execute();

      await migrateToLatest(test.handle);
      expect(await db.selectFrom('report_jobs').select(['id', 'type', 'status']).execute()).toEqual([{ id: job.id, type: 'postal-list', status: 'done' }]);
      const chunks = await db.selectFrom('report_file_chunks').select(['job_id', 'data']).execute();
      expect(chunks.map((c) => [c.job_id, [...c.data]])).toEqual([[job.id, [1, 2, 3]]]);
      // New ids follow the old ones; the new type is allowed, an unknown one still refused.
      const next = await db
        .insertInto('report_jobs')
        .values({ user_id: user.id, institution_id: null, type: 'audit-trail', format: 'csv', parameters: '{}', status: 'queued', requested_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(next.id).toBeGreaterThan(job.id);
      await expect(
        db
          .insertInto('report_jobs')
          .values({ user_id: user.id, institution_id: null, type: 'nonsense' as never, format: 'csv', parameters: '{}', status: 'queued', requested_at: at })
          .execute(),
      ).rejects.toThrow();
      // Removing a job still removes its file.
      await db.deleteFrom('report_jobs').where('id', '=', job.id).execute();
      expect(await db.selectFrom('report_file_chunks').select('job_id').execute()).toEqual([]);
      // The existing agency role is not an administrator; a school role can never be one.
      expect(await loadStaffScope(db, user.id)).toEqual({ kind: 'agency' });
      const institution = await db
        .insertInto('institutions')
        .values({ registration_number: '4000012345', name: 'S', municipality: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await expect(db.insertInto('user_roles').values({ user_id: user.id, role: 'school', institution_id: institution.id, administrator: 1 }).execute()).rejects.toThrow();
    } finally {
      await test.close();
    }
  });

  it('lets only a second person decide an annulment request, in the code and in the database', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const seeded = await seedSession(db, { examCode: 'LAT09', candidates: 1 });
      const csv = `candidate_code,took_part,part_1,part_2,part_3\n${seeded.candidateCodes[0]},yes,40,20,10`;
      await importScores(db, seeded.sessionId, { bytes: new TextEncoder().encode(csv), name: 's.csv' }, 't');
      await issueCertificates(db, seeded.sessionId, { actor: 't', issuedOn: '2026-06-20' });
      const { id: certificateId, number } = await db.selectFrom('certificates').select(['id', 'number']).executeTakeFirstOrThrow();
      const first = await saveStaffUser(db, { personalCode: validPersonalCode(930_010), displayName: 'Pirmā', role: 'agency' });
      const second = await saveStaffUser(db, { personalCode: validPersonalCode(930_011), displayName: 'Otrais', role: 'agency' });

      const requestId = await requestAnnulment(db, { number, reason: '  Krāpšanās  ' }, { userId: first, actor: `user:${first}` });
      await expect(decideAnnulment(db, requestId, 'confirm', { userId: first, actor: `user:${first}` })).rejects.toEqual(new AnnulmentError('agency.annul.error.ownRequest'));
      // Even written past the code, the database refuses the requester as decider.
      await expect(
        db.updateTable('annulment_requests').set({ status: 'confirmed', decided_by: first, decided_at: new Date().toISOString() }).where('id', '=', requestId).execute(),
      ).rejects.toThrow();
      // One open request per certificate.
      await expect(
        db.insertInto('annulment_requests').values({ certificate_id: certificateId, reason: 'x', requested_by: second, requested_at: new Date().toISOString(), status: 'pending' }).execute(),
      ).rejects.toThrow();

      await decideAnnulment(db, requestId, 'confirm', { userId: second, actor: `user:${second}` });
      expect(await db.selectFrom('certificates').select(['state', 'annulled_reason']).executeTakeFirstOrThrow()).toEqual({ state: 'annulled', annulled_reason: 'Krāpšanās' });
      await expect(decideAnnulment(db, requestId, 'reject', { userId: second, actor: `user:${second}` })).rejects.toBeInstanceOf(AnnulmentError);
    } finally {
      await test.close();
    }
  });

  it('adds, lists and removes staff for the command line and the page alike, auditing with the code masked', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const code = validPersonalCode(930_020);
      const userId = await saveStaffUser(db, { personalCode: code, displayName: 'Admins', role: 'agency-admin' }, { actor: 'cli:test', channel: 'cli' });
      expect(await loadStaffScope(db, userId)).toEqual({ kind: 'agency', administrator: true });
      expect((await listStaffUsers(db)).find((s) => s.userId === userId)?.role).toBe('agency-admin');
      await saveStaffUser(db, { personalCode: code, displayName: 'Admins', role: 'agency' }, { actor: 'cli:test', channel: 'cli' });
      expect(await loadStaffScope(db, userId)).toEqual({ kind: 'agency' });
      expect(await removeStaffUser(db, code, { actor: 'cli:test', channel: 'cli' })).toBe(true);
      const entries = await db.selectFrom('audit_log').select(['action', 'details']).where('subject', '=', `user:${userId}`).orderBy('id').execute();
      expect(entries.map((e) => e.action)).toEqual(['staff.add', 'staff.change', 'staff.remove']);
      for (const e of entries) expect(e.details).not.toContain(code);
    } finally {
      await test.close();
    }
  });

  it('finds a person as subject, through their certificates, as actor and as representative, and nobody else', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const seeded = await seedSession(db, { examCode: 'LAT09', candidates: 2 });
      const csv = ['candidate_code,took_part,part_1,part_2,part_3', ...seeded.candidateCodes.map((c) => `${c},yes,40,20,10`)].join('\n');
      await importScores(db, seeded.sessionId, { bytes: new TextEncoder().encode(csv), name: 's.csv' }, 't');
      await issueCertificates(db, seeded.sessionId, { actor: 't', issuedOn: '2026-06-20' });
      const persons = await db.selectFrom('persons').select(['id', 'personal_code']).orderBy('id').execute();
      const [me, other] = persons.filter((p) => seeded.personalCodes.includes(p.personal_code)) as [(typeof persons)[0], (typeof persons)[0]];
      const certificate = async (personId: number) =>
        (
          await db
            .selectFrom('certificates')
            .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
            .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
            .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
            .where('candidates.person_id', '=', personId)
            .select('certificates.number')
            .executeTakeFirstOrThrow()
        ).number;
      const [mine, theirs] = [await certificate(me.id), await certificate(other.id)];
      const at = new Date('2026-07-10T08:00:00Z');
      await audit(db, { actor: 'public', channel: 'verify', action: 'certificate.verify-number', subject: `certificate:${mine}` }, at);
      await audit(db, { actor: 'user:5', channel: 'school', action: 'personal-code.reveal', subject: `person:${me.id}` }, at);
      await audit(db, { actor: `person:${me.id}`, channel: 'student', action: 'sign-in', subject: `person:${me.id}` }, at);
      await audit(db, { actor: 'representative:x', actorPersonalCode: me.personal_code, channel: 'eservice', action: 'certificates.list', subject: `person:${other.id}` }, at);
      await audit(db, { actor: 'public', channel: 'verify', action: 'certificate.verify-number', subject: `certificate:${theirs}` }, at);
      await audit(db, { actor: 'public', channel: 'verify', action: 'certificate.verify-number', subject: `certificate:${mine}` }, new Date('2026-07-12T08:00:00Z'));

      const found = await searchAuditTrail(db, { personId: me.id, to: '2026-07-11' }, { offset: 0, limit: 50 });
      expect(found.map((r) => r.action).sort()).toEqual(['certificate.verify-number', 'certificates.list', 'personal-code.reveal', 'sign-in']);
      expect(await countAuditTrail(db, { personId: me.id, accessOnly: true })).toBe(4);
      expect(await countAuditTrail(db, { personId: me.id, from: '2026-07-12', to: '2026-07-12' })).toBe(1);
      expect(await countAuditTrail(db, { certificateNumber: theirs })).toBe(1);
      expect(await countAuditTrail(db, { actor: 'user:5', action: 'personal-code.' })).toBe(1);
    } finally {
      await test.close();
    }
  });

  it('reads the search form: a personal code, dates in order, and at least one narrowing field', () => {
    expect(parseAuditForm({})).toEqual({ ok: false, problems: [{ field: 'person', problem: 'empty' }] });
    expect(parseAuditForm({ person: '123' })).toEqual({ ok: false, problems: [{ field: 'person', problem: 'invalid' }] });
    expect(parseAuditForm({ from: '2026-07-02', to: '2026-07-01' })).toEqual({ ok: false, problems: [{ field: 'to', problem: 'order' }] });
    const code = validPersonalCode(930_030);
    expect(parseAuditForm({ person: `${code.slice(0, 6)}-${code.slice(6)}`, access: 'yes' })).toEqual({ ok: true, value: { personalCode: code, filters: { accessOnly: true } } });
  });
});
