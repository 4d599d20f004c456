import { api } from '../api.js';
import { copyText } from '../clipboard.js';
import { field, grouped, h, whileDrawing, won } from '../dom.js';
import { alertBox, loader, onSubmit, showError } from '../forms.js';
import { CHARGE_STATUS, errorText } from '../messages.js';

const AMOUNTS = [1000, 2000, 3000, 5000, 10000, 20000, 30000, 50000];
const wonText = (n) => `${grouped(n)}원`;
/// How often a waiting request is checked: an operator's approval shows up within this.
const POLL_MS = 5000;
const isPending = (charge) => charge.status === 'PENDING';

/// While a request waits for an operator, asks every 5 s; once none waits, `settled()` (the page
/// drawn again: balance, status, no cancel button). Stops when the page is left.
function watchPending(ctx, settled) {
  let timer = null;
  let left = false;
  const stop = () => { clearInterval(timer); timer = null; };
  ctx.cleanup.push(() => { left = true; stop(); });
  return (charges) => {
    if (left || timer || !charges.some(isPending)) return;
    timer = setInterval(async () => {
      let now;
      try {
        now = await api('GET', '/api/me/charges');
      } catch {
        return; // the next tick tries again (a 401 has already gone to the login screen)
      }
      if (left || now.some(isPending)) return;
      stop();
      settled();
    }, POLL_MS);
  };
}

function chargeList(ctx, charges) {
  if (charges.length === 0) return h('p', { class: 'muted' }, '충전 요청이 없어요.');
  return h('ul', { class: 'list', id: 'charges' }, charges.map((charge) => {
    const cancel = charge.status === 'PENDING'
      ? h('button', { type: 'button', class: 'secondary', onclick: async (event) => {
          event.target.disabled = true;
          try {
            await api('DELETE', `/api/charges/${charge.id}`);
          } catch (error) {
            // Shown where it happened; a redraw would wipe it.
            showError(event.target.closest('section'), error);
            event.target.disabled = false;
            return;
          }
          ctx.render();
        } }, '요청 취소')
      : null;
    return h('li', {},
      h('div', { class: 'row' },
        h('span', {}, won(charge.amount), ' · ', charge.depositor_name),
        h('span', { class: `badge ${charge.status}` }, CHARGE_STATUS[charge.status] ?? charge.status)),
      cancel);
  }));
}

/// Where to send the money and how much, each with a copy button. `amount()` is the amount
/// chosen in the form; `onAmount` tells when it changes.
function paymentInfo(amount, onAmount) {
  const status = h('p', { class: 'copy-status', id: 'copy-status', role: 'status' });
  const copyButton = (id, label, done, text, shown) => h('button', {
    type: 'button', class: 'secondary copy', id, 'aria-label': label,
    onclick: async () => {
      status.textContent = '';
      const copied = await copyText(text(), shown);
      status.textContent = copied ? `${done} 복사했어요.` : `${done} 선택해 두었어요. 길게 눌러 복사해 주세요.`;
    },
  }, '복사');
  const render = (info) => {
    if (!info) {
      return h('p', { id: 'pay-missing' }, '입금 계좌는 아직 준비 중이에요. 부스에 문의하거나 부스에서 현금으로 충전해 주세요.');
    }
    const account = h('strong', { id: 'pay-account-number', class: 'pay-value' }, info.account_number);
    const sum = h('strong', { id: 'pay-amount', class: 'pay-value' }, wonText(amount()));
    onAmount(() => { sum.textContent = wonText(amount()); });
    return [
      h('dl', { class: 'pay' },
        h('dt', {}, '은행'), h('dd', { id: 'pay-bank-name' }, info.bank),
        h('dt', {}, '계좌번호'),
        h('dd', { class: 'copy-row' }, account,
          copyButton('copy-account', '계좌번호 복사', '계좌번호를', () => info.account_number, account)),
        h('dt', {}, '예금주'), h('dd', { id: 'pay-holder-name' }, info.holder),
        h('dt', {}, '보낼 금액'),
        h('dd', { class: 'copy-row' }, sum,
          copyButton('copy-amount', '보낼 금액 복사', '금액을', () => String(amount()), sum))),
      info.note ? h('p', { class: 'pay-note', id: 'pay-note-text' }, info.note) : null,
      status,
    ];
  };
  // Not `loader`: its failure is an `.alert`, and this box sits in the request form, whose
  // first `.alert` is where the form's own errors go.
  const body = h('div', {}, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const load = async () => {
    try {
      body.replaceChildren(...[].concat(render(await api('GET', '/api/payment-info'))));
    } catch (error) {
      if (!error.code) throw error;
      if (error.status === 404) {
        body.replaceChildren(render(null));
        return;
      }
      body.replaceChildren(h('p', { class: 'pay-error', role: 'alert' }, errorText(error)),
        h('button', { type: 'button', class: 'secondary', onclick: load }, '다시 불러오기'));
    }
  };
  whileDrawing(load());
  return h('section', { class: 'pay-box', id: 'payment-info', 'aria-labelledby': 'payment-title' },
    h('h2', { id: 'payment-title' }, '이 계좌로 정확한 금액을 보내 주세요'),
    body);
}

export function view(ctx) {
  const balance = h('strong', { id: 'charge-balance' }, won(ctx.me.points ?? 0));
  // The balance now (a match or the booth may have changed it since `me` was last had).
  ctx.refreshMe().then((me) => { if (me) balance.textContent = won(me.points); }).catch(() => null);
  const amount = h('select', {}, AMOUNTS.map((n) => h('option', { value: n }, won(n))));
  const form = h('form', { novalidate: true },
    h('h1', {}, '포인트 충전'),
    h('p', { class: 'charge-balance' }, '내 포인트 ', balance),
    h('p', { class: 'muted' }, '1P = 1원이에요. 입금을 확인하면 운영진이 포인트를 넣어 드려요. 대기 중인 요청은 하나만 둘 수 있어요.'),
    field('1. 충전할 금액', 'amount', amount),
    paymentInfo(() => Number(amount.value), (update) => amount.addEventListener('change', update)),
    field('2. 입금자명 (통장에 찍히는 이름)', 'depositor_name', h('input', { maxlength: 20, value: ctx.me.nickname })),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '3. 입금했어요 · 충전 요청'));
  onSubmit(form, async (data) => {
    await api('POST', '/api/charges', { amount: Number(data.get('amount')), depositor_name: data.get('depositor_name') });
    ctx.render();
  });
  const watch = watchPending(ctx, async () => {
    await ctx.refreshMe().catch(() => null);
    if (ctx.me) ctx.render();
  });
  return h('section', { class: 'festival' },
    h('div', { class: 'card' }, form),
    h('a', { class: 'button secondary wide booth-link', href: '#/booth', id: 'booth-link' }, '부스에서 현금으로 충전하기'),
    h('section', { class: 'card' },
      h('h2', {}, '내 충전 요청'),
      alertBox(),
      loader(() => api('GET', '/api/me/charges'), (charges) => {
        watch(charges);
        return chargeList(ctx, charges);
      })));
}
