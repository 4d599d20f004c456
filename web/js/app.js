// The single-page app: a hash router over screens, the signed-in user and the catalog.
import { api } from './api.js';
import { h } from './dom.js';
import * as auth from './views/auth.js';
import * as home from './views/home.js';
import * as charge from './views/charge.js';
import * as match from './views/match.js';
import * as ops from './views/ops.js';
import * as opsUsers from './views/ops_users.js';
import * as profile from './views/profile.js';
import * as settings from './views/settings.js';

const ROUTES = {
  '': auth.landing, login: auth.login, signup: auth.signup,
  home: home.view, profile: profile.view, charge: charge.view,
  match: match.view, history: match.history, settings: settings.view, ops: ops.view,
  'ops-users': opsUsers.view, 'ops-stats': opsUsers.stats,
};
const PUBLIC = new Set(['', 'login', 'signup']);

export const ctx = {
  me: null,
  catalog: null,
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
  go(route) { location.hash = `#/${route}`; },
};

function nav(route) {
  const links = ctx.me
    ? [['home', '홈'], ['match', '매칭'], ['charge', '충전'], ['history', '기록'], ['settings', '설정']]
    : [['login', '로그인'], ['signup', '가입']];
  if (ctx.me && (ctx.me.role === 'OPERATOR' || ctx.me.role === 'ADMIN')) links.push(['ops', '운영']);
  const current = route.startsWith('ops') ? 'ops' : route;
  document.getElementById('nav').replaceChildren(...links.map(([to, text]) =>
    h('a', { href: `#/${to}`, 'aria-current': to === current ? 'page' : false }, text)));
}

async function render() {
  ctx.cleanup.splice(0).forEach((stop) => stop());
  const route = location.hash.replace(/^#\/?/, '').split('?')[0];
  const view = ROUTES[route] ?? auth.landing;
  const main = document.getElementById('app');
  if (!PUBLIC.has(route) && !ctx.me) return ctx.go('login');
  const OPERATOR_PAGES = ['ops', 'ops-users', 'ops-stats'];
  if (OPERATOR_PAGES.includes(route) && !['OPERATOR', 'ADMIN'].includes(ctx.me?.role)) return ctx.go('home');
  if (ctx.me && !ctx.me.profile && !['profile', 'settings', 'charge', ...OPERATOR_PAGES].includes(route) && !PUBLIC.has(route)) {
    return ctx.go('profile');
  }
  nav(route);
  main.replaceChildren(await view(ctx));
  const heading = main.querySelector('h1');
  if (heading) heading.setAttribute('tabindex', '-1');
  (heading ?? main).focus();
}

async function start() {
  ctx.catalog = await api('GET', '/api/catalog').catch(() => null);
  await ctx.refreshMe().catch(() => null);
  window.addEventListener('hashchange', render);
  await render();
}

start();
