// Settings: a new password for a signed-in user (other sessions end; this one stays).
import { api } from '../api.js';
import { field, h } from '../dom.js';
import { onSubmit } from '../forms.js';
import { errorText, explainWith } from '../messages.js';

const explain = explainWith({
  BAD_CREDENTIALS: ['current_password', '현재 비밀번호가 맞지 않아요.'],
  INVALID_PASSWORD: ['new_password', errorText({ code: 'INVALID_PASSWORD' })],
});

/// The card; `changed` runs after a change (the list of devices is shorter now).
export function passwordCard(changed) {
  const done = h('p', { class: 'alert ok', id: 'pw-done', role: 'status' });
  const form = h('form', { novalidate: true, 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, '비밀번호 바꾸기'),
    field('현재 비밀번호', 'current_password', h('input', {
      type: 'password', id: 'pw-current', autocomplete: 'current-password', required: true, maxlength: 128,
    })),
    field('새 비밀번호 (8~128자)', 'new_password', h('input', {
      type: 'password', id: 'pw-new', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128,
    })),
    h('div', { class: 'alert', id: 'pw-alert', role: 'alert', 'aria-live': 'polite' }),
    h('button', { type: 'submit', class: 'wide', id: 'pw-save' }, '비밀번호 바꾸기'),
    done);
  onSubmit(form, async (data) => {
    await api('PUT', '/api/me/password', {
      current_password: data.get('current_password'), new_password: data.get('new_password'),
    });
    form.reset();
    done.textContent = '비밀번호를 바꿨어요. 다른 기기에서는 로그아웃됐어요.';
    changed();
  }, explain);
  return h('section', { class: 'card account', id: 'password-card' }, form);
}
