import { api } from '../api.js';
import { field, h, won } from '../dom.js';
import { alertBox, loader, onSubmit, showError } from '../forms.js';
import { CHARGE_STATUS } from '../messages.js';

const AMOUNTS = [1000, 2000, 3000, 5000, 10000, 20000, 30000, 50000];

function chargeList(ctx, charges) {
  if (charges.length === 0) return h('p', { class: 'muted' }, '충전 요청이 없어요.');
  return h('ul', { class: 'list', id: 'charges' }, charges.map((charge) => {
    const cancel = charge.status === 'PENDING'
      ? h('button', { type: 'button', class: 'secondary', onclick: async (event) => {
          event.target.disabled = true;
          try {
            await api('DELETE', `/api/charges/${charge.id}`);
          } catch (error) {
            showError(event.target.closest('section'), error);
          }
          ctx.go(`charge?${Date.now()}`);
        } }, '요청 취소')
      : null;
    return h('li', {},
      h('div', { class: 'row' },
        h('span', {}, won(charge.amount), ' · ', charge.depositor_name),
        h('span', { class: `badge ${charge.status}` }, CHARGE_STATUS[charge.status])),
      cancel);
  }));
}

export function view(ctx) {
  const form = h('form', { novalidate: true },
    h('h1', {}, '포인트 충전'),
    h('div', { class: 'card muted' },
      h('p', {}, '1. 부스 안내 계좌로 충전할 금액을 입금해 주세요.'),
      h('p', {}, '2. 입금자명과 금액을 아래에 적어 요청하면, 운영진이 입금을 확인한 뒤 포인트를 넣어 드려요.'),
      h('p', {}, '1P = 1원 · 대기 중인 요청은 하나만 둘 수 있어요.')),
    field('충전 금액', 'amount', h('select', {}, AMOUNTS.map((n) => h('option', { value: n }, won(n))))),
    field('입금자명', 'depositor_name', h('input', { maxlength: 20, value: ctx.me.nickname })),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '충전 요청'));
  onSubmit(form, async (data) => {
    await api('POST', '/api/charges', { amount: Number(data.get('amount')), depositor_name: data.get('depositor_name') });
    ctx.go(`charge?${Date.now()}`);
  });
  return h('section', {},
    h('div', { class: 'card' }, form),
    h('section', { class: 'card' },
      h('h2', {}, '내 충전 요청'),
      alertBox(),
      loader(() => api('GET', '/api/me/charges'), (charges) => chargeList(ctx, charges))));
}
