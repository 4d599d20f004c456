// Settings: proving a school address with a 6-digit code sent to it (valid 5 minutes; a new
// code at most once a minute).
import { api, ApiError } from '../api.js';
import { field, h } from '../dom.js';
import { clearErrors, onSubmit, showError } from '../forms.js';
import { errorText, explainWith } from '../messages.js';

/// Seconds before another code may be asked for (the server's limit).
const RESEND_SECS = 60;

const sendExplain = explainWith({
  INVALID_EMAIL: ['school_email', errorText({ code: 'INVALID_EMAIL' })],
  INVALID_SCHOOL_EMAIL: ['school_email', errorText({ code: 'INVALID_SCHOOL_EMAIL' })],
  CONFLICT: ['school_email', '다른 계정에서 이미 인증한 학교 이메일이에요.'],
  RATE_LIMITED: [null, '잠시 후 다시 보내 주세요.'],
});

const verifyExplain = explainWith({
  CODE_FORMAT: ['code', '메일로 받은 6자리 숫자를 입력해 주세요.'],
  INVALID_CODE: ['code', errorText({ code: 'INVALID_CODE' })],
  CODE_EXPIRED: ['code', errorText({ code: 'CODE_EXPIRED' })],
});

const verifiedText = (email) => `✓ 인증됨 · ${email}`;

export function schoolCard(ctx) {
  const me = ctx.me;
  const status = h('p', { id: 'school-status', role: 'status' });
  const showStatus = () => {
    status.className = me.school_email_verified ? 'school-verified' : 'muted';
    status.textContent = me.school_email_verified
      ? verifiedText(me.school_email)
      : '아직 인증하지 않았어요. 학교에서 받은 이메일로 재학생인지 확인해요.';
  };
  showStatus();

  // Step 1: the address, and the code sent to it.
  const email = h('input', {
    type: 'email', id: 'school-email', autocomplete: 'email', inputmode: 'email', required: true, maxlength: 254,
    value: me.school_email_verified ? '' : (me.school_email ?? ''),
  });
  const send = h('button', { type: 'submit', class: 'wide', id: 'school-send' }, '인증 코드 받기');
  const sendForm = h('form', { novalidate: true, id: 'school-send-form' },
    field('학교 이메일', 'school_email', email),
    h('div', { class: 'alert', id: 'school-alert', role: 'alert', 'aria-live': 'polite' }),
    send);

  // Step 2: the code from the mail.
  const sent = h('p', { class: 'alert ok', id: 'school-sent', role: 'status' });
  const code = h('input', {
    id: 'school-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6,
    required: true,
  });
  const verifyForm = h('form', { novalidate: true, id: 'school-verify-form', hidden: true },
    field('인증 코드 (6자리)', 'code', code),
    h('div', { class: 'alert', id: 'school-verify-alert', role: 'alert', 'aria-live': 'polite' }),
    h('button', { type: 'submit', class: 'wide', id: 'school-verify' }, '인증하기'));

  // The wait before another code: the send button counts down, then offers a new code.
  let timer = null;
  let left = 0;
  const idleLabel = () => (verifyForm.hidden ? '인증 코드 받기' : '코드 다시 받기');
  const stopCountdown = () => {
    clearInterval(timer);
    timer = null;
    left = 0;
    send.disabled = false;
    send.textContent = idleLabel();
  };
  const tick = () => {
    if (left <= 0) return stopCountdown();
    send.disabled = true;
    send.textContent = `${left}초 뒤에 다시 받을 수 있어요`;
    left -= 1;
    return null;
  };
  const countdown = () => {
    clearInterval(timer);
    left = RESEND_SECS;
    tick();
    timer = setInterval(tick, 1000);
  };
  ctx.cleanup.push(() => clearInterval(timer));

  sendForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (send.disabled) return;
    clearErrors(sendForm);
    send.disabled = true;
    send.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 보내는 중…');
    const address = email.value.trim();
    try {
      await api('POST', '/api/me/school-email', { email: address });
    } catch (error) {
      if (!error.code) throw error;
      stopCountdown();
      showError(sendForm, error, sendExplain);
      // A code went out less than a minute ago (before a reload, say): it can still be typed.
      if (error.code === 'RATE_LIMITED') verifyForm.hidden = false;
      return;
    }
    verifyForm.hidden = false;
    clearErrors(verifyForm);
    sent.textContent = `${address}(으)로 6자리 코드를 보냈어요. 5분 안에 입력해 주세요.`;
    code.value = '';
    countdown();
    code.focus();
  });

  onSubmit(verifyForm, async (data) => {
    const typed = String(data.get('code')).replace(/\s/g, '');
    if (!/^[0-9]{6}$/.test(typed)) throw new ApiError(0, 'CODE_FORMAT', 'checked in the browser');
    const reply = await api('POST', '/api/me/school-email/verify', { code: typed });
    me.school_email = reply.school_email;
    me.school_email_verified = reply.school_email_verified;
    clearInterval(timer);
    sendForm.hidden = true;
    verifyForm.hidden = true;
    sent.textContent = '';
    showStatus();
    status.setAttribute('tabindex', '-1');
    status.focus();
  }, verifyExplain);

  sendForm.hidden = Boolean(me.school_email_verified);
  return h('section', { class: 'card account', id: 'school-card', 'aria-labelledby': 'school-title' },
    h('h2', { id: 'school-title' }, '학교 이메일 인증'),
    status, sendForm, sent, verifyForm);
}
