// Getting back in without the password: `#/forgot` asks for a mail, and the mail's link opens
// `/reset#token=…`, where a new password is set (app.js sends that address here).
import { api, ApiError } from '../api.js';
import { field, h } from '../dom.js';
import { onSubmit } from '../forms.js';
import { errorText, explainWith } from '../messages.js';

const SENT = '입력한 주소로 계정이 있다면 재설정 메일을 보냈어요. 30분 안에 링크를 열어 주세요.';
export const RESET_DONE = '비밀번호를 바꿨어요. 새 비밀번호로 로그인해 주세요.';

/// `#/forgot`: the same answer whether or not the address has an account.
export function forgot() {
  const done = h('p', { class: 'alert ok', id: 'forgot-done', role: 'status' });
  const email = h('input', { type: 'email', id: 'forgot-email', autocomplete: 'email', inputmode: 'email', required: true, maxlength: 254 });
  const form = h('form', { novalidate: true },
    h('h1', {}, '비밀번호 찾기'),
    h('p', { class: 'muted' }, '가입한 이메일을 적어 주세요. 비밀번호를 새로 정하는 링크를 메일로 보내 드려요.'),
    field('이메일', 'email', email),
    h('div', { class: 'alert', id: 'forgot-alert', role: 'alert', 'aria-live': 'polite' }),
    h('button', { type: 'submit', class: 'wide', id: 'forgot-send' }, '재설정 메일 보내기'),
    done,
    h('p', { class: 'form-links' }, h('a', { href: '#/login', id: 'forgot-login' }, '로그인으로 돌아가기')));
  onSubmit(form, async (data) => {
    await api('POST', '/api/auth/password-reset', { email: data.get('email').trim() });
    // clearErrors emptied it on submit; it says the same again for a second request.
    done.textContent = SENT;
    done.setAttribute('tabindex', '-1');
    done.focus();
  });
  return h('section', { class: 'card account' }, form);
}

const resetExplain = explainWith({
  PASSWORD_MISMATCH: ['password2', '두 비밀번호가 서로 달라요.'],
  INVALID_TOKEN: [null, errorText({ code: 'INVALID_TOKEN' })],
});

/// `/reset#token=…`: a new password, typed twice. `done` runs after it is saved.
export function reset(ctx, token, done) {
  if (!token) {
    return h('section', { class: 'card account' },
      h('h1', {}, '새 비밀번호 정하기'),
      h('p', { class: 'alert', id: 'reset-alert', role: 'alert' },
        '링크가 올바르지 않아요. 메일의 링크를 그대로 열거나 재설정 메일을 다시 받아 주세요.'),
      h('a', { class: 'button wide', href: '#/forgot', id: 'reset-again' }, '재설정 메일 다시 받기'));
  }
  const again = h('a', { class: 'button secondary wide', href: '#/forgot', id: 'reset-again', hidden: true }, '재설정 메일 다시 받기');
  const form = h('form', { novalidate: true },
    h('h1', {}, '새 비밀번호 정하기'),
    h('p', { class: 'muted' }, '앞으로 로그인할 때 쓸 비밀번호를 정해 주세요. 바꾸면 모든 기기에서 로그아웃돼요.'),
    field('새 비밀번호 (8~128자)', 'password', h('input', {
      type: 'password', id: 'reset-password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128,
    })),
    field('새 비밀번호 확인', 'password2', h('input', {
      type: 'password', id: 'reset-password2', autocomplete: 'new-password', required: true, maxlength: 128,
    })),
    h('div', { class: 'alert', id: 'reset-alert', role: 'alert', 'aria-live': 'polite' }),
    h('button', { type: 'submit', class: 'wide', id: 'reset-save' }, '비밀번호 바꾸기'),
    again);
  onSubmit(form, async (data) => {
    const password = data.get('password');
    again.hidden = true;
    const length = [...password].length;
    if (length < 8 || length > 128) throw new ApiError(0, 'INVALID_PASSWORD', 'checked in the browser');
    if (password !== data.get('password2')) throw new ApiError(0, 'PASSWORD_MISMATCH', 'checked in the browser');
    try {
      await api('POST', '/api/auth/password-reset/confirm', { token, password });
    } catch (error) {
      if (error.code === 'INVALID_TOKEN') again.hidden = false;
      throw error;
    }
    await done();
  }, resetExplain);
  return h('section', { class: 'card account' }, form);
}
