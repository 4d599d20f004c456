// Copying to the clipboard on phones that may refuse: the Clipboard API first, then the old
// copy command on a hidden field, and at last the shown text selected for a long press.
import { h } from './dom.js';

function copyCommand(text) {
  const focused = document.activeElement;
  const buffer = h('textarea', { class: 'copy-buffer', readonly: true, 'aria-hidden': 'true', tabindex: '-1' });
  buffer.value = text;
  document.body.append(buffer);
  buffer.select();
  buffer.setSelectionRange(0, text.length);
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  buffer.remove();
  focused?.focus?.();
  return copied;
}

function selectText(shown) {
  const range = document.createRange();
  range.selectNodeContents(shown);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/// Copies `text`; true when it is on the clipboard, false when `shown` was selected instead.
export async function copyText(text, shown) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No Clipboard API (an old browser, a page not served securely) or the permission refused.
  }
  if (copyCommand(text)) return true;
  selectText(shown);
  return false;
}
