// Operators: everyone banned now, newest first, with why and by whom; a ban can be lifted here.
import { api } from '../api.js';
import { h, seoulTime } from '../dom.js';
import { errorText } from '../messages.js';
import { subnav } from './ops.js';

/// `#/ops-bans`.
export function view(ctx) {
  const list = h('ul', { class: 'list', id: 'bans', 'aria-busy': 'true' },
    h('li', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const said = h('p', { class: 'alert ok', id: 'bans-status', role: 'status' });
  const failed = h('div', { class: 'alert', id: 'bans-alert', role: 'alert' });
  const empty = () => h('li', { class: 'muted', id: 'bans-empty' }, '이용이 정지된 사용자가 없어요.');

  function row(ban) {
    const unban = h('button', { type: 'button', class: 'secondary unban', 'aria-label': `${ban.nickname} 정지 해제` }, '정지 해제');
    const li = h('li', { class: 'ban-row', dataset: { user: ban.user_id } },
      h('div', { class: 'row' },
        h('a', { class: 'ban-nickname', href: `#/ops-users?id=${encodeURIComponent(ban.user_id)}` }, ban.nickname),
        unban),
      h('p', { class: 'ban-reason' }, ban.reason ? `사유: ${ban.reason}` : '사유 없음'),
      h('p', { class: 'muted' }, `${ban.by} · `, h('time', { datetime: ban.at }, seoulTime(ban.at))));
    unban.addEventListener('click', async () => {
      unban.disabled = true;
      failed.textContent = '';
      try {
        await api('POST', `/api/ops/users/${ban.user_id}/unban`, { reason: '정지 해제' });
        said.textContent = `${ban.nickname}님의 이용 정지를 풀었어요.`;
        const next = li.nextElementSibling?.querySelector('.unban') ?? li.previousElementSibling?.querySelector('.unban');
        li.remove();
        if (!list.querySelector('.ban-row')) list.replaceChildren(empty());
        if (next) next.focus();
        else {
          said.setAttribute('tabindex', '-1');
          said.focus();
        }
      } catch (error) {
        if (!error.code) throw error;
        failed.textContent = errorText(error);
        unban.disabled = false;
      }
    });
    return li;
  }

  (async () => {
    try {
      const bans = await api('GET', '/api/ops/bans');
      list.replaceChildren(...(bans.length === 0 ? [empty()] : bans.map(row)));
    } catch (error) {
      if (!error.code) throw error;
      list.replaceChildren();
      failed.textContent = errorText(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  })();

  return h('section', {},
    h('h1', {}, '이용 정지 목록'),
    subnav('ops-bans', ctx),
    h('p', { class: 'muted' }, '최근에 정지한 사람부터 보여요. 정지를 풀면 다시 로그인하고 매칭될 수 있어요.'),
    said, failed,
    h('div', { class: 'card' }, list));
}
