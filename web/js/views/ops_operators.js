// Admins: people who signed up as operators, oldest first. Approving makes them operators at
// once; rejecting takes two taps.
import { api } from '../api.js';
import { h, seoulTime, whileDrawing } from '../dom.js';
import { errorText } from '../messages.js';
import { subnav } from './ops.js';

/// `#/ops-operators`.
export function view(ctx) {
  const list = h('ul', { class: 'list', id: 'operator-requests', 'aria-busy': 'true' },
    h('li', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const said = h('p', { class: 'alert ok', id: 'operator-status', role: 'status' });
  const failed = h('div', { class: 'alert', id: 'operator-alert', role: 'alert' });

  const empty = () => h('li', { class: 'muted', id: 'operator-empty' }, '기다리는 운영진 신청이 없어요.');
  const leave = (item) => {
    item.remove();
    if (!list.querySelector('.operator-request')) list.replaceChildren(empty());
  };

  const row = (request) => {
    const who = `${request.nickname}(${request.email})`;
    const approve = h('button', { type: 'button', class: 'op-approve', 'aria-label': `${request.nickname} 승인` }, '승인');
    const reject = h('button', { type: 'button', class: 'secondary op-reject', 'aria-label': `${request.nickname} 거절` }, '거절');
    const note = h('p', { class: 'confirm-note', hidden: true }, `${who}님의 신청을 거절해요. 운영 메뉴는 열리지 않아요.`);
    const confirm = h('button', { type: 'button', class: 'danger op-reject-confirm', hidden: true }, '거절할게요');
    const cancel = h('button', { type: 'button', class: 'secondary op-reject-cancel', hidden: true }, '취소');
    const step = (confirming) => {
      approve.hidden = confirming;
      reject.hidden = confirming;
      note.hidden = !confirming;
      confirm.hidden = !confirming;
      cancel.hidden = !confirming;
    };
    const item = h('li', { class: 'operator-request', dataset: { user: request.user_id } },
      h('div', { class: 'row' },
        h('strong', { class: 'operator-nickname' }, request.nickname),
        h('time', { class: 'muted', datetime: request.at }, seoulTime(request.at))),
      h('p', { class: 'operator-email' }, request.email),
      h('div', { class: 'actions' }, approve, reject),
      note,
      h('div', { class: 'actions' }, confirm, cancel));

    const decide = async (action, button, done) => {
      button.disabled = true;
      said.textContent = '';
      failed.textContent = '';
      try {
        await api('POST', `/api/admin/operator-requests/${encodeURIComponent(request.user_id)}/${action}`);
        said.textContent = done;
        leave(item);
        said.setAttribute('tabindex', '-1');
        said.focus();
      } catch (error) {
        if (!error.code) throw error;
        if (error.code === 'NOT_FOUND') {
          failed.textContent = '이미 처리된 신청이에요. 목록을 새로 불러왔어요.';
          await load();
        } else {
          failed.textContent = errorText(error);
          step(false);
        }
      } finally {
        button.disabled = false;
      }
    };
    approve.addEventListener('click', () => decide('approve', approve, `${who}님을 운영진으로 승인했어요.`));
    reject.addEventListener('click', () => {
      step(true);
      confirm.focus();
    });
    cancel.addEventListener('click', () => {
      step(false);
      reject.focus();
    });
    confirm.addEventListener('click', () => decide('reject', confirm, `${who}님의 운영진 신청을 거절했어요.`));
    return item;
  };

  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const requests = await api('GET', '/api/admin/operator-requests');
      list.replaceChildren(...(requests.length === 0 ? [empty()] : requests.map(row)));
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  const refresh = h('button', { type: 'button', class: 'secondary wide', id: 'operator-refresh' }, '새로 불러오기');
  refresh.addEventListener('click', async () => {
    said.textContent = '';
    failed.textContent = '';
    refresh.disabled = true;
    await load();
    refresh.disabled = false;
  });

  whileDrawing(load());
  return h('section', { class: 'account' },
    h('h1', {}, '운영진 신청'),
    subnav('ops-operators', ctx),
    h('p', { class: 'muted' }, '운영진으로 가입한 사람들이에요. 먼저 신청한 순서로 보여요. 아는 사람인지 확인하고 승인해 주세요.'),
    said, failed,
    h('div', { class: 'card' }, list, refresh));
}
