// One-tap sign-in with an OpenID provider ("카카오로 시작하기"): the buttons on the landing and
// login screens, linking one to a signed-in account in settings, and the words for the
// `/?login_error=CODE` the server comes back with when it did not work. Every button is a plain
// link: the browser leaves the app for the provider and comes back with a full page load.
import { api } from '../api.js';
import { h, whileDrawing } from '../dom.js';

/// What `/?login_error=CODE` means.
const LOGIN_ERRORS = {
  OIDC_STATE: '로그인 요청이 만료됐거나 올바르지 않아요. 다시 시도해 주세요.',
  OIDC_PROVIDER: '로그인 서비스에 연결하지 못했어요. 잠시 후 다시 시도해 주세요.',
  OIDC_TOKEN: '로그인 정보를 확인하지 못했어요. 다시 시도해 주세요.',
  OIDC_DENIED: '로그인을 취소했어요.',
  BANNED: '이용이 정지된 계정이에요.',
  WITHDRAWN: '탈퇴한 계정이라 로그인할 수 없어요.',
  OIDC_LINKED_ELSEWHERE: '이 계정은 이미 다른 COMAtching 계정에 연결돼 있어요.',
};

export const loginErrorText = (code) => LOGIN_ERRORS[code] ?? '로그인하지 못했어요.';

/// Where a button goes: the server's start of the flow, back to `next` (a path of this app).
export const startUrl = (id, next) =>
  `/api/auth/oidc/${encodeURIComponent(id)}/start?next=${encodeURIComponent(next)}`;

/// '카카오' → '카카오로', '깃헙' → '깃헙으로', '서울' → '서울로' (으로 after a final consonant but ㄹ).
export function withRo(name) {
  const code = name.charCodeAt(name.length - 1) - 0xac00;
  if (code < 0 || code > 11171) return `${name}로`;
  const final = code % 28;
  return final === 0 || final === 8 ? `${name}로` : `${name}으로`;
}

let listed = null;

/// The configured providers (`[{id, name}]`), asked once per page load; none when there are
/// none or the list cannot be had (the email form still works).
export function providers() {
  listed ??= api('GET', '/api/auth/providers')
    .then((list) => (Array.isArray(list) ? list : []))
    .catch(() => {
      listed = null;
      return [];
    });
  return listed;
}

/// Kakao's own button colours (its design guide); any other provider looks like a plain button.
const providerClass = (id) => `button wide oidc-button oidc-${id}`;

/// A block of "<name>로 시작하기" links that lands on `next` afterwards: empty (and hidden) until
/// the list is in, and when no provider is configured. `divider` goes under the buttons when
/// there are some ("또는 이메일로 로그인" above the email form).
export function providerButtons(next, divider = null) {
  const box = h('div', { class: 'oidc-buttons', id: 'oidc-buttons', hidden: true });
  whileDrawing(providers()).then((list) => {
    if (!list.length) return;
    box.replaceChildren(...list.map((p) => h('a', { class: providerClass(p.id), id: `oidc-${p.id}`, href: startUrl(p.id, next) },
      `${withRo(p.name)} 시작하기`)));
    if (divider) box.append(h('p', { class: 'oidc-divider muted' }, divider));
    box.hidden = false;
  });
  return box;
}

/// Settings: each provider, linked ("✓ 카카오 계정 연결됨") or a "카카오 계정 연결" link (the server
/// links it when a signed-in account starts the flow). No card when no provider is configured.
export function linkCard(ctx) {
  const card = h('div', { class: 'card account', id: 'providers-card', hidden: true });
  whileDrawing(providers()).then((list) => {
    if (!list.length) return;
    const linked = new Set(ctx.me?.providers ?? []);
    card.replaceChildren(
      h('h2', {}, '간편 로그인'),
      h('ul', { class: 'list' }, list.map((p) => (linked.has(p.id)
        ? h('li', { class: 'provider-linked', id: `linked-${p.id}` }, `✓ ${p.name} 계정 연결됨`)
        : h('li', {}, h('a', { class: providerClass(p.id), id: `link-${p.id}`, href: startUrl(p.id, '/#/settings') },
          `${p.name} 계정 연결`))))),
      h('p', { class: 'muted' }, list.every((p) => linked.has(p.id))
        ? '로그인 화면에서 연결한 계정의 버튼 하나로 로그인할 수 있어요.'
        : '연결하면 다음부터 이메일과 비밀번호 없이 버튼 하나로 로그인할 수 있어요.'));
    card.hidden = false;
  });
  return card;
}

/// The alert for a failed return from a provider, once (`ctx.loginError`, set at start).
export function loginErrorAlert(ctx) {
  const text = ctx.loginError;
  ctx.loginError = null;
  return text ? h('p', { class: 'alert', id: 'login-error', role: 'alert' }, text) : null;
}
