/**
 * What keeps the sign-in cheap on results day: sign-ins at the same moment written together (group commit) with
 * nothing lost, each session with its audit entry, and no query over the whole register on the way in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely, KyselyPlugin } from 'kysely';
import type { Database } from '../../db/schema.js';
import * as client from 'openid-client';
import { OidcLogin, pkceChallenge } from '../../src/auth/oidc.js';
import { generateDemo } from '../../src/data/demo.js';
import { audit } from '../../src/data/audit.js';
import { GroupCommit } from '../../src/data/group-commit.js';
import { hashToken, LoginAlreadyAnswered, WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

describe('group commit', () => {
  it('writes what is asked for in the same turn as one batch, and each caller gets its own result', async () => {
    const batches: number[][] = [];
    const writer = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => n * 2);
    });
    const results = await Promise.all([1, 2, 3, 4].map((n) => writer.submit(n)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('collects what arrives during a write into the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const writer = new GroupCommit<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map(() => undefined);
    });
    const first = writer.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [writer.submit(2), writer.submit(3)];
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('fails only the caller whose item cannot be written', async () => {
    const writer = new GroupCommit<number>(async (items) => {
      if (items.includes(13)) throw new Error('bad item');
      return items.map(() => undefined);
    });
    const outcomes = await Promise.allSettled([1, 13, 2].map((n) => writer.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

it('computes the same S256 PKCE challenge as openid-client', async () => {
  for (let i = 0; i < 20; i++) {
    const verifier = client.randomPKCECodeVerifier();
    expect(pkceChallenge(verifier)).toBe(await client.calculatePKCECodeChallenge(verifier));
  }
});

/** The database, through a plugin that notes the table of every insert statement sent (the root one of a WITH). */
function countingInserts(db: Kysely<Database>): { db: Kysely<Database>; inserts: string[] } {
  const inserts: string[] = [];
  const counting: KyselyPlugin = {
    transformQuery: (args) => {
      if (args.node.kind === 'InsertQueryNode') inserts.push(args.node.into?.table.identifier.name ?? '?');
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: db.withPlugin(counting), inserts };
}

describe.each(DATABASE_KINDS)('sign-in writes together on %s', (kind) => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await generateDemo(test.handle.db, { students: 30, seed: 7 });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('stores every one of many simultaneous sign-ins with its audit entry and its state, and a state only once', async () => {
    const db = test.handle.db;
    const people = await db.selectFrom('persons').select(['id', 'first_name']).orderBy('id').limit(25).execute();
    const store = new WebSessionStore(db, { idleMinutes: 30 });
    const auditBefore = await db.selectFrom('audit_log').select('id').where('action', '=', 'sign-in').execute();
    const sessionsBefore = await db.selectFrom('web_sessions').select('id_hash').execute();
    const startedAt = new Date();
    const signIn = (p: (typeof people)[number], state: string) =>
      store.create(
        { kind: 'student', personId: p.id, provider: 'eklase', displayName: p.first_name },
        {
          audit: { actor: `person:${p.id}`, action: 'sign-in', subject: `person:${p.id}`, channel: 'student', details: { provider: 'eklase' } },
          answers: { state, provider: 'eklase', startedAt },
        },
      );

    // All at once, and among them a second answer to the first person's sign-in: it alone fails.
    const outcomes = await Promise.allSettled([...people.map((p, i) => signIn(p, `state-${kind}-${i}`)), signIn(people[0]!, `state-${kind}-0`)]);
    const created = outcomes.slice(0, people.length).map((o) => (o.status === 'fulfilled' ? o.value : undefined));
    const repeated = outcomes.at(-1)!;
    expect(created.every(Boolean)).toBe(true);
    expect(repeated.status).toBe('rejected');
    expect((repeated as PromiseRejectedResult).reason).toBeInstanceOf(LoginAlreadyAnswered);

    for (const [i, c] of created.entries()) expect((await store.load(c!.token))?.person_id).toBe(people[i]!.id);
    const rows = await db.selectFrom('web_sessions').select('id_hash').execute();
    expect(rows.length - sessionsBefore.length).toBe(people.length);
    expect(rows.map((r) => r.id_hash)).toEqual(expect.arrayContaining(created.map((c) => hashToken(c!.token))));
    const audited = await db.selectFrom('audit_log').select('actor').where('action', '=', 'sign-in').execute();
    expect(audited.length - auditBefore.length).toBe(people.length);
    expect(new Set(audited.map((a) => a.actor))).toEqual(new Set(people.map((p) => `person:${p.id}`)));
    // Only the state is kept once answered: nothing of the exchange itself (nonce, verifier) is stored.
    const states = await db.selectFrom('login_attempts').selectAll().where('state', 'like', `state-${kind}-%`).execute();
    expect(states).toHaveLength(people.length);
    expect(Object.keys(states[0]!).sort()).toEqual(['created_at', 'provider', 'state']);

    // Later, alone, the same answer again: refused, nothing stored.
    await expect(signIn(people[1]!, `state-${kind}-1`)).rejects.toBeInstanceOf(LoginAlreadyAnswered);
    expect(await db.selectFrom('web_sessions').select('id_hash').execute()).toHaveLength(rows.length);
  });

  it('keeps a session and its audit entry together: neither is stored when one cannot be', async () => {
    const db = test.handle.db;
    const store = new WebSessionStore(db, { idleMinutes: 30 });
    const [person] = await db.selectFrom('persons').select('id').orderBy('id').limit(1).execute();
    const before = await db.selectFrom('web_sessions').select('id_hash').execute();
    // An audit entry the table refuses (its action is required).
    await expect(
      store.create(
        { kind: 'student', personId: person!.id, provider: 'eklase', displayName: 'X' },
        { audit: { actor: 'person:x', action: null as unknown as string, channel: 'student' } },
      ),
    ).rejects.toThrow();
    expect(await db.selectFrom('web_sessions').select('id_hash').execute()).toHaveLength(before.length);

    // And the other way round: a session the table refuses (a student session names its person) leaves no entry.
    const auditBefore = await db.selectFrom('audit_log').select('id').execute();
    await expect(
      store.create(
        { kind: 'student', personId: null, provider: 'eklase', displayName: 'Y' },
        { audit: { actor: 'person:y', action: 'sign-in', subject: 'person:y', channel: 'student', details: { provider: 'eklase' } } },
      ),
    ).rejects.toThrow();
    expect(await db.selectFrom('audit_log').select('id').execute()).toHaveLength(auditBefore.length);
  });

  it('writes a sign-in (session, audit entry, state) as one statement on PostgreSQL, one transaction on SQLite', async () => {
    const statements: string[] = [];
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const db = test.handle.db.withPlugin(counting);
    const [person] = await db.selectFrom('persons').select('id').orderBy('id').limit(1).execute();
    const store = new WebSessionStore(db, { idleMinutes: 30 });
    statements.length = 0;
    const { token } = await store.create(
      { kind: 'student', personId: person!.id, provider: 'eklase', displayName: 'Z' },
      { audit: { actor: `person:${person!.id}`, action: 'sign-in', subject: `person:${person!.id}`, channel: 'student', details: { provider: 'eklase' } } },
    );
    expect(statements).toEqual(kind === 'postgres' ? ['InsertQueryNode'] : ['InsertQueryNode', 'InsertQueryNode']);
    statements.length = 0;
    await store.create(
      { kind: 'student', personId: person!.id, provider: 'eklase', displayName: 'Z' },
      {
        audit: { actor: `person:${person!.id}`, action: 'sign-in', subject: `person:${person!.id}`, channel: 'student', details: { provider: 'eklase' } },
        answers: { state: `one-statement-${kind}`, provider: 'eklase', startedAt: new Date() },
      },
    );
    expect(statements).toEqual(kind === 'postgres' ? ['InsertQueryNode'] : ['InsertQueryNode', 'InsertQueryNode', 'InsertQueryNode']);
    expect((await store.load(token))?.person_id).toBe(person!.id);
  });

  it('writes the audit entries of simultaneous downloads as one insert, each stored before it returns', async () => {
    const { db, inserts } = countingInserts(test.handle.db);
    const subjects = Array.from({ length: 12 }, (_, i) => `certificate:group-${kind}-${i}`);
    await Promise.all(subjects.map((subject) => audit(db, { actor: 'person:1', action: 'certificate.download', subject, channel: 'student' })));
    expect(inserts).toEqual(['audit_log']);
    const stored = await db.selectFrom('audit_log').select('subject').where('subject', 'like', `certificate:group-${kind}-%`).execute();
    expect(stored.map((r) => r.subject).sort()).toEqual([...subjects].sort());

    // One entry the table refuses fails alone; the others of its batch are still stored.
    const refused = audit(db, { actor: 'person:1', action: null as unknown as string, channel: 'student' });
    const kept = audit(db, { actor: 'person:1', action: 'certificate.download', subject: `certificate:kept-${kind}`, channel: 'student' });
    await expect(refused).rejects.toThrow();
    await kept;
    expect(await db.selectFrom('audit_log').select('id').where('subject', '=', `certificate:kept-${kind}`).execute()).toHaveLength(1);

    // In a transaction the entry is the transaction's: rolled back with it.
    await expect(
      db.transaction().execute(async (trx) => {
        await audit(trx, { actor: 'person:1', action: 'certificate.download', subject: `certificate:rolled-back-${kind}`, channel: 'student' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.selectFrom('audit_log').select('id').where('subject', '=', `certificate:rolled-back-${kind}`).execute()).toHaveLength(0);
  });

  it('writes a sign-in and the audit entries of downloads asked for at the same moment together', async () => {
    const { db, inserts } = countingInserts(test.handle.db);
    const [person] = await db.selectFrom('persons').select('id').orderBy('id').limit(1).execute();
    const store = new WebSessionStore(db, { idleMinutes: 30 });
    const subjects = [`certificate:together-${kind}-1`, `certificate:together-${kind}-2`];
    await Promise.all([
      store.create(
        { kind: 'student', personId: person!.id, provider: 'eklase', displayName: 'Z' },
        {
          audit: { actor: `person:${person!.id}`, action: 'sign-in', subject: `person:together-${kind}`, channel: 'student' },
          answers: { state: `together-${kind}`, provider: 'eklase', startedAt: new Date() },
        },
      ),
      ...subjects.map((subject) => audit(db, { actor: 'person:1', action: 'certificate.download', subject, channel: 'student' })),
    ]);
    // PostgreSQL: one statement (the last table's insert, the others in its WITH); SQLite: one transaction, a table each.
    expect(inserts).toEqual(kind === 'postgres' ? ['audit_log'] : ['login_attempts', 'web_sessions', 'audit_log']);
    const stored = await db.selectFrom('audit_log').select('subject').where('subject', 'like', `%together-${kind}%`).execute();
    expect(stored.map((row) => row.subject).sort()).toEqual([`person:together-${kind}`, ...subjects].sort());
  });

  it('does not query the register on every visit of the development sign-in page', async () => {
    let queries = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const db = test.handle.db.withPlugin(counting);
    const app = createApp({
      db,
      log: createLogger('silent'),
      auth: {
        sessions: new WebSessionStore(db, { idleMinutes: 30 }),
        oidc: new OidcLogin({ publicUrl: 'http://127.0.0.1', providers: {} }),
        environment: 'development',
        publicUrl: 'http://127.0.0.1',
      },
    });
    const first = await app.request('http://127.0.0.1/login');
    expect(first.status).toBe(200);
    expect(queries).toBeGreaterThan(0);
    const afterFirst = queries;
    for (let i = 0; i < 5; i++) expect((await app.request('http://127.0.0.1/login')).status).toBe(200);
    expect(queries).toBe(afterFirst);
  });
});
