// Form submission with a busy button, field-level errors and a form-level alert.
import { h } from './dom.js';
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
  attempt();
  return box;
}
