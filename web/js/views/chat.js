// Chat between the two people of a match: the list of chats and one chat, live over the shared
// socket (chat_socket.js), with history paged over HTTP.
import { api } from '../api.js';
import { h, whileDrawing } from '../dom.js';
import * as chatSocket from '../chat_socket.js';
import { compareIds } from '../chat_socket.js';
import { chatErrorText, errorText } from '../messages.js';
import { reportTools } from './chat_report.js';

const PAGE = 50;
const MAX_LENGTH = 500;
/// Socket errors after which a message will never go out.
const FINAL_ERRORS = new Set(['NOT_FOUND', 'BLOCKED', 'READ_ONLY', 'INVALID_INPUT']);
/// The "connecting" note waits this long on a first connect, so a quick one shows nothing.
const OFFLINE_NOTE_DELAY_MS = 2000;

const clock = (at) => new Date(at).toLocaleTimeString('ko-KR', { hour: 'numeric', minute: '2-digit' });
const sameDay = (a, b) => a.toDateString() === b.toDateString();

/// A short time for a list row: the time today, the date before.
function when(at) {
  const date = new Date(at);
  return sameDay(date, new Date()) ? clock(at) : date.toLocaleDateString('ko-KR', { month: 'short', day: 'numeric' });
}

/// A message's time: with the date when it is not today's.
function stamp(at) {
  const date = new Date(at);
  return sameDay(date, new Date()) ? clock(at) : `${date.toLocaleDateString('ko-KR', { month: 'short', day: 'numeric' })} ${clock(at)}`;
}

function unreadBadge(count) {
  return h('span', { class: 'unread-badge' },
    h('span', { class: 'sr-only' }, '읽지 않은 메시지 '), count > 99 ? '99+' : String(count),
    h('span', { class: 'sr-only' }, '개'));
}

function chatMark(chat) {
  if (chat.blocked) return h('span', { class: 'chat-mark' }, '차단됨');
  if (chat.read_only) return h('span', { class: 'chat-mark' }, '읽기 전용');
  return null;
}

function chatRow(chat) {
  const last = chat.last_message;
  const preview = last ? `${last.from_me ? '나: ' : ''}${last.text}` : '아직 메시지가 없어요.';
  return h('li', { class: 'chat-item', dataset: { match: chat.match_id } },
    h('a', { href: `#/chat?m=${encodeURIComponent(chat.match_id)}`, class: 'chat-row' },
      h('span', { class: 'chat-row-top' },
        h('strong', { class: 'chat-partner' }, chat.partner_nickname),
        chatMark(chat),
        last ? h('time', { class: 'chat-time', datetime: last.at }, when(last.at)) : null),
      h('span', { class: 'chat-row-bottom' },
        h('span', { class: `chat-preview${last ? '' : ' none'}` }, preview),
        chat.unread > 0 ? unreadBadge(chat.unread) : null)));
}

/// `#/chats`: every chat, most recent activity first, kept fresh from the socket.
export function list(ctx) {
  const box = h('div', { id: 'chat-list' }, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  let timer = null;
  const refresh = async () => {
    try {
      const chats = await api('GET', '/api/chats');
      chatSocket.setChats(chats);
      // The row that had focus keeps it across the redraw.
      const focused = document.activeElement?.closest?.('.chat-item')?.dataset.match;
      box.replaceChildren(chats.length === 0
        ? h('div', { class: 'card', id: 'chats-empty' },
          h('p', {}, '아직 대화할 상대가 없어요.'),
          h('p', { class: 'muted' }, '매칭이 되면 상대와 여기서 대화할 수 있어요. 누군가 나를 뽑아도 대화가 생겨요.'),
          h('a', { class: 'button secondary', href: '#/match' }, '매칭 신청'))
        : h('ul', { class: 'list card', id: 'chats' }, chats.map(chatRow)));
      if (focused) box.querySelector(`.chat-item[data-match="${CSS.escape(focused)}"] a`)?.focus();
    } catch (error) {
      if (!error.code) throw error;
      box.replaceChildren(
        h('div', { class: 'alert', role: 'alert' }, errorText(error)),
        h('button', { class: 'secondary', type: 'button', onclick: refresh }, '다시 시도'));
    }
  };
  const refreshSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  };
  const stop = chatSocket.subscribe((event) => {
    if (['message', 'read', 'open'].includes(event.type)) refreshSoon();
  });
  ctx.cleanup.push(stop, () => clearTimeout(timer));
  refresh();
  return h('section', {},
    h('h1', {}, '채팅'),
    h('p', { class: 'muted' }, '매칭된 상대와 이야기해 보세요. 연락처를 주고받기 전에 먼저 인사해도 좋아요.'),
    box);
}

