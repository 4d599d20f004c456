// Operators at the booth: a student shows a code (QR or typed); the operator looks them up,
// takes the cash and credits it in two taps. A charge that got no answer is sent again with the
// same Idempotency-Key, so it is credited once however often the network fails.
import { api } from '../api.js';
import { grouped, h, won } from '../dom.js';
import { alertBox, clearErrors, onSubmit, showError } from '../forms.js';
import { contactText, explainWith } from '../messages.js';
import { subnav } from './ops.js';

const MIN_AMOUNT = 100;
const MAX_AMOUNT = 100_000;
const QUICK_AMOUNTS = [1000, 3000, 5000, 10000];
const SCAN_EVERY_MS = 250;

const explainLookup = explainWith({
  EMPTY_CODE: ['code', '학생 화면에 보이는 코드를 입력해 주세요.'],
  NOT_FOUND: ['code', '코드를 찾을 수 없어요. 만료됐거나 이미 쓴 코드예요. 학생에게 새 코드를 받아 주세요.'],
  RATE_LIMITED: [null, '조회가 너무 잦아요. 잠시 후 다시 눌러 주세요.'],
});
const explainCharge = explainWith({
  INVALID_AMOUNT: ['amount', '충전 금액은 100~100,000P로 입력해 주세요.'],
  NOT_FOUND: [null, '코드가 만료됐거나 이미 충전에 쓰였어요. 학생에게 새 코드를 받아 주세요.'],
});

/// What a scanned QR code says: the code itself, or a link carrying `code=`.
function codeFrom(raw) {
  const text = raw.trim();
  try {
    const url = new URL(text);
    return url.searchParams.get('code') ?? new URLSearchParams(url.hash.split('?')[1] ?? '').get('code') ?? text;
  } catch {
    return text;
  }
}

/// The camera, where the browser can read QR codes itself (BarcodeDetector); `found(text)` once.
function scanner(ctx, found) {
  const supported = 'BarcodeDetector' in window && Boolean(navigator.mediaDevices?.getUserMedia);
  const button = h('button', { type: 'button', class: 'secondary wide', id: 'booth-scan', hidden: !supported }, '카메라로 스캔');
  const video = h('video', { id: 'booth-video', class: 'booth-video', muted: true, playsinline: true, hidden: true, 'aria-label': '카메라 화면: QR 코드를 네모 안에 맞춰 주세요' });
  const note = h('p', { class: 'muted', id: 'booth-scan-note', role: 'status' });
  let stream = null;
  let timer = null;
  let left = false; // the operator went to another screen: the camera must not come on

  const stop = () => {
    clearInterval(timer);
    timer = null;
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    button.textContent = '카메라로 스캔';
  };
  ctx.cleanup.push(() => {
    left = true;
    stop();
  });

  const start = async () => {
    note.textContent = '';
    button.disabled = true;
    try {
      const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (left) {
        stop();
        return;
      }
      video.muted = true;
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      button.textContent = '스캔 그만하기';
      note.textContent = 'QR 코드를 화면 가운데에 맞춰 주세요.';
      let busy = false;
      timer = setInterval(async () => {
        if (busy || !stream) return;
        busy = true;
        try {
          const codes = await detector.detect(video);
          if (codes.length > 0 && stream) {
            stop();
            note.textContent = '';
            found(codeFrom(codes[0].rawValue));
          }
        } catch {
          // A frame that could not be read: the next one may be.
        } finally {
          busy = false;
        }
      }, SCAN_EVERY_MS);
    } catch (error) {
      stop();
      note.textContent = error?.name === 'NotAllowedError'
        ? '카메라를 쓸 수 없어요. 브라우저 설정에서 카메라를 허용하거나 코드를 직접 입력해 주세요.'
        : '카메라를 켤 수 없어요. 코드를 직접 입력해 주세요.';
    } finally {
      button.disabled = false;
    }
  };
  button.addEventListener('click', () => (stream ? stop() : start()));
  return [button, video, note];
}

