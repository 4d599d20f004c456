// One chat WebSocket per tab, shared by the chat screens and the nav badge.
//
// It reconnects after a drop (1 s doubling to 30 s, with jitter) and announces every (re)connect
// so screens can fetch what they missed. A message waits in localStorage (per user and chat,
// keyed by client_id) from the moment it is written until the server echoes it back; whatever
// is still waiting is sent again on the next connect with the same client_id, and the server
// stores a client_id once.
import { api } from './api.js';

const URL_PATH = '/api/chats/ws';
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30000;
/// Sends are spaced so one tab never trips the server's limit of 5 messages a second.
const SEND_SPACING_MS = 250;
/// A RATE_LIMITED message is tried again after this long.
const RATE_LIMITED_RETRY_MS = 1500;
/// Refusals that will not change by trying again: the message is given up.
const FINAL_ERRORS = new Set(['NOT_FOUND', 'BLOCKED', 'READ_ONLY', 'INVALID_INPUT']);

const listeners = new Set();
let me = null;
let socket = null;
let online = false;
let attempt = 0;
let retryTimer = null;
let queue = [];
let queued = new Set();
let lastSentAt = 0;
let drainTimer = null;
/// Read receipts not yet sent (the socket was down): match_id → up_to.
const unsentReads = new Map();
const unread = new Map();
let activeChat = null;
let unreadRefresh = null;

/// Ids are decimal strings that grow with time: compare by length, then character by character.
export function compareIds(a, b) {
  if (a === b) return 0;
  if (a == null) return -1;
  if (b == null) return 1;
  [a, b] = [String(a), String(b)];
  if (a === b) return 0;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : 1;
}

/// Calls `listener(event)` for every server event (`message`, `read`, `error`) and for the
/// socket's own: `{type: 'open'}` on every connect (fetch what was missed then),
/// `{type: 'status', online}` and `{type: 'unread', total}`. Returns the function that stops.
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event) {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      console.error(error);
    }
  }
}

export const isOnline = () => online;

// ---- pending messages in localStorage -------------------------------------------------------

const prefix = () => `chat-pending:${me?.id}:`;

function readStore(matchId) {
  try {
    return JSON.parse(localStorage.getItem(prefix() + matchId) ?? '{}') ?? {};
  } catch {
    return {};
  }
}

function writeStore(matchId, entries) {
  try {
    if (Object.keys(entries).length === 0) localStorage.removeItem(prefix() + matchId);
    else localStorage.setItem(prefix() + matchId, JSON.stringify(entries));
  } catch {
    // Storage full or disabled: the message still goes out while this page is open.
  }
}

function forget(matchId, clientId) {
  const entries = readStore(matchId);
  if (!(clientId in entries)) return false;
  delete entries[clientId];
  writeStore(matchId, entries);
  return true;
}

/// Messages of a chat not yet acknowledged, oldest first.
export function pending(matchId) {
  return Object.values(readStore(matchId)).sort((a, b) => a.created - b.created);
}

function allPending() {
  const all = [];
  try {
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (key?.startsWith(prefix())) all.push(...pending(key.slice(prefix().length)));
    }
  } catch {
    return all;
  }
  return all.sort((a, b) => a.created - b.created);
}

// ---- sending --------------------------------------------------------------------------------

function transmit(payload) {
  if (!online) return false;
  try {
    socket.send(JSON.stringify(payload));
    return true;
  } catch {
    return false;
  }
}

function drain() {
  drainTimer = null;
  if (!online) return;
  while (queue.length > 0) {
    const wait = lastSentAt + SEND_SPACING_MS - Date.now();
    if (wait > 0) {
      drainTimer = setTimeout(drain, wait);
      return;
    }
    const message = queue.shift();
    queued.delete(message.client_id);
    // Acknowledged meanwhile (by this tab or another): nothing to send.
    if (!(message.client_id in readStore(message.match_id))) continue;
    transmit({ type: 'send', match_id: message.match_id, text: message.text, client_id: message.client_id });
    lastSentAt = Date.now();
  }
}

function enqueue(message) {
  if (queued.has(message.client_id)) return;
  queued.add(message.client_id);
  queue.push(message);
  if (!drainTimer) drain();
}

/// Writes a message: kept in localStorage until the server echoes it, sent now if connected
/// (or on the next connect). Returns the pending message `{client_id, match_id, text, created}`.
export function send(matchId, text) {
  const message = { client_id: crypto.randomUUID(), match_id: matchId, text, created: Date.now() };
  const entries = readStore(matchId);
  entries[message.client_id] = message;
  writeStore(matchId, entries);
  if (online) enqueue(message);
  return message;
}

