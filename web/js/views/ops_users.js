// Operators: find a student by any part of a nickname, email, depositor name, contact or
// major (results as you type), see everything about them, correct points, ban or unban.
import { api } from '../api.js';
import { field, grouped, h, won } from '../dom.js';
import { alertBox, loader, onSubmit } from '../forms.js';
import { CHARGE_STATUS, contactText, ENTRY, errorText, explainWith, GENDER, label, ROLE } from '../messages.js';
import { barChart } from '../chart.js';
import { subnav } from './ops.js';

const TYPE_DELAY_MS = 250;

/// What sets a user apart at a glance: withdrawn, banned, staff (each a badge in words).
function marks(user) {
  return [
    user.withdrawn ? h('span', { class: 'badge user-mark withdrawn' }, '탈퇴') : null,
    user.banned ? h('span', { class: 'badge user-mark banned' }, '정지') : null,
    user.role && user.role !== 'USER' ? h('span', { class: 'badge user-mark staff' }, label(ROLE, user.role)) : null,
  ];
}

function results(list) {
  if (list.length === 0) return h('li', { class: 'muted' }, '찾는 사용자가 없어요.');
  return list.map((user) => h('li', { class: user.withdrawn ? 'user-result withdrawn' : 'user-result', dataset: { user: user.id } },
    h('a', { href: `#/ops-users?id=${user.id}`, class: 'row' },
      h('strong', {}, user.nickname, ' ', ...marks(user)),
      h('span', { class: 'muted' }, user.email)),
    h('p', { class: 'muted' }, [user.major, user.contact ? contactText(user.contact) : null].filter(Boolean).join(' · '))));
}

const MAX_REASON = 200;

/// Banning takes a reason (the student sees it when trying to sign in) and two taps.
function banTool(ctx, id, nickname, status) {
  const reason = h('input', {
    id: 'ban-reason', maxlength: MAX_REASON, autocomplete: 'off', required: true,
    'aria-describedby': 'err-ban-reason ban-reason-hint', placeholder: '예: 다른 사람 사진으로 가짜 프로필을 만들었어요',
  });
  const error = h('p', { class: 'error', id: 'err-ban-reason', role: 'alert' });
  const ban = h('button', { type: 'button', class: 'danger', id: 'ban' }, '이용 정지');
  const note = h('p', { class: 'confirm-note', id: 'ban-note', hidden: true },
    `${nickname}님의 계정을 바로 정지해요. 로그인할 수 없고 매칭과 채팅에서 빠져요.`);
  const confirm = h('button', { type: 'button', class: 'danger', id: 'ban-confirm', hidden: true }, '정말 이용 정지할게요');
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'ban-cancel', hidden: true }, '취소');
  const step = (confirming) => {
    ban.hidden = confirming;
    note.hidden = !confirming;
    confirm.hidden = !confirming;
    cancel.hidden = !confirming;
  };
  const fieldError = (text) => {
    error.textContent = text;
    reason.setAttribute('aria-invalid', 'true');
    step(false);
    reason.focus();
  };
  const checkedReason = () => {
    error.textContent = '';
    status.textContent = '';
    reason.removeAttribute('aria-invalid');
    const text = reason.value.trim();
    if (text.length > 0 && [...text].length <= MAX_REASON) return text;
    fieldError('정지 사유를 1~200자로 입력해 주세요.');
    return null;
  };
  ban.addEventListener('click', () => {
    if (!checkedReason()) return;
    step(true);
    confirm.focus();
  });
  cancel.addEventListener('click', () => {
    step(false);
    ban.focus();
  });
  confirm.addEventListener('click', async () => {
    const text = checkedReason();
    if (!text) return;
    confirm.disabled = true;
    try {
      await api('POST', `/api/ops/users/${id}/ban`, { reason: text });
      ctx.go(`ops-users?id=${id}&t=${Date.now()}`);
    } catch (e) {
      if (!e.code) throw e;
      if (e.code === 'INVALID_REASON') fieldError(errorText(e));
      else status.textContent = errorText(e);
    } finally {
      confirm.disabled = false;
    }
  });
  return h('div', { class: 'ban-tool' },
    h('label', { for: 'ban-reason' }, '정지 사유 (필수, 200자까지)'),
    h('p', { class: 'muted', id: 'ban-reason-hint' }, '학생이 로그인하려 할 때 이 사유가 그대로 보여요.'),
    reason, error, ban, note, h('div', { class: 'actions' }, confirm, cancel));
}

