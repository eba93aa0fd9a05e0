import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultWindows } from '../../src/data/applications.js';
import { installCatalogue } from '../../src/data/catalogue.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { validPersonalCode } from '../support/register.js';

// Sign-in is tested on its own; here a header names the signed-in person.
const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Līga Bērziņa', csrfToken: 'x', provider: 'test' });
  await next();
};

const OPEN = rigaToInstant({ year: 2026, month: 12, day: 8, hour: 12, minute: 0 });
let counter = Math.floor(Math.random() * 50_000) + 400_000;

describe.each(DATABASE_KINDS)('a student applies on %s', (kind) => {
  let test: TestDatabase;
  let now = OPEN;
  let app: ReturnType<typeof createApp>;
  const people: number[] = [];
  const request = (path: string, person: number, form?: Record<string, string>) =>
    app.request(path, {
      method: form ? 'POST' : 'GET',
      headers: { 'x-test-person': String(person), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams({ _csrf: 'x', ...form }).toString() } : {}),
    });

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const db = test.handle.db;
    await installCatalogue(db, 2026);
    await ensureDefaultWindows(db, 2026, 'test');
    const school = await db
      .insertInto('institutions')
      .values({ registration_number: `42${String(++counter).padStart(8, '0')}`, name: 'Rīgas 1. vidusskola', municipality: 'Rīga' })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [i, className] of ['12.a', '12.b', '9.a'].entries()) {
      const person = await db
        .insertInto('persons')
        .values({ personal_code: validPersonalCode(++counter), first_name: 'Līga', last_name: `Bērziņa-${i}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('candidates')
        .values({
          code: `6${String(school.id).padStart(4, '0')}${String(9000000 + counter).padStart(7, '0')}`.slice(0, 12),
          person_id: person.id,
          school_year: 2026,
          institution_id: school.id,
          class_name: className,
        })
        .execute();
      people.push(person.id);
    }
    app = createApp({ db, log: createLogger('silent'), student: { requireStudent: testSignIn, clock: () => now } });
  });
  afterAll(async () => test.close());

  it('applies, a retried submit keeps one application, and nobody else reaches it', async () => {
    now = OPEN;
    const home = await (await request('/apply', people[0]!)).text();
    expect(home).toContain('Pieteikšanās notiek līdz 15.12.2026 23:59');
    const choose = await (await request('/apply/choose', people[0]!)).text();
    expect(choose).toContain('name="subject-MAT" value="MATAL"');

    const refused = await request('/apply/choose', people[0]!, { 'subject-LAT': 'LATOL', 'subject-MAT': 'MAT09' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Eksāmens MAT09 šajā mācību gadā netiek piedāvāts.');

    const review = await (await request('/apply/choose', people[0]!, { 'subject-LAT': 'LATOL', 'subject-MAT': 'MATAL', 'subject-ANG': 'none' })).text();
    const key = /name="idempotency_key" value="([^"]+)"/.exec(review)![1]!;
    const exams = /name="exams" value="([^"]+)"/.exec(review)![1]!;
    expect(exams.split(',').sort()).toEqual(['LATOL', 'MATAL']);
    const first = await request('/apply/submit', people[0]!, { idempotency_key: key, exams });
    const retry = await request('/apply/submit', people[0]!, { idempotency_key: key, exams });
    expect(first.status).toBe(303);
    const location = first.headers.get('location')!;
    expect(location).toMatch(/^\/apply\/applications\/\d+\?done=submitted$/);
    expect(retry.headers.get('location')!.split('?')[0]).toBe(location.split('?')[0]);
    expect(await test.handle.db.selectFrom('applications').select('id').where('person_id', '=', people[0]!).execute()).toHaveLength(1);

    const page = await (await request(location, people[0]!)).text();
    expect(page).toContain('Pieteikums iesniegts');
    expect(page).toContain('MATAL');
    const path = location.split('?')[0]!;
    const receipt = await request(`${path}/receipt.pdf`, people[0]!);
    expect(receipt.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await receipt.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    // Route by route, another student's application does not exist for them.
    for (const other of [`${path}`, `${path}/receipt.pdf`, `${path}/withdraw`]) expect((await request(other, people[1]!)).status).toBe(404);
    expect((await request(`${path}/withdraw`, people[1]!, { idempotency_key: crypto.randomUUID() })).status).toBe(404);
    expect(await test.handle.db.selectFrom('applications').select('status').where('person_id', '=', people[0]!).executeTakeFirstOrThrow()).toEqual({
      status: 'submitted',
    });
  });

  it('a 9th grader is told the school registers them; before the window the page says when it opens', async () => {
    now = OPEN;
    expect(await (await request('/apply', people[2]!)).text()).toContain('9. klases eksāmeniem tevi piesaka skola');
    now = rigaToInstant({ year: 2026, month: 12, day: 1, hour: 9, minute: 0 });
    expect(await (await request('/apply?lang=en', people[1]!)).text()).toContain('Applications open on 05.12.2026 10:00');
    expect((await request('/apply/choose', people[1]!)).status).toBe(303);
  });

  it('after the window closes the student can no longer change or withdraw', async () => {
    now = OPEN;
    const review = await (await request('/apply/choose', people[1]!, { 'subject-LAT': 'LATOL' })).text();
    const key = /name="idempotency_key" value="([^"]+)"/.exec(review)![1]!;
    const path = (await request('/apply/submit', people[1]!, { idempotency_key: key, exams: 'LATOL' })).headers.get('location')!.split('?')[0]!;
    now = rigaToInstant({ year: 2026, month: 12, day: 16, hour: 0, minute: 0 });
    const page = await (await request(path, people[1]!)).text();
    expect(page).toContain('Pieteikšanās beidzās 15.12.2026 23:59');
    expect(page).not.toContain('/withdraw');
    expect((await request('/apply/choose', people[1]!)).status).toBe(303);
    const late = await request('/apply/submit', people[1]!, { idempotency_key: crypto.randomUUID(), exams: 'LATOL,MATOL' });
    expect(late.headers.get('location')).toBe('/apply?refused=apply.window.closed');
    const withdraw = await request(`${path}/withdraw`, people[1]!, { idempotency_key: crypto.randomUUID() });
    expect(withdraw.headers.get('location')).toBe('/apply?refused=apply.window.closed');
  });
});