/// Tells the server I have read a chat up to message `upTo` (sent when next connected if down).
export function markRead(matchId, upTo) {
  if (!upTo) return;
  if (!transmit({ type: 'read', match_id: matchId, up_to: upTo })) unsentReads.set(matchId, upTo);
  // Read up to the newest message on screen: the badge drops now (the server's count follows).
  if (unread.get(matchId)) {
    unread.set(matchId, 0);
    announceUnread();
  }
}

// ---- unread counts --------------------------------------------------------------------------

function announceUnread() {
  emit({ type: 'unread', total: totalUnread() });
}

export function totalUnread() {
  let total = 0;
  for (const count of unread.values()) total += count;
  return total;
}

/// Takes the unread counts from a `GET /api/chats` answer.
export function setChats(chats) {
  unread.clear();
  for (const chat of chats) unread.set(chat.match_id, chat.unread ?? 0);
  announceUnread();
}

async function refreshUnread() {
  if (!me) return;
  try {
    setChats(await api('GET', '/api/chats'));
  } catch {
    // The next connect or the chat list tries again.
  }
}

function refreshUnreadSoon() {
  clearTimeout(unreadRefresh);
  unreadRefresh = setTimeout(refreshUnread, 300);
}

/// The chat on screen: its partner's messages do not count as unread while the tab is visible.
export function setActiveChat(matchId) {
  activeChat = matchId;
}

// ---- the connection -------------------------------------------------------------------------

function onServerEvent(event) {
  if (event.type === 'message') {
    if (event.client_id && event.from_me) forget(event.match_id, event.client_id);
    const watching = String(event.match_id) === activeChat && document.visibilityState === 'visible';
    if (!event.from_me && !watching) {
      unread.set(event.match_id, (unread.get(event.match_id) ?? 0) + 1);
      announceUnread();
    }
  } else if (event.type === 'read' && event.by_me) {
    refreshUnreadSoon();
  } else if (event.type === 'error' && event.client_id) {
    if (FINAL_ERRORS.has(event.code)) {
      forget(event.match_id, event.client_id);
    } else if (event.code === 'RATE_LIMITED') {
      const message = readStore(event.match_id)[event.client_id];
      if (message) setTimeout(() => enqueue(message), RATE_LIMITED_RETRY_MS);
    }
  }
  emit(event);
}

function scheduleReconnect() {
  if (!me || retryTimer) return;
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
  attempt += 1;
  // Equal jitter: half the delay fixed, half random, so a restarted server is not stormed.
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  retryTimer = setTimeout(() => {
    retryTimer = null;
    connect();
  }, delay);
}

function connect() {
  if (!me || socket) return;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let ws;
  try {
    ws = new WebSocket(`${scheme}://${location.host}${URL_PATH}`);
  } catch {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.addEventListener('open', () => {
    if (socket !== ws) return;
    online = true;
    attempt = 0;
    emit({ type: 'status', online: true });
    for (const [matchId, upTo] of unsentReads) transmit({ type: 'read', match_id: matchId, up_to: upTo });
    unsentReads.clear();
    allPending().forEach(enqueue);
    refreshUnread();
    emit({ type: 'open' });
  });
  ws.addEventListener('message', (message) => {
    if (socket !== ws) return;
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event && typeof event.type === 'string') onServerEvent(event);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    online = false;
    queue = [];
    queued = new Set();
    clearTimeout(drainTimer);
    drainTimer = null;
    emit({ type: 'status', online: false });
    scheduleReconnect();
  });
  // An error is always followed by close, which does the rest.
}

/// Connects for `user` (again if another user signed in). Safe to call on every screen.
export function start(user) {
  if (me && me.id !== user.id) stop();
  me = user;
  connect();
}

/// Closes the socket and forgets the user (sign-out). Messages never sent are dropped with the
/// session: on a shared phone the next person must not find them.
export function stop() {
  if (me) {
    try {
      const keys = [];
      for (let i = 0; i < localStorage.length; i += 1) {
        if (localStorage.key(i)?.startsWith(prefix())) keys.push(localStorage.key(i));
      }
      keys.forEach((key) => localStorage.removeItem(key));
    } catch {
      // Storage disabled: nothing was kept.
    }
  }
  me = null;
  clearTimeout(retryTimer);
  retryTimer = null;
  clearTimeout(drainTimer);
  drainTimer = null;
  clearTimeout(unreadRefresh);
  queue = [];
  queued = new Set();
  unread.clear();
  unsentReads.clear();
  activeChat = null;
  attempt = 0;
  const ws = socket;
  socket = null;
  online = false;
  ws?.close();
  announceUnread();
}

// Back online or back on the tab: try now instead of waiting out the backoff.
function reconnectNow() {
  if (!me || socket) return;
  clearTimeout(retryTimer);
  retryTimer = null;
  connect();
}
window.addEventListener('online', reconnectNow);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') reconnectNow();
});
