// The profile's controls and checks, shared by the step-by-step builder (a new profile) and the
// one-form editor. Every control keeps the API's name (gender, birth_year, mbti, major, hobbies,
// contact_frequency, contact_type, contact_id, song, comment) and its error slot `#err-<name>`.
import { field, h } from '../dom.js';
import { mbtiControls, mbtiProblem, mbtiRadios } from '../mbti_toggle.js';
import { CATEGORY } from '../messages.js';

export const MAX_HOBBIES = 5;
/// Who may join: born from the current year − 60 to the current year − 17.
const OLDEST = 60;
const YOUNGEST = 17;

/// The birth years the API takes ("current year" is the year in Korea).
export function yearRange() {
  const parts = new Intl.DateTimeFormat('ko-KR', { timeZone: 'Asia/Seoul', year: 'numeric' }).formatToParts(new Date());
  const year = Number(parts.find((part) => part.type === 'year').value);
  return { minYear: year - OLDEST, maxYear: year - YOUNGEST };
}

/// The hobbies by category, as checkboxes (`input[name=hobbies]`); `#err-hobbies` under them.
export function hobbyPicker(catalog, chosen) {
  const groups = Object.entries(CATEGORY).map(([category, name]) => h('fieldset', {},
    h('legend', {}, name),
    h('div', { class: 'choices' }, catalog.hobbies.filter((hobby) => hobby.category === category).map((hobby) =>
      h('label', {}, h('input', { type: 'checkbox', name: 'hobbies', value: hobby.name, checked: chosen.includes(hobby.name) }), hobby.name)))));
  return h('div', { class: 'field' },
    h('p', { class: 'label', id: 'hobbies-label' }, h('strong', {}, `취미 (1~${MAX_HOBBIES}개)`)),
    h('div', { role: 'group', 'aria-labelledby': 'hobbies-label', 'aria-describedby': 'err-hobbies' }, groups),
    h('p', { class: 'error', id: 'err-hobbies', role: 'alert' }));
}

/// One answer of a few as large radio cards (`#<name>-<VALUE>`), e.g. 성별 or 연락 빈도.
export function radioCards(legend, name, entries, selected = '') {
  return h('fieldset', { class: 'field cards', id: `f-${name}`, 'aria-describedby': `err-${name}` },
    h('legend', {}, legend),
    h('div', { class: 'card-choices' }, entries.map(([value, text]) =>
      h('label', { class: 'choice-card', for: `${name}-${value}` },
        h('input', { type: 'radio', name, id: `${name}-${value}`, value, checked: value === selected }),
        h('span', {}, text)))),
    h('p', { class: 'error', id: `err-${name}`, role: 'alert' }));
}

export function birthYearField({ minYear, maxYear }, value = '') {
  return field('출생연도', 'birth_year', h('input', {
    type: 'number', inputmode: 'numeric', min: minYear, max: maxYear, value: value ?? '',
  }));
}

export const contactIdField = (value = '') =>
  field('연락처', 'contact_id', h('input', { maxlength: 40, autocomplete: 'off', value: value ?? '' }));
/// What 연락처 is, by 연락 방법.
const CONTACT_ID_LABEL = { KAKAO: '카카오톡 아이디', INSTAGRAM: '인스타그램 아이디', PHONE: '전화번호' };

/// The 연락처 field's label and keyboard follow the chosen 연락 방법 (전화번호: a number pad).
export function followContactType(form) {
  const update = () => {
    const type = new FormData(form).get('contact_type');
    const input = form.querySelector('[name="contact_id"]');
    const label = input && form.querySelector(`label[for="${input.id}"]`);
    if (!label) return;
    label.textContent = CONTACT_ID_LABEL[type] ? `연락처 (${CONTACT_ID_LABEL[type]})` : '연락처';
    input.inputMode = type === 'PHONE' ? 'tel' : 'text';
  };
  form.addEventListener('change', (event) => {
    if (event.target.name === 'contact_type') update();
  });
  update();
}

export const songField = (value = '') =>
  field('좋아하는 노래 (선택)', 'song', h('input', { maxlength: 60, value: value ?? '' }));
export const commentField = (value = '') =>
  field('한마디 (선택)', 'comment', h('textarea', { maxlength: 200 }, value ?? ''));

function yearProblem(year, { minYear, maxYear }) {
  if (!year) return '출생연도를 입력해 주세요.';
  if (!/^\d{4}$/.test(year) || Number(year) < minYear || Number(year) > maxYear) {
    return `출생연도는 ${minYear}~${maxYear} 사이의 네 자리 숫자로 입력해 주세요.`;
  }
  return null;
}

