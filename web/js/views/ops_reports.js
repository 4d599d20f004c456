// Operators: students' reports about their chat partners. Open ones (oldest first) are
// dismissed or end in a ban, each with a reason; the resolved ones can be looked back on.
import { api } from '../api.js';
import { h, seoulTime, whileDrawing } from '../dom.js';
import { alertBox } from '../forms.js';
import { errorText, REPORT_CATEGORY, REPORT_STATUS } from '../messages.js';
import { subnav } from './ops.js';

const STATUSES = ['OPEN', 'DISMISSED', 'BANNED'];
const MAX_REASON = 200;
const EMPTY = {
  OPEN: '처리할 신고가 없어요.',
  DISMISSED: '기각한 신고가 없어요.',
  BANNED: '이용 정지로 처리한 신고가 없어요.',
};

function tabs(current) {
  return h('nav', { class: 'actions report-tabs', 'aria-label': '신고 상태' }, STATUSES.map((status) =>
    h('a', {
      class: `button ${status === current ? '' : 'secondary'}`, id: `reports-tab-${status}`,
      href: `#/ops-reports?status=${status}`, 'aria-current': status === current ? 'page' : false,
    }, REPORT_STATUS[status])));
}

function people(report) {
  return h('p', { class: 'report-people' },
    h('span', { class: 'muted' }, '신고한 사람 '), h('strong', { class: 'report-reporter' }, report.reporter.nickname),
    h('span', { 'aria-hidden': 'true' }, ' → '),
    h('span', { class: 'muted' }, '신고된 사람 '), h('strong', { class: 'report-reported' }, report.reported.nickname));
}

function resolution(report) {
  const r = report.resolution;
  if (!r) return null;
  return h('p', { class: 'report-resolution' },
    h('strong', {}, r.action === 'BAN' ? '이용 정지' : '기각'), ` · 사유: ${r.reason}`,
    h('span', { class: 'muted' }, ` · ${r.by.nickname} · `, h('time', { datetime: r.at }, seoulTime(r.at))));
}

/// The reason and the two decisions for an open report; `done(report, action)` once it is resolved.
function decide(report, done) {
  const id = `reason-${report.id}`;
  const reason = h('input', {
    class: 'resolve-reason', id, name: 'reason', maxlength: MAX_REASON, autocomplete: 'off',
    required: true, 'aria-describedby': `err-${id}`, placeholder: '예: 프로필 사진이 다른 사람 사진이에요',
  });
  const error = h('p', { class: 'error', id: `err-${id}`, role: 'alert' });
  const alert = alertBox();
  const dismiss = h('button', { type: 'button', class: 'secondary resolve-dismiss' }, '기각');
  const ban = h('button', { type: 'button', class: 'danger resolve-ban' }, '이용 정지');
  const note = h('p', { class: 'confirm-note', hidden: true },
    `${report.reported.nickname}님의 계정을 바로 정지해요. 로그인할 수 없고 매칭과 채팅에서 빠져요.`);
  const confirm = h('button', { type: 'button', class: 'danger resolve-ban-confirm', hidden: true }, '정말 이용 정지할게요');
  const cancel = h('button', { type: 'button', class: 'secondary resolve-cancel', hidden: true }, '취소');

  const step = (confirming) => {
    dismiss.hidden = confirming;
    ban.hidden = confirming;
    note.hidden = !confirming;
    confirm.hidden = !confirming;
    cancel.hidden = !confirming;
  };
  const checkedReason = () => {
    error.textContent = '';
    alert.textContent = '';
    reason.removeAttribute('aria-invalid');
    const text = reason.value.trim();
    if (text.length > 0 && [...text].length <= MAX_REASON) return text;
    error.textContent = '처리 사유를 1~200자로 입력해 주세요.';
    reason.setAttribute('aria-invalid', 'true');
    step(false);
    reason.focus();
    return null;
  };
  const resolve = async (action, pressed) => {
    const text = checkedReason();
    if (!text) return;
    pressed.disabled = true;
    try {
      const reply = await api('POST', `/api/ops/reports/${report.id}/resolve`, { action, reason: text });
      done(reply.report ?? report, action);
    } catch (e) {
      if (!e.code) throw e;
      if (e.code === 'CONFLICT') {
        done(null, 'CONFLICT');
        return;
      }
      if (e.code === 'INVALID_REASON') {
        error.textContent = errorText(e);
        reason.setAttribute('aria-invalid', 'true');
        step(false);
        reason.focus();
      } else {
        alert.textContent = errorText(e);
      }
    } finally {
      pressed.disabled = false;
    }
  };

  dismiss.addEventListener('click', () => resolve('DISMISS', dismiss));
  ban.addEventListener('click', () => {
    if (!checkedReason()) return;
    step(true);
    confirm.focus();
  });
  cancel.addEventListener('click', () => {
    step(false);
    ban.focus();
  });
  confirm.addEventListener('click', () => resolve('BAN', confirm));

  return h('div', { class: 'report-decide' },
    h('label', { for: id }, '처리 사유 (필수, 200자까지)'), reason, error,
    h('div', { class: 'actions' }, dismiss, ban),
    note, h('div', { class: 'actions' }, confirm, cancel),
    alert);
}

