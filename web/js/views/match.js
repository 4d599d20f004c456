import { api } from '../api.js';
import { field, h, select, seoulTime, whileDrawing, won } from '../dom.js';
import { alertBox, catalogRetry, loader, onSubmit } from '../forms.js';
import { AGE, CATEGORY, CONTACT, errorText, FREQUENCY, GENDER } from '../messages.js';
import { breakdownText, costTag, IMPORTANT, importantLine } from './match_cost.js';

const PAIRS = [['E', 'I'], ['S', 'N'], ['T', 'F'], ['J', 'P']];
const MBTI_CHOICES = PAIRS.flatMap((first, i) => PAIRS.slice(i + 1).flatMap((second) =>
  first.flatMap((a) => second.map((b) => [a + b, a + b]))));

function optionsFrom(data) {
  const value = (name) => data.get(name) || null;
  return {
    age: value('age'), mbti: value('mbti'), hobby: value('hobby'),
    contact_frequency: value('contact_frequency'),
    exclude_same_major: data.get('exclude_same_major') === 'on',
    important: value('important'),
  };
}

// 👍/👎 under a match: the answer trains the matcher; it can change for a day.
function feedbackRow(match) {
  const note = h('span', { class: 'muted feedback-note', role: 'status' });
  const buttons = [[true, '👍 좋았어요'], [false, '👎 아쉬워요']].map(([good, label]) =>
    h('button', { type: 'button', class: 'secondary', 'data-good': String(good),
      'aria-pressed': String(match.feedback === good), onclick: () => give(good) }, label));
  const give = async (good) => {
    try {
      const reply = await api('PUT', `/api/matches/${match.id}/feedback`, { good });
      match.feedback = reply.match.feedback;
      buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.good === String(match.feedback))));
      note.textContent = '고마워요! 다음 매칭에 반영돼요.';
    } catch (error) {
      note.textContent = error.code === 'FEEDBACK_CLOSED'
        ? '매칭 후 하루가 지나 평가를 바꿀 수 없어요.'
        : '평가를 저장하지 못했어요. 잠시 후 다시 눌러 주세요.';
    }
  };
  return h('div', { class: 'feedback' }, h('span', {}, '이 매칭 어땠어요?'), ...buttons, note);
}

/// A match's partner; `reveal` (a fresh result) lets the card come in with a short animation.
export function partnerCard(match, { reveal = false } = {}) {
  const p = match.partner;
  const copy = h('button', { type: 'button', class: 'secondary', id: 'copy-contact', onclick: async () => {
    await navigator.clipboard?.writeText(p.contact.id).catch(() => null);
    copy.textContent = '복사됨';
  } }, '복사');
  return h('article', { class: reveal ? 'card partner reveal' : 'card partner' },
    h('h2', {}, `${p.nickname} (${GENDER[p.gender]}, ${p.age}세)`),
    h('div', { class: 'contact' },
      h('span', {}, CONTACT[p.contact.type]),
      h('strong', { class: 'contact-id' }, p.contact.id),
      copy),
    h('a', { class: 'button secondary wide chat-link', href: `#/chat?m=${encodeURIComponent(match.id)}` }, h('span', { 'aria-hidden': 'true' }, '💬'), '채팅하기'),
    h('dl', {},
      h('dt', {}, 'MBTI'), h('dd', {}, p.mbti),
      h('dt', {}, '학과'), h('dd', {}, p.major),
      h('dt', {}, '취미'), h('dd', {}, p.hobbies.join(', ')),
      h('dt', {}, '연락 빈도'), h('dd', {}, FREQUENCY[p.contact_frequency]),
      p.song ? [h('dt', {}, '좋아하는 노래'), h('dd', {}, p.song)] : null,
      p.comment ? [h('dt', {}, '한마디'), h('dd', {}, p.comment)] : null),
    h('p', { class: 'muted' }, `${won(match.price)} 사용`,
      match.refunded ? ` · 중요 조건에 꼭 맞는 상대가 없어 ${won(match.refunded)} 돌려받음` : '',
      ' · ', new Date(match.at).toLocaleString('ko-KR')),
    feedbackRow(match));
}

