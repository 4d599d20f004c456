// Admins: discounts on the match price for a time (never two at once), and the promotion
// (points a student may claim once while their balance is low).
import { api } from '../api.js';
import { deleteInTwoTaps } from '../confirm.js';
import { field, fromSeoulInput, h, seoulInput, seoulTime, whileDrawing, won } from '../dom.js';
import { alertBox, loader, onSubmit } from '../forms.js';
import { errorText, explainWith, isFull } from '../messages.js';
import { subnav } from './ops.js';

const explainDiscount = explainWith({
  CONFLICT: (error) => [null, isFull(error)
    ? '할인이 너무 많아요. 지난 할인을 지운 뒤 다시 만들어 주세요.'
    : '이 기간에 이미 다른 할인이 있어요. 기간이 겹치지 않게 정해 주세요.'],
  MISSING_STARTS_AT: ['starts_at', '시작 시각을 입력해 주세요.'],
  MISSING_ENDS_AT: ['ends_at', '끝나는 시각을 입력해 주세요.'],
});
const explainPromo = explainWith({
  INVALID_AMOUNT: ['amount', '지급 포인트는 100~5,000P로 입력해 주세요.'],
});

function discounts(ctx) {
  const list = h('ul', { class: 'list', id: 'event-list', 'aria-busy': 'true' },
    h('li', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const said = h('p', { class: 'alert ok', id: 'event-status', role: 'status' });
  const failed = h('div', { class: 'alert', id: 'event-alert', role: 'alert' });

  const row = (event) => {
    const live = Date.parse(event.starts_at) <= Date.now();
    const { remove, confirmStep } = deleteInTwoTaps({
      prefix: 'event',
      label: `${event.percent}% 할인 삭제`,
      question: live
        ? `진행 중인 ${event.percent}% 할인을 지금 끝내요. 이후 매칭은 정가로 계산돼요.`
        : `예정된 ${event.percent}% 할인을 지워요.`,
      run: async () => {
        await api('DELETE', `/api/admin/events/${event.id}`);
        said.textContent = '할인을 지웠어요.';
        await Promise.all([load(), ctx.refreshCatalog()]);
        said.setAttribute('tabindex', '-1');
        said.focus();
      },
      failed: (error) => { failed.textContent = errorText(error); },
    });
    return h('li', { class: 'event-row', dataset: { id: event.id } },
      h('div', { class: 'row' },
        h('strong', { class: 'event-percent' }, `${event.percent}% 할인`),
        h('span', { class: `badge state ${live ? 'LIVE' : 'SCHEDULED'}` }, live ? '진행 중' : '예정')),
      h('p', { class: 'muted' },
        h('time', { datetime: event.starts_at }, seoulTime(event.starts_at)), ' ~ ',
        h('time', { datetime: event.ends_at }, seoulTime(event.ends_at))),
      remove, confirmStep);
  };

  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const events = (await api('GET', '/api/events')).filter((event) => event.kind === 'DISCOUNT');
      failed.textContent = '';
      list.replaceChildren(...(events.length === 0
        ? [h('li', { class: 'muted', id: 'event-empty' }, '진행 중이거나 예정된 할인이 없어요.')]
        : events.map(row)));
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  const starts = h('input', { id: 'event-starts', type: 'datetime-local', value: seoulInput(new Date().toISOString()) });
  const ends = h('input', { id: 'event-ends', type: 'datetime-local' });
  const form = h('form', { novalidate: true, id: 'event-form', 'aria-labelledby': 'event-form-title' },
    h('h2', { id: 'event-form-title' }, '새 할인'),
    field('할인율 (5~40%)', 'percent', h('input', { id: 'event-percent', type: 'number', inputmode: 'numeric', min: 5, max: 40, step: 1 })),
    field('시작 (한국 시간)', 'starts_at', starts),
    field('끝 (한국 시간)', 'ends_at', ends),
    h('p', { class: 'muted' }, '매칭 가격 전체에 할인이 적용돼요. 할인 기간은 서로 겹칠 수 없어요.'),
    alertBox(),
    h('button', { type: 'submit', class: 'wide', id: 'event-save' }, '할인 만들기'));
  onSubmit(form, async (data) => {
    said.textContent = '';
    // Empty times never leave the device: the field says what is missing.
    if (!data.get('starts_at')) throw { code: 'MISSING_STARTS_AT' };
    if (!data.get('ends_at')) throw { code: 'MISSING_ENDS_AT' };
    await api('POST', '/api/admin/events', {
      kind: 'DISCOUNT', percent: Number(data.get('percent')),
      starts_at: fromSeoulInput(data.get('starts_at')), ends_at: fromSeoulInput(data.get('ends_at')),
    });
    form.reset();
    starts.value = seoulInput(new Date().toISOString());
    said.textContent = '할인을 만들었어요. 시작 시각부터 매칭 화면에 보여요.';
    await Promise.all([load(), ctx.refreshCatalog()]);
  }, explainDiscount);

  whileDrawing(load());
  return [
    said, failed,
    h('div', { class: 'card' }, form),
    h('section', { class: 'card', 'aria-labelledby': 'event-list-title' },
      h('h2', { id: 'event-list-title' }, '진행 중·예정된 할인'), list),
  ];
}

function promoForm(ctx, promo) {
  const said = h('p', { class: 'alert ok', id: 'promo-status', role: 'status' });
  const form = h('form', { novalidate: true, id: 'promo-form', 'aria-labelledby': 'promo-form-title' },
    h('h2', { id: 'promo-form-title' }, '이벤트 포인트'),
    h('p', { class: 'muted' }, '켜 두면 잔액이 기준보다 적은 학생이 홈 화면에서 한 번 받을 수 있어요.'),
    h('label', { class: 'inline check', for: 'promo-active' },
      h('input', { type: 'checkbox', id: 'promo-active', name: 'active', checked: Boolean(promo?.active) }), '이벤트 포인트 지급하기'),
    field('지급 포인트 (100~5,000P)', 'amount', h('input', {
      id: 'promo-amount', type: 'number', inputmode: 'numeric', min: 100, max: 5000, value: promo?.amount ?? '',
    })),
    field('잔액 기준 (이 잔액 미만인 학생만, 0~1,000,000P)', 'below', h('input', {
      id: 'promo-below', type: 'number', inputmode: 'numeric', min: 0, max: 1000000, value: promo?.below ?? '',
    })),
    alertBox(),
    h('button', { type: 'submit', class: 'wide', id: 'promo-save' }, '이벤트 저장'),
    said);
  onSubmit(form, async (data) => {
    said.textContent = '';
    const reply = await api('PUT', '/api/admin/promo', {
      active: data.get('active') === 'on', amount: Number(data.get('amount')), below: Number(data.get('below')),
    });
    await ctx.refreshCatalog();
    said.textContent = reply.active
      ? `저장했어요. 잔액 ${won(reply.below)} 미만인 학생이 ${won(reply.amount)}를 받을 수 있어요.`
      : '저장했어요. 이벤트 포인트 지급이 꺼져 있어요.';
  }, explainPromo);
  return form;
}

/// `#/ops-events`.
export function view(ctx) {
  return h('section', { class: 'festival' },
    h('h1', {}, '할인·이벤트'),
    subnav('ops-events', ctx),
    discounts(ctx),
    h('div', { class: 'card' }, loader(() => api('GET', '/api/catalog'), (catalog) => promoForm(ctx, catalog.promo))));
}