function card(report, done) {
  return h('article', { class: 'card report-card', dataset: { id: report.id }, 'aria-labelledby': `report-${report.id}-title` },
    h('div', { class: 'row' },
      h('h2', { class: 'report-category', id: `report-${report.id}-title` }, REPORT_CATEGORY[report.category] ?? report.category),
      h('time', { class: 'muted', datetime: report.at }, seoulTime(report.at))),
    people(report),
    h('p', { class: 'report-content' }, report.content),
    report.image_url
      ? h('a', { class: 'button secondary report-image', href: report.image_url, download: '' }, '첨부 이미지 내려받기')
      : null,
    report.status === 'OPEN' ? decide(report, done) : resolution(report));
}

/// `#/ops-reports?status=OPEN|DISMISSED|BANNED`.
export function view(ctx, params) {
  const wanted = params?.get('status');
  const status = STATUSES.includes(wanted) ? wanted : 'OPEN';
  const list = h('div', { id: 'reports', 'aria-busy': 'true' },
    h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const said = h('p', { class: 'alert ok', id: 'reports-status', role: 'status' });
  const failed = h('div', { class: 'alert', id: 'reports-alert', role: 'alert' });
  const empty = () => h('p', { class: 'card muted', id: 'reports-empty' }, EMPTY[status]);

  // A resolved (or already resolved) report leaves the open list, and the status line says so.
  const finish = (card, action) => {
    const reported = card.querySelector('.report-reported')?.textContent ?? '';
    said.textContent = action === 'BAN' ? `${reported}님을 이용 정지했어요. 신고는 '이용 정지'로 옮겨졌어요.`
      : action === 'DISMISS' ? `신고를 기각했어요. '기각'에서 다시 볼 수 있어요.`
        : '다른 운영자가 이미 처리한 신고예요. 목록에서 뺐어요.';
    // Focus goes to the next card's reason (or the status line), never to nothing.
    const next = card.nextElementSibling?.querySelector('.resolve-reason');
    card.remove();
    if (!list.querySelector('.report-card')) list.replaceChildren(empty());
    if (next) next.focus();
    else {
      said.setAttribute('tabindex', '-1');
      said.focus();
    }
  };

  const load = async () => {
    list.setAttribute('aria-busy', 'true');
    try {
      const reports = await api('GET', `/api/ops/reports?status=${status}`);
      failed.textContent = '';
      list.replaceChildren(...(reports.length === 0 ? [empty()] : reports.map((report) => {
        const el = card(report, (_resolved, action) => finish(el, action));
        return el;
      })));
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
      list.replaceChildren();
    } finally {
      list.removeAttribute('aria-busy');
    }
  };
  whileDrawing(load());

  const refresh = h('button', { type: 'button', class: 'secondary wide', id: 'reports-refresh' }, '새로 고침');
  refresh.addEventListener('click', () => {
    said.textContent = '';
    load();
  });
  return h('section', {},
    h('h1', {}, '신고 처리'),
    subnav('ops-reports', ctx),
    tabs(status),
    h('p', { class: 'muted' }, status === 'OPEN'
      ? '먼저 들어온 신고부터 보여요. 사유를 적고 기각하거나 이용을 정지해 주세요. 이용 정지의 사유는 정지된 학생이 로그인할 때 그대로 보여요.'
      : '최근에 처리한 신고부터 보여요.'),
    said, failed,
    list,
    refresh);
}
