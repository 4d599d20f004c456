// `#/operator-signup`: an account for a festival helper, waiting for an admin's approval. Once
// signed in, the same address says where the application stands.
import { api } from '../api.js';
import { field, h } from '../dom.js';
import { alertBox, onSubmit } from '../forms.js';
import { OPERATOR_REQUEST } from '../messages.js';

/// Where the signed-in user's application stands.
function standing(ctx) {
  const me = ctx.me;
  let body;
  if (me.role === 'OPERATOR' || me.role === 'ADMIN') {
    body = [
      h('p', { class: 'alert ok', id: 'op-approved', role: 'status' }, '운영진으로 승인됐어요. 운영 메뉴를 쓸 수 있어요.'),
      h('a', { class: 'button wide', href: '#/ops' }, '운영 메뉴 열기'),
    ];
  } else if (me.operator_request === 'PENDING') {
    body = [
      h('p', { class: 'operator-note', id: 'op-pending', role: 'status' }, OPERATOR_REQUEST.PENDING),
      h('p', { class: 'muted' }, '승인되면 이 화면이나 홈을 새로 고쳤을 때 위쪽 메뉴에 "운영"이 보여요.'),
      h('a', { class: 'button secondary wide', href: '#/home' }, '홈으로'),
    ];
  } else if (me.operator_request === 'REJECTED') {
    body = [
      h('p', { class: 'operator-note rejected', id: 'op-rejected', role: 'status' }, OPERATOR_REQUEST.REJECTED),
      h('p', { class: 'muted' }, '궁금한 점은 코매칭 부스에 문의해 주세요.'),
    ];
  } else {
    body = [
      h('p', {}, `지금 ${me.nickname}님으로 로그인해 있어요. 운영진 신청은 새 계정으로만 할 수 있어요.`),
      h('p', { class: 'muted' }, '설정에서 로그아웃한 뒤 다시 열어 주세요.'),
    ];
  }
  return h('section', { class: 'card account' }, h('h1', {}, '운영진 신청'), body);
}

export function view(ctx) {
  if (ctx.me) return standing(ctx);
  const form = h('form', { novalidate: true },
    h('h1', {}, '운영진으로 가입하기'),
    h('p', { class: 'muted' }, '축제 부스를 함께 운영하는 분만 신청해 주세요. 관리자가 승인하면 운영 메뉴가 열려요.'),
    field('이메일', 'email', h('input', { type: 'email', id: 'op-email', autocomplete: 'email', required: true, maxlength: 254 })),
    field('비밀번호 (8자 이상)', 'password', h('input', {
      type: 'password', id: 'op-password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128,
    })),
    field('닉네임 (2~16자)', 'nickname', h('input', { id: 'op-nickname', autocomplete: 'nickname', required: true, maxlength: 16 })),
    alertBox(),
    h('button', { type: 'submit', class: 'wide', id: 'op-signup' }, '운영진 신청하기'),
    h('p', { class: 'form-links' }, h('a', { href: '#/login' }, '이미 계정이 있어요 · 로그인')));
  onSubmit(form, async (data) => {
    const reply = await api('POST', '/api/auth/operator-signup', {
      email: data.get('email'), password: data.get('password'), nickname: data.get('nickname'),
    });
    ctx.me = reply.user;
    await ctx.refreshMe().catch(() => null);
    // The consent screen first (a new account has accepted nothing yet), then this address
    // again, now signed in: the menu and where the application stands.
    if (ctx.needsConsent()) ctx.go(ctx.consentRoute('operator-signup'));
    else await ctx.render();
  });
  return h('section', { class: 'card account' }, form);
}
