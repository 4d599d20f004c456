import { api } from '../api.js';
import { h, seoulTime, won } from '../dom.js';
import { alertBox } from '../forms.js';
import { contactText, errorText } from '../messages.js';

/// After the live feed fails for good (the server refused it), when to open it again.
const RECONNECT_MS = 5000;
/// Where the operator's choice of a sound and vibration for new requests is kept.
const ALERT_KEY = 'ops-charge-alert';

const OPERATOR_PAGES = [['ops', '충전 요청'], ['ops-booth', '부스 충전'], ['ops-reports', '신고'], ['ops-bans', '정지 목록'],
  ['ops-users', '사용자 찾기'], ['ops-stats', '통계']];
/// Festival settings: admins only (operators never see these links).
const ADMIN_PAGES = [['ops-notices', '공지'], ['ops-payment', '입금 계좌'], ['ops-events', '할인·이벤트'],
  ['ops-operators', '운영진 신청']];

const links = (pages, current) => pages.map(([route, text]) =>
  h('a', { class: `button ${route === current ? '' : 'secondary'}`, href: `#/${route}`, id: `ops-link-${route}`,
    'aria-current': route === current ? 'page' : false }, text));

/// The operator pages' own menu, and below it the admin's when the signed-in user is one.
export function subnav(current, ctx) {
  const menu = h('nav', { class: 'actions ops-nav', 'aria-label': '운영 메뉴' }, links(OPERATOR_PAGES, current));
  if (ctx?.me?.role !== 'ADMIN') return menu;
  return [menu, h('nav', { class: 'actions ops-nav admin-nav', id: 'ops-admin-nav', 'aria-label': '관리자 메뉴' },
    h('span', { class: 'admin-nav-label', 'aria-hidden': 'true' }, '관리자'), links(ADMIN_PAGES, current))];
}

