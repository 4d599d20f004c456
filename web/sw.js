// The service worker: keeps the app shell so the app opens (and can be installed) without a
// connection. The API (`/api/…`) is never touched: it always goes to the network. Shell files are
// network-first (a deployed update is picked up at once) with the cache as the fallback offline.
const CACHE = 'comatching-shell-v1';
const SHELL = [
  '/',
  '/app.css',
  '/favicon.svg',
  '/icon.svg',
  '/manifest.webmanifest',
  '/js/api.js',
  '/js/app.js',
  '/js/chart.js',
  '/js/chat_socket.js',
  '/js/clipboard.js',
  '/js/confirm.js',
  '/js/dom.js',
  '/js/forms.js',
  '/js/major_picker.js',
  '/js/mbti_toggle.js',
  '/js/messages.js',
  '/js/views/auth.js',
  '/js/views/booth.js',
  '/js/views/charge.js',
  '/js/views/chat.js',
  '/js/views/chat_report.js',
  '/js/views/consent.js',
  '/js/views/help.js',
  '/js/views/home.js',
  '/js/views/match.js',
  '/js/views/match_cost.js',
  '/js/views/operator_signup.js',
  '/js/views/ops.js',
  '/js/views/ops_bans.js',
  '/js/views/ops_booth.js',
  '/js/views/ops_events.js',
  '/js/views/ops_notices.js',
  '/js/views/ops_operators.js',
  '/js/views/ops_payment.js',
  '/js/views/ops_reports.js',
  '/js/views/ops_users.js',
  '/js/views/profile.js',
  '/js/views/profile_fields.js',
  '/js/views/profile_steps.js',
  '/js/views/recover.js',
  '/js/views/settings.js',
  '/js/views/settings_password.js',
  '/js/views/settings_school.js',
  '/js/views/settings_sessions.js',
  '/js/views/sign_in_providers.js',
];
const SHELL_PATHS = new Set(SHELL);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  // A page (`/`, `/reset`…) falls back to the cached app; other files only to themselves.
  const navigation = request.mode === 'navigate';
  if (!navigation && !SHELL_PATHS.has(url.pathname)) return;
  event.respondWith((async () => {
    try {
      const response = await fetch(request);
      if (response.ok && SHELL_PATHS.has(url.pathname) && url.search === '') {
        const copy = response.clone();
        event.waitUntil(caches.open(CACHE).then((cache) => cache.put(url.pathname, copy)).catch(() => null));
      }
      return response;
    } catch (error) {
      const cached = await caches.match(navigation ? '/' : url.pathname, { ignoreSearch: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
