// The first-visit guide (three short cards on the landing and home screens, shown once per
// browser) and the help page (`#/help`: the same cards and a short FAQ).
import { h } from '../dom.js';

/// Where the browser remembers that the guide was seen (or closed).
const SEEN_KEY = 'comatching-guide-seen';

export const GUIDE = [
  ['포인트는 이렇게 써요', '포인트를 충전하면 매칭을 신청할 때마다 조건에 따라 정해진 포인트가 빠져요. 중요 조건을 만족하는 상대가 없으면 일부를 돌려드려요.'],
  ['매칭은 이렇게 돼요', '원하는 나이, MBTI, 취미 같은 조건을 고르면 가장 잘 맞는 상대를 뽑아 연락처를 알려 드려요. 마음에 들면 바로 채팅도 할 수 있어요.'],
  ['개인정보는 이렇게 지켜요', '내 연락처는 나를 뽑은 사람에게만 보여요. 설정에서 언제든 매칭에 나오지 않도록 하거나 탈퇴할 수 있어요.'],
];

const FAQ = [
  ['포인트는 어떻게 충전하나요?', '충전 메뉴에서 신청하거나 축제 부스에서 QR을 보여 주면 운영진이 충전해 드려요.'],
  ['같은 사람이 또 나올 수 있나요?', '매칭은 매번 새로 뽑아요. 같은 조건으로 다시 뽑으려면 결과 아래의 "같은 조건으로 다시 뽑기"를 눌러 주세요.'],
  ['다른 사람의 매칭에 나오고 싶지 않아요.', '설정에서 "다른 사람의 매칭에 나오지 않기"를 켜 주세요.'],
  ['문제가 있는 상대를 만났어요.', '채팅 화면에서 신고할 수 있어요. 운영진이 확인하고 조치해요.'],
];

function seen() {
  try { return localStorage.getItem(SEEN_KEY) !== null; } catch { return false; }
}

function remember() {
  try { localStorage.setItem(SEEN_KEY, '1'); } catch { /* private mode: shown again next time */ }
}

/// The guide, one card at a time, or nothing once it was seen.
export function firstVisitGuide() {
  if (seen()) return null;
  let step = 0;
  const title = h('h2', { id: 'guide-title' });
  const text = h('p', { id: 'guide-text' });
  const counter = h('span', { class: 'muted', id: 'guide-step' });
  const next = h('button', { type: 'button', id: 'guide-next' });
  const close = h('button', { type: 'button', class: 'secondary', id: 'guide-close' }, '닫기');
  const box = h('aside', { class: 'card guide', id: 'guide', 'aria-labelledby': 'guide-title' },
    counter, title, text, h('div', { class: 'actions' }, close, next));
  const draw = () => {
    const [heading, body] = GUIDE[step];
    title.textContent = heading;
    text.textContent = body;
    counter.textContent = `${step + 1} / ${GUIDE.length}`;
    next.textContent = step + 1 < GUIDE.length ? '다음' : '시작하기';
  };
  const done = () => {
    remember();
    box.remove();
  };
  next.addEventListener('click', () => {
    if (step + 1 >= GUIDE.length) return done();
    step += 1;
    draw();
    return title.focus?.();
  });
  close.addEventListener('click', done);
  title.setAttribute('tabindex', '-1');
  draw();
  return box;
}

export function view() {
  return h('section', { id: 'help' },
    h('h1', {}, '도움말'),
    ...GUIDE.map(([heading, body]) => h('div', { class: 'card' }, h('h2', {}, heading), h('p', {}, body))),
    h('h2', {}, '자주 묻는 질문'),
    h('div', { class: 'card faq', id: 'faq' },
      ...FAQ.map(([question, answer]) => h('details', {}, h('summary', {}, question), h('p', {}, answer)))),
    h('p', {}, h('a', { class: 'button secondary wide', href: '#/' }, '처음으로')));
}
