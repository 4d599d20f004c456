import { api } from '../api.js';
import { field, grouped, h } from '../dom.js';
import { alertBox, loader, onSubmit } from '../forms.js';
import { firstVisitGuide } from './help.js';
import { loginErrorAlert, providerButtons } from './sign_in_providers.js';

/// Where one-tap sign-in lands: home (the router sends a new account to its profile first).
const AFTER_SIGN_IN = '/#/home';

export function landing(ctx) {
  if (ctx.me) ctx.go('home');
  return h('section', { class: 'hero' },
    h('h1', {}, '축제에서 만나는 인연, 코매칭'),
    h('p', {}, '프로필을 만들고 포인트로 매칭을 신청하면, 조건에 맞는 상대의 연락처를 알려 드려요.'),
    ctx.me ? null : firstVisitGuide(),
    loader(() => api('GET', '/api/stats/public'), (stats) => [
      h('p', { class: 'count', id: 'participants' }, grouped(stats.users)),
      h('p', { class: 'muted' }, `명이 참여 중 · 지금까지 ${grouped(stats.matches)}번 매칭`),
    ]),
    providerButtons(AFTER_SIGN_IN),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: '#/signup' }, '시작하기'),
      h('a', { class: 'button secondary', href: '#/login' }, '로그인')));
}

/// Signed in: back to `next` when the login screen was shown because a session ended (or a
/// page needed signing in); otherwise operators and admins to their charge queue, students home,
/// or the profile screen for a new student (the router shows the consent screen first to anyone
/// who has not accepted the documents in force). Operators' pages need no consent.
async function enter(ctx, user, next = null) {
  ctx.me = user;
  await ctx.refreshMe();
  const staff = ctx.me.role === 'OPERATOR' || ctx.me.role === 'ADMIN';
  if (next && ctx.returnsAfterLogin(next.split('?')[0])) ctx.go(next);
  else if (staff) ctx.go('ops');
  // Someone who applied to be an operator sees where the application stands on home.
  else if (ctx.me.profile || ctx.me.operator_request) ctx.go('home');
  else ctx.go('profile');
}

export function login(ctx, params = new URLSearchParams()) {
  const next = params.get('next');
  // What the page before wants said here (a password just reset), once.
  const flash = ctx.flash;
  ctx.flash = null;
  const form = h('form', { novalidate: true },
    h('h1', {}, '로그인'),
    flash ? h('p', { class: 'alert ok', id: 'login-notice', role: 'status' }, flash) : null,
    loginErrorAlert(ctx),
    providerButtons(AFTER_SIGN_IN, '또는 이메일로 로그인'),
    field('이메일', 'email', h('input', { type: 'email', autocomplete: 'email', required: true })),
    field('비밀번호', 'password', h('input', { type: 'password', autocomplete: 'current-password', required: true })),
    h('label', { class: 'inline check', for: 'login-remember' },
      h('input', { type: 'checkbox', id: 'login-remember', name: 'remember', 'aria-describedby': 'login-remember-hint' }),
      '로그인 유지'),
    h('p', { class: 'muted hint', id: 'login-remember-hint' }, '브라우저를 닫아도 이 기기에서는 로그인된 채로 있어요. 여럿이 쓰는 기기에서는 켜지 마세요.'),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '로그인'),
    h('p', { class: 'form-links' },
      h('a', { href: '#/forgot', id: 'login-forgot' }, '비밀번호를 잊었어요'),
      h('a', { href: '#/signup', id: 'login-signup' }, '처음이신가요? 가입하기'),
      h('a', { href: '#/operator-signup', id: 'login-operator-signup' }, '운영진으로 가입하기')));
  onSubmit(form, async (data) => {
    const reply = await api('POST', '/api/auth/login', {
      email: data.get('email'), password: data.get('password'), remember: data.get('remember') === 'on',
    });
    await enter(ctx, reply.user, next);
  });
  return h('section', { class: 'card account' }, form);
}

export function signup(ctx) {
  const form = h('form', { novalidate: true },
    h('h1', {}, '가입하기'),
    field('이메일', 'email', h('input', { type: 'email', autocomplete: 'email', required: true, maxlength: 254 })),
    field('비밀번호 (8자 이상)', 'password', h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128 })),
    field('닉네임 (2~16자)', 'nickname', h('input', { autocomplete: 'nickname', required: true, maxlength: 16 })),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '가입하기'));
  onSubmit(form, async (data) => {
    const reply = await api('POST', '/api/auth/signup', {
      email: data.get('email'), password: data.get('password'), nickname: data.get('nickname'),
    });
    await enter(ctx, reply.user);
  });
  return h('section', { class: 'card account' }, form);
}
