// A new student's profile, one question per screen: 성별 → 출생연도 → MBTI → 학과 → 취미 →
// 연락 빈도 → 연락 방법과 연락처 → 노래와 한마디 (선택), then 저장. The answers stay in one form
// while going back and forth; 다음 names what is missing next to its field; a refusal from the
// server leads back to the step of its field. Saved, the student goes on to the match screen.
import { api } from '../api.js';
import { h } from '../dom.js';
import { alertBox } from '../forms.js';
import { majorPicker } from '../major_picker.js';
import { mbtiToggle } from '../mbti_toggle.js';
import { CONTACT, errorField, errorText, FREQUENCY, GENDER } from '../messages.js';
import {
  birthYearField, checkAsTyped, commentField, contactIdField, focusField, followContactType, hobbyPicker, markField,
  problems, profileBody, radioCards, songField, yearRange,
} from './profile_fields.js';

/// What the match screen says after the profile is saved.
export const PROFILE_DONE = '프로필을 다 만들었어요!';

/// The steps: `key` names the step (`#profile-step-<key>`), `fields` the controls it asks for.
const STEPS = [
  { key: 'gender', title: '성별을 알려 주세요', fields: ['gender'] },
  { key: 'birth-year', title: '몇 년에 태어났나요?', fields: ['birth_year'] },
  { key: 'mbti', title: 'MBTI를 골라 주세요', fields: ['mbti'] },
  { key: 'major', title: '어느 학과에 다니나요?', fields: ['major'] },
  { key: 'hobbies', title: '취미를 골라 주세요', fields: ['hobbies'] },
  { key: 'contact-frequency', title: '연락은 얼마나 자주 하는 편인가요?', fields: ['contact_frequency'] },
  { key: 'contact', title: '매칭되면 어떻게 연락할까요?', fields: ['contact_type', 'contact_id'] },
  { key: 'extra', title: '좋아하는 노래와 한마디', fields: ['song', 'comment'] },
];
const LAST = STEPS.length - 1;

const note = (text) => h('p', { class: 'muted step-note' }, text);

/// Each step's controls and notes, by step key.
function stepContents(catalog, years) {
  return {
    gender: [radioCards('성별', 'gender', Object.entries(GENDER)), note('한 번 정하면 바꿀 수 없어요.')],
    'birth-year': [birthYearField(years), note(`${years.minYear}~${years.maxYear}년에 태어난 학생이 참여할 수 있어요.`)],
    mbti: [note('네 쌍에서 하나씩 골라 주세요. 잘 모르겠으면 더 가까운 쪽을 골라요.'), mbtiToggle()],
    major: [majorPicker(catalog.majors)],
    hobbies: [hobbyPicker(catalog, [])],
    'contact-frequency': [radioCards('연락 빈도', 'contact_frequency', Object.entries(FREQUENCY))],
    contact: [radioCards('연락 방법', 'contact_type', Object.entries(CONTACT)), contactIdField(),
      note('연락처는 매칭된 사람만 볼 수 있어요.')],
    extra: [note('쓰지 않아도 돼요. 상대가 나를 알아 가는 데 도움이 돼요.'), songField(), commentField()],
  };
}

/// One step's screen: its question as a heading (the focus goes there), then its controls.
function stepSection(step, index, contents) {
  return h('section', { class: 'step', id: `profile-step-${step.key}`, 'aria-labelledby': `step-title-${index + 1}`, hidden: index > 0 },
    h('h2', { id: `step-title-${index + 1}`, tabindex: '-1' },
      h('span', { class: 'sr-only' }, `${STEPS.length}단계 중 ${index + 1}단계: `), step.title),
    contents);
}

/// "3 / 8" and a bar of eight segments (`#profile-progress`, a progressbar with its values).
function progressBar() {
  const count = h('p', { class: 'step-count', id: 'profile-step-count', 'aria-hidden': 'true' });
  const segments = STEPS.map(() => h('span', { class: 'progress-seg' }));
  const bar = h('div', {
    class: 'progress', id: 'profile-progress', role: 'progressbar', 'aria-label': '프로필 만들기 진행',
    'aria-valuemin': '1', 'aria-valuemax': String(STEPS.length),
  }, segments);
  const show = (index) => {
    count.textContent = `${index + 1} / ${STEPS.length}`;
    bar.setAttribute('aria-valuenow', String(index + 1));
    bar.setAttribute('aria-valuetext', `${STEPS.length}단계 중 ${index + 1}단계: ${STEPS[index].title}`);
    segments.forEach((segment, i) => segment.classList.toggle('done', i <= index));
  };
  return { element: h('div', { class: 'progress-row' }, count, bar), show };
}

