import { api } from '../api.js';
import { field, h, select } from '../dom.js';
import { alertBox, catalogRetry, onSubmit } from '../forms.js';
import { CATEGORY, CONTACT, FREQUENCY, GENDER } from '../messages.js';

function hobbyPicker(catalog, chosen) {
  const groups = Object.entries(CATEGORY).map(([category, name]) => h('fieldset', {},
    h('legend', {}, name),
    h('div', { class: 'choices' }, catalog.hobbies.filter((hobby) => hobby.category === category).map((hobby) =>
      h('label', {}, h('input', { type: 'checkbox', name: 'hobbies', value: hobby.name, checked: chosen.includes(hobby.name) }), hobby.name)))));
  return h('div', { class: 'field' },
    h('p', { class: 'label', id: 'hobbies-label' }, h('strong', {}, '취미 (1~5개)')),
    h('div', { role: 'group', 'aria-labelledby': 'hobbies-label', 'aria-describedby': 'err-hobbies' }, groups),
    h('p', { class: 'error', id: 'err-hobbies', role: 'alert' }));
}

const MBTI = /^[EI][SN][TF][JP]$/i;
const MAX_HOBBIES = 5;

/// What is missing or wrong before sending, field by field: [[name, Korean words]…], in the
/// form's order (the first one gets the focus).
function problems(data, { locked, minYear, maxYear }) {
  const found = [];
  const text = (name) => String(data.get(name) ?? '').trim();
  if (!locked && !text('gender')) found.push(['gender', '성별을 골라 주세요.']);
  const year = text('birth_year');
  if (!year) found.push(['birth_year', '출생연도를 입력해 주세요.']);
  else if (!/^\d{4}$/.test(year) || Number(year) < minYear || Number(year) > maxYear) {
    found.push(['birth_year', `출생연도는 ${minYear}~${maxYear} 사이의 네 자리 숫자로 입력해 주세요.`]);
  }
  const mbti = text('mbti');
  if (!mbti) found.push(['mbti', 'MBTI를 입력해 주세요.']);
  else if (!MBTI.test(mbti)) found.push(['mbti', 'MBTI는 ENFP처럼 네 글자로 입력해 주세요.']);
  if (!text('major')) found.push(['major', '학과를 입력해 주세요.']);
  const hobbies = data.getAll('hobbies').length;
  if (hobbies === 0) found.push(['hobbies', '취미를 하나 이상 골라 주세요.']);
  else if (hobbies > MAX_HOBBIES) found.push(['hobbies', `취미는 ${MAX_HOBBIES}개까지 고를 수 있어요.`]);
  if (!text('contact_frequency')) found.push(['contact_frequency', '연락 빈도를 골라 주세요.']);
  if (!text('contact_type')) found.push(['contact_type', '연락 방법을 골라 주세요.']);
  if (!text('contact_id')) found.push(['contact_id', '연락처를 입력해 주세요.']);
  return found;
}

/// Each problem next to its field, the first field focused, and a line in the form's alert.
function showProblems(form, found) {
  for (const [name, words] of found) {
    const slot = form.querySelector(`#err-${name}`);
    if (slot) slot.textContent = words;
    form.querySelectorAll(`[name="${name}"]`).forEach((control) => control.setAttribute('aria-invalid', 'true'));
  }
  const alert = form.querySelector('.alert');
  if (alert) alert.textContent = `표시된 ${found.length}개 항목을 확인해 주세요.`;
  form.querySelector(`[name="${found[0][0]}"]`)?.focus();
}

export function view(ctx) {
  if (!ctx.catalog?.hobbies) return catalogRetry(ctx, ctx.me.profile ? '프로필 수정' : '프로필 만들기');
  const p = ctx.me.profile ?? {};
  const year = new Date().getFullYear();
  const locked = Boolean(ctx.me.profile);
  const gender = select([['', '선택해 주세요'], ...Object.entries(GENDER)], p.gender ?? '');
  if (locked) gender.disabled = true;
  const form = h('form', { novalidate: true },
    h('h1', {}, locked ? '프로필 수정' : '프로필 만들기'),
    locked ? null : h('p', { id: 'profile-welcome' }, `${ctx.me.nickname}님, 반가워요! 매칭을 시작하려면 프로필을 만들어 주세요.`),
    h('p', { class: 'muted' }, '매칭된 상대에게 보여 줄 정보예요. 연락처는 매칭된 사람만 볼 수 있어요.'),
    field('성별', 'gender', gender),
    locked ? h('p', { class: 'muted' }, '성별은 한 번 정하면 바꿀 수 없어요.') : null,
    field('출생연도', 'birth_year', h('input', { type: 'number', inputmode: 'numeric', min: year - 60, max: year - 17, value: p.birth_year ?? '' })),
    field('MBTI', 'mbti', h('input', { maxlength: 4, autocapitalize: 'characters', placeholder: 'ENFP', value: p.mbti ?? '' })),
    field('학과', 'major', h('input', { maxlength: 40, value: p.major ?? '' })),
    hobbyPicker(ctx.catalog, p.hobbies ?? []),
    field('연락 빈도', 'contact_frequency', select(Object.entries(FREQUENCY), p.contact_frequency ?? 'NORMAL')),
    field('연락 방법', 'contact_type', select(Object.entries(CONTACT), p.contact?.type ?? 'KAKAO')),
    field('연락처', 'contact_id', h('input', { maxlength: 40, value: p.contact?.id ?? '' })),
    field('좋아하는 노래 (선택)', 'song', h('input', { maxlength: 60, value: p.song ?? '' })),
    field('한마디 (선택)', 'comment', h('textarea', { maxlength: 200 }, p.comment ?? '')),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '저장하기'));
  onSubmit(form, async (data) => {
    const found = problems(data, { locked, minYear: year - 60, maxYear: year - 17 });
    if (found.length > 0) {
      showProblems(form, found);
      return;
    }
    await api('PUT', '/api/me/profile', {
      gender: locked ? ctx.me.profile.gender : data.get('gender'),
      birth_year: Number(data.get('birth_year')),
      mbti: data.get('mbti'),
      major: data.get('major'),
      hobbies: data.getAll('hobbies'),
      contact_frequency: data.get('contact_frequency'),
      contact: { type: data.get('contact_type'), id: data.get('contact_id') },
      song: data.get('song') || null,
      comment: data.get('comment') || null,
    });
    await ctx.refreshMe();
    ctx.go('home');
  });
  return h('section', { class: 'card' }, form);
}