/// The price a quote gives: with a discount, the list price struck through, then the price.
function showPrice(price, quote) {
  if (quote.discount_percent > 0 && quote.list_price > quote.price) {
    price.replaceChildren(
      h('span', { class: 'sr-only' }, '정가 '),
      h('del', { class: 'list-price', id: 'list-price' }, won(quote.list_price)),
      h('span', { 'aria-hidden': 'true' }, ' → '),
      h('span', { class: 'sr-only' }, `, ${quote.discount_percent}% 할인된 가격 `),
      h('span', { class: 'final-price', id: 'final-price' }, won(quote.price)));
  } else {
    price.replaceChildren(won(quote.price));
  }
}

/// The discount running now, from the catalog ('지금 20% 할인 중 · 12월 3일 오후 6:00까지').
function discountBanner(ctx) {
  const banner = h('p', { class: 'discount', id: 'discount', hidden: true });
  whileDrawing(ctx.refreshCatalog()).then((catalog) => {
    const discount = catalog?.discount;
    if (!discount) return;
    banner.replaceChildren(h('strong', {}, `지금 ${discount.percent}% 할인 중`), ` · ${seoulTime(discount.ends_at)}까지`);
    banner.hidden = false;
  });
  return banner;
}

/// A refusal that has a way out, as its words and a link there: no proven school e-mail yet
/// (`#school-required`, to settings), too few points (`#points-short`, to the charge screen).
const WAYS = {
  SCHOOL_EMAIL_REQUIRED: ['school-required', '#/settings?go=school', '학교 이메일 인증하러 가기'],
  INSUFFICIENT_POINTS: ['points-short', '#/charge', '포인트 충전하러 가기'],
};

function wayOut(error) {
  const way = WAYS[error.code];
  if (!way) return null;
  const [id, href, text] = way;
  return [h('span', { id }, errorText(error)), ' ',
    h('a', { class: 'button secondary alert-action', href, id: `${id}-link` }, text)];
}

/// The line the screen shows once after a new profile (`#match-notice`), with the way to the
/// charge screen while the points would not pay for a match.
function noticeLine(ctx) {
  const text = ctx.notice;
  ctx.notice = null;
  if (!text) return null;
  const short = (ctx.me?.points ?? 0) < (ctx.catalog.prices?.base ?? 0);
  return h('div', { class: 'alert ok notice-line', id: 'match-notice', role: 'status' },
    h('p', {}, text),
    h('p', {}, short ? '매칭하려면 포인트가 필요해요. 먼저 충전해 주세요.' : '조건을 고르고 매칭하기를 눌러 보세요.'),
    short ? h('a', { class: 'button secondary alert-action', href: '#/charge', id: 'match-notice-charge' }, '포인트 충전하러 가기') : null);
}

/// The options with what each costs: the free ones together, the surcharges beside theirs.
function optionFields(prices) {
  const none = ['', '상관없음'];
  const important = field(['중요 조건 (꼭 맞는 사람만)', costTag(prices.important_option)], 'important',
    select([['', '없음'], ...Object.entries(IMPORTANT)], ''));
  important.querySelector('select').setAttribute('aria-describedby', 'important-note err-important');
  return [
    h('p', { class: 'muted', id: 'options-free' }, '나이·MBTI·취미 분야·연락 빈도 조건은 포인트가 더 들지 않아요.'),
    field('나이', 'age', select([none, ...Object.entries(AGE)], '')),
    field('MBTI (두 글자)', 'mbti', select([none, ...MBTI_CHOICES], '')),
    field('취미 분야', 'hobby', select([none, ...Object.entries(CATEGORY)], '')),
    field('연락 빈도', 'contact_frequency', select([none, ...Object.entries(FREQUENCY)], '')),
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'exclude_same_major' }), '같은 학과는 빼 주세요',
      costTag(prices.exclude_same_major)),
    important,
    h('p', { class: 'muted option-note', id: 'important-note' },
      '꼭 맞는 사람이 없으면 이 조건을 빼고 찾아 드리고, 중요 조건 포인트는 돌려드려요.'),
  ];
}

/// Keeps `#price` (the server's quote) and `#price-breakdown` (the sum in words) with the
/// options; gives the function that asks again. A late answer to an older quote is dropped.
function quoter(form, prices, price, breakdown) {
  let asked = 0;
  return async () => {
    const options = optionsFrom(new FormData(form));
    const mine = (asked += 1);
    breakdown.textContent = breakdownText(prices, options);
    try {
      const reply = await api('POST', '/api/matches/quote', { options });
      if (mine !== asked) return;
      showPrice(price, reply);
      breakdown.textContent = breakdownText(prices, options, reply);
      form.querySelector('#err-important').textContent = '';
    } catch (error) {
      if (mine === asked && error.code === 'INVALID_IMPORTANT') form.querySelector('#err-important').textContent = errorText(error);
    }
  };
}

