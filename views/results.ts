import { html } from 'hono/html';
import type { Gender } from '../db/schema.js';
import type { Annulment, StudentResult } from '../src/data/student-results.js';
import { examName } from '../src/domain/exam-title.js';
import type { LobbyTiming } from '../src/domain/lobby.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime, rigaDate } from '../src/domain/riga-time.js';
import { eserviceLink } from './eservice-link.js';
import { layout, type Html, type PageContext } from './layout.js';

export function certificateHref(number: string): string {
  return `/certificates/${encodeURIComponent(number)}.edoc`;
}

/** The certificate's PDF as a copy to look at (the .edoc is the document). */
export function viewingCopyHref(number: string): string {
  return `/certificates/${encodeURIComponent(number)}.pdf`;
}

export const EDOC_HELP_PATH = '/help/edoc';

/** "2026/301949081206-KUMAL" may break after the year and before the exam code, so it fits a 320-px screen. */
function wrappableNumber(number: string): Html {
  const [year, rest] = number.split('/') as [string, string];
  const dash = rest.lastIndexOf('-');
  return html`<span class="certificate-number">${year}/<wbr>${rest.slice(0, dash)}<wbr>${rest.slice(dash)}</span>`;
}

/** The agency's help route, after every state that may need it. */
function contactLine(page: PageContext): Html {
  const { email, phone, hours } = page.contact;
  return html`<p class="contact">${page.t('results.ask')} <a href="mailto:${email}">${email}</a>, <a href="tel:${phone.replace(/[^\d+]/g, '')}">${phone}</a> (${hours[page.lang]}).</p>`;
}

function annulmentFacts(page: PageContext, annulment: Annulment): Html {
  const { t } = page;
  return html`<p>${annulment.at ? t('results.annulled-on', { date: formatDate(rigaDate(new Date(annulment.at))) }) : t('results.annulled-on-unknown')}
${annulment.reason ? html`${t('results.reason')} <q>${annulment.reason}</q>` : t('results.reason-unknown')}</p>`;
}

/** A state that is not a plain result: what it means, what to do next, and whom to ask. */
function explained(page: PageContext, meaning: Html | string, next: Html | string, kind: string): Html {
  return html`<div class="state state-${kind}"><p class="meaning">${meaning}</p>${next}${contactLine(page)}</div>`;
}

function outcome(page: PageContext, result: StudentResult, gender: Gender | null): Html | string {
  const { t, lang } = page;
  const state = result.state;
  switch (state.kind) {
    case 'pending':
      return '';
    case 'exempted':
      return explained(page, t(gender ? `results.exempted.what-${gender}` : 'results.exempted.what'), html`<p>${t('results.exempted.next')}</p>`, 'exempted');
    case 'international':
      return explained(
        page,
        t('results.international.what', { name: state.certificateName }),
        html`<p>${t('results.international.next')}</p>`,
        'international',
      );
    case 'absent':
      return explained(
        page,
        t('results.absent.what'),
        html`${
          result.term === 'main'
            ? html`<p>${t('results.absent.additional-term')}${
                result.additionalTerm
                  ? html` ${t('results.absent.additional-term-dates', {
                      dates:
                        result.additionalTerm.startsOn === result.additionalTerm.endsOn
                          ? formatDate(result.additionalTerm.startsOn)
                          : `${formatDate(result.additionalTerm.startsOn)}–${formatDate(result.additionalTerm.endsOn)}`,
                    })}`
                  : ''
              }</p>`
            : ''
        }<p>${t('results.absent.next-year')}</p>`,
        'absent',
      );
    case 'work-annulled':
      return explained(
        page,
        t('results.work-annulled.what'),
        html`${annulmentFacts(page, state.annulment)}<p>${t('results.work-annulled.next')}</p>`,
        'annulled',
      );
    case 'certificate-annulled':
      return explained(
        page,
        html`${t('results.certificate-annulled.what')} ${wrappableNumber(state.number)}, ${t('results.issued', { date: formatDate(state.issuedOn) })}.`,
        html`${annulmentFacts(page, state.annulment)}<p>${t('results.certificate-annulled.next')}</p>`,
        'annulled',
      );
    case 'not-scored':
      return explained(page, t('results.not-scored.what'), html`<p>${t('results.not-scored.next')}</p>`, 'not-scored');
    case 'result': {
      const certificate = state.certificate;
      return html`<dl>
<dt>${t('results.total')}</dt><dd class="total">${state.total}&nbsp;%</dd>
<dt>${t('results.certificate')}</dt><dd>${
        certificate
          ? html`${wrappableNumber(certificate.number)}, ${t('results.issued', { date: formatDate(certificate.issuedOn) })}
<ul class="downloads">
<li><a class="download" href="${certificateHref(certificate.number)}" download>${t('results.download')}<span class="visually-hidden"> ${certificate.number}</span></a></li>
<li><a class="view-pdf" href="${viewingCopyHref(certificate.number)}">${t('results.view-pdf')}<span class="visually-hidden"> ${certificate.number}</span></a></li>
<li><a class="edoc-help" href="${EDOC_HELP_PATH}">${t('results.edoc-help')}</a></li>
</ul>`
          : t('results.no-certificate')
      }</dd>
</dl>
${state.tookPart === 'partly' ? explained(page, t('results.partly.what'), html`<p>${t('results.partly.next')}</p>`, 'partly') : ''}
<details><summary>${t('results.parts')}</summary><ul class="parts">${state.parts.map(
        (p) => html`<li><span>${lang === 'lv' ? p.nameLv : p.nameEn}</span> <span>${p.percent}&nbsp;%</span></li>`,
      )}</ul></details>`;
    }
  }
}

