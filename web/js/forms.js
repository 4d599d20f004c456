// Form submission with a busy button, field-level errors and a form-level alert.
import { h, whileDrawing } from './dom.js';
import { errorField, errorText } from './messages.js';

export function alertBox() {
  return h('div', { class: 'alert', role: 'alert', 'aria-live': 'polite' });
}

export function clearErrors(form) {
  form.querySelectorAll('.error, .alert').forEach((el) => { el.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

const explainError = (error) => ({ field: errorField(error), text: errorText(error) });

// Puts the error's Korean message next to its field, or in the form's alert. `explain` says
// which field and what words, for forms whose errors read differently (see reportError).
export function showError(form, error, explain = explainError) {
  const { field: name, text } = explain(error);
  const slot = name && form.querySelector(`#err-${name}`);
  if (slot) {
    slot.textContent = text;
    const control = form.querySelector(`[name="${name}"]`);
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
  } else {
    const alert = form.querySelector('.alert');
    if (alert) alert.textContent = text;
  }
}

// Runs `action` on submit; the button shows a spinner and cannot be pressed twice meanwhile.
export function onSubmit(form, action, explain = explainError) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button?.disabled) return;
    clearErrors(form);
    const label = button?.textContent;
    if (button) {
      button.disabled = true;
      button.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 처리 중…');
    }
    try {
      await action(new FormData(form));
    } catch (error) {
      if (!error.code) throw error;
      showError(form, error, explain);
    } finally {
      if (button && button.isConnected) {
        button.disabled = false;
        button.textContent = label;
      }
    }
  });
}

// A block that loads data, with a spinner meanwhile and a retry button on failure.
export function loader(load, render) {
  const box = h('div', {}, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' 불러오는 중…'));
  const attempt = async () => {
    try {
      box.replaceChildren(...[].concat(render(await load())));
    } catch (error) {
      if (!error.code) throw error;
      box.replaceChildren(
        h('div', { class: 'alert', role: 'alert' }, errorText(error)),
        h('button', { class: 'secondary', type: 'button', onclick: attempt }, '다시 시도'));
    }
  };
  whileDrawing(attempt());
  return box;
}

/// A screen that needs the catalog (hobbies, prices) when it could not be had, even after
/// three tries: why, in words, and a button to try again (which draws the screen once it comes).
export function catalogRetry(ctx, title) {
  const status = h('div', { class: 'alert', role: 'alert', id: 'load-error' },
    '필요한 정보를 불러오지 못했어요. 네트워크 연결을 확인하고 다시 시도해 주세요.');
  const retry = h('button', { type: 'button', class: 'wide', id: 'retry-load' }, '다시 시도');
  retry.addEventListener('click', async () => {
    if (retry.disabled) return;
    retry.disabled = true;
    retry.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 불러오는 중…');
    try {
      await ctx.loadCatalog();
      await ctx.render();
    } catch (error) {
      if (!error.code) throw error;
      status.textContent = `${errorText(error)} 다시 시도해 주세요.`;
      retry.disabled = false;
      retry.textContent = '다시 시도';
    }
  });
  return h('section', { class: 'card load-failed' }, h('h1', {}, title), status, retry);
}