function notFound() {
  return h('section', {},
    h('h1', {}, '채팅'),
    h('div', { class: 'alert', role: 'alert' }, '이 대화를 찾을 수 없어요.'),
    h('a', { class: 'button secondary', href: '#/chats' }, '채팅 목록으로'));
}

/// `#/chat?m=<match_id>`: one chat.
export function view(ctx, params) {
  const matchId = params?.get('m') ?? '';
  if (!/^\d{1,20}$/.test(matchId)) return notFound();

  // What is on screen: confirmed messages by id, pending ones by client_id.
  const messages = new Map();
  const pendingEls = new Map();
  let partner = '상대';
  let blocked = false;
  let readOnly = false;
  let partnerReadUpTo = null;
  let newestPartnerId = null;
  let lastReadSent = null;
  let loaded = false;
  let catchUpWanted = false;
  let blockStep = false;

  const title = h('h1', { id: 'chat-title' }, '채팅');
  const connection = h('p', { class: 'chat-connection', id: 'chat-connection', role: 'status' });
  const banner = h('p', { class: 'chat-banner', id: 'chat-banner', role: 'status' });
  const alert = h('div', { class: 'alert', id: 'chat-alert', role: 'alert' });
  const older = h('button', { type: 'button', class: 'secondary wide', id: 'chat-older', hidden: true }, '이전 메시지 더 보기');
  // A list of messages inside a live log: the log role on the list itself would hide that its
  // items are a list's.
  const listEl = h('ol', { class: 'chat-messages', id: 'chat-messages' });
  const log = h('div', { class: 'chat-log', id: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': '메시지' }, listEl);
  const empty = h('p', { class: 'muted chat-empty', id: 'chat-empty', hidden: true }, '아직 메시지가 없어요. 먼저 인사해 보세요!');
  const loading = h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…');
  const input = h('input', {
    id: 'chat-input', name: 'text', maxlength: MAX_LENGTH, autocomplete: 'off', enterkeyhint: 'send',
    placeholder: '메시지를 입력하세요', 'aria-describedby': 'chat-alert',
  });
  const send = h('button', { type: 'submit', id: 'chat-send' }, '보내기');
  const form = h('form', { class: 'chat-form', id: 'chat-form', novalidate: true },
    h('label', { for: 'chat-input', class: 'sr-only' }, '메시지 (500자까지)'), input, send);

  const blockButton = h('button', { type: 'button', class: 'secondary', id: 'chat-block' }, '차단하기');
  const blockNote = h('p', { class: 'muted', id: 'chat-block-note', hidden: true }, '차단하면 두 사람 모두 이 대화에서 더 이상 메시지를 보낼 수 없어요.');
  const blockConfirm = h('button', { type: 'button', class: 'danger', id: 'chat-block-confirm', hidden: true }, '정말 차단할게요');
  const blockCancel = h('button', { type: 'button', class: 'secondary', id: 'chat-block-cancel', hidden: true }, '취소');
  // Reporting stays possible in a closed chat (block first, then report).
  const report = reportTools(matchId);
  const tools = h('div', { class: 'chat-tools', id: 'chat-tools', hidden: true },
    h('div', { class: 'actions' }, report.button, blockButton),
    blockNote, h('div', { class: 'actions' }, blockConfirm, blockCancel),
    report.panel);

  const nearBottom = () => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 120;
  const toBottom = () => window.scrollTo(0, document.documentElement.scrollHeight);

  function messageItem(message) {
    const dataset = { id: message.id };
    if (message.from_me && message.client_id) dataset.clientId = message.client_id;
    return h('li', { class: `msg ${message.from_me ? 'mine' : 'theirs'}`, dataset },
      h('span', { class: 'sr-only' }, message.from_me ? '나: ' : `${partner}: `),
      h('p', { class: 'msg-text' }, message.text),
      h('p', { class: 'msg-meta' }, h('time', { datetime: message.at }, stamp(message.at))));
  }

  function pendingItem(message) {
    return h('li', { class: 'msg mine pending', dataset: { clientId: message.client_id } },
      h('span', { class: 'sr-only' }, '나: '),
      h('p', { class: 'msg-text' }, message.text),
      h('p', { class: 'msg-meta' }, h('span', { class: 'msg-state' }, '전송 중')));
  }

  function showEmpty() {
    empty.hidden = !loaded || messages.size > 0 || pendingEls.size > 0;
  }

  // Puts a confirmed message in id order, before any pending one; false if already shown.
  function insert(message) {
    if (messages.has(message.id)) return false;
    messages.set(message.id, message);
    if (!message.from_me && compareIds(message.id, newestPartnerId) > 0) newestPartnerId = message.id;
    let before = null;
    for (const child of listEl.children) {
      if (!child.dataset.id || compareIds(child.dataset.id, message.id) > 0) {
        before = child;
        break;
      }
    }
    listEl.insertBefore(messageItem(message), before);
    return true;
  }

  function addPending(message) {
    if (pendingEls.has(message.client_id)) return;
    const li = pendingItem(message);
    pendingEls.set(message.client_id, li);
    listEl.append(li);
  }

  // "읽음" on my newest message the partner has read.
  function updateReadMark() {
    listEl.querySelectorAll('.msg-read').forEach((mark) => mark.remove());
    if (!partnerReadUpTo) return;
    let target = null;
    for (const message of messages.values()) {
      if (message.from_me && compareIds(message.id, partnerReadUpTo) <= 0 && compareIds(message.id, target) > 0) target = message.id;
    }
    if (!target) return;
    listEl.querySelector(`.msg[data-id="${target}"] .msg-meta`)
      ?.append(h('span', { class: 'msg-read', id: 'chat-read-mark' }, '읽음'));
  }

  // A read receipt for the newest partner message, while the chat is on screen.
  function maybeRead() {
    if (!loaded || !listEl.isConnected || document.visibilityState !== 'visible') return;
    if (newestPartnerId && compareIds(newestPartnerId, lastReadSent) > 0) {
      chatSocket.markRead(matchId, newestPartnerId);
      lastReadSent = newestPartnerId;
    }
  }

  function applyState() {
    const closed = blocked || readOnly;
    banner.textContent = blocked ? '차단한 대화예요.' : readOnly ? '상대가 더 이상 대화할 수 없어요.' : '';
    input.disabled = closed;
    send.disabled = closed;
    input.placeholder = closed ? '메시지를 보낼 수 없어요' : '메시지를 입력하세요';
    tools.hidden = !loaded;
    blockButton.hidden = closed || blockStep;
    for (const el of [blockNote, blockConfirm, blockCancel]) el.hidden = closed || !blockStep;
  }

  function takeChat(chat) {
    partner = chat.partner_nickname;
    title.textContent = chat.partner_nickname;
    blocked = Boolean(chat.blocked);
    readOnly = Boolean(chat.read_only);
    if (compareIds(chat.partner_read_up_to, partnerReadUpTo) > 0) partnerReadUpTo = chat.partner_read_up_to;
  }

  async function fetchChat() {
    const chats = await api('GET', '/api/chats');
    chatSocket.setChats(chats);
    return chats.find((chat) => String(chat.match_id) === matchId);
  }

  async function load() {
    try {
      const [chat, page] = await Promise.all([
        fetchChat(), api('GET', `/api/chats/${matchId}/messages?limit=${PAGE}`)]);
      if (!chat) {
        section.replaceWith(notFound());
        return;
      }
      takeChat(chat);
      loaded = true;
      loading.remove();
      page.slice().reverse().forEach(insert);
      chatSocket.pending(matchId).forEach(addPending);
      older.hidden = page.length < PAGE;
      updateReadMark();
      applyState();
      showEmpty();
      // The router puts the screen in place once this first page is in (just after this
      // task): scroll to the newest and send the read receipt then, when it is on screen.
      setTimeout(() => {
        toBottom();
        maybeRead();
      }, 0);
      if (catchUpWanted) catchUp();
    } catch (error) {
      if (!error.code) throw error;
      if (error.code === 'NOT_FOUND') {
        section.replaceWith(notFound());
        return;
      }
      loading.replaceChildren(
        h('span', { class: 'alert', role: 'alert' }, errorText(error)), ' ',
        h('button', { class: 'secondary', type: 'button', onclick: () => {
          loading.replaceChildren(h('span', { class: 'spinner' }), ' 불러오는 중…');
          load();
        } }, '다시 시도'));
    }
  }

  // After a (re)connect: whatever arrived while the socket was down.
  async function catchUp() {
    if (!loaded) {
      catchUpWanted = true;
      return;
    }
    catchUpWanted = false;
    try {
      const [chat, page] = await Promise.all([
        fetchChat(), api('GET', `/api/chats/${matchId}/messages?limit=${PAGE}`)]);
      if (chat) takeChat(chat);
      const stay = nearBottom();
      let newestKnown = null;
      for (const id of messages.keys()) if (compareIds(id, newestKnown) > 0) newestKnown = id;
      const gap = newestKnown && page.length === PAGE && page.every((m) => compareIds(m.id, newestKnown) > 0);
      if (gap) {
        // More was missed than a page: start again from the newest page.
        messages.clear();
        listEl.querySelectorAll('.msg[data-id]').forEach((li) => li.remove());
        older.hidden = false;
      }
      page.slice().reverse().forEach(insert);
      updateReadMark();
      applyState();
      showEmpty();
      if (stay) toBottom();
      maybeRead();
    } catch {
      // The next connect tries again; live messages still arrive.
    }
  }

  function onEvent(event) {
    if (event.type === 'status') {
      clearTimeout(offlineTimer);
      connection.textContent = event.online ? '' : '연결이 끊겼어요. 다시 연결하는 중이에요. 쓴 메시지는 연결되면 보내져요.';
      return;
    }
    if (event.type === 'open') {
      catchUp();
      return;
    }
    const mine = event.client_id && pendingEls.has(event.client_id);
    if (String(event.match_id) !== matchId && !mine) return;
    if (event.type === 'message') {
      const stay = nearBottom() || event.from_me;
      if (mine) {
        pendingEls.get(event.client_id).remove();
        pendingEls.delete(event.client_id);
        if (alert.textContent === chatErrorText('RATE_LIMITED')) alert.textContent = '';
      }
      if (insert(event)) {
        updateReadMark();
        if (stay) toBottom();
        maybeRead();
      }
      showEmpty();
    } else if (event.type === 'read' && !event.by_me) {
      if (compareIds(event.up_to, partnerReadUpTo) > 0) {
        partnerReadUpTo = event.up_to;
        updateReadMark();
      }
    } else if (event.type === 'error') {
      alert.textContent = chatErrorText(event.code);
      if (mine && FINAL_ERRORS.has(event.code)) {
        const li = pendingEls.get(event.client_id);
        pendingEls.delete(event.client_id);
        li.classList.replace('pending', 'failed');
        li.querySelector('.msg-state').textContent = '보내지 못했어요';
      }
      if (event.code === 'BLOCKED') blocked = true;
      if (event.code === 'READ_ONLY') readOnly = true;
      applyState();
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (blocked || readOnly || !loaded) return;
    const text = input.value.trim();
    if (text.length === 0) {
      alert.textContent = '메시지를 입력해 주세요.';
      return;
    }
    if ([...text].length > MAX_LENGTH) {
      alert.textContent = chatErrorText('INVALID_INPUT');
      return;
    }
    alert.textContent = '';
    addPending(chatSocket.send(matchId, text));
    input.value = '';
    input.focus();
    showEmpty();
    toBottom();
  });

  older.addEventListener('click', async () => {
    const oldest = listEl.querySelector('.msg[data-id]')?.dataset.id;
    if (!oldest) return;
    older.disabled = true;
    log.setAttribute('aria-busy', 'true');
    try {
      const page = await api('GET', `/api/chats/${matchId}/messages?before=${oldest}&limit=${PAGE}`);
      const fromBottom = document.documentElement.scrollHeight - window.scrollY;
      const items = page.filter((m) => !messages.has(m.id)).reverse().map((m) => {
        messages.set(m.id, m);
        return messageItem(m);
      });
      listEl.prepend(...items);
      // The messages that were on screen stay where they were.
      window.scrollTo(0, document.documentElement.scrollHeight - fromBottom);
      older.hidden = page.length < PAGE;
      updateReadMark();
      if (older.hidden) items.at(-1)?.setAttribute('tabindex', '-1');
      if (older.hidden) items.at(-1)?.focus();
    } catch (error) {
      if (!error.code) throw error;
      alert.textContent = errorText(error);
    } finally {
      older.disabled = false;
      log.removeAttribute('aria-busy');
    }
  });

  blockButton.addEventListener('click', () => {
    blockStep = true;
    applyState();
    blockConfirm.focus();
  });
  blockCancel.addEventListener('click', () => {
    blockStep = false;
    applyState();
    blockButton.focus();
  });
  blockConfirm.addEventListener('click', async () => {
    blockConfirm.disabled = true;
    try {
      await api('POST', `/api/chats/${matchId}/block`);
      blocked = true;
      blockStep = false;
      alert.textContent = '';
      applyState();
      banner.setAttribute('tabindex', '-1');
      banner.focus();
    } catch (error) {
      if (!error.code) throw error;
      alert.textContent = errorText(error);
    } finally {
      blockConfirm.disabled = false;
    }
  });

  const onVisible = () => maybeRead();
  document.addEventListener('visibilitychange', onVisible);
  const offlineTimer = chatSocket.isOnline() ? null : setTimeout(() => {
    if (!chatSocket.isOnline()) connection.textContent = '연결하는 중이에요…';
  }, OFFLINE_NOTE_DELAY_MS);
  chatSocket.setActiveChat(matchId);
  const stop = chatSocket.subscribe(onEvent);
  ctx.cleanup.push(stop, () => {
    clearTimeout(offlineTimer);
    document.removeEventListener('visibilitychange', onVisible);
    chatSocket.setActiveChat(null);
  });

  const section = h('section', { class: 'chat' },
    h('a', { class: 'chat-back', href: '#/chats' }, '← 채팅 목록'),
    title,
    connection, banner,
    older, loading, log, empty,
    alert,
    form,
    tools);
  applyState();
  whileDrawing(load());
  return section;
}
