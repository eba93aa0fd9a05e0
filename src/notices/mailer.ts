/**
 * Sending one e-mail through nodemailer: to the SMTP server of the settings, or (development without one) into
 * an .eml file under DATA_DIR/mail/ that any mail program opens. What a failure means (try again later, or not)
 * is read from the server's reply code.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config.js';
import { isTemporaryFailure } from '../domain/notices.js';
import { writeFileAtomically } from '../files.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  /** The server's reply to the message, e.g. "250 2.0.0 OK queued as 1234". */
  response: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/** A refused or failed attempt: temporary (4xx, or no answer at all) or final (5xx). */
export class MailError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

function asMailError(error: unknown): MailError {
  const { responseCode, response, message } = error as { responseCode?: unknown; response?: unknown; message?: unknown };
  const code = typeof responseCode === 'number' ? responseCode : undefined;
  const text = typeof response === 'string' && response ? response : String(message ?? error);
  return new MailError(text, isTemporaryFailure(code), code);
}

export function createMailer(config: MailConfig): Mailer {
  const transport = config.transport;
  if (transport.kind === 'files') {
    const writer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return {
      async send(mail) {
        const info = await writer.sendMail({ from: config.from, ...mail });
        mkdirSync(transport.dir, { recursive: true });
        // Named by time and message id, never by the address.
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`;
        writeFileAtomically(join(transport.dir, name), info.message as Buffer);
        return { messageId: info.messageId, response: `written to ${name}` };
      },
      close: () => writer.close(),
    };
  }
  const options =
    'url' in transport
      ? transport.url
      : {
          host: transport.host,
          port: transport.port,
          secure: transport.port === 465,
          ...(transport.user ? { auth: { user: transport.user, pass: transport.password ?? '' } } : {}),
        };
  // A connection per message, one message at a time: the batch size and pause decide the pace.
  const smtp = nodemailer.createTransport(options as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(mail) {
      try {
        const info = await smtp.sendMail({ from: config.from, ...mail });
        return { messageId: info.messageId, response: info.response };
      } catch (error) {
        throw asMailError(error);
      }
    },
    close: () => smtp.close(),
  };
}
