import { api } from '../api.js';
import { h, won } from '../dom.js';
import { alertBox } from '../forms.js';
import { errorText } from '../messages.js';

const REFRESH_MS = 4000;

/// The operator pages' own menu.
export function subnav(current) {
  const pages = [['ops', '충전 요청'], ['ops-reports', '신고'], ['ops-bans', '정지 목록'], ['ops-users', '사용자 찾기'], ['ops-stats', '통계']];
  return h('nav', { class: 'actions ops-nav', 'aria-label': '운영 메뉴' }, pages.map(([route, text]) =>
    h('a', { class: `button ${route === current ? '' : 'secondary'}`, href: `#/${route}`, 'aria-current': route === current ? 'page' : false }, text)));
}

export function view(ctx) {
  const list = h('ul', { class: 'list', id: 'pending' });
  const status = alertBox();
  const refresh = async () => {
    try {
      const charges = await api('GET', '/api/ops/charges?status=PENDING');
      status.textContent = '';
      if (charges.length === 0) {
        list.replaceChildren(h('li', { class: 'muted' }, '대기 중인 충전 요청이 없어요.'));
        return;
      }
      list.replaceChildren(...charges.map((charge) => {
        const decide = (action) => async (event) => {
          event.target.disabled = true;
          try {
            await api('POST', `/api/ops/charges/${charge.id}/${action}`);
          } catch (error) {
            status.textContent = errorText(error);
          }
          refresh();
        };
        return h('li', { dataset: { charge: charge.id } },
          h('div', { class: 'row' },
            h('strong', {}, charge.nickname),
            h('span', {}, won(charge.amount))),
          h('p', { class: 'muted' }, `입금자명 ${charge.depositor_name} · ${new Date(charge.at).toLocaleTimeString('ko-KR')}`),
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'approve', onclick: decide('approve') }, '승인'),
            h('button', { type: 'button', class: 'secondary reject', onclick: decide('reject') }, '거절')));
      }));
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  ctx.cleanup.push(() => clearInterval(timer));
  return h('section', {},
    h('h1', {}, '충전 요청 확인'),
    subnav('ops'),
    h('p', { class: 'muted' }, `입금 내역과 입금자명을 확인하고 승인해 주세요. ${REFRESH_MS / 1000}초마다 새로 고쳐요.`),
    status,
    h('div', { class: 'card' }, list));
}
