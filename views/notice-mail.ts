/**
 * The notice e-mails: plain text, in the holder's language with the other language below it. A message says
 * only that results are available (never a result, a score or a certificate number) and always ends with the
 * unsubscribe link and the agency's contact.
 */
import type { ServiceContact } from '../src/config.js';
import { parseReleaseKey } from '../src/domain/notices.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { translator, type Language } from '../src/i18n.js';

export interface NoticeMailView {
  kind: 'confirm' | 'release';
  /** "2025:basic" for a release notice. */
  releaseKey: string | null;
  language: Language;
  /** The portal's public address, without a trailing slash. */
  publicUrl: string;
  confirmLink?: string;
  confirmExpiresAt?: Date;
  unsubscribeLink: string;
  contact: ServiceContact;
}

export interface NoticeMail {
  subject: string;
  text: string;
}

function body(view: NoticeMailView, lang: Language): string {
  const t = translator(lang);
  let main: string;
  if (view.kind === 'confirm') {
    main = t('notices.mail.confirmBody', { link: view.confirmLink ?? '', until: view.confirmExpiresAt ? formatRigaDateTime(view.confirmExpiresAt) : '' });
  } else {
    const release = view.releaseKey ? parseReleaseKey(view.releaseKey) : undefined;
    const year = release ? (lang === 'lv' ? schoolYearLabel(release.startYear) : schoolYearName(release.startYear)) : '';
    main = t('notices.mail.releaseBody', {
      year,
      education: release ? t(`notices.mail.education.${release.education}`) : '',
      link: `${view.publicUrl}/results`,
    });
  }
  const footer = t('notices.mail.footer', {
    unsubscribe: view.unsubscribeLink,
    email: view.contact.email,
    phone: view.contact.phone,
    hours: view.contact.hours[lang],
  });
  return `${main}\n\n${footer}`;
}

export function noticeMail(view: NoticeMailView): NoticeMail {
  const other: Language = view.language === 'lv' ? 'en' : 'lv';
  const t = translator(view.language);
  const subject = t(view.kind === 'confirm' ? 'notices.mail.confirmSubject' : 'notices.mail.releaseSubject');
  const text = `${body(view, view.language)}\n\n${'—'.repeat(20)}\n\n${body(view, other)}\n`;
  return { subject, text };
}
