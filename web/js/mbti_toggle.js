// MBTI as four two-way choices (E·I, S·N, T·F, J·P): a pair of large radio cards each, and a
// hidden `mbti` field that holds the four letters once every pair has one ('' until then).
import { h } from './dom.js';

/// The pairs in the letters' order: the radios' name, what the pair is about, its two letters.
export const MBTI_PAIRS = [
  { name: 'mbti_ei', about: '에너지 방향', letters: [['E', '외향형'], ['I', '내향형']] },
  { name: 'mbti_sn', about: '정보를 받아들이는 방식', letters: [['S', '감각형'], ['N', '직관형']] },
  { name: 'mbti_tf', about: '결정하는 방식', letters: [['T', '사고형'], ['F', '감정형']] },
  { name: 'mbti_jp', about: '생활 방식', letters: [['J', '판단형'], ['P', '인식형']] },
];

const FOUR_LETTERS = /^[EI][SN][TF][JP]$/;

/// A pair in short ('E·I').
const pairLabel = (pair) => pair.letters.map(([letter]) => letter).join('·');

/// One pair: two radio cards side by side, each a whole tap target (`#mbti-E`, `#mbti-I`…).
function pairGroup(pair, chosen) {
  return h('fieldset', { class: 'mbti-pair' },
    h('legend', {}, `${pair.about} (${pairLabel(pair)})`),
    h('div', { class: 'toggle-pair' }, pair.letters.map(([letter, word]) =>
      h('label', { class: 'choice-card toggle', for: `mbti-${letter}` },
        h('input', { type: 'radio', name: pair.name, id: `mbti-${letter}`, value: letter, checked: chosen === letter }),
        h('span', { class: 'toggle-letter' }, letter),
        h('span', { class: 'toggle-word' }, word)))));
}

/// The letter chosen in each pair ('' where none is).
function chosenLetters(box) {
  return MBTI_PAIRS.map((pair) => box.querySelector(`input[name="${pair.name}"]:checked`)?.value ?? '');
}

/// The MBTI field (`#f-mbti`, its error in `#err-mbti`), with `value` ('ENFP') chosen if given.
export function mbtiToggle(value = '') {
  const initial = String(value ?? '').toUpperCase();
  const hidden = h('input', { type: 'hidden', name: 'mbti', value: FOUR_LETTERS.test(initial) ? initial : '' });
  const box = h('fieldset', { class: 'field mbti', id: 'f-mbti', 'aria-describedby': 'err-mbti' },
    h('legend', {}, 'MBTI'),
    MBTI_PAIRS.map((pair, i) => pairGroup(pair, initial[i])),
    hidden,
    h('p', { class: 'error', id: 'err-mbti', role: 'alert' }));
  // Before the form hears of the change: its checks then see the new letters.
  box.addEventListener('change', () => {
    const letters = chosenLetters(box);
    hidden.value = letters.every(Boolean) ? letters.join('') : '';
  });
  return box;
}

/// The pairs still without a letter in `data` (a FormData of the form).
const missingPairs = (data) => MBTI_PAIRS.filter((pair) => !data.get(pair.name));

/// What is missing, naming the pairs ('MBTI의 S·N에서 하나를 골라 주세요.'), or null.
export function mbtiProblem(data) {
  const missing = missingPairs(data);
  if (missing.length === 0) return null;
  const each = missing.length > 1 ? '하나씩' : '하나를';
  return `MBTI의 ${missing.map(pairLabel).join(', ')}에서 ${each} 골라 주세요.`;
}

/// The radios a problem marks: those of the pairs still open, or all of them when every pair
/// has a letter (a refusal from the server). The first one takes the focus.
export function mbtiControls(form) {
  const all = [...form.querySelectorAll('#f-mbti input[type="radio"]')];
  const open = missingPairs(new FormData(form)).map((pair) => pair.name);
  const marked = all.filter((radio) => open.includes(radio.name));
  return marked.length > 0 ? marked : all;
}

/// Every radio of the field (to clear the marks).
export const mbtiRadios = (form) => [...form.querySelectorAll('#f-mbti input[type="radio"]')];
