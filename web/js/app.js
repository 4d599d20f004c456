// The single-page app: a hash router over screens, the signed-in user and the catalog.
import { api, onConsentRequired, onNetworkStatus, onUnauthenticated } from './api.js';
import * as chatSocket from './chat_socket.js';
import { h, settled, takeDrawing, won } from './dom.js';
import { loginErrorText } from './views/sign_in_providers.js';

/// Each screen: its module under views/ and the function there that draws it. A module is
/// fetched when its screen is first opened (the one in the address as the app starts, alongside
/// the first API calls), so a phone loads the few files a screen needs, not every screen's.
/// The service worker keeps them all for offline use.
const ROUTES = {
  '': ['auth', 'landing'], login: ['auth', 'login'], signup: ['auth', 'signup'],
  forgot: ['recover', 'forgot'], 'operator-signup': ['operator_signup', 'view'],
  home: ['home', 'view'], profile: ['profile', 'view'], charge: ['charge', 'view'],
  consent: ['consent', 'view'],
  match: ['match', 'view'], history: ['match', 'history'], settings: ['settings', 'view'], ops: ['ops', 'view'],
  'ops-users': ['ops_users', 'view'], 'ops-stats': ['ops_users', 'stats'],
  'ops-reports': ['ops_reports', 'view'], 'ops-bans': ['ops_bans', 'view'],
  chats: ['chat', 'list'], chat: ['chat', 'view'],
  booth: ['booth', 'view'], 'ops-booth': ['ops_booth', 'view'],
  'ops-notices': ['ops_notices', 'view'], 'ops-payment': ['ops_payment', 'view'], 'ops-events': ['ops_events', 'view'],
  'ops-operators': ['ops_operators', 'view'],
  help: ['help', 'view'],
};

/// views/<name>.js, fetched once (again after a failure: the network may be back).
const screenModules = new Map();
function screenModule(name) {
  if (!screenModules.has(name)) {
    screenModules.set(name, import(`./views/${name}.js`).catch((error) => {
      screenModules.delete(name);
      throw error;
    }));
  }
  return screenModules.get(name);
}

/// The function that draws `route` (the landing page for an unknown one).
async function screenOf(route) {
  const [name, draw] = ROUTES[route] ?? ROUTES[''];
  return (await screenModule(name))[draw];
}

const PUBLIC = new Set(['', 'login', 'signup', 'forgot', 'operator-signup', 'help']);
/// Operator pages only an admin may open (an operator lands on the charge queue instead).
const ADMIN_ONLY = new Set(['ops-notices', 'ops-payment', 'ops-events', 'ops-operators']);
/// Where the password reset mail's link points: `/reset#token=…` (the server serves this app there).
const RESET_PATH = '/reset';
/// Pages a signed-in student may open before writing a profile.
const WITHOUT_PROFILE = new Set(['profile', 'settings', 'charge', 'booth', 'consent']);
/// Pages a signed-in user may open before accepting the documents in force (besides the public
/// ones, and the operator pages for operators): withdrawing and signing out stay possible.
const WITHOUT_CONSENT = new Set(['consent', 'settings']);
/// Screens no one is sent back to after the consent screen (signing in, or the consent itself).
const NOT_AFTER_CONSENT = new Set(['', 'login', 'signup', 'forgot', 'consent']);

/// The route and its query in the address ('match', 'x=1' for `#/match?x=1`).
function currentRoute() {
  const [route, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { route, query };
}

// The screen in the address, fetched now: at the same time as the first API calls, not after.
screenModule(location.pathname === RESET_PATH ? 'recover' : (ROUTES[currentRoute().route] ?? ROUTES[''])[0])
  .catch(() => null);

let consentLoading = null;
let catalogLoading = null;

/// Tries to load `what` up to `tries` times, waiting longer after each failure (0.5 s, 1 s…):
/// a festival's mobile network drops the odd request.
const BACKOFF_MS = 500;
async function withRetries(what, tries = 3) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await what();
    } catch (error) {
      if (attempt >= tries || (error.status >= 400 && error.status < 500)) throw error;
      await new Promise((resolve) => { setTimeout(resolve, BACKOFF_MS * 2 ** (attempt - 1)); });
    }
  }
}

/// Said on the login screen when the session ended (expired, signed out elsewhere, banned).
export const SESSION_ENDED = '로그인이 필요해요. 다시 로그인해 주세요.';