function hobbiesProblem(count) {
  if (count === 0) return '취미를 하나 이상 골라 주세요.';
  if (count > MAX_HOBBIES) return `취미는 ${MAX_HOBBIES}개까지 고를 수 있어요.`;
  return null;
}

function contactProblem(type, id) {
  if (!id) return '연락처를 입력해 주세요.';
  if (type === 'PHONE' && !/^[0-9-]+$/.test(id)) return '전화번호는 숫자와 -만 쓸 수 있어요.';
  return null;
}

/// Each field's check: (text of a name, the FormData, the year range) → Korean words or null.
const CHECKS = {
  gender: (text) => (text('gender') ? null : '성별을 골라 주세요.'),
  birth_year: (text, data, years) => yearProblem(text('birth_year'), years),
  mbti: (text, data) => mbtiProblem(data),
  major: (text) => (text('major') ? null : '학과를 입력해 주세요.'),
  hobbies: (text, data) => hobbiesProblem(data.getAll('hobbies').length),
  contact_frequency: (text) => (text('contact_frequency') ? null : '연락 빈도를 골라 주세요.'),
  contact_type: (text) => (text('contact_type') ? null : '연락 방법을 골라 주세요.'),
  contact_id: (text) => contactProblem(text('contact_type'), text('contact_id')),
};

/// What is wrong with `name` in `data`, in Korean, or null (song and comment are optional).
export function fieldProblem(name, data, years) {
  const text = (key) => String(data.get(key) ?? '').trim();
  return CHECKS[name]?.(text, data, years) ?? null;
}

/// The problems of `names`, in that order: [[name, words]…].
export function problems(names, data, years) {
  return names.map((name) => [name, fieldProblem(name, data, years)]).filter(([, words]) => words);
}

/// The controls a problem with `name` marks; the first one takes the focus.
function markedControls(form, name) {
  if (name === 'mbti') return mbtiControls(form);
  return [...form.querySelectorAll(`[name="${name}"]`)].filter((control) => control.type !== 'hidden');
}

/// Puts `words` (or nothing) in `#err-<name>` and marks the field's controls invalid (or not).
export function markField(form, name, words) {
  const slot = form.querySelector(`#err-${name}`);
  if (slot) slot.textContent = words ?? '';
  const all = name === 'mbti' ? mbtiRadios(form) : [...form.querySelectorAll(`[name="${name}"]`)];
  all.forEach((control) => control.removeAttribute('aria-invalid'));
  if (words) markedControls(form, name).forEach((control) => control.setAttribute('aria-invalid', 'true'));
}

export function focusField(form, name) {
  markedControls(form, name)[0]?.focus();
}

/// Whether `name` shows a problem now (then a change checks it again at once).
export const isMarked = (form, name) => Boolean(form.querySelector(`#err-${name}`)?.textContent);

/// The `PUT /api/me/profile` body from the form's data.
export function profileBody(data, gender) {
  const text = (name) => String(data.get(name) ?? '').trim();
  return {
    gender,
    birth_year: Number(text('birth_year')),
    mbti: text('mbti'),
    major: text('major'),
    hobbies: data.getAll('hobbies'),
    contact_frequency: text('contact_frequency'),
    contact: { type: text('contact_type'), id: text('contact_id') },
    song: text('song') || null,
    comment: text('comment') || null,
  };
}

/// The field a control belongs to (the MBTI radios belong to `mbti`).
const fieldOf = (control) => (control.name?.startsWith('mbti') ? 'mbti' : control.name);

const isEmpty = (name, data) => (name === 'hobbies'
  ? data.getAll('hobbies').length === 0
  : !String(data.get(name) ?? '').trim());

/// Checks as the student types: a problem already shown follows every keystroke (and goes once
/// fixed); a new one shows once an answer is settled (a choice made, a field left) and is wrong
/// rather than missing. What is missing is said by 다음 or 저장.
export function checkAsTyped(form, years) {
  const recheck = (control, settled) => {
    const name = fieldOf(control);
    if (!name) return;
    const data = new FormData(form);
    const names = name === 'contact_type' ? ['contact_type', 'contact_id'] : [name];
    for (const each of names) {
      const words = fieldProblem(each, data, years);
      if (isMarked(form, each) || (settled && words && !isEmpty(each, data))) markField(form, each, words);
    }
  };
  form.addEventListener('input', (event) => recheck(event.target, false));
  form.addEventListener('change', (event) => recheck(event.target, true));
}