/// The step asking for `name`, or -1.
const stepOf = (name) => STEPS.findIndex((step) => step.fields.includes(name));

/// The first step with a problem and its problems, or null when every answer is fine.
function firstProblem(data, years) {
  for (const [index, step] of STEPS.entries()) {
    const found = problems(step.fields, data, years);
    if (found.length > 0) return { index, found };
  }
  return null;
}

/// The builder's elements: the form and what it is made of.
function builderParts(ctx, years) {
  const contents = stepContents(ctx.catalog, years);
  const parts = {
    sections: STEPS.map((step, index) => stepSection(step, index, contents[step.key])),
    welcome: h('p', { id: 'profile-welcome' }, `${ctx.me.nickname}님, 반가워요! 매칭을 시작하려면 프로필을 만들어 주세요.`),
    progress: progressBar(),
    alert: alertBox(),
    back: h('button', { type: 'button', class: 'secondary', id: 'profile-back' }, '이전'),
    next: h('button', { type: 'submit', id: 'profile-next' }, '다음'),
  };
  parts.form = h('form', { novalidate: true, id: 'profile-builder', class: 'builder' },
    h('h1', {}, '프로필 만들기'), parts.welcome, parts.progress.element, parts.sections, parts.alert,
    h('div', { class: 'step-nav' }, parts.back, parts.next));
  return parts;
}

/// Shows step `index` alone: the progress, 이전 (not on the first), 다음 or 저장하기 (on the
/// last), the welcome line (on the first); the focus on its question unless `focus` is false.
function showStep(parts, index, { focus = true } = {}) {
  parts.sections.forEach((section, i) => { section.hidden = i !== index; });
  parts.welcome.hidden = index !== 0;
  parts.back.hidden = index === 0;
  parts.next.textContent = index === LAST ? '저장하기' : '다음';
  parts.alert.textContent = '';
  parts.progress.show(index);
  if (!focus) return;
  parts.sections[index].querySelector('h2').focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/// Each problem next to its field; the first field takes the focus.
function showProblems(form, found) {
  found.forEach(([name, words]) => markField(form, name, words));
  focusField(form, found[0][0]);
}

/// The builder (`form#profile-builder`): `#profile-back` (이전), `#profile-next` (다음, and on
/// the last step 저장하기; a submit button, so Enter goes on too).
export function builder(ctx) {
  const years = yearRange();
  const parts = builderParts(ctx, years);
  const { form, next, alert } = parts;
  let at = 0;
  const go = (index, options) => {
    at = index;
    showStep(parts, index, options);
  };
  // A refusal: the words next to its field, on that field's step; otherwise in the alert.
  const refused = (error) => {
    const name = errorField(error);
    if (stepOf(name) < 0) {
      alert.textContent = errorText(error);
      return;
    }
    go(stepOf(name), { focus: false });
    showProblems(form, [[name, errorText(error)]]);
  };
  const save = async (data) => {
    await api('PUT', '/api/me/profile', profileBody(data, String(data.get('gender'))));
    await ctx.refreshMe();
    ctx.notice = PROFILE_DONE;
    ctx.go('match');
  };
  const onNext = (data) => {
    const found = problems(STEPS[at].fields, data, years);
    if (found.length > 0) return showProblems(form, found);
    if (at < LAST) return go(at + 1);
    // Every answer again before saving (one may have been changed on the way back).
    const earlier = firstProblem(data, years);
    if (!earlier) return busy(next, () => save(data)).then((error) => error && refused(error));
    go(earlier.index, { focus: false });
    return showProblems(form, earlier.found);
  };
  parts.back.addEventListener('click', () => go(Math.max(at - 1, 0)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (next.disabled) return;
    alert.textContent = '';
    onNext(new FormData(form));
  });
  checkAsTyped(form, years);
  followContactType(form);
  showStep(parts, 0, { focus: false });
  return h('section', { class: 'card' }, form);
}

/// Runs `action` with `button` showing a spinner (and not pressable meanwhile); gives the
/// API's refusal, or null once done.
async function busy(button, action) {
  const label = button.textContent;
  button.disabled = true;
  button.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 저장하는 중…');
  try {
    await action();
    return null;
  } catch (error) {
    if (!error.code) throw error;
    return error;
  } finally {
    if (button.isConnected) {
      button.disabled = false;
      button.textContent = label;
    }
  }
}
