// A tiny element builder: h('p', {class: 'x'}, 'text', child). No framework, no build step.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A labelled field with its error slot: the error's id is err-<name>, tied by aria-describedby.
export function field(labelText, name, control) {
  control.id ||= `f-${name}`;
  control.name ||= name;
  control.setAttribute('aria-describedby', `err-${name}`);
  return h('div', { class: 'field' },
    h('label', { for: control.id }, labelText),
    control,
    h('p', { class: 'error', id: `err-${name}`, role: 'alert' }));
}

/// What the screen being drawn is loading (its first data): the router shows a screen once these
/// have settled, or after a moment at most, so it appears whole rather than growing (and moving
/// what is already in sight) as each part comes in. Returns `promise`.
let drawing = [];
export function whileDrawing(promise) {
  drawing.push(promise);
  return promise;
}

/// Takes what has been registered with `whileDrawing` so far (the router, around each screen).
export function takeDrawing() {
  const taken = drawing;
  drawing = [];
  return taken;
}

/// Waits until every promise in `promises` has settled, or `limitMs` has passed.
export async function settled(promises, limitMs) {
  if (promises.length === 0) return;
  let timer;
  const limit = new Promise((resolve) => { timer = setTimeout(resolve, limitMs); });
  await Promise.race([Promise.allSettled(promises), limit]);
  clearTimeout(timer);
}

export function select(options, selected) {
  return h('select', {}, options.map(([value, text]) =>
    h('option', { value, selected: value === selected }, text)));
}

/// A whole number with thousands separators, as Korean writes them ('12,345'). By hand: the
/// browser's own formatting loads its locale data on first use, a long pause on a phone's first
/// screen. Anything but a whole number goes to the browser.
export function grouped(n) {
  const value = Number(n);
  if (!Number.isSafeInteger(value)) return value.toLocaleString('ko-KR');
  const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return value < 0 ? `-${digits}` : digits;
}

export const won = (n) => `${grouped(n)}P`;

/// A date and time as the booth reads it: in Korea, whatever the device's own time zone.
export const seoulTime = (at) => new Date(at).toLocaleString('ko-KR', {
  timeZone: 'Asia/Seoul', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit',
});

/// A day as the booth reads it, in Korea ('2024년 12월 3일').
export const seoulDate = (at) => new Date(at).toLocaleDateString('ko-KR', {
  timeZone: 'Asia/Seoul', year: 'numeric', month: 'long', day: 'numeric',
});

/// Korea keeps one offset all year (no daylight saving time).
const SEOUL_OFFSET_MS = 9 * 60 * 60 * 1000;

/// An instant as an `<input type=datetime-local>` value in Seoul time ('2024-12-03T18:00'); '' for none.
export const seoulInput = (at) => (at ? new Date(Date.parse(at) + SEOUL_OFFSET_MS).toISOString().slice(0, 16) : '');

/// A datetime-local value read as Seoul time, as RFC 3339 ('2024-12-03T18:00:00+09:00'); null when empty.
export const fromSeoulInput = (value) => {
  if (!value) return null;
  return `${value.length === 16 ? `${value}:00` : value}+09:00`;
};
