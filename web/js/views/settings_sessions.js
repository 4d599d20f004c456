// Settings: where this account is signed in, and signing out everywhere else in two taps.
import { api } from '../api.js';
import { h, seoulTime } from '../dom.js';
import { errorText } from '../messages.js';

function row(session) {
  return h('li', { class: `session-row${session.current ? ' current' : ''}`, dataset: { id: session.id } },
    h('div', { class: 'session-head' },
      h('strong', {}, session.current ? '이 기기' : '다른 기기'),
      session.remember ? h('span', { class: 'badge session-remember' }, '로그인 유지') : null),
    h('p', { class: 'muted session-times' },
      '로그인 ', h('time', { datetime: session.created_at }, seoulTime(session.created_at)),
      ' · 최근 사용 ', h('time', { datetime: session.last_seen_at }, seoulTime(session.last_seen_at))));
}

/// The card and `reload()` (after a password change, say).
export function sessionsCard() {
  const list = h('ul', { class: 'list', id: 'sessions', 'aria-busy': 'true' },
    h('li', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const said = h('p', { class: 'alert ok', id: 'sessions-status', role: 'status' });
  const failed = h('p', { class: 'alert', id: 'sessions-alert', role: 'alert' });

  const ask = h('button', { type: 'button', class: 'secondary wide', id: 'logout-others', hidden: true }, '다른 기기 모두 로그아웃');
  const note = h('p', { class: 'confirm-note', id: 'logout-others-note', hidden: true },
    '이 기기만 남기고 다른 기기에서는 모두 로그아웃돼요.');
  const confirm = h('button', { type: 'button', class: 'danger', id: 'logout-others-confirm', hidden: true }, '로그아웃할게요');
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'logout-others-cancel', hidden: true }, '취소');
  let others = 0;
  const step = (confirming) => {
    ask.hidden = confirming || others === 0;
    note.hidden = !confirming;
    confirm.hidden = !confirming;
    cancel.hidden = !confirming;
  };

  async function reload() {
    list.setAttribute('aria-busy', 'true');
    try {
      const sessions = await api('GET', '/api/me/sessions');
      failed.textContent = '';
      others = sessions.filter((s) => !s.current).length;
      list.replaceChildren(...sessions.map(row));
      if (others === 0) {
        list.append(h('li', { class: 'muted', id: 'sessions-alone' }, '다른 기기에서는 로그인해 있지 않아요.'));
      }
      step(false);
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  ask.addEventListener('click', () => {
    said.textContent = '';
    step(true);
    confirm.focus();
  });
  cancel.addEventListener('click', () => {
    step(false);
    ask.focus();
  });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await api('POST', '/api/me/sessions/logout-others');
      said.textContent = '다른 기기에서 모두 로그아웃했어요.';
      await reload();
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
      step(false);
    } finally {
      confirm.disabled = false;
    }
  });

  reload();
  const card = h('section', { class: 'card account', id: 'sessions-card', 'aria-labelledby': 'sessions-title' },
    h('h2', { id: 'sessions-title' }, '로그인한 기기'),
    h('p', { class: 'muted' }, '최근에 로그인한 것부터 보여요. 모르는 기록이 있으면 다른 기기에서 로그아웃하고 비밀번호를 바꿔 주세요.'),
    list, said, failed,
    ask, note, h('div', { class: 'actions' }, confirm, cancel));
  return { card, reload };
}