function yearLine(page: PageContext, result: StudentResult): Html {
  const year = page.lang === 'lv' ? schoolYearLabel(result.schoolYear) : schoolYearName(result.schoolYear);
  return html`${page.t('results.school-year')} ${year}${result.term === 'additional' ? html` · ${page.t('results.additional-term')}` : ''}`;
}

function examItem(page: PageContext, result: StudentResult, gender: Gender | null): Html {
  return html`<li class="exam">
<h3>${examName(result, page.lang)}</h3>
<p class="muted">${yearLine(page, result)}</p>
${outcome(page, result, gender)}
</li>`;
}

/** The lobby before a release moment (src/domain/lobby.ts): the time left, and that the page opens the results by itself. */
export interface LobbyView {
  /** The release moment waited for (ms). */
  moment: number;
  /** Whole seconds from now to the moment. */
  secondsLeft: number;
  /** The longest wait after the moment before the page opens the results by itself, in seconds. */
  spreadSeconds: number;
  /**
   * When the page opens the results by itself and keeps the sign-in alive until then, announced on the page; absent
   * when the student turned that off (WCAG 2.2.1: a timed change the user can turn off before it comes).
   */
  opening?: LobbyTiming;
}

/** `/results?refresh=off`: the lobby without opening the results by itself. */
export const LOBBY_REFRESH_OFF = 'off';

/** Where the lobby's script keeps its sign-in alive without reloading the page (a POST with the CSRF token). */
export const LOBBY_KEEP_ALIVE_PATH = '/results/keep-alive';

/** "1 h 5 min", "42 min": units that need no plural form in either language, minutes rounded up. */
export function timeLeftText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

function lobbyNotice(page: PageContext, lobby: LobbyView, exams: readonly StudentResult[]): Html {
  const { t, lang } = page;
  const time = formatRigaDateTime(new Date(lobby.moment));
  // What views/static/lobby.js needs: the seconds of the server's clock (never the device's), and where and how to
  // keep the sign-in alive. Without `opening` it only counts down.
  const script = lobby.opening
    ? html` data-opens-in="${lobby.opening.opensInSeconds}" data-keep-alive="${lobby.opening.keepAliveSeconds}" data-keep-alive-url="${LOBBY_KEEP_ALIVE_PATH}" data-csrf="${page.user?.csrfToken ?? ''}" data-opened="${t('lobby.opened')}"`
    : '';
  return html`<section id="lobby" class="notice lobby" aria-labelledby="lobby-heading"${script}>
<h2 id="lobby-heading">${t('lobby.heading')}</h2>
<p>${t('results.pending.at', { time })}</p>
<ul>${exams.map((r) => html`<li>${examName(r, lang)} (${yearLine(page, r)})</li>`)}</ul>
<p class="time-left">${t('lobby.left')} <strong id="lobby-time-left" role="timer" data-seconds="${lobby.secondsLeft}" data-opening="${t('lobby.opening')}">${timeLeftText(lobby.secondsLeft)}</strong></p>
${
  lobby.opening === undefined
    ? html`<p>${t('lobby.off', { time })}</p>
<p><a href="/results">${t('lobby.turn-on')}</a></p>`
    : html`<p>${t('lobby.by-itself', { time, seconds: lobby.spreadSeconds })}</p>
<p>${t('lobby.stay')}</p>
<p><a href="/results?refresh=${LOBBY_REFRESH_OFF}">${t('lobby.turn-off')}</a></p>`
}
${contactLine(page)}
</section>`;
}

/** One message for every exam still to come: the moments are the register's, grouped when several differ. */
function pendingNotice(page: PageContext, pending: readonly StudentResult[]): Html | string {
  if (pending.length === 0) return '';
  const byMoment = new Map<number, StudentResult[]>();
  for (const r of pending) {
    if (r.state.kind !== 'pending') continue;
    const at = r.state.releaseAt.getTime();
    byMoment.set(at, [...(byMoment.get(at) ?? []), r]);
  }
  const { t, lang } = page;
  return html`<section class="notice pending-results" aria-labelledby="pending-heading">
<h2 id="pending-heading">${t('results.pending.heading')}</h2>
${[...byMoment].map(
  ([at, exams]) => html`<p class="pending">${t('results.pending.at', { time: formatRigaDateTime(new Date(at)) })}</p>
<ul>${exams.map((r) => html`<li>${examName(r, lang)} (${yearLine(page, r)})</li>`)}</ul>`,
)}
<p>${t('results.pending.next')}</p>
</section>`;
}