function unbanTool(ctx, id, status) {
  return h('button', { type: 'button', class: 'secondary', id: 'ban', onclick: async () => {
    try {
      await api('POST', `/api/ops/users/${id}/unban`, { reason: '정지 해제' });
      ctx.go(`ops-users?id=${id}&t=${Date.now()}`);
    } catch (error) {
      status.textContent = errorText(error);
    }
  } }, '정지 해제');
}

const MAX_DELTA = 1_000_000;

/// A correction's missing or wrong fields before sending: [[name, Korean words]…].
function correctionProblems(form) {
  const found = [];
  const delta = String(form.get('delta') ?? '').trim();
  if (!delta) found.push(['delta', '조정 금액을 입력해 주세요. 빼려면 -500처럼 입력해요.']);
  else if (!/^[+-]?\d+$/.test(delta) || Number(delta) === 0 || Math.abs(Number(delta)) > MAX_DELTA) {
    found.push(['delta', errorText({ code: 'INVALID_DELTA' })]);
  }
  const reason = String(form.get('reason') ?? '').trim();
  if (!reason) found.push(['reason', '조정 사유를 입력해 주세요.']);
  else if ([...reason].length > 200) found.push(['reason', errorText({ code: 'INVALID_REASON' })]);
  return found;
}

function detail(ctx, id) {
  return loader(() => api('GET', `/api/ops/users/${id}`), (data) => {
    const u = data.user;
    const correction = h('form', { novalidate: true, id: 'correction' },
      h('h2', {}, '포인트 조정'),
      field('조정 금액 (+/-)', 'delta', h('input', { type: 'number', inputmode: 'numeric' })),
      field('사유', 'reason', h('input', { maxlength: 200 })),
      alertBox(),
      h('button', { type: 'submit' }, '조정하기'));
    onSubmit(correction, async (form) => {
      const found = correctionProblems(form);
      if (found.length > 0) {
        found.forEach(([name, words]) => {
          correction.querySelector(`#err-${name}`).textContent = words;
          correction.querySelector(`[name="${name}"]`).setAttribute('aria-invalid', 'true');
        });
        correction.querySelector(`[name="${found[0][0]}"]`).focus();
        return;
      }
      await api('POST', `/api/ops/users/${id}/points`, { delta: Number(form.get('delta')), reason: form.get('reason') });
      ctx.go(`ops-users?id=${id}&t=${Date.now()}`);
    }, explainWith({ BALANCE_WOULD_BE_NEGATIVE: ['delta', errorText({ code: 'BALANCE_WOULD_BE_NEGATIVE' })] }));
    const status = alertBox();
    const banTools = u.banned ? unbanTool(ctx, id, status) : banTool(ctx, id, u.nickname, status);
    return [
      h('div', { class: 'card' },
        h('h2', { id: 'user-name' }, u.nickname, ' ', ...marks(u)),
        u.withdrawn ? h('p', { class: 'confirm-note', id: 'user-withdrawn' }, '탈퇴한 사용자예요. 매칭과 채팅에서 빠져 있어요.') : null,
        h('p', { class: 'muted' }, `${u.email} · ${label(ROLE, u.role)} · 가입 ${new Date(u.created_at).toLocaleDateString('ko-KR')}`),
        data.profile
          ? h('p', {}, [label(GENDER, data.profile.gender), data.profile.major, data.profile.mbti, contactText(data.profile.contact)].filter(Boolean).join(' · '))
          : h('p', { class: 'muted' }, '프로필 없음'),
        h('p', {}, '잔액 ', h('strong', { id: 'user-balance' }, won(data.points.balance)),
          ` · 매칭 ${data.matches.length}회 · 뽑힘 ${data.picked_me}회`),
        banTools, status),
      h('div', { class: 'card' }, correction),
      h('div', { class: 'card' }, h('h2', {}, '포인트 내역'),
        h('ul', { class: 'list' }, data.points.entries.map((e) => h('li', { class: 'row' },
          h('span', {}, label(ENTRY, e.kind), e.reason ? ` (${e.reason})` : ''),
          h('span', { class: e.amount > 0 ? 'plus' : 'minus' }, won(e.amount)))))),
      h('div', { class: 'card' }, h('h2', {}, '충전 요청'),
        h('ul', { class: 'list' }, data.charges.map((c) => h('li', { class: 'row' },
          h('span', {}, `${won(c.amount)} · ${c.depositor_name}`),
          h('span', { class: `badge ${c.status}` }, label(CHARGE_STATUS, c.status)))))),
    ];
  });
}

