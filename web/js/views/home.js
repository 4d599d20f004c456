import { api } from '../api.js';
import { h, seoulTime, whileDrawing, won } from '../dom.js';
import { loader } from '../forms.js';
import { ENTRY, errorText, OPERATOR_REQUEST } from '../messages.js';
import { firstVisitGuide } from './help.js';

export function entryList(entries) {
  if (entries.length === 0) return h('p', { class: 'muted' }, '아직 내역이 없어요.');
  return h('ul', { class: 'list', id: 'entries' }, entries.map((entry) => h('li', { class: 'row' },
    h('span', {}, ENTRY[entry.kind] ?? entry.kind, ' ', h('span', { class: 'muted' }, new Date(entry.at).toLocaleString('ko-KR'))),
    h('span', { class: entry.amount > 0 ? 'plus' : 'minus' }, `${entry.amount > 0 ? '+' : ''}${won(entry.amount)}`))));
}

function points() {
  return loader(() => api('GET', '/api/me/points?limit=5'), (p) => [
    h('p', { class: 'balance', id: 'balance' }, won(p.balance)),
    h('h2', {}, '최근 내역'),
    entryList(p.entries),
  ]);
}

/// The notices shown now, newest first; nothing at all when there are none.
function notices() {
  const box = h('section', { id: 'notices', class: 'notices', 'aria-label': '공지', hidden: true });
  whileDrawing(api('GET', '/api/notices')).then((list) => {
    box.replaceChildren(...list.map((notice) => h('article', {
      class: 'notice', dataset: { id: notice.id }, 'aria-labelledby': `notice-${notice.id}`,
    },
    h('p', { class: 'notice-tag' }, '공지'),
    h('h2', { class: 'notice-title', id: `notice-${notice.id}` }, notice.title),
    h('p', { class: 'notice-content' }, notice.content),
    h('p', { class: 'muted' }, h('time', { datetime: notice.posted_at }, seoulTime(notice.posted_at))))));
    box.hidden = list.length === 0;
  }).catch(() => null);
  return box;
}

// Why a claim was refused for good (the button goes); anything else may be tried again.
const FINAL = new Set(['ALREADY_USED', 'BALANCE_TOO_HIGH', 'PROMO_INACTIVE']);

/// The promotion's card, when this student may claim it; `claimed` shows the new balance.
function promo(ctx, claimed) {
  const box = h('section', { id: 'promo', class: 'card promo festival', 'aria-labelledby': 'promo-title', hidden: true });
  whileDrawing((async () => {
    const [me, catalog] = await Promise.all([ctx.refreshMe(), ctx.refreshCatalog()]);
    if (!me?.promo_available) return;
    const offer = catalog?.promo;
    const amount = offer?.amount ? won(offer.amount) : '포인트';
    const result = h('p', { id: 'promo-result', role: 'status' });
    const claim = h('button', { type: 'button', class: 'wide', id: 'promo-claim' }, `${amount} 받기`);
    claim.addEventListener('click', async () => {
      claim.disabled = true;
      result.className = '';
      result.textContent = '';
      try {
        const reply = await api('POST', '/api/me/promo');
        claim.hidden = true;
        result.className = 'promo-done';
        result.textContent = `${amount}를 받았어요! 지금 잔액은 ${won(reply.balance)}예요.`;
        ctx.me.promo_available = false;
        ctx.me.points = reply.balance;
        ctx.showBalance();
        claimed();
      } catch (error) {
        if (!error.code) throw error;
        result.className = 'error';
        result.textContent = error.code === 'BALANCE_TOO_HIGH' && offer
          ? `잔액이 ${won(offer.below)} 이상이면 받을 수 없어요.`
          : errorText(error);
        if (FINAL.has(error.code)) claim.hidden = true;
      } finally {
        claim.disabled = false;
      }
    });
    box.replaceChildren(
      h('h2', { id: 'promo-title' }, '이벤트 포인트'),
      h('p', {}, `지금 ${amount}를 드려요. 한 사람에 한 번만 받을 수 있어요.`),
      claim, result);
    box.hidden = false;
  })()).catch(() => null);
  return box;
}

/// Where an operator application stands, when there is one.
function operatorRequest(me) {
  if (me.operator_request === 'PENDING') {
    return h('p', { class: 'operator-note', id: 'operator-pending', role: 'status' }, OPERATOR_REQUEST.PENDING);
  }
  if (me.operator_request === 'REJECTED') {
    return h('p', { class: 'operator-note rejected', id: 'operator-rejected', role: 'status' }, OPERATOR_REQUEST.REJECTED);
  }
  return null;
}

export function view(ctx) {
  const me = ctx.me;
  // An operator applicant without a student profile: the application, and the way to join in.
  if (!me.profile) {
    return h('section', {},
      h('h1', {}, `${me.nickname}님, 반가워요`),
      operatorRequest(me),
      notices(),
      h('div', { class: 'card' },
        h('p', {}, '학생으로 매칭에도 참여하려면 프로필을 만들어 주세요.'),
        h('a', { class: 'button secondary wide', href: '#/profile' }, '프로필 만들기')));
  }
  const balance = h('div', {}, points());
  return h('section', {},
    h('h1', {}, `${me.nickname}님, 반가워요`),
    firstVisitGuide(),
    operatorRequest(me),
    notices(),
    promo(ctx, () => balance.replaceChildren(points())),
    h('div', { class: 'card' },
      h('p', { class: 'muted' }, '내 포인트'),
      balance,
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: '#/match' }, '매칭 신청'),
        h('a', { class: 'button secondary', href: '#/charge' }, '포인트 충전'))),
    h('div', { class: 'card' },
      loader(() => api('GET', '/api/matches/picked-me'), (picked) =>
        h('p', { id: 'picked-me' }, `다른 사람이 나를 ${picked.count}번 뽑았어요.`)),
      h('p', { class: 'muted' }, `지금까지 ${me.match_count}번 매칭했어요.`)));
}
