// A bar chart of today's 24 hours as inline SVG (no library): a summary for screen readers
// (the picture's name) and every number in a visually hidden table.
import { grouped, h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 336;
const HEIGHT = 150;
const PAD = { left: 34, right: 4, top: 10, bottom: 22 };

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

const number = grouped;

/// The top of the scale: 1, 2 or 5 times a power of ten, at least `max`.
function niceMax(max) {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((top) => top >= max);
}

/// `values`: 24 numbers, hours 0–23 (Seoul). `unit`: '명', '건', 'P'.
export function barChart({ id, title, unit, values }) {
  const hours = Array.from({ length: 24 }, (_, hour) => Number(values?.[hour] ?? 0));
  const total = hours.reduce((sum, v) => sum + v, 0);
  const peak = Math.max(...hours);
  const peakHour = hours.indexOf(peak);
  const summary = total === 0
    ? `${title}: 오늘은 아직 없어요.`
    : `${title}: 오늘 합계 ${number(total)}${unit}, 가장 많은 때는 ${peakHour}시 (${number(peak)}${unit}).`;

  const top = niceMax(peak);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / 24;
  const y = (v) => PAD.top + plotHeight - (v / top) * plotHeight;

  const picture = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart-svg',
    'aria-labelledby': `${id}-title ${id}-desc`,
  },
  svg('title', { id: `${id}-title` }, `${title} (시간대별)`),
  svg('desc', { id: `${id}-desc` }, summary),
  // The scale: the top value, the middle and zero, with faint lines.
  ...[top, top / 2, 0].flatMap((v) => [
    svg('line', { class: 'chart-grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
    svg('text', { class: 'chart-axis', x: PAD.left - 4, y: y(v) + 3.5, 'text-anchor': 'end' },
      Number.isInteger(v) ? number(v) : ''),
  ]),
  ...hours.map((v, hour) => {
    const height = Math.max(0, y(0) - y(v));
    return svg('rect', {
      class: 'chart-bar', x: PAD.left + hour * step + step * 0.15, y: y(0) - height,
      width: step * 0.7, height,
    }, svg('title', {}, `${hour}시: ${number(v)}${unit}`));
  }),
  ...[0, 3, 6, 9, 12, 15, 18, 21].map((hour) =>
    svg('text', { class: 'chart-axis', x: PAD.left + hour * step + step / 2, y: HEIGHT - 6, 'text-anchor': 'middle' }, `${hour}시`)));

  const table = h('table', { class: 'sr-only' },
    h('caption', {}, `${title} 시간대별 숫자`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '시간'), h('th', { scope: 'col' }, `${title} (${unit})`))),
    h('tbody', {}, hours.map((v, hour) => h('tr', {}, h('th', { scope: 'row' }, `${hour}시`), h('td', {}, number(v))))));

  return h('figure', { class: 'chart', id },
    h('figcaption', {}, h('h3', {}, title), h('span', { class: 'muted chart-total' }, `오늘 ${number(total)}${unit}`)),
    picture, table);
}
