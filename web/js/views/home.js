import { api } from '../api.js';
import { h, won } from '../dom.js';
import { loader } from '../forms.js';
import { ENTRY } from '../messages.js';

export function entryList(entries) {
  if (entries.length === 0) return h('p', { class: 'muted' }, '아직 내역이 없어요.');
  return h('ul', { class: 'list', id: 'entries' }, entries.map((entry) => h('li', { class: 'row' },
    h('span', {}, ENTRY[entry.kind] ?? entry.kind, ' ', h('span', { class: 'muted' }, new Date(entry.at).toLocaleString('ko-KR'))),
    h('span', { class: entry.amount > 0 ? 'plus' : 'minus' }, `${entry.amount > 0 ? '+' : ''}${won(entry.amount)}`))));
}

export function view(ctx) {
  const me = ctx.me;
  return h('section', {},
    h('h1', {}, `${me.nickname}님, 반가워요`),
    h('div', { class: 'card' },
      h('p', { class: 'muted' }, '내 포인트'),
      loader(() => api('GET', '/api/me/points?limit=5'), (points) => [
        h('p', { class: 'balance', id: 'balance' }, won(points.balance)),
        h('h2', {}, '최근 내역'),
        entryList(points.entries),
      ]),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: '#/match' }, '매칭 신청'),
        h('a', { class: 'button secondary', href: '#/charge' }, '포인트 충전'))),
    h('div', { class: 'card' },
      loader(() => api('GET', '/api/matches/picked-me'), (picked) =>
        h('p', { id: 'picked-me' }, `다른 사람이 나를 ${picked.count}번 뽑았어요.`)),
      h('p', { class: 'muted' }, `지금까지 ${me.match_count}번 매칭했어요.`)));
}
