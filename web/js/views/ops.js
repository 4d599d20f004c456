import { api } from '../api.js';
import { h, seoulTime, won } from '../dom.js';
import { alertBox } from '../forms.js';
import { contactText, errorText } from '../messages.js';

const REFRESH_MS = 4000;

const OPERATOR_PAGES = [['ops', '충전 요청'], ['ops-booth', '부스 충전'], ['ops-reports', '신고'], ['ops-bans', '정지 목록'],
  ['ops-users', '사용자 찾기'], ['ops-stats', '통계']];
/// Festival settings: admins only (operators never see these links).
const ADMIN_PAGES = [['ops-notices', '공지'], ['ops-payment', '입금 계좌'], ['ops-events', '할인·이벤트'],
  ['ops-operators', '운영진 신청']];

const links = (pages, current) => pages.map(([route, text]) =>
  h('a', { class: `button ${route === current ? '' : 'secondary'}`, href: `#/${route}`, id: `ops-link-${route}`,
    'aria-current': route === current ? 'page' : false }, text));

/// The operator pages' own menu, and below it the admin's when the signed-in user is one.
export function subnav(current, ctx) {
  const menu = h('nav', { class: 'actions ops-nav', 'aria-label': '운영 메뉴' }, links(OPERATOR_PAGES, current));
  if (ctx?.me?.role !== 'ADMIN') return menu;
  return [menu, h('nav', { class: 'actions ops-nav admin-nav', id: 'ops-admin-nav', 'aria-label': '관리자 메뉴' },
    h('span', { class: 'admin-nav-label', 'aria-hidden': 'true' }, '관리자'), links(ADMIN_PAGES, current))];
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
          h('p', { class: 'charge-who' }, '입금자명 ', h('strong', { class: 'depositor' }, charge.depositor_name)),
          h('p', { class: 'muted charge-contact' }, contactText(charge.contact), ' · ',
            h('time', { datetime: charge.at }, seoulTime(charge.at))),
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
    subnav('ops', ctx),
    h('p', { class: 'muted' }, `입금 내역과 입금자명을 확인하고 승인해 주세요. ${REFRESH_MS / 1000}초마다 새로 고쳐요.`),
    status,
    h('div', { class: 'card' }, list));
}