export function view(ctx) {
  const list = h('ul', { class: 'list', id: 'pending' });
  const status = alertBox();
  // Requests whose 거절 was tapped once: the confirm step stays open when the list is redrawn.
  const confirming = new Set();
  const refresh = async () => {
    try {
      const charges = await api('GET', '/api/ops/charges?status=PENDING');
      status.textContent = '';
      if (charges.length === 0) {
        list.replaceChildren(h('li', { class: 'muted' }, '대기 중인 충전 요청이 없어요.'));
        return;
      }
      const shown = new Set(charges.map((charge) => charge.id));
      [...confirming].filter((id) => !shown.has(id)).forEach((id) => confirming.delete(id));
      const focused = document.activeElement?.closest?.('#pending li')?.dataset.charge;
      const focusedClass = document.activeElement?.className;
      list.replaceChildren(...charges.map((charge) => {
        const decide = (action) => async (event) => {
          event.target.disabled = true;
          confirming.delete(charge.id);
          try {
            await api('POST', `/api/ops/charges/${charge.id}/${action}`);
          } catch (error) {
            status.textContent = errorText(error);
          }
          refresh();
        };
        // Approving is one tap (the booth needs speed); rejecting asks first, in words.
        const approve = h('button', { type: 'button', class: 'approve', onclick: decide('approve') }, '승인');
        const reject = h('button', { type: 'button', class: 'secondary reject' }, '거절');
        const note = h('p', { class: 'confirm-note reject-note', hidden: true },
          `${charge.nickname}님의 ${won(charge.amount)} 충전 요청을 거절해요. 포인트는 들어가지 않아요.`);
        const confirm = h('button', { type: 'button', class: 'danger reject-confirm', hidden: true, onclick: decide('reject') }, '정말 거절할게요');
        const cancel = h('button', { type: 'button', class: 'secondary reject-cancel', hidden: true }, '취소');
        const step = (open) => {
          if (open) confirming.add(charge.id);
          else confirming.delete(charge.id);
          approve.hidden = open;
          reject.hidden = open;
          note.hidden = !open;
          confirm.hidden = !open;
          cancel.hidden = !open;
        };
        reject.addEventListener('click', () => { step(true); confirm.focus(); });
        cancel.addEventListener('click', () => { step(false); reject.focus(); });
        step(confirming.has(charge.id));
        return h('li', { dataset: { charge: charge.id } },
          h('div', { class: 'row' },
            h('strong', {}, charge.nickname),
            h('span', {}, won(charge.amount))),
          h('p', { class: 'charge-who' }, '입금자명 ', h('strong', { class: 'depositor' }, charge.depositor_name)),
          h('p', { class: 'muted charge-contact' }, contactText(charge.contact), ' · ',
            h('time', { datetime: charge.at }, seoulTime(charge.at))),
          h('div', { class: 'actions' }, approve, reject),
          note,
          h('div', { class: 'actions' }, confirm, cancel));
      }));
      // The refresh redrew the list: the focus back on the same button of the same request.
      if (focused && focusedClass) {
        list.querySelector(`li[data-charge="${CSS.escape(focused)}"] button[class="${CSS.escape(focusedClass)}"]`)?.focus();
      }
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  const live = h('p', { class: 'muted', id: 'live-status', role: 'status' }, '실시간 연결 중…');
  const alertChoice = h('input', { type: 'checkbox', id: 'charge-alert', checked: localStorage.getItem(ALERT_KEY) === 'on' });
  alertChoice.addEventListener('change', () => {
    localStorage.setItem(ALERT_KEY, alertChoice.checked ? 'on' : 'off');
    if (alertChoice.checked) chime();
  });
  const onChange = (event) => {
    refresh();
    const change = JSON.parse(event.data);
    if (change.status === 'PENDING' && alertChoice.checked) {
      chime();
      navigator.vibrate?.([200, 100, 200]);
    }
  };
  ctx.cleanup.push(follow(refresh, onChange, live));
  return h('section', {},
    h('h1', {}, '충전 요청 확인'),
    subnav('ops', ctx),
    h('p', { class: 'muted' }, '입금 내역과 입금자명을 확인하고 승인해 주세요. 새 요청은 바로 나타나요.'),
    live,
    h('label', { class: 'inline', for: 'charge-alert' }, alertChoice, '새 요청이 오면 소리와 진동으로 알려 주기'),
    status,
    h('div', { class: 'card' }, list));
}

/// Follows the server's live feed of charge changes (server-sent events): the list is loaded
/// when the feed opens (so nothing between is missed), again on every change and on `resync`.
/// The browser reconnects by itself after a dropped connection; when the server refused the
/// feed, it is opened again after RECONNECT_MS. Returns the cleanup that closes it.
function follow(refresh, onChange, live) {
  let source;
  let retry;
  const open = () => {
    source = new EventSource('/api/ops/charges/events');
    source.addEventListener('ready', () => {
      live.textContent = '실시간 연결됨 · 새 요청은 바로 나타나요.';
      refresh();
    });
    source.addEventListener('charge', onChange);
    source.addEventListener('resync', refresh);
    source.onerror = () => {
      live.textContent = '실시간 연결이 끊겼어요. 다시 연결하는 중…';
      if (source.readyState !== EventSource.CLOSED) return;
      // Refused (signed out, or the server is busy): the list call says which, then again.
      refresh();
      retry = setTimeout(open, RECONNECT_MS);
    };
  };
  open();
  return () => {
    clearTimeout(retry);
    source.close();
  };
}

/// A short two-note chime, made on the spot (no sound file to download).
function chime() {
  const Context = window.AudioContext ?? window.webkitAudioContext;
  if (!Context) return;
  const audio = new Context();
  [880, 1320].forEach((frequency, i) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, audio.currentTime + i * 0.15);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + i * 0.15 + 0.14);
    tone.connect(gain).connect(audio.destination);
    tone.start(audio.currentTime + i * 0.15);
    tone.stop(audio.currentTime + i * 0.15 + 0.15);
  });
  setTimeout(() => audio.close(), 500);
}