/// A result: the partner's card coming in, whether the important condition held (or its
/// surcharge came back), the balance now.
function resultParts(reply, options) {
  return [
    h('h2', { tabindex: '-1' }, '매칭 결과'),
    partnerCard(reply.match, { reveal: true }),
    importantLine(reply.match, options.important),
    h('p', { class: 'muted', id: 'after-balance' }, `남은 포인트 ${won(reply.balance)}`),
  ];
}

export function view(ctx) {
  if (!ctx.catalog) return catalogRetry(ctx, '매칭 신청');
  const prices = ctx.catalog.prices ?? { base: 0, exclude_same_major: 0, important_option: 0 };
  const price = h('p', { class: 'price', id: 'price', 'aria-live': 'polite' }, won(prices.base));
  const breakdown = h('p', { class: 'muted price-breakdown', id: 'price-breakdown' });
  const result = h('div', { id: 'result' });
  const form = h('form', { novalidate: true },
    h('h1', {}, '매칭 신청'),
    noticeLine(ctx),
    discountBanner(ctx),
    optionFields(prices),
    h('div', { class: 'card cost-card' }, h('div', { class: 'row' }, h('span', {}, '필요한 포인트'), price), breakdown),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '매칭하기'));

  // One key per attempt: a double click or a retry after a lost reply never spends twice.
  let key = crypto.randomUUID();
  const quote = quoter(form, prices, price, breakdown);
  form.addEventListener('change', () => { key = crypto.randomUUID(); quote(); });
  // The price now (a discount may be running), before any option is chosen.
  quote();
  // The options of the last match that came back, for "the same again" (`#match-again`).
  let lastOptions = null;
  // `refusal` shows a refusal that has a way out (its words and link); others are thrown.
  const ask = async (options, refusal) => {
    let reply;
    try {
      reply = await api('POST', '/api/matches', { options }, { idempotencyKey: key });
    } catch (error) {
      // A 4xx is a final answer: the next click is a new attempt. Without an answer (network,
      // 503) the same key is sent again, so a reply that was lost cannot be charged twice.
      if (error.status >= 400 && error.status < 500) key = crypto.randomUUID();
      const way = error.code ? wayOut(error) : null;
      if (!way) throw error;
      refusal(way);
      return;
    }
    key = crypto.randomUUID();
    lastOptions = options;
    await ctx.refreshMe();
    result.replaceChildren(...resultParts(reply, options), againButton());
    window.scrollTo(0, 0);
    result.querySelector('h2').focus();
  };
  // "The same again": the last options, asked as a new request (a new Idempotency-Key).
  const againButton = () => {
    const note = h('p', { class: 'error', id: 'match-again-error', role: 'alert' });
    const again = h('button', { type: 'button', class: 'wide', id: 'match-again' }, '같은 조건으로 다시 뽑기');
    again.addEventListener('click', async () => {
      if (again.disabled || !lastOptions) return;
      again.disabled = true;
      note.textContent = '';
      form.querySelector('.alert').textContent = '';
      again.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 처리 중…');
      key = crypto.randomUUID();
      try {
        await ask(lastOptions, (way) => note.replaceChildren(...way));
      } catch (error) {
        if (!error.code) throw error;
        note.textContent = errorText(error);
      } finally {
        if (again.isConnected) {
          again.disabled = false;
          again.textContent = '같은 조건으로 다시 뽑기';
        }
      }
    });
    return h('div', { class: 'match-again' }, again, note);
  };
  onSubmit(form, (data) => ask(optionsFrom(data), (way) => form.querySelector('.alert').replaceChildren(...way)));
  return h('section', {}, result, h('div', { class: 'card' }, form));
}

export function history() {
  return h('section', {},
    h('h1', {}, '매칭 기록'),
    loader(() => api('GET', '/api/matches'), (matches) => matches.length === 0
      ? h('p', { class: 'muted' }, '아직 매칭 기록이 없어요.')
      : h('div', { id: 'history' }, matches.map((match) => partnerCard(match)))));
}
