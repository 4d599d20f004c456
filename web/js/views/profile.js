// The profile screen: a new student builds it step by step (profile_steps.js); a student who
// has one edits it here in one form (gender stays as it was set).
import { api } from '../api.js';
import { field, h, select } from '../dom.js';
import { alertBox, catalogRetry, onSubmit } from '../forms.js';
import { majorPicker } from '../major_picker.js';
import { mbtiToggle } from '../mbti_toggle.js';
import { CONTACT, FREQUENCY, GENDER } from '../messages.js';
import {
  birthYearField, checkAsTyped, commentField, contactIdField, focusField, followContactType, hobbyPicker, markField,
  problems, profileBody, songField, yearRange,
} from './profile_fields.js';
import { builder } from './profile_steps.js';

/// What the editor checks before sending, in the form's order (gender cannot change).
const EDITED = ['birth_year', 'mbti', 'major', 'hobbies', 'contact_frequency', 'contact_type', 'contact_id'];

/// Each problem next to its field, the first field focused, and a line in the form's alert.
function showProblems(form, found) {
  found.forEach(([name, words]) => markField(form, name, words));
  const alert = form.querySelector('.alert');
  if (alert) alert.textContent = `표시된 ${found.length}개 항목을 확인해 주세요.`;
  focusField(form, found[0][0]);
}

function editorForm(ctx, p, years) {
  const gender = select(Object.entries(GENDER), p.gender);
  gender.disabled = true;
  return h('form', { novalidate: true, id: 'profile-editor' },
    h('h1', {}, '프로필 수정'),
    h('p', { class: 'muted' }, '매칭된 상대에게 보여 줄 정보예요. 연락처는 매칭된 사람만 볼 수 있어요.'),
    field('성별', 'gender', gender),
    h('p', { class: 'muted' }, '성별은 한 번 정하면 바꿀 수 없어요.'),
    birthYearField(years, p.birth_year),
    mbtiToggle(p.mbti),
    majorPicker(ctx.catalog.majors, p.major),
    hobbyPicker(ctx.catalog, p.hobbies ?? []),
    field('연락 빈도', 'contact_frequency', select(Object.entries(FREQUENCY), p.contact_frequency ?? 'NORMAL')),
    field('연락 방법', 'contact_type', select(Object.entries(CONTACT), p.contact?.type ?? 'KAKAO')),
    contactIdField(p.contact?.id),
    songField(p.song),
    commentField(p.comment),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '저장하기'));
}

/// The one-form editor of an existing profile (`form#profile-editor`).
function editor(ctx) {
  const years = yearRange();
  const form = editorForm(ctx, ctx.me.profile, years);
  checkAsTyped(form, years);
  followContactType(form);
  onSubmit(form, async (data) => {
    const found = problems(EDITED, data, years);
    if (found.length > 0) {
      showProblems(form, found);
      return;
    }
    await api('PUT', '/api/me/profile', profileBody(data, ctx.me.profile.gender));
    await ctx.refreshMe();
    ctx.go('home');
  });
  return h('section', { class: 'card' }, form);
}

export function view(ctx) {
  if (!ctx.catalog?.hobbies) return catalogRetry(ctx, ctx.me.profile ? '프로필 수정' : '프로필 만들기');
  return ctx.me.profile ? editor(ctx) : builder(ctx);
}
