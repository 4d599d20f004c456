// Reporting the partner of a chat to the operators: a category, what happened and, if wanted,
// a photo (a screenshot of the chat), sent as multipart/form-data when there is one.
import { api, apiForm, ApiError } from '../api.js';
import { field, h } from '../dom.js';
import { alertBox, onSubmit, showError } from '../forms.js';
import { REPORT_CATEGORY, reportError } from '../messages.js';

const MAX_CONTENT = 300;
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/// Why a picked photo cannot go (an API error code, so it reads like the server's), or null.
/// A file the browser gives no type is left to the server to judge.
function imageProblem(file) {
  if (!file) return null;
  if (file.type && !IMAGE_TYPES.includes(file.type)) return 'INVALID_IMAGE';
  if (file.size > MAX_IMAGE_BYTES) return 'PAYLOAD_TOO_LARGE';
  return null;
}

const chars = (text) => [...text].length;

/// The 신고하기 button (for the chat's tool row) and the form it opens, with the
/// confirmation that replaces the form once the report is in.
export function reportTools(matchId) {
  const button = h('button', { type: 'button', class: 'secondary', id: 'chat-report' }, '신고하기');
  const category = h('select', { id: 'report-category', required: true },
    h('option', { value: '' }, '골라 주세요'),
    Object.entries(REPORT_CATEGORY).map(([value, text]) => h('option', { value }, text)));
  const content = h('textarea', {
    id: 'report-content', maxlength: MAX_CONTENT, rows: 4, required: true,
    placeholder: '어떤 일이 있었는지 적어 주세요.',
  });
  const count = h('p', { class: 'muted report-count', id: 'report-count' }, `0/${MAX_CONTENT}자`);
  const image = h('input', { type: 'file', id: 'report-image', accept: IMAGE_TYPES.join(',') });
  const imageHint = h('p', { class: 'muted', id: 'report-image-hint' }, 'PNG, JPEG, WebP 사진 한 장, 2MB까지. 대화 화면 캡처를 올려도 좋아요.');
  const clearImage = h('button', { type: 'button', class: 'secondary', id: 'report-image-clear', hidden: true }, '사진 빼기');
  const submit = h('button', { type: 'submit', class: 'report-submit', id: 'report-submit' }, '신고 보내기');
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'report-cancel' }, '취소');

  const categoryField = field('신고 유형', 'category', category);
  const contentField = field('무슨 일이 있었나요? (300자까지)', 'content', content);
  content.setAttribute('aria-describedby', 'err-content report-count');
  contentField.insertBefore(count, contentField.querySelector('.error'));
  const imageField = field('사진 첨부 (선택)', 'image', image);
  image.setAttribute('aria-describedby', 'err-image report-image-hint');
  imageField.insertBefore(imageHint, image);
  imageField.append(clearImage);

  const form = h('form', { class: 'report-form', id: 'report-form', novalidate: true, hidden: true, 'aria-labelledby': 'report-heading' },
    h('h2', { id: 'report-heading' }, '신고하기'),
    h('p', { class: 'muted' }, '운영자가 내용을 확인하고, 필요하면 상대의 이용을 정지해요.'),
    categoryField, contentField, imageField,
    alertBox(),
    h('div', { class: 'actions' }, submit, cancel));
  const done = h('p', { class: 'alert ok', id: 'report-done', role: 'status', tabindex: '-1', hidden: true });

  const showImageError = (code) => showError(form, new ApiError(0, code, ''), reportError);
  // A field's error goes once the field is changed.
  const clearFieldError = (control, name) => {
    form.querySelector(`#err-${name}`).textContent = '';
    control.removeAttribute('aria-invalid');
  };

  button.addEventListener('click', () => {
    button.hidden = true;
    form.hidden = false;
    category.focus();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
    button.hidden = false;
    button.focus();
  });
  category.addEventListener('change', () => clearFieldError(category, 'category'));
  content.addEventListener('input', () => {
    count.textContent = `${chars(content.value)}/${MAX_CONTENT}자`;
    clearFieldError(content, 'content');
  });
  image.addEventListener('change', () => {
    clearFieldError(image, 'image');
    const problem = imageProblem(image.files[0]);
    if (problem) {
      image.value = '';
      showImageError(problem);
    }
    clearImage.hidden = image.files.length === 0;
  });
  clearImage.addEventListener('click', () => {
    image.value = '';
    clearImage.hidden = true;
    clearFieldError(image, 'image');
    image.focus();
  });

  onSubmit(form, async () => {
    const chosen = category.value;
    const text = content.value.trim();
    const file = image.files[0];
    if (!chosen) throw new ApiError(0, 'INVALID_CATEGORY', '');
    if (chars(text) === 0 || chars(text) > MAX_CONTENT) throw new ApiError(0, 'INVALID_CONTENT', '');
    const problem = imageProblem(file);
    if (problem) throw new ApiError(0, problem, '');
    if (file) {
      const body = new FormData();
      body.append('match_id', matchId);
      body.append('category', chosen);
      body.append('content', text);
      body.append('image', file, file.name);
      await apiForm('POST', '/api/reports', body);
    } else {
      await api('POST', '/api/reports', { match_id: matchId, category: chosen, content: text });
    }
    form.hidden = true;
    button.hidden = true;
    done.textContent = '신고가 접수됐어요. 운영자가 확인할게요.';
    done.hidden = false;
    done.focus();
  }, reportError);

  return { button, panel: h('div', { class: 'report-panel' }, form, done) };
}
