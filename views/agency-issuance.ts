/**
 * Agency staff: "Issuance" (`/staff/agency/issuance`): choose an exam session, "Issue certificates" (a queued
 * job: issue, then seal), and its progress: a bar with the counts issued, sealed and failed, each failure's
 * reason, and "Retry failed". The progress panel is a fragment htmx fetches again every two seconds while the job
 * is queued or running; without JavaScript the page says so and links to itself to look again.
 */
import { html } from 'hono/html';
import type { ExamSession } from '../src/data/exam-sessions.js';
import type { IssuanceProgress } from '../src/data/issuance-jobs.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { agencyNav, contactLine } from './agency-nav.js';
import { sessionChooser, sessionName } from './agency-scores.js';
import { csrfField, hiddenField } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface IssuanceView {
  sessions: ExamSession[];
  session?: ExamSession;
  progress?: IssuanceProgress;
  /** Sessions whose jobs are queued or running now. */
  queue: { session: ExamSession; status: 'queued' | 'running' | 'done' | 'failed' }[];
  message?: string;
}

function isActive(progress: IssuanceProgress): boolean {
  return progress.job?.status === 'queued' || progress.job?.status === 'running';
}

/** The progress panel alone: the page embeds it and htmx polls it while the job is under way. */
export function issuanceProgressPanel(page: PageContext, session: ExamSession, progress: IssuanceProgress) {
  const { t } = page;
  const active = isActive(progress);
  const job = progress.job;
  const polling = active ? html` hx-get="/staff/agency/issuance/progress?session=${String(session.id)}" hx-trigger="every 2s" hx-swap="outerHTML"` : '';
  const state = job ? t(`agencyExams.issuance.state.${job.status}`) : t('agencyExams.issuance.state.none');
  return html`<section id="issuance-progress" class="issuance-progress" aria-labelledby="progress-title"${polling}>
<h2 id="progress-title">${t('agencyExams.issuance.progress')}</h2>
<p><strong>${state}</strong>${job ? html` <span class="muted">(${t('agencyExams.issuance.requested', { at: formatRigaDateTime(new Date(job.requestedAt)) })})</span>` : ''}</p>
<div class="progress-line">
<progress id="issuance-bar" max="100" value="${String(progress.percent)}" aria-labelledby="progress-label"></progress>
<span id="progress-label" aria-live="polite">${t('agencyExams.issuance.percent', { percent: progress.percent })}</span>
</div>
<dl class="counts">
<div><dt>${t('agencyExams.issuance.issued')}</dt><dd id="count-issued">${String(progress.issued)}</dd></div>
<div><dt>${t('agencyExams.issuance.sealed')}</dt><dd id="count-sealed">${String(progress.sealed)}</dd></div>
<div><dt>${t('agencyExams.issuance.failed')}</dt><dd id="count-failed">${String(progress.failed)}</dd></div>
</dl>
${job?.failure ? html`<p class="notice warning">${t('agencyExams.issuance.jobFailed', { reason: t(`agencyExams.issuance.failure.${job.failure === 'interrupted' ? 'interrupted' : 'other'}`) })}</p>` : ''}
${
  job && job.status === 'done' && job.failures.length > 0
    ? html`<h3>${t('agencyExams.issuance.failures')}</h3>
<ul class="failures">${job.failures.map((f) => html`<li><span class="nowrap">${f.number}</span>: ${f.reason}</li>`)}</ul>
<form method="post" action="/staff/agency/issuance/retry">${csrfField(page.user)}${hiddenField('session', String(session.id))}<button type="submit">${t('agencyExams.issuance.retry')}</button></form>`
    : ''
}
${active ? html`<p class="hint">${t('agencyExams.issuance.live')} <a href="/staff/agency/issuance?session=${String(session.id)}">${t('agencyExams.issuance.refresh')}</a></p>` : ''}
${job?.status === 'done' && job.failures.length === 0 ? html`<p class="notice success">${t('agencyExams.issuance.complete', { sealed: progress.sealed })}</p>` : ''}
</section>`;
}

export function issuancePage(page: PageContext, view: IssuanceView) {
  const { t } = page;
  const s = view.session;
  return layout(
    page,
    t('agencyExams.issuance.title'),
    html`${agencyNav(page, 'issuance')}
<h1>${t('agencyExams.issuance.title')}</h1>
${view.message ? html`<p class="notice success" role="status">${view.message}</p>` : ''}
${sessionChooser(page, '/staff/agency/issuance', view.sessions, s?.id)}
${
  view.queue.length > 0
    ? html`<section aria-labelledby="queue-title"><h2 id="queue-title">${t('agencyExams.issuance.queue')}</h2>
<ul>${view.queue.map((q) => html`<li><a href="/staff/agency/issuance?session=${String(q.session.id)}">${sessionName(page, q.session)}</a>: ${t(`agencyExams.issuance.state.${q.status}`)}</li>`)}</ul></section>`
    : ''
}
${
  s && view.progress
    ? html`<section aria-labelledby="issue-title">
<h2 id="issue-title">${sessionName(page, s)}</h2>
<p>${t('agencyExams.issuance.explain')}</p>
${
  isActive(view.progress)
    ? ''
    : html`<form method="post" action="/staff/agency/issuance/issue">${csrfField(page.user)}${hiddenField('session', String(s.id))}<button type="submit">${t('agencyExams.issuance.issue')}</button></form>`
}
</section>
${issuanceProgressPanel(page, s, view.progress)}`
    : html`<p class="notice">${t('agencyExams.issuance.chooseFirst')}</p>`
}
${contactLine(page)}`,
    { htmx: true },
  );
}
