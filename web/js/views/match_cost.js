// What a match costs, in words: beside the options that cost more, as a sum that follows the
// options ('기본 1,000P + 중요 조건 300P = 합계 1,300P'), and on a result, whether the
// important condition held or its surcharge came back (API.md: refunded when nobody passed it).
import { h, won } from '../dom.js';

/// The important conditions' names.
export const IMPORTANT = { age: '나이', mbti: 'MBTI', hobby: '취미', contact_frequency: '연락 빈도' };

/// ' +200P' beside an option that costs more; nothing for a free one.
export function costTag(amount) {
  return amount > 0 ? h('span', { class: 'cost' }, ` +${won(amount)}`) : null;
}

/// The sum's parts for `options`: [[words, amount]…], the base first.
function parts(prices, options) {
  return [
    ['기본', prices.base],
    options.exclude_same_major ? ['같은 학과 제외', prices.exclude_same_major] : null,
    options.important ? ['중요 조건', prices.important_option] : null,
  ].filter(Boolean);
}

/// '기본 1,000P + 중요 조건 300P = 합계 1,300P'; when `quote` carries a running discount on that
/// sum, what it comes to (' → 20% 할인 1,040P').
export function breakdownText(prices, options, quote) {
  const list = parts(prices, options);
  const sum = list.reduce((total, [, amount]) => total + amount, 0);
  const terms = list.map(([words, amount]) => `${words} ${won(amount)}`).join(' + ');
  const discounted = quote?.discount_percent > 0 && quote.list_price === sum && quote.price < sum;
  return `${terms} = 합계 ${won(sum)}${discounted ? ` → ${quote.discount_percent}% 할인 ${won(quote.price)}` : ''}`;
}

/// Under a result: whether the important condition (`important`, a key of IMPORTANT) held, or
/// that nobody passed it, the search went on without it and its surcharge came back.
export function importantLine(match, important) {
  if (!important) return null;
  const name = IMPORTANT[important] ?? important;
  if (match.important_applied) {
    return h('p', { class: 'alert ok', id: 'important-result' }, `중요 조건(${name})에 꼭 맞는 사람이에요.`);
  }
  return h('p', { class: 'alert note', id: 'important-result' },
    `중요 조건(${name})에 꼭 맞는 사람이 없어서 이 조건을 빼고 찾았어요. `,
    match.refunded > 0 ? `중요 조건 포인트 ${won(match.refunded)}는 돌려드렸어요.` : '');
}
