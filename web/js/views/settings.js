import { api } from '../api.js';
import { h, seoulDate } from '../dom.js';
import { alertBox, showError } from '../forms.js';
import { passwordCard } from './settings_password.js';
import { schoolCard } from './settings_school.js';
import { sessionsCard } from './settings_sessions.js';
import { linkCard, loginErrorAlert } from './sign_in_providers.js';

/// Which version of the documents this account accepted, and when (read only); a way to the
/// consent screen when it has accepted none, or not the version in force.
function consentStatus(ctx) {
  const consent = ctx.me.consent;
  const link = (text) => h('a', { href: `#/${ctx.consentRoute('settings')}` }, text);
  if (!consent) {
    return h('p', { class: 'consent-status', id: 'consent-status' }, '약관 동의: 아직 하지 않았어요 · ', link('동의하기'));
  }
  return h('p', { class: 'consent-status', id: 'consent-status' },
    `약관 동의: 제${consent.version}판 · `, h('time', { datetime: consent.at }, seoulDate(consent.at)),
    ctx.needsConsent() ? [' · ', link('새 약관에 동의하기')] : null);
}

/// `#/settings`; `?go=school` (from the match screen) brings the school e-mail card into view.
export function view(ctx, params) {
  const status = alertBox();
  const toggle = h('input', { type: 'checkbox', id: 'dont-pick-me', checked: ctx.me.dont_pick_me });
  toggle.addEventListener('change', async () => {
    toggle.disabled = true;
    try {
      await api('PUT', '/api/me/pickable', { dont_pick_me: toggle.checked });
      await ctx.refreshMe();
      status.className = 'alert ok';
      status.textContent = toggle.checked ? '이제 다른 사람의 매칭에 나오지 않아요.' : '다시 매칭 상대로 나올 수 있어요.';
    } catch (error) {
      toggle.checked = !toggle.checked;
      showError(section, error);
    } finally {
      toggle.disabled = false;
    }
  });
  const withdraw = h('button', { type: 'button', class: 'danger', id: 'withdraw' }, '탈퇴하기');
  const confirm = h('button', { type: 'button', class: 'danger', id: 'withdraw-confirm', hidden: true }, '정말 탈퇴할게요');
  withdraw.addEventListener('click', () => {
    confirm.hidden = false;
    withdraw.hidden = true;
    confirm.focus();
  });
  confirm.addEventListener('click', async () => {
    await api('DELETE', '/api/me').catch((error) => showError(section, error));
    ctx.me = null;
    ctx.go('');
  });
  const logout = h('button', { type: 'button', class: 'secondary', id: 'logout', onclick: async () => {
    await api('POST', '/api/auth/logout').catch(() => null);
    ctx.me = null;
    ctx.go('login');
  } }, '로그아웃');
  const school = schoolCard(ctx);
  const sessions = sessionsCard();
  const section = h('section', {},
    h('h1', {}, '설정'),
    // A provider that could not be linked comes back here (`/?login_error=CODE` while signed in).
    loginErrorAlert(ctx),
    h('div', { class: 'card' },
      h('label', { class: 'inline', for: 'dont-pick-me' }, toggle, '다른 사람의 매칭에 나오지 않기'),
      status,
      h('p', {}, h('a', { href: '#/profile' }, '프로필 수정')),
      consentStatus(ctx)),
    school,
    linkCard(ctx),
    passwordCard(() => sessions.reload()),
    sessions.card,
    h('div', { class: 'card actions' }, logout),
    h('div', { class: 'card' },
      h('h2', {}, '탈퇴'),
      h('p', { class: 'muted' }, '탈퇴하면 바로 매칭 후보에서 빠지고 다시 로그인할 수 없어요. 포인트 내역은 정산을 위해 보관돼요.'),
      withdraw, confirm, alertBox()));
  if (params?.get('go') === 'school' && !ctx.me.school_email_verified) {
    // After the router has focused the heading: the card, and its address field.
    setTimeout(() => {
      school.scrollIntoView({ block: 'start' });
      school.querySelector('#school-email')?.focus();
    });
  }
  return section;
}