/** States that come of a decision on the exam work, which the candidate may appeal. */
const APPEALABLE = new Set<StudentResult['state']['kind']>(['result', 'work-annulled', 'certificate-annulled']);

const waitsFor = (r: StudentResult, moment: number) => r.state.kind === 'pending' && r.state.releaseAt.getTime() === moment;

/**
 * The results page; with `lobby`, the exams released at its moment are announced first with the time left, and the
 * page opens the results by itself: a small script (views/static/lobby.js) without reloading the page before then,
 * or, in a browser that runs no script, a meta refresh the server timed.
 */
export function resultsPage(page: PageContext, results: readonly StudentResult[], gender: Gender | null, lobby?: LobbyView & { script: string }): Html {
  const { t } = page;
  const pending = results.filter((r) => r.state.kind === 'pending' && !(lobby && waitsFor(r, lobby.moment)));
  const shown = results.filter((r) => r.state.kind !== 'pending');
  const groups = (['basic', 'secondary'] as const)
    .map((education) => ({ education, items: shown.filter((r) => r.education === education) }))
    .filter((g) => g.items.length > 0);
  const lobbyExams = lobby ? results.filter((r) => waitsFor(r, lobby.moment)) : [];
  const body =
    results.length === 0
      ? html`<p>${t('results.none')}</p>
<p>${t('results.older')} ${eserviceLink(page)}.</p>`
      : html`${lobby ? lobbyNotice(page, lobby, lobbyExams) : ''}${groups.map(
          (g) => html`<section aria-labelledby="group-${g.education}">
<h2 id="group-${g.education}">${t(`results.group.${g.education}`)}</h2>
<ul class="exams">${g.items.map((r) => examItem(page, r, gender))}</ul>
</section>`,
        )}
${pendingNotice(page, pending)}
${
  shown.some((r) => APPEALABLE.has(r.state.kind))
    ? html`<section aria-labelledby="appeal-heading">
<h2 id="appeal-heading">${t('results.appeal.heading')}</h2>
<p>${t('results.appeal.text')} <a href="${page.contact.appealUrl}">${t('results.appeal.link')}</a>.</p>
</section>`
    : ''
}
<p class="share-entry"><a href="/results/share">${t('share.title')}</a> · <a href="/results/history">${t('accessHistory.link')}</a></p>
<p class="notice window" role="note">${t('results.window')} ${eserviceLink(page)}.</p>`;
  // A static link, the same for everyone: the page may be cached, so whether this person left an address is not shown.
  const notices = html`<p class="notices-link"><a href="/results/notices">${t('notices.link')}</a></p>`;
  // The refresh is announced on the page (WCAG 2.2.1: expected, and said so, and the student can turn it off), and
  // lands after the moment. Inside <noscript> only a browser that runs no script applies it: with the script, the
  // page is never reloaded under a reader, and no timed refresh is left for axe-core (meta-refresh) to report.
  const refresh = lobby?.opening
    ? html`<noscript><meta http-equiv="refresh" content="${lobby.opening.refreshSeconds}"></noscript>
`
    : '';
  const head = lobby ? html`${refresh}<script src="${lobby.script}" defer></script>` : undefined;
  return layout(page, t('results.title'), html`<h1>${t('results.title')}</h1>\n${body}\n${notices}`, head ? { head } : {});
}

/** What an .edoc is and how to open it, in plain words; linked beside every download. */
export function edocHelpPage(page: PageContext): Html {
  const { t } = page;
  return layout(
    page,
    t('edocHelp.title'),
    html`<h1>${t('edocHelp.title')}</h1>
<p>${t('edocHelp.what')}</p>
<p>${t('edocHelp.document')}</p>
<h2>${t('edocHelp.computer.heading')}</h2>
<p>${t('edocHelp.computer.text')}</p>
<ul>
<li><a href="https://www.eparaksts.lv/" hreflang="lv">eParaksts</a> (eparaksts.lv): ${t('edocHelp.computer.eparaksts')}</li>
<li><a href="https://www.id.ee/en/article/install-id-software/" hreflang="en">DigiDoc4</a> (id.ee): ${t('edocHelp.computer.digidoc')}</li>
</ul>
<h2>${t('edocHelp.phone.heading')}</h2>
<p>${t('edocHelp.phone.text')}</p>
<h2>${t('edocHelp.check.heading')}</h2>
<p>${t('edocHelp.check.text')} <a href="/verify">${t('edocHelp.check.link')}</a>.</p>
${contactLine(page)}
<p><a href="/results">${t('edocHelp.back')}</a></p>`,
  );
}