/// The balance pill in the top bar (`#header-balance`, to the charge screen): shown for a
/// signed-in student (with a profile), updated whenever `ctx.me` is set or `showBalance()` is called.
function headerBalance(me) {
  const pill = document.getElementById('header-balance');
  if (!pill) return;
  const show = Boolean(me?.profile) && typeof me.points === 'number';
  pill.hidden = !show;
  if (show) {
    pill.textContent = won(me.points);
    pill.setAttribute('aria-label', `내 포인트 ${won(me.points)}, 충전하러 가기`);
  }
}

let signedIn = null;

export const ctx = {
  /// The signed-in user (`GET /api/me`), or null. Setting it updates the header's balance.
  get me() { return signedIn; },
  set me(value) {
    signedIn = value;
    headerBalance(value);
  },
  /// Shows `me.points` in the header again (after changing it in place).
  showBalance() { headerBalance(signedIn); },
  catalog: null,
  /// `GET /api/consent`: `{version, min_age, documents}`; null until it has been had.
  consent: null,
  cleanup: [],
  async refreshMe() {
    try {
      this.me = await api('GET', '/api/me');
    } catch (error) {
      if (error.status !== 401) throw error;
      this.me = null;
    }
    return this.me;
  },
  // The catalog again: discounts and the promotion change during the festival.
  async refreshCatalog() {
    this.catalog = await api('GET', '/api/catalog').catch(() => this.catalog);
    return this.catalog;
  },
  /// The catalog (hobbies, prices), tried three times with a pause between; throws when it
  /// cannot be had (the screens that need it then offer to try again: `#retry-load`).
  async loadCatalog() {
    catalogLoading ??= withRetries(() => api('GET', '/api/catalog'))
      .then((catalog) => { this.catalog = catalog; return catalog; })
      .finally(() => { catalogLoading = null; });
    return catalogLoading;
  },
  /// The consent documents in force, asked once (again after a failure, or when `fresh`: the
  /// version may have changed while the app was open). Throws when they cannot be had.
  async loadConsent({ fresh = false } = {}) {
    if (fresh) this.consent = null;
    if (this.consent) return this.consent;
    consentLoading ??= withRetries(() => api('GET', '/api/consent'))
      .then((documents) => { this.consent = documents; return documents; })
      .finally(() => { consentLoading = null; });
    return consentLoading;
  },
  /// The version of the documents in force, or null while unknown.
  get consentVersion() { return this.consent?.version ?? null; },
  /// Whether the signed-in user still has to accept the documents in force. While the version
  /// is unknown (the documents could not be had yet), only a user who never accepted any; the
  /// API refuses the rest with CONSENT_REQUIRED, which leads to the consent screen too.
  needsConsent() {
    if (!this.me) return false;
    const version = this.consentVersion;
    return version === null ? !this.me.consent : this.me.consent?.version !== version;
  },
  /// The consent screen's address, coming back to `next` ('match?x=1') afterwards.
  consentRoute(next) {
    const route = (next ?? '').split('?')[0];
    return this.returnsAfterConsent(route) ? `consent?next=${encodeURIComponent(next)}` : 'consent';
  },
  /// Whether the consent screen may send the user on to `route` (a screen of this app, not a
  /// sign-in screen).
  returnsAfterConsent(route) {
    return Object.hasOwn(ROUTES, route) && !NOT_AFTER_CONSENT.has(route);
  },
  go(route) { location.hash = `#/${route}`; },
  /// The login screen's address, coming back to `next` ('charge', 'chat?m=…') afterwards.
  loginRoute(next) {
    const route = (next ?? '').split('?')[0];
    return this.returnsAfterLogin(route) ? `login?next=${encodeURIComponent(next)}` : 'login';
  },
  /// Whether the login screen may send the user on to `route` (a screen of this app that needs
  /// signing in).
  returnsAfterLogin(route) {
    return Object.hasOwn(ROUTES, route) && !PUBLIC.has(route) && route !== 'consent';
  },
  /// Draws the current screen again (after something it depends on changed, such as `me`).
  render() { return render(); },
  /// A line for the next screen to show once (the login screen shows it).
  flash: null,
  /// A line for the match screen to show once (a new profile was just saved).
  notice: null,
  /// Why a return from a sign-in provider failed, for the login (or settings) screen, once.
  loginError: null,
};

// The unread count beside 채팅: hidden at 0, a number otherwise (words for screen readers).
function unreadBadge(total) {
  return h('span', { class: 'nav-badge', id: 'chat-unread', hidden: total === 0 },
    h('span', { class: 'sr-only' }, '읽지 않은 메시지 '),
    h('span', { class: 'count' }, total > 99 ? '99+' : String(total)),
    h('span', { class: 'sr-only' }, '개'));
}

