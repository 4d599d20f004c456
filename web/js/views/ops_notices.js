// Admins: notices on the students' home screen, each shown from its start until its end (or
// until deleted). Written, corrected and deleted here; times are Korean time.
import { api } from '../api.js';
import { deleteInTwoTaps } from '../confirm.js';
import { field, fromSeoulInput, h, seoulInput, seoulTime, whileDrawing } from '../dom.js';
import { alertBox, clearErrors, onSubmit } from '../forms.js';
import { errorText, explainWith, isFull } from '../messages.js';
import { subnav } from './ops.js';

const explain = explainWith({
  INVALID_CONTENT: ['content', '내용은 1~2000자로 입력해 주세요.'],
  NOT_FOUND: [null, '이미 지워진 공지예요. 목록을 새로 불러왔어요.'],
  CONFLICT: (error) => (isFull(error) ? [null, '공지가 너무 많아요. 지난 공지를 지운 뒤 다시 올려 주세요.'] : null),
});

/// Where a notice is now, by the device's clock.
function state(notice, now = Date.now()) {
  if (Date.parse(notice.posted_at) > now) return ['SCHEDULED', '예정'];
  if (notice.closed_at && Date.parse(notice.closed_at) <= now) return ['CLOSED', '종료'];
  return ['LIVE', '게시 중'];
}

/// `#/ops-notices`.
export function view(ctx) {
  const list = h('ul', { class: 'list', id: 'notice-list', 'aria-busy': 'true' },
    h('li', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const said = h('p', { class: 'alert ok', id: 'notice-status', role: 'status' });
  const failed = h('div', { class: 'alert', id: 'notice-alert', role: 'alert' });

  // The form writes a new notice, or corrects `editing`.
  let editing = null;
  const title = h('input', { id: 'notice-title', maxlength: 60, autocomplete: 'off', required: true });
  const content = h('textarea', { id: 'notice-content', maxlength: 2000, rows: 5, required: true });
  const postedAt = h('input', { id: 'notice-posted-at', type: 'datetime-local' });
  const closedAt = h('input', { id: 'notice-closed-at', type: 'datetime-local' });
  const heading = h('h2', { id: 'notice-form-title' }, '새 공지');
  const save = h('button', { type: 'submit', id: 'notice-save' }, '공지 저장');
  const cancelEdit = h('button', { type: 'button', class: 'secondary', id: 'notice-cancel', hidden: true }, '수정 취소');
  const form = h('form', { novalidate: true, id: 'notice-form', 'aria-labelledby': 'notice-form-title' },
    heading,
    field('제목 (60자까지)', 'title', title),
    field('내용 (2000자까지)', 'content', content),
    field('게시 시작 (비워 두면 지금부터)', 'posted_at', postedAt),
    field('게시 종료 (비워 두면 지울 때까지)', 'closed_at', closedAt),
    h('p', { class: 'muted' }, '시각은 모두 한국 시간이에요.'),
    alertBox(),
    h('div', { class: 'actions' }, save, cancelEdit));

  const startNew = () => {
    editing = null;
    form.reset();
    clearErrors(form);
    heading.textContent = '새 공지';
    cancelEdit.hidden = true;
  };
  const startEdit = (notice) => {
    editing = notice;
    clearErrors(form);
    title.value = notice.title;
    content.value = notice.content;
    postedAt.value = seoulInput(notice.posted_at);
    closedAt.value = seoulInput(notice.closed_at);
    heading.textContent = `공지 수정: ${notice.title}`;
    cancelEdit.hidden = false;
    form.scrollIntoView({ block: 'start' });
    title.focus();
  };
  cancelEdit.addEventListener('click', () => {
    startNew();
    title.focus();
  });

  // An unchanged time goes back as it was (the field holds minutes only).
  const time = (input, original) => (editing && input.value === seoulInput(original) ? original : fromSeoulInput(input.value));

  const row = (notice) => {
    const [code, label] = state(notice);
    const edit = h('button', { type: 'button', class: 'secondary notice-edit', 'aria-label': `${notice.title} 수정` }, '수정');
    edit.addEventListener('click', () => startEdit(notice));
    const { remove, confirmStep } = deleteInTwoTaps({
      prefix: 'notice',
      label: `${notice.title} 삭제`,
      question: `'${notice.title}' 공지를 지워요. 학생 홈에서도 바로 사라져요.`,
      run: async () => {
        await api('DELETE', `/api/admin/notices/${notice.id}`);
        if (editing?.id === notice.id) startNew();
        said.textContent = '공지를 지웠어요.';
        await load();
        said.setAttribute('tabindex', '-1');
        said.focus();
      },
      failed: (error) => { failed.textContent = errorText(error); },
    });
    return h('li', { class: 'notice-row', dataset: { id: notice.id } },
      h('div', { class: 'row' },
        h('strong', { class: 'notice-row-title' }, notice.title),
        h('span', { class: `badge state ${code}` }, label)),
      h('p', { class: 'notice-row-content' }, notice.content),
      h('p', { class: 'muted' },
        '게시 ', h('time', { datetime: notice.posted_at }, seoulTime(notice.posted_at)), ' · ',
        notice.closed_at ? ['종료 ', h('time', { datetime: notice.closed_at }, seoulTime(notice.closed_at))] : '지울 때까지'),
      h('div', { class: 'actions' }, edit, remove),
      confirmStep);
  };

  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      const notices = await api('GET', '/api/admin/notices');
      failed.textContent = '';
      list.replaceChildren(...(notices.length === 0
        ? [h('li', { class: 'muted', id: 'notice-empty' }, '아직 공지가 없어요.')]
        : notices.map(row)));
    } catch (error) {
      if (!error.code) throw error;
      failed.textContent = errorText(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  onSubmit(form, async (data) => {
    said.textContent = '';
    const body = {
      title: data.get('title'),
      content: data.get('content'),
      posted_at: time(postedAt, editing?.posted_at) ?? undefined,
      closed_at: time(closedAt, editing?.closed_at),
    };
    try {
      if (editing) await api('PUT', `/api/admin/notices/${editing.id}`, body);
      else await api('POST', '/api/admin/notices', body);
    } catch (error) {
      if (error.code === 'NOT_FOUND') {
        startNew();
        load();
      }
      throw error;
    }
    said.textContent = editing ? '공지를 고쳤어요.' : '공지를 올렸어요. 게시 시작 시각부터 학생 홈 화면에 보여요.';
    startNew();
    await load();
  }, explain);

  whileDrawing(load());
  return h('section', { class: 'festival' },
    h('h1', {}, '공지'),
    subnav('ops-notices', ctx),
    said, failed,
    h('div', { class: 'card' }, form),
    h('section', { class: 'card', 'aria-labelledby': 'notice-list-title' },
      h('h2', { id: 'notice-list-title' }, '모든 공지'),
      h('p', { class: 'muted' }, '최근에 게시한 것부터 보여요. 예정: 아직 안 보임 · 게시 중: 학생 홈에 보임 · 종료: 더는 안 보임.'),
      list));
}
