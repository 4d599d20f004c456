// Deleting in two taps: the first asks, in words, the second does it.
import { h } from './dom.js';

/// A delete button for one row. `prefix` names the classes (`<prefix>-delete`,
/// `<prefix>-delete-confirm`, `<prefix>-delete-cancel`); `run` deletes and may throw an ApiError,
/// which `failed(error)` reports.
export function deleteInTwoTaps({ prefix, label, question, run, failed }) {
  const remove = h('button', { type: 'button', class: `secondary ${prefix}-delete`, 'aria-label': label }, '삭제');
  const note = h('p', { class: 'confirm-note', hidden: true }, question);
  const confirm = h('button', { type: 'button', class: `danger ${prefix}-delete-confirm`, hidden: true }, '정말 삭제할게요');
  const cancel = h('button', { type: 'button', class: `secondary ${prefix}-delete-cancel`, hidden: true }, '취소');
  const step = (confirming) => {
    remove.hidden = confirming;
    note.hidden = !confirming;
    confirm.hidden = !confirming;
    cancel.hidden = !confirming;
  };
  remove.addEventListener('click', () => {
    step(true);
    confirm.focus();
  });
  cancel.addEventListener('click', () => {
    step(false);
    remove.focus();
  });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await run();
    } catch (error) {
      if (!error.code) throw error;
      failed(error);
      step(false);
    } finally {
      confirm.disabled = false;
    }
  });
  return { remove, confirmStep: [note, h('div', { class: 'actions' }, confirm, cancel)] };
}
