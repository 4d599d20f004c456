// Admins: the bank account students send money to, shown on their charge screen.
import { api } from '../api.js';
import { field, h } from '../dom.js';
import { alertBox, loader, onSubmit } from '../forms.js';
import { subnav } from './ops.js';

function form(info) {
  const said = h('p', { class: 'alert ok', id: 'pay-status', role: 'status' });
  const el = h('form', { novalidate: true, id: 'payment-form', 'aria-labelledby': 'payment-form-title' },
    h('h2', { id: 'payment-form-title' }, info ? '입금 계좌 바꾸기' : '입금 계좌 정하기'),
    info ? null : h('p', { class: 'muted', id: 'pay-unset' }, '아직 정하지 않았어요. 정하기 전에는 학생 충전 화면에 "부스에 문의해 주세요"라고 보여요.'),
    field('은행 (30자까지)', 'bank', h('input', { id: 'pay-bank', maxlength: 30, autocomplete: 'off', value: info?.bank ?? '', placeholder: '예: 카카오뱅크' })),
    field('계좌번호 (숫자, 띄어쓰기, -)', 'account_number', h('input', {
      id: 'pay-account', maxlength: 30, autocomplete: 'off', inputmode: 'tel', value: info?.account_number ?? '', placeholder: '예: 3333-01-2345678',
    })),
    field('예금주 (30자까지)', 'holder', h('input', { id: 'pay-holder', maxlength: 30, autocomplete: 'off', value: info?.holder ?? '' })),
    field('안내 문구 (선택, 200자까지)', 'note', h('textarea', { id: 'pay-note', maxlength: 200, rows: 3, placeholder: '예: 입금자명은 닉네임으로 적어 주세요.' }, info?.note ?? '')),
    alertBox(),
    h('button', { type: 'submit', class: 'wide', id: 'pay-save' }, '저장'),
    said);
  onSubmit(el, async (data) => {
    said.textContent = '';
    await api('PUT', '/api/admin/payment-info', {
      bank: data.get('bank'), account_number: data.get('account_number'),
      holder: data.get('holder'), note: data.get('note'),
    });
    el.querySelector('#pay-unset')?.remove();
    said.textContent = '저장했어요. 학생들의 충전 화면에 바로 보여요.';
  });
  return el;
}

/// `#/ops-payment`.
export function view(ctx) {
  const load = () => api('GET', '/api/payment-info').catch((error) => {
    if (error.status === 404) return null;
    throw error;
  });
  return h('section', { class: 'festival' },
    h('h1', {}, '입금 계좌'),
    subnav('ops-payment', ctx),
    h('p', { class: 'muted' }, '학생이 포인트를 충전할 때 돈을 보낼 계좌예요. 계좌번호와 금액은 학생 화면에서 복사할 수 있어요.'),
    h('div', { class: 'card' }, loader(load, form)));
}