chatSocket.subscribe((event) => {
  if (event.type !== 'unread') return;
  document.getElementById('chat-unread')?.replaceWith(unreadBadge(event.total));
});

function nav(route) {
  headerBalance(ctx.me);
  const links = ctx.me
    ? [['home', '홈'], ['match', '매칭'], ['chats', '채팅'], ['charge', '충전'], ['history', '기록'], ['settings', '설정']]
    : [['login', '로그인'], ['signup', '가입']];
  if (ctx.me && (ctx.me.role === 'OPERATOR' || ctx.me.role === 'ADMIN')) links.push(['ops', '운영']);
  const current = route.startsWith('ops') ? 'ops' : route === 'chat' ? 'chats' : route;
  document.getElementById('nav').replaceChildren(...links.map(([to, text]) =>
    h('a', { href: `#/${to}`, id: `nav-${to}`, 'aria-current': to === current ? 'page' : false },
      text, to === 'chats' ? unreadBadge(chatSocket.totalUnread()) : null)));
}

/// The reset page: the token from the link, then the new password; afterwards the login screen.
async function resetPage() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const recover = await screenModule('recover');
  return recover.reset(ctx, token, async () => {
    // The reset ended every session of that account (perhaps this one).
    await ctx.refreshMe().catch(() => null);
    ctx.flash = recover.RESET_DONE;
    history.replaceState(null, '', '/#/login');
    await render();
  });
}

/// How long a screen may wait for its first data before it is shown anyway (then with the
/// spinners of what is still coming).
const DRAW_WAIT_MS = 1000;
/// Which render is the latest: one overtaken while it waited (another link was followed) shows nothing.
let renders = 0;

async function render() {
  renders += 1;
  const mine = renders;
  ctx.cleanup.splice(0).forEach((stop) => stop());
  // One chat socket per tab while signed in (with a profile: only then can there be matches);
  // it keeps the unread badge and the chat screens live.
  if (ctx.me?.profile) chatSocket.start(ctx.me);
  else chatSocket.stop();
  if (location.pathname === RESET_PATH) {
    if (!location.hash || location.hash.startsWith('#token=')) return show('reset', await resetPage());
    // A menu link followed from the reset page: back to the app's own address.
    history.replaceState(null, '', `/${location.hash}`);
  }
  const { route, query } = currentRoute();
  const params = new URLSearchParams(query);
  if (!PUBLIC.has(route) && !ctx.me) return ctx.go(ctx.loginRoute(query ? `${route}?${query}` : route));
  // Every `ops…` page is for operators (and admins) only.
  const operatorPage = route.startsWith('ops');
  if (operatorPage && !['OPERATOR', 'ADMIN'].includes(ctx.me?.role)) return ctx.go('home');
  if (ADMIN_ONLY.has(route) && ctx.me.role !== 'ADMIN') return ctx.go('ops');
  // Consent to the documents in force before anything else, but for the operators' own pages
  // (staff without a student profile never need it). The documents once per page load.
  if (ctx.me && !ctx.consent) await ctx.loadConsent().catch(() => null);
  if (ctx.needsConsent() && !PUBLIC.has(route) && !WITHOUT_CONSENT.has(route) && !operatorPage) {
    return ctx.go(ctx.consentRoute(query ? `${route}?${query}` : route));
  }
  // Someone waiting on an operator application (no student profile needed) may see home.
  const applicantHome = route === 'home' && Boolean(ctx.me?.operator_request);
  if (ctx.me && !ctx.me.profile && !WITHOUT_PROFILE.has(route) && !operatorPage && !PUBLIC.has(route) && !applicantHome) {
    return ctx.go('profile');
  }
  let view;
  try {
    view = await screenOf(route);
  } catch {
    // The screen's file could not be had (no connection, and not kept offline yet).
    if (mine === renders) show(route, notLoaded());
    return undefined;
  }
  takeDrawing();
  const content = await view(ctx, params);
  // The screen whole, once its first data is in (or after a moment): nothing moves as it comes.
  await settled(takeDrawing(), DRAW_WAIT_MS);
  if (mine !== renders) return undefined;
  return show(route, content);
}

/// A screen whose file could not be fetched: why, and a button to try again.
function notLoaded() {
  return h('section', { class: 'card', id: 'screen-not-loaded' },
    h('h1', {}, '화면을 불러오지 못했어요'),
    h('p', {}, '인터넷 연결을 확인하고 다시 시도해 주세요.'),
    h('button', { type: 'button', id: 'retry-screen', onclick: () => render() }, '다시 시도'));
}