/// `#/ops-booth` (`?code=…` looks that code up at once).
export function view(ctx, params) {
  let student = null; // { code, nickname, points, contact } once looked up
  let attempt = null; // { key, code, amount } of a charge without a final answer yet

  // 1. The code.
  const codeInput = h('input', {
    id: 'booth-code', name: 'code', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
    enterkeyhint: 'search', 'aria-describedby': 'err-code booth-code-hint',
  });
  const lookupForm = h('form', { novalidate: true, id: 'booth-lookup-form', class: 'booth-lookup' },
    h('label', { for: 'booth-code' }, '학생 코드'),
    h('p', { class: 'muted', id: 'booth-code-hint' }, '학생의 부스 충전 화면에 크게 보이는 코드예요.'),
    h('div', { class: 'lookup-row' }, codeInput, h('button', { type: 'submit', id: 'booth-lookup' }, '조회')),
    h('p', { class: 'error', id: 'err-code', role: 'alert' }),
    alertBox());

  // 2. The student, and the charge in two taps.
  const nickname = h('h2', { id: 'booth-nickname' });
  const points = h('strong', { id: 'booth-points' });
  const contact = h('p', { id: 'booth-contact', class: 'muted' });
  const amount = h('input', {
    id: 'booth-amount', name: 'amount', type: 'number', inputmode: 'numeric', min: MIN_AMOUNT, max: MAX_AMOUNT,
    autocomplete: 'off', 'aria-describedby': 'err-amount',
  });
  const quick = h('div', { class: 'choices booth-quick', role: 'group', 'aria-label': '자주 쓰는 금액' },
    QUICK_AMOUNTS.map((n) => h('button', {
      type: 'button', class: 'secondary', onclick: () => {
        amount.value = String(n);
        amount.dispatchEvent(new Event('input'));
      },
    }, won(n))));
  const charge = h('button', { type: 'submit', class: 'wide', id: 'booth-charge' }, '현금 충전');
  const confirmNote = h('p', { class: 'confirm-note', id: 'booth-confirm-note', hidden: true });
  const confirm = h('button', { type: 'button', id: 'booth-charge-confirm', hidden: true }, '현금 받았어요 · 충전');
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'booth-charge-cancel', hidden: true }, '취소');
  const chargeForm = h('form', { novalidate: true, id: 'booth-charge-form' },
    h('label', { for: 'booth-amount' }, '받은 현금 (100~100,000원 = P)'),
    amount, quick,
    h('p', { class: 'error', id: 'err-amount', role: 'alert' }),
    charge, confirmNote,
    h('div', { class: 'actions' }, confirm, cancel),
    alertBox());
  const result = h('div', { class: 'alert ok', id: 'booth-result', role: 'status' });
  const next = h('button', { type: 'button', class: 'secondary wide', id: 'booth-next', hidden: true }, '다음 학생');
  const card = h('section', { class: 'card booth-student', id: 'booth-student', hidden: true, 'aria-labelledby': 'booth-nickname' },
    nickname,
    h('p', {}, '잔액 ', points),
    contact,
    chargeForm, result, next);

  const step = (confirming) => {
    charge.hidden = confirming;
    amount.readOnly = confirming;
    quick.hidden = confirming;
    confirmNote.hidden = !confirming;
    confirm.hidden = !confirming;
    cancel.hidden = !confirming;
  };
  const forget = () => {
    student = null;
    attempt = null;
    card.hidden = true;
  };
  const fresh = () => {
    forget();
    codeInput.value = '';
    amount.value = '';
    clearErrors(lookupForm);
    clearErrors(chargeForm);
    result.textContent = '';
    codeInput.focus();
  };

  const lookup = async (code) => {
    if (!code) throw { code: 'EMPTY_CODE' };
    const found = await api('GET', `/api/ops/booth-code/${encodeURIComponent(code)}`);
    student = { code, ...found };
    attempt = null;
    nickname.textContent = `${found.nickname}님`;
    points.textContent = won(found.points);
    contact.textContent = contactText(found.contact);
    amount.value = '';
    clearErrors(chargeForm);
    result.textContent = '';
    chargeForm.hidden = false;
    next.hidden = true;
    step(false);
    card.hidden = false;
    amount.focus();
  };
  onSubmit(lookupForm, async (data) => {
    forget();
    await lookup(String(data.get('code')).replace(/\s+/g, ''));
  }, explainLookup);
  // Another code typed after a lookup: that student's card goes, so nobody credits the wrong one.
  codeInput.addEventListener('input', () => {
    if (student && codeInput.value.replace(/\s+/g, '') !== student.code) forget();
  });
  amount.addEventListener('input', () => { result.textContent = ''; });

  // The first tap checks the amount and asks; the second charges.
  onSubmit(chargeForm, async (data) => {
    const value = Number(data.get('amount'));
    if (!Number.isInteger(value) || value < MIN_AMOUNT || value > MAX_AMOUNT) throw { code: 'INVALID_AMOUNT' };
    confirmNote.textContent = `${student.nickname}님에게 ${won(value)}를 충전해요. 현금 ${grouped(value)}원을 받았는지 확인해 주세요.`;
    step(true);
    confirm.focus();
  }, explainCharge);
  cancel.addEventListener('click', () => {
    step(false);
    charge.focus();
  });
  confirm.addEventListener('click', async () => {
    if (confirm.disabled || !student) return;
    const value = Number(amount.value);
    // One key per attempt: kept until a final answer, so a retry after a lost reply credits once.
    if (!attempt || attempt.code !== student.code || attempt.amount !== value) {
      attempt = { key: crypto.randomUUID(), code: student.code, amount: value };
    }
    clearErrors(chargeForm);
    confirm.disabled = true;
    confirm.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' 충전 중…');
    try {
      const reply = await api('POST', `/api/ops/booth-code/${encodeURIComponent(student.code)}/charge`,
        { amount: value }, { idempotencyKey: attempt.key });
      attempt = null;
      points.textContent = won(reply.balance);
      step(false);
      chargeForm.hidden = true;
      result.textContent = `충전 완료 · 잔액 ${won(reply.balance)}`;
      next.hidden = false;
      next.focus();
    } catch (error) {
      if (!error.code) throw error;
      const final = error.status >= 400 && error.status < 500;
      if (final) {
        attempt = null;
        step(false);
        showError(chargeForm, error, explainCharge);
      } else {
        // No answer: maybe credited, maybe not. The same key again can only credit once.
        chargeForm.querySelector('.alert').textContent =
          '응답을 받지 못해 충전됐는지 알 수 없어요. \'다시 시도\'를 눌러 주세요. 같은 요청이라 두 번 충전되지 않아요.';
      }
    } finally {
      confirm.disabled = false;
      confirm.textContent = attempt ? '다시 시도' : '현금 받았어요 · 충전';
    }
  });
  next.addEventListener('click', fresh);

  const scan = scanner(ctx, (code) => {
    codeInput.value = code;
    lookupForm.requestSubmit();
  });

  const given = params?.get('code');
  if (given) {
    codeInput.value = given;
    // Once the page shows the form (a form that is not in the document does not submit).
    setTimeout(() => lookupForm.isConnected && lookupForm.requestSubmit(), 0);
  }

  return h('section', { class: 'festival booth-ops' },
    h('h1', {}, '부스 현금 충전'),
    subnav('ops-booth', ctx),
    h('div', { class: 'card' }, scan, lookupForm),
    card);
}
