// Operators: find a student by any part of a nickname, email, depositor name, contact or
// major (results as you type), see everything about them, correct points, ban or unban.
import { api } from '../api.js';
import { field, h, won } from '../dom.js';
import { alertBox, loader, onSubmit } from '../forms.js';
import { CHARGE_STATUS, ENTRY, errorText } from '../messages.js';
import { subnav } from './ops.js';

const TYPE_DELAY_MS = 250;

function results(list) {
  if (list.length === 0) return h('li', { class: 'muted' }, '찾는 사용자가 없어요.');
  return list.map((user) => h('li', {},
    h('a', { href: `#/ops-users?id=${user.id}`, class: 'row' },
      h('strong', {}, user.nickname, user.banned ? ' (정지)' : ''),
      h('span', { class: 'muted' }, user.email)),
    h('p', { class: 'muted' }, [user.major, user.contact?.id].filter(Boolean).join(' · '))));
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
      await api('POST', `/api/ops/users/${id}/points`, { delta: Number(form.get('delta')), reason: form.get('reason') });
      ctx.go(`ops-users?id=${id}&t=${Date.now()}`);
    });
    const status = alertBox();
    const toggleBan = h('button', { type: 'button', class: u.banned ? 'secondary' : 'danger', id: 'ban', onclick: async () => {
      try {
        await api('POST', `/api/ops/users/${id}/${u.banned ? 'unban' : 'ban'}`);
        ctx.go(`ops-users?id=${id}&t=${Date.now()}`);
      } catch (error) {
        status.textContent = errorText(error);
      }
    } }, u.banned ? '정지 해제' : '이용 정지');
    return [
      h('div', { class: 'card' },
        h('h2', {}, `${u.nickname} ${u.banned ? '(정지됨)' : ''}`),
        h('p', { class: 'muted' }, `${u.email} · ${u.role} · 가입 ${new Date(u.created_at).toLocaleDateString('ko-KR')}`),
        data.profile ? h('p', {}, `${data.profile.major} · ${data.profile.mbti} · ${data.profile.contact.type} ${data.profile.contact.id}`) : h('p', { class: 'muted' }, '프로필 없음'),
        h('p', {}, '잔액 ', h('strong', { id: 'user-balance' }, won(data.points.balance)),
          ` · 매칭 ${data.matches.length}회 · 뽑힘 ${data.picked_me}회`),
        toggleBan, status),
      h('div', { class: 'card' }, correction),
      h('div', { class: 'card' }, h('h2', {}, '포인트 내역'),
        h('ul', { class: 'list' }, data.points.entries.map((e) => h('li', { class: 'row' },
          h('span', {}, ENTRY[e.kind], e.reason ? ` (${e.reason})` : ''),
          h('span', { class: e.amount > 0 ? 'plus' : 'minus' }, won(e.amount)))))),
      h('div', { class: 'card' }, h('h2', {}, '충전 요청'),
        h('ul', { class: 'list' }, data.charges.map((c) => h('li', { class: 'row' },
          h('span', {}, `${won(c.amount)} · ${c.depositor_name}`),
          h('span', { class: `badge ${c.status}` }, CHARGE_STATUS[c.status]))))),
    ];
  });
}

export function view(ctx) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const id = params.get('id');
  const list = h('ul', { class: 'list', id: 'search-results' });
  const box = h('input', { type: 'search', id: 'search', placeholder: '닉네임, 이메일, 입금자명, 연락처, 학과', autocomplete: 'off' });
  let timer;
  box.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = box.value.trim();
      if (q.length === 0) return list.replaceChildren();
      try {
        list.replaceChildren(...[].concat(results(await api('GET', `/api/ops/users?q=${encodeURIComponent(q)}&limit=20`))));
      } catch (error) {
        list.replaceChildren(h('li', { class: 'error' }, errorText(error)));
      }
    }, TYPE_DELAY_MS);
  });
  ctx.cleanup.push(() => clearTimeout(timer));
  return h('section', {},
    h('h1', {}, '사용자 찾기'),
    subnav('ops-users'),
    h('div', { class: 'card' }, h('label', { for: 'search' }, '검색'), box, list),
    id ? detail(ctx, id) : null);
}

export function stats() {
  const labels = {
    users: '참여자', pickable: '매칭 가능', matches_total: '전체 매칭', matches_today: '오늘 매칭',
    charges_pending: '대기 중 충전', points_outstanding: '남은 포인트 합계',
  };
  return h('section', {},
    h('h1', {}, '통계'),
    subnav('ops-stats'),
    loader(() => api('GET', '/api/ops/stats'), (s) => h('div', { class: 'card' },
      h('ul', { class: 'list', id: 'stats' },
        Object.entries(labels).map(([key, text]) => h('li', { class: 'row' }, h('span', {}, text), h('strong', {}, s[key].toLocaleString('ko-KR')))),
        h('li', { class: 'row' }, h('span', {}, '남성 / 여성'), h('strong', {}, `${s.users_by_gender.MALE} / ${s.users_by_gender.FEMALE}`))))));
}