/// Puts a screen in place: the menu, the content, the focus on its heading.
function show(route, content) {
  nav(route);
  const main = document.getElementById('app');
  main.replaceChildren(content);
  const heading = main.querySelector('h1');
  if (heading) heading.setAttribute('tabindex', '-1');
  (heading ?? main).focus();
}

/// A failed return from a sign-in provider lands on `/?login_error=CODE`: its words go to the
/// login screen (settings, for a signed-in account that was linking one), and the code leaves
/// the address so a reload or a shared link does not say it again.
function takeLoginError() {
  const code = new URLSearchParams(location.search).get('login_error');
  if (code === null) return;
  ctx.loginError = loginErrorText(code);
  history.replaceState(null, '', ctx.me ? '/#/settings' : '/#/login');
}

/// The API refused something for want of consent (the version changed while the app was open,
/// or another tab withdrew it): the documents and `me` again, then the consent screen, coming
/// back here afterwards. Several refusals at once go there once.
let toConsent = null;
onConsentRequired(() => {
  toConsent ??= (async () => {
    await Promise.all([ctx.loadConsent({ fresh: true }).catch(() => null), ctx.refreshMe().catch(() => null)]);
    const { route, query } = currentRoute();
    if (route !== 'consent') ctx.go(ctx.consentRoute(query ? `${route}?${query}` : route));
  })().finally(() => { toConsent = null; });
});

/// The API says the session is gone (it expired, or it was ended elsewhere: a sign-out, a
/// password change, a ban): signed out here too, then the login screen, which says so and comes
/// back here afterwards. Several refusals at once go there once.
onUnauthenticated(() => {
  if (!ctx.me) return;
  ctx.me = null;
  chatSocket.stop();
  // The reset page ends every session on purpose and goes to the login screen itself.
  if (location.pathname === RESET_PATH) return;
  const { route, query } = currentRoute();
  nav('login');
  ctx.flash = SESSION_ENDED;
  if (route === 'login') {
    render();
    return;
  }
  ctx.go(ctx.loginRoute(query ? `${route}?${query}` : route));
});

/// The offline banner (`#offline-banner`): shown while the browser says it is offline or a call
/// got no answer at all; hidden when the connection comes back (then `me` again: the balance).
function offlineBanner(offline) {
  const banner = document.getElementById('offline-banner');
  if (banner) banner.hidden = !offline;
}
onNetworkStatus((reachable) => offlineBanner(!reachable));
window.addEventListener('offline', () => offlineBanner(true));
window.addEventListener('online', () => {
  offlineBanner(false);
  if (ctx.me) ctx.refreshMe().catch(() => null);
});

/// The service worker (`/sw.js`): the app shell from the cache when offline, and installable.
/// `window.__swReady` says it registered (the browser tests wait on it).
function registerServiceWorker() {
  navigator.serviceWorker?.register('/sw.js')
    .then(() => { window.__swReady = true; })
    .catch(() => null);
}

async function start() {
  if (navigator.onLine === false) offlineBanner(true);
  // The first calls at once (none waits for another).
  const signedIn = ctx.refreshMe().then(() => true, (error) => error.code !== 'NETWORK');
  await Promise.all([
    ctx.loadCatalog().catch(() => null),
    ctx.loadConsent().catch(() => null),
  ]);
  const reached = await signedIn;
  if (!reached) {
    registerServiceWorker();
    return unreachable();
  }
  takeLoginError();
  window.addEventListener('hashchange', render);
  try {
    await render();
  } finally {
    // After the first screen: the worker fetches every file of the app to keep, which should
    // not compete with what that screen needs.
    registerServiceWorker();
  }
}

/// How often the app tries again when the server could not be reached at start.
const RETRY_START_MS = 5000;

/// The server gave no answer at start (offline, or restarting): say so, rather than a sign-in
/// screen that could not work, and start again on the button, when the browser is back
/// online, or every RETRY_START_MS.
function unreachable() {
  let timer;
  const again = () => {
    clearTimeout(timer);
    window.removeEventListener('online', again);
    start();
  };
  timer = setTimeout(again, RETRY_START_MS);
  window.addEventListener('online', again);
  show('offline', h('section', { class: 'card', id: 'unreachable' },
    h('h1', {}, '연결할 수 없어요'),
    h('p', {}, '인터넷 연결이 끊겼거나 서버가 잠시 응답하지 않아요. 연결되면 저절로 다시 시도할게요.'),
    h('button', { type: 'button', id: 'retry-start', onclick: again }, '지금 다시 시도')));
  // Its links would lead nowhere until the app has started.
  document.getElementById('nav').replaceChildren();
}

start();
