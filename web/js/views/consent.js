// `#/consent`: the documents in force (terms, personal data, showing my contact to my matches)
// and the 14-or-older confirmation, every one required, before a profile, a charge or a match.
// `?next=match` is where the user was headed; without it, the profile screen for a new
// student, else home.
import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { alertBox, loader, onSubmit } from '../forms.js';

/// What ticking each document's box says.
const AGREE = {
  terms: '이용약관에 동의해요 (필수)',
  privacy: '개인정보 수집·이용에 동의해요 (필수)',
  contact_sharing: '매칭 상대에게 내 연락처가 보여지는 데 동의해요 (필수)',
};
const agreeText = (doc) => AGREE[doc.id] ?? `${doc.title}에 동의해요 (필수)`;

/// Said once on the screen drawn again with documents that changed while it was open.
let notice = null;

/// A required box: a real checkbox inside its label (the whole row is the touch target).
function checkbox(id, text, describedBy = null) {
  const input = h('input', { type: 'checkbox', id, 'aria-describedby': describedBy });
  return { input, label: h('label', { class: 'inline check consent-check', for: id }, input, h('span', {}, text)) };
}

/// One document: its title opens the full text (a scrolling block), its box says yes.
function documentItem(doc) {
  const { input, label } = checkbox(`consent-${doc.id}`, agreeText(doc));
  input.name = 'accepted';
  input.value = doc.id;
  const details = h('details', { class: 'consent-doc', id: `consent-doc-${doc.id}` },
    h('summary', {}, doc.title, h('span', { class: 'sr-only' }, ' 전문 보기')),
    // Focusable so a keyboard can scroll it; named for screen readers.
    h('div', { class: 'consent-body', tabindex: 0, role: 'region', 'aria-label': `${doc.title} 전문` }, doc.body));
  return { input, item: h('div', { class: 'consent-item' }, details, label) };
}

function form(ctx, documents, next) {
  const items = documents.documents.map(documentItem);
  const age = checkbox('consent-age', `만 ${documents.min_age}세 이상이에요 (필수)`, 'consent-age-note');
  const all = checkbox('consent-all', '모두 동의');
  const boxes = [...items.map((item) => item.input), age.input];
  const submit = h('button', {
    type: 'submit', class: 'wide', id: 'consent-submit', disabled: true, 'aria-describedby': 'consent-hint',
  }, '동의하고 계속하기');
  const hint = h('p', { class: 'muted consent-hint', id: 'consent-hint' }, '필수 항목에 모두 동의하면 누를 수 있어요.');
  const complete = () => boxes.every((box) => box.checked);
  const update = () => {
    const ticked = boxes.filter((box) => box.checked).length;
    all.input.checked = ticked === boxes.length;
    all.input.indeterminate = ticked > 0 && ticked < boxes.length;
    submit.disabled = !complete();
    hint.hidden = complete();
  };
  all.input.addEventListener('change', () => {
    boxes.forEach((box) => { box.checked = all.input.checked; });
    update();
  });
  boxes.forEach((box) => box.addEventListener('change', update));

  const el = h('form', { novalidate: true, id: 'consent-form' },
    h('div', { class: 'consent-all' }, all.label),
    h('div', { class: 'consent-items' }, items.map((item) => item.item)),
    h('div', { class: 'consent-item' },
      age.label,
      h('p', { class: 'muted consent-note', id: 'consent-age-note' }, `만 ${documents.min_age}세 미만은 법정대리인 동의가 필요해서 이용할 수 없어요.`)),
    alertBox(),
    submit,
    hint);
  onSubmit(el, async () => {
    // A box unticked while the button was busy: said here, not sent.
    if (!complete()) throw new ApiError(422, 'INVALID_CONSENT', '');
    try {
      await api('POST', '/api/me/consent', {
        version: documents.version,
        accepted: items.filter((item) => item.input.checked).map((item) => item.input.value),
        age_confirmed: age.input.checked,
      });
    } catch (error) {
      // The documents changed while this screen was open: the new ones, to be read again.
      if (error.code === 'INVALID_CONSENT') {
        const fresh = await ctx.loadConsent({ fresh: true }).catch(() => null);
        if (fresh && fresh.version !== documents.version) {
          notice = '약관이 새로 바뀌었어요. 다시 읽고 동의해 주세요.';
          await ctx.render();
          return;
        }
      }
      throw error;
    }
    await ctx.refreshMe();
    const route = (next ?? '').split('?')[0];
    if (next && ctx.returnsAfterConsent(route)) ctx.go(next);
    // Someone who applied to be an operator sees where the application stands on home.
    else ctx.go(ctx.me.profile || ctx.me.operator_request ? 'home' : 'profile');
  });
  update();
  // Outside the form: its own alert is where the form's errors go.
  const said = notice;
  notice = null;
  return [said ? h('p', { class: 'alert', id: 'consent-changed', role: 'alert' }, said) : null, el].filter(Boolean);
}

export function view(ctx, params) {
  const next = params?.get('next') ?? null;
  return h('section', { class: 'card account consent' },
    h('h1', {}, '약관 동의'),
    h('p', { class: 'muted' }, '코매칭을 쓰려면 아래 내용에 동의해 주세요. 제목을 누르면 전문을 볼 수 있어요.'),
    loader(() => ctx.loadConsent(), (documents) => form(ctx, documents, next)));
}
