// `#/booth`: paying cash at the booth. The student shows a QR code (and the same code in big
// letters to type) that is valid for 10 minutes; the operator scans it and credits the points,
// which this screen notices on its own.
import { api } from '../api.js';
import { h, won } from '../dom.js';
import { errorText } from '../messages.js';

/// How long a code lives, per the API; used when the device's clock disagrees with the server's.
const LIFETIME_MS = 600_000;
const TICK_MS = 1000;
const BALANCE_POLL_MS = 5000;

/// The QR code's SVG document as a data: URL (the page's CSP allows data: images only).
function svgDataUrl(svg) {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/// When the code expires on this device's clock: `expires_at` as is, unless the device's clock is
/// off so far that it makes no sense; then ten minutes from now.
function localDeadline(expiresAt) {
  const left = Date.parse(expiresAt) - Date.now();
  return Date.now() + (left > 0 && left <= LIFETIME_MS + 60_000 ? left : LIFETIME_MS);
}

const clock = (ms) => {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

export function view(ctx) {
  const qr = h('img', { id: 'booth-qr', class: 'booth-qr', alt: '', width: 240, height: 240, hidden: true });
  const code = h('p', { id: 'booth-code-text', class: 'booth-code', 'aria-describedby': 'booth-code-label' });
  const countdown = h('p', { id: 'booth-countdown', class: 'booth-countdown', role: 'timer' });
  const expired = h('p', { id: 'booth-expired', class: 'alert', role: 'alert', hidden: true },
    '코드가 만료됐어요. 새 코드를 받아 주세요.');
  const failed = h('p', { id: 'booth-alert', class: 'alert', role: 'alert' });
  const balance = h('p', { id: 'booth-balance', class: 'muted' });
  const credited = h('p', { id: 'booth-credited', class: 'alert ok', role: 'status' });
  const renew = h('button', { type: 'button', class: 'wide', id: 'booth-new' }, '새 코드');
  const ticket = h('div', { class: 'booth-ticket', id: 'booth-ticket', hidden: true },
    qr,
    h('p', { class: 'muted', id: 'booth-code-label' }, '충전 코드'),
    code, countdown);

  let deadline = 0;
  let known = null; // the balance last seen
  let ticker = null;
  let poller = null;
  let left = false; // the student went to another screen: no timers any more
  const stop = () => {
    clearInterval(ticker);
    clearInterval(poller);
  };
  ctx.cleanup.push(() => {
    left = true;
    stop();
  });

  const showBalance = (points) => { balance.textContent = `내 포인트 ${won(points)}`; };

  const tick = () => {
    const left = deadline - Date.now();
    if (left > 0) {
      countdown.textContent = `남은 시간 ${clock(left)}`;
      return;
    }
    stop();
    countdown.textContent = '남은 시간 0:00';
    ticket.classList.add('expired');
    qr.alt = '만료된 QR 코드';
    expired.hidden = false;
    renew.focus();
  };

  // The operator's credit shows here by itself: the balance is looked at while the code lives.
  const poll = async () => {
    try {
      const me = await api('GET', '/api/me');
      ctx.me = me;
      if (known !== null && me.points > known) credited.textContent = `${won(me.points - known)} 충전됐어요! 지금 잔액은 ${won(me.points)}예요.`;
      known = me.points;
      showBalance(me.points);
    } catch {
      // The next look may work; the code does not depend on it.
    }
  };

  const issue = async () => {
    renew.disabled = true;
    failed.textContent = '';
    try {
      const reply = await api('POST', '/api/me/booth-code');
      if (left) return;
      stop();
      deadline = localDeadline(reply.expires_at);
      qr.src = svgDataUrl(reply.qr_svg);
      qr.alt = `충전 QR 코드. 코드 ${reply.code}`;
      qr.hidden = false;
      code.textContent = reply.code;
      ticket.classList.remove('expired');
      ticket.hidden = false;
      expired.hidden = true;
      credited.textContent = '';
      tick();
      ticker = setInterval(tick, TICK_MS);
      poller = setInterval(poll, BALANCE_POLL_MS);
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
    } finally {
      renew.disabled = false;
    }
  };
  renew.addEventListener('click', issue);

  poll();
  issue();
  return h('section', { class: 'festival booth' },
    h('h1', {}, '부스에서 현금 충전'),
    h('div', { class: 'card booth-card' },
      h('p', {}, '부스 운영진에게 이 화면을 보여 주고 현금을 내면 바로 포인트가 들어와요.'),
      ticket, expired, failed,
      credited, balance,
      renew,
      h('p', { class: 'muted' }, '코드는 10분 동안, 한 번만 쓸 수 있어요. 화면 밝기를 올리면 더 잘 읽혀요.')),
    h('a', { class: 'button secondary wide', href: '#/charge' }, '계좌이체로 충전하기'));
}
