// 학과: a text field (`input[name=major]`) with the school's majors offered under it as the
// student types: by any part of the name, or by initial consonants (ㅋㅍㅌ finds 컴퓨터공학과).
// A major that is not on the list may be typed as it is (1–40 characters). Without a list (the
// catalog has none), a plain text field.
import { h } from './dom.js';

const MAX_SHOWN = 6;
const INITIALS = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';
const FIRST_SYLLABLE = 0xac00;
const LAST_SYLLABLE = 0xd7a3;
/// Hangul syllables per initial consonant (21 vowels × 28 finals).
const PER_INITIAL = 588;

/// Each Hangul syllable as its initial consonant ('컴퓨터' → 'ㅋㅍㅌ'); anything else as it is.
function initials(text) {
  return [...text].map((char) => {
    const code = char.codePointAt(0);
    if (code < FIRST_SYLLABLE || code > LAST_SYLLABLE) return char;
    return INITIALS[Math.floor((code - FIRST_SYLLABLE) / PER_INITIAL)];
  }).join('');
}

/// Text as searched: without spaces, in small letters.
const squeeze = (text) => String(text).replace(/\s+/g, '').toLowerCase();

/// Up to six majors for `query`, those starting with it first; none for an empty query.
export function findMajors(majors, query) {
  const q = squeeze(query);
  if (!q) return [];
  const hits = majors.filter((name) => squeeze(name).includes(q) || initials(squeeze(name)).includes(q));
  const starting = hits.filter((name) => squeeze(name).startsWith(q));
  return [...new Set([...starting, ...hits])].slice(0, MAX_SHOWN);
}

/// What the list under the field says now (read out politely as it changes).
function statusText(query, found, exact) {
  if (!query.trim()) return '';
  if (exact) return `선택한 학과: ${query.trim()}`;
  if (found.length === 0) return '목록에 없는 학과예요. 그대로 입력해도 돼요.';
  return `비슷한 학과 ${found.length}개를 찾았어요. 눌러서 고르거나 그대로 입력해 주세요.`;
}

function plainField(input) {
  input.setAttribute('aria-describedby', 'err-major');
  return h('div', { class: 'field' },
    h('label', { for: input.id }, '학과'),
    input,
    h('p', { class: 'error', id: 'err-major', role: 'alert' }));
}

/// The 학과 field (`#f-major`), its suggestions in `#major-options` (each a `.major-option`
/// button) and its error in `#err-major`.
export function majorPicker(majors, value = '') {
  const input = h('input', { id: 'f-major', name: 'major', maxlength: 40, autocomplete: 'off', value: value ?? '' });
  if (!Array.isArray(majors) || majors.length === 0) return plainField(input);
  input.setAttribute('aria-describedby', 'major-hint err-major');
  input.setAttribute('aria-controls', 'major-options');
  const list = h('ul', { class: 'major-options', id: 'major-options', 'aria-label': '찾은 학과' });
  const status = h('p', { class: 'muted major-status', id: 'major-status', role: 'status' });
  const pick = (name) => {
    input.value = name;
    // As if typed: the form's checks run again.
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.focus();
  };
  const show = () => {
    const exact = majors.includes(input.value.trim());
    const found = exact ? [] : findMajors(majors, input.value);
    list.replaceChildren(...found.map((name) => h('li', {},
      h('button', { type: 'button', class: 'secondary major-option', dataset: { value: name }, onclick: () => pick(name) }, name))));
    status.textContent = statusText(input.value, found, exact);
  };
  input.addEventListener('input', show);
  show();
  return h('div', { class: 'field major-picker' },
    h('label', { for: input.id }, '학과'),
    h('p', { class: 'muted hint', id: 'major-hint' }, '학과 이름 일부나 초성(예: ㅋㅍㅌ)으로 찾을 수 있어요. 목록에 없으면 그대로 입력해 주세요.'),
    input,
    h('p', { class: 'error', id: 'err-major', role: 'alert' }),
    list,
    status);
}
