/**
 * The notice sender: a background job on every instance that queues "your results are available" notices when
 * a release moment passes and sends what the outbox holds, in small batches with pauses between them, so that
 * sending never competes with the pages on results day (one message at a time, one connection). Instances share
 * the outbox; a message is claimed by one only (src/data/notices.ts), and a crash leaves a lease that lapses.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { noticeMail } from '../../views/notice-mail.js';
import type { ServiceContact } from '../config.js';
import { claimNotices, queueReleaseNotices, recordNoticeFailure, recordNoticeSent, releaseNoticeClaims, type OutgoingNotice } from '../data/notices.js';
import { maskEmailAddressesInText } from '../domain/notices.js';
import type { Logger } from '../log.js';
import { MailError, type Mailer } from './mailer.js';

export interface NoticeSenderOptions {
  db: Kysely<Database>;
  mailer: Mailer;
  /** PUBLIC_URL: the links in the messages. */
  publicUrl: string;
  contact: ServiceContact;
  log: Logger;
  batchSize: number;
  batchPauseMs: number;
  /** How often the outbox and the release moments are looked at when nobody calls notify() (default 15 s). */
  pollMs?: number;
  /** How long a claimed batch stays with this instance (default 5 minutes). */
  leaseMs?: number;
  clock?: () => Date;
}

export const CONFIRM_PATH = '/notices/confirm';
export const UNSUBSCRIBE_PATH = '/notices/unsubscribe';

/** What the server said, without the address: the record keeps no copy of it. */
function outcomeText(text: string, email: string): string {
  return maskEmailAddressesInText(text.split(email).join('<recipient>'));
}

export class NoticeSender {
  readonly runnerId = `notices-${randomUUID()}`;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly clock: () => Date;

  constructor(private readonly options: NoticeSenderOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Something was queued (a confirmation): look now rather than at the next poll. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await releaseNoticeClaims(this.options.db, this.runnerId);
    this.options.mailer.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.runOnce();
      } catch (error) {
        this.options.log.warn('notice sending failed, trying again later', { error });
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs ?? 15_000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Queues the notices that are due, then sends batch after batch until nothing is due. Returns how many went out. */
  async runOnce(): Promise<{ queued: number; sent: number; failed: number }> {
    const { db, batchSize } = this.options;
    const queued = await queueReleaseNotices(db, this.clock());
    let sent = 0;
    let failed = 0;
    for (;;) {
      const batch = await claimNotices(db, this.runnerId, batchSize, this.options.leaseMs ?? 300_000, this.clock());
      for (const notice of batch) {
        if (await this.sendOne(notice)) sent++;
        else failed++;
      }
      if (batch.length < batchSize || this.stopped) break;
      await new Promise((resolve) => setTimeout(resolve, this.options.batchPauseMs));
    }
    if (queued + sent + failed > 0) this.options.log.info('notices', { queued, sent, failed });
    return { queued, sent, failed };
  }

  private async sendOne(notice: OutgoingNotice): Promise<boolean> {
    const { db, publicUrl, mailer, log } = this.options;
    const unsubscribeLink = `${publicUrl}${UNSUBSCRIBE_PATH}?${new URLSearchParams({ token: notice.unsubscribeToken, lang: notice.language }).toString()}`;
    const mail = noticeMail({
      kind: notice.kind,
      releaseKey: notice.releaseKey,
      language: notice.language,
      publicUrl,
      unsubscribeLink,
      contact: this.options.contact,
      ...(notice.confirmToken
        ? { confirmLink: `${publicUrl}${CONFIRM_PATH}?${new URLSearchParams({ token: notice.confirmToken, lang: notice.language }).toString()}` }
        : {}),
      ...(notice.confirmExpiresAt ? { confirmExpiresAt: notice.confirmExpiresAt } : {}),
    });
    try {
      const sent = await mailer.send({
        to: notice.email,
        subject: mail.subject,
        text: mail.text,
        headers: {
          // RFC 8058: a mail program's "unsubscribe" button posts to the link, with no page in between.
          'List-Unsubscribe': `<${unsubscribeLink}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'Auto-Submitted': 'auto-generated',
        },
      });
      await recordNoticeSent(db, notice, this.runnerId, { messageId: sent.messageId, response: outcomeText(sent.response, notice.email) }, this.clock());
      log.info('notice sent', { message: notice.id, kind: notice.kind });
      return true;
    } catch (error) {
      const failure =
        error instanceof MailError
          ? { temporary: error.temporary, outcome: outcomeText(error.message, notice.email) }
          : { temporary: true, outcome: outcomeText(String((error as Error)?.message ?? error), notice.email) };
      await recordNoticeFailure(db, notice, this.runnerId, failure, this.clock());
      log.warn('notice not sent', { message: notice.id, kind: notice.kind, temporary: failure.temporary, outcome: failure.outcome });
      return false;
    }
  }
}
