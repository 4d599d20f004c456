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
  // Requests whose 거절 was tapped once: the confirm step stays open across the 4 s refresh.
  const confirming = new Set();
  const refresh = async () => {
    try {
      const charges = await api('GET', '/api/ops/charges?status=PENDING');
      status.textContent = '';
      if (charges.length === 0) {
        list.replaceChildren(h('li', { class: 'muted' }, '대기 중인 충전 요청이 없어요.'));
        return;
      }
      const shown = new Set(charges.map((charge) => charge.id));
      [...confirming].filter((id) => !shown.has(id)).forEach((id) => confirming.delete(id));
      const focused = document.activeElement?.closest?.('#pending li')?.dataset.charge;
      const focusedClass = document.activeElement?.className;
      list.replaceChildren(...charges.map((charge) => {
        const decide = (action) => async (event) => {
          event.target.disabled = true;
          confirming.delete(charge.id);
          try {
            await api('POST', `/api/ops/charges/${charge.id}/${action}`);
          } catch (error) {
            status.textContent = errorText(error);
          }
          refresh();
        };
        // Approving is one tap (the booth needs speed); rejecting asks first, in words.
        const approve = h('button', { type: 'button', class: 'approve', onclick: decide('approve') }, '승인');
        const reject = h('button', { type: 'button', class: 'secondary reject' }, '거절');
        const note = h('p', { class: 'confirm-note reject-note', hidden: true },
          `${charge.nickname}님의 ${won(charge.amount)} 충전 요청을 거절해요. 포인트는 들어가지 않아요.`);
        const confirm = h('button', { type: 'button', class: 'danger reject-confirm', hidden: true, onclick: decide('reject') }, '정말 거절할게요');
        const cancel = h('button', { type: 'button', class: 'secondary reject-cancel', hidden: true }, '취소');
        const step = (open) => {
          if (open) confirming.add(charge.id);
          else confirming.delete(charge.id);
          approve.hidden = open;
          reject.hidden = open;
          note.hidden = !open;
          confirm.hidden = !open;
          cancel.hidden = !open;
        };
        reject.addEventListener('click', () => { step(true); confirm.focus(); });
        cancel.addEventListener('click', () => { step(false); reject.focus(); });
        step(confirming.has(charge.id));
        return h('li', { dataset: { charge: charge.id } },
          h('div', { class: 'row' },
            h('strong', {}, charge.nickname),
            h('span', {}, won(charge.amount))),
          h('p', { class: 'charge-who' }, '입금자명 ', h('strong', { class: 'depositor' }, charge.depositor_name)),
          h('p', { class: 'muted charge-contact' }, contactText(charge.contact), ' · ',
            h('time', { datetime: charge.at }, seoulTime(charge.at))),
          h('div', { class: 'actions' }, approve, reject),
          note,
          h('div', { class: 'actions' }, confirm, cancel));
      }));
      // The refresh redrew the list: the focus back on the same button of the same request.
      if (focused && focusedClass) {
        list.querySelector(`li[data-charge="${CSS.escape(focused)}"] button[class="${CSS.escape(focusedClass)}"]`)?.focus();
      }
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
