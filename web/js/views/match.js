import { api } from '../api.js';
import { field, h, seoulTime, select, won } from '../dom.js';
import { alertBox, catalogRetry, loader, onSubmit } from '../forms.js';
import { AGE, CATEGORY, CONTACT, errorText, FREQUENCY, GENDER } from '../messages.js';

const PAIRS = [['E', 'I'], ['S', 'N'], ['T', 'F'], ['J', 'P']];
const MBTI_CHOICES = PAIRS.flatMap((first, i) => PAIRS.slice(i + 1).flatMap((second) =>
  first.flatMap((a) => second.map((b) => [a + b, a + b]))));
const IMPORTANT = { age: '나이', mbti: 'MBTI', hobby: '취미', contact_frequency: '연락 빈도' };

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

export function partnerCard(match) {
  const p = match.partner;
  const copy = h('button', { type: 'button', class: 'secondary', id: 'copy-contact', onclick: async () => {
    await navigator.clipboard?.writeText(p.contact.id).catch(() => null);
    copy.textContent = '복사됨';
  } }, '복사');
  return h('article', { class: 'card partner' },
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
      match.refunded ? ` · 중요 옵션을 만족하는 상대가 없어 ${won(match.refunded)} 환불` : '',
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
  ctx.refreshCatalog().then((catalog) => {
    const discount = catalog?.discount;
    if (!discount) return;
    banner.replaceChildren(h('strong', {}, `지금 ${discount.percent}% 할인 중`), ` · ${seoulTime(discount.ends_at)}까지`);
    banner.hidden = false;
  });
  return banner;
}

export function view(ctx) {
  if (!ctx.catalog) return catalogRetry(ctx, '매칭 신청');
  const none = ['', '상관없음'];
  const price = h('p', { class: 'price', id: 'price', 'aria-live': 'polite' }, won(ctx.catalog?.prices.base ?? 0));
  const result = h('div', { id: 'result' });
  const form = h('form', { novalidate: true },
    h('h1', {}, '매칭 신청'),
    discountBanner(ctx),
    field('나이', 'age', select([none, ...Object.entries(AGE)], '')),
    field('MBTI (두 글자)', 'mbti', select([none, ...MBTI_CHOICES], '')),
    field('취미 분야', 'hobby', select([none, ...Object.entries(CATEGORY)], '')),
    field('연락 빈도', 'contact_frequency', select([none, ...Object.entries(FREQUENCY)], '')),
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'exclude_same_major' }), '같은 학과는 빼 주세요'),
    field('가장 중요한 조건 (꼭 맞는 사람만)', 'important', select([['', '없음'], ...Object.entries(IMPORTANT)], '')),
    h('div', { class: 'row card' }, h('span', {}, '필요한 포인트'), price),
    alertBox(),
    h('button', { type: 'submit', class: 'wide' }, '매칭하기'));

  // One key per attempt: a double click or a retry after a lost reply never spends twice.
  let key = crypto.randomUUID();
  const quote = async () => {
    try {
      const reply = await api('POST', '/api/matches/quote', { options: optionsFrom(new FormData(form)) });
      showPrice(price, reply);
      form.querySelector('#err-important').textContent = '';
    } catch (error) {
      if (error.code === 'INVALID_IMPORTANT') form.querySelector('#err-important').textContent = '중요 조건은 고른 조건 중에서 정해 주세요.';
    }
  };
  form.addEventListener('change', () => { key = crypto.randomUUID(); quote(); });
  // The price now (a discount may be running), before any option is chosen.
  quote();
  // The options of the last match that came back, for "the same again" (`#match-again`).
  let lastOptions = null;
  const ask = async (options) => {
    let reply;
    try {
      reply = await api('POST', '/api/matches', { options }, { idempotencyKey: key });
    } catch (error) {
      // A 4xx is a final answer: the next click is a new attempt. Without an answer (network,
      // 503) the same key is sent again, so a reply that was lost cannot be charged twice.
      if (error.status >= 400 && error.status < 500) key = crypto.randomUUID();
      if (error.code === 'SCHOOL_EMAIL_REQUIRED') {
        // Said with the way there: the school e-mail card in settings.
        form.querySelector('.alert').replaceChildren(
          h('span', { id: 'school-required' }, errorText(error)), ' ',
          h('a', { class: 'button secondary alert-action', href: '#/settings?go=school', id: 'school-required-link' }, '학교 이메일 인증하러 가기'));
        return;
      }
      throw error;
    }
    key = crypto.randomUUID();
    lastOptions = options;
    await ctx.refreshMe();
    result.replaceChildren(h('h2', { tabindex: '-1' }, '매칭 결과'), partnerCard(reply.match),
      h('p', { class: 'muted', id: 'after-balance' }, `남은 포인트 ${won(reply.balance)}`),
      againButton());
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
      again.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 처리 중…');
      key = crypto.randomUUID();
      try {
        await ask(lastOptions);
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
  onSubmit(form, (data) => ask(optionsFrom(data)));
  return h('section', {}, result, h('div', { class: 'card' }, form));
}

export function history() {
  return h('section', {},
    h('h1', {}, '매칭 기록'),
    loader(() => api('GET', '/api/matches'), (matches) => matches.length === 0
      ? h('p', { class: 'muted' }, '아직 매칭 기록이 없어요.')
      : h('div', { id: 'history' }, matches.map(partnerCard))));
}
