/**
 * The notice data on every database: the daily limit on confirmation messages, and the development transport
 * that writes each message as an .eml file instead of sending it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONFIRMATIONS_PER_DAY, noticeAddressOf, saveNoticeAddress } from '../../src/data/notices.js';
import { createMailer } from '../../src/notices/mailer.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession } from '../support/register.js';

describe.each(DATABASE_KINDS)('notice addresses on %s', (kind) => {
  let test: TestDatabase;
  let personId: number;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const seeded = await seedSession(test.handle.db, { examCode: 'LAT09', candidates: 1 });
    personId = (await test.handle.db.selectFrom('persons').select('id').where('personal_code', '=', seeded.personalCodes[0]!).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => test?.close());

  it('queues at most five confirmations a day for one person, then again the next day', async () => {
    const db = test.handle.db;
    const day = new Date('2026-05-01T08:00:00.000Z');
    for (let i = 0; i < MAX_CONFIRMATIONS_PER_DAY; i++) {
      expect(await saveNoticeAddress(db, personId, `try${i}@example.lv`, 'lv', new Date(day.getTime() + i * 60_000))).toBe('confirmation-queued');
    }
    expect(await saveNoticeAddress(db, personId, 'one.more@example.lv', 'lv', new Date(day.getTime() + 3_600_000))).toBe('too-many');
    expect((await noticeAddressOf(db, personId))?.email).toBe(`try${MAX_CONFIRMATIONS_PER_DAY - 1}@example.lv`);
    // The replaced addresses' confirmations are cancelled, not sent.
    const waiting = await db.selectFrom('notice_messages').select('status').where('person_id', '=', personId).where('status', '=', 'pending').execute();
    expect(waiting).toHaveLength(1);
    expect(await saveNoticeAddress(db, personId, 'one.more@example.lv', 'lv', new Date(day.getTime() + 25 * 3_600_000))).toBe('confirmation-queued');
  });
});

describe('the development mail transport', () => {
  it('writes each message as an .eml file named without the address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notices-mail-'));
    try {
      const mailer = createMailer({ transport: { kind: 'files', dir }, from: 'Eksāmenu portāls <noreply@viaa.example.lv>', batchSize: 1, batchPauseMs: 0 });
      const sent = await mailer.send({ to: 'liga@example.lv', subject: 'Jūsu eksāmenu rezultāti ir pieejami', text: 'Labdien!', headers: { 'Auto-Submitted': 'auto-generated' } });
      mailer.close();
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      expect(files[0]).not.toContain('liga');
      const eml = readFileSync(join(dir, files[0]!), 'utf8');
      expect(eml).toContain('To: liga@example.lv');
      expect(eml).toContain(`Message-ID: ${sent.messageId}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