/// Where the operator's last search is kept for this tab.
const SEARCH_KEY = 'ops-user-search';

export function view(ctx) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const id = params.get('id');
  const list = h('ul', { class: 'list', id: 'search-results' });
  const box = h('input', { type: 'search', id: 'search', placeholder: '닉네임, 이메일, 입금자명, 연락처, 학과', autocomplete: 'off' });
  let timer;
  const search = async () => {
    const q = box.value.trim();
    sessionStorage.setItem(SEARCH_KEY, q);
    if (q.length === 0) return list.replaceChildren();
    try {
      list.replaceChildren(...[].concat(results(await api('GET', `/api/ops/users?q=${encodeURIComponent(q)}&limit=20`))));
    } catch (error) {
      list.replaceChildren(h('li', { class: 'error' }, errorText(error)));
    }
  };
  box.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, TYPE_DELAY_MS);
  });
  ctx.cleanup.push(() => clearTimeout(timer));
  // The search survives opening a user, acting and coming back.
  box.value = sessionStorage.getItem(SEARCH_KEY) ?? '';
  if (box.value) search();
  return h('section', {},
    h('h1', {}, '사용자 찾기'),
    subnav('ops-users', ctx),
    h('div', { class: 'card' }, h('label', { for: 'search' }, '검색'), box, list),
    id ? detail(ctx, id) : null);
}

const STATS_REFRESH_MS = 30_000;
const STAT_LABELS = {
  users: '참여자', pickable: '매칭 가능', matches_total: '전체 매칭', matches_today: '오늘 매칭',
  charges_pending: '대기 중 충전', points_outstanding: '남은 포인트 합계',
};
const CHARTS = [['chart-signups', '가입', '명', 'signups'], ['chart-matches', '매칭', '건', 'matches'],
  ['chart-points', '충전 포인트', 'P', 'points_charged']];

/// `#/ops-stats`: the counts, and today's hours as three bar charts; fresh every 30 s.
export function stats(ctx) {
  const list = h('ul', { class: 'list', id: 'stats', 'aria-busy': 'true' },
    h('li', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const charts = h('div', { id: 'charts', class: 'charts' });
  const updated = h('p', { class: 'muted', id: 'stats-updated' });
  const failed = h('div', { class: 'alert', id: 'stats-alert', role: 'alert' });
  const refresh = async () => {
    try {
      const s = await api('GET', '/api/ops/stats');
      failed.textContent = '';
      list.replaceChildren(
        ...Object.entries(STAT_LABELS).map(([key, text]) => h('li', { class: 'row' }, h('span', {}, text), h('strong', {}, grouped(s[key] ?? 0)))),
        h('li', { class: 'row' }, h('span', {}, '남성 / 여성'), h('strong', {}, `${s.users_by_gender.MALE} / ${s.users_by_gender.FEMALE}`)));
      if (s.today_by_hour) {
        charts.replaceChildren(...CHARTS.map(([id, title, unit, key]) =>
          barChart({ id, title, unit, values: s.today_by_hour[key] })));
      }
      updated.textContent = `${new Date().toLocaleTimeString('ko-KR', { timeZone: 'Asia/Seoul', hour: 'numeric', minute: '2-digit', second: '2-digit' })}에 새로 고침 · ${STATS_REFRESH_MS / 1000}초마다 새로 고쳐요.`;
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  };
  refresh();
  const timer = setInterval(refresh, STATS_REFRESH_MS);
  ctx.cleanup.push(() => clearInterval(timer));
  return h('section', {},
    h('h1', {}, '통계'),
    subnav('ops-stats', ctx),
    failed,
    h('div', { class: 'card' }, list),
    h('section', { class: 'card', 'aria-labelledby': 'charts-title' },
      h('h2', { id: 'charts-title' }, '오늘 시간대별 (한국 시간)'),
      charts, updated));
}
