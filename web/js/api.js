// Calls the JSON API. Every failure becomes an ApiError with the API's code (or NETWORK).
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const TIMEOUT_MS = 15000;
/// An upload (a photo of up to 2 MB on a festival's mobile network) may take longer.
const UPLOAD_TIMEOUT_MS = 60000;

/// What to do when the API says the signed-in user has not accepted the documents in force
/// (403 CONSENT_REQUIRED): the app sends them to the consent screen. The error is still thrown.
let consentRequired = () => {};

export function onConsentRequired(handler) {
  consentRequired = handler;
}

/// What to do when the API says the session is gone (401 UNAUTHENTICATED: it expired, was
/// signed out elsewhere, or ended by a ban): the app goes to the login screen. The error is
/// still thrown. A wrong password (BAD_CREDENTIALS) or the login call itself is not that.
let unauthenticated = () => {};

export function onUnauthenticated(handler) {
  unauthenticated = handler;
}

/// Signing in and out answer 401 for their own reasons (a wrong password, a session already gone).
const NOT_SESSION_ENDED = ['/api/auth/login', '/api/auth/logout'];

/// What to do when a call gets no answer at all (NETWORK: the app says the connection is gone,
/// `reachable` false) or an answer again (`reachable` true: the app stops saying so).
let networkStatus = () => {};

export function onNetworkStatus(handler) {
  networkStatus = handler;
}

async function send(path, init, timeoutMs) {
  let response;
  try {
    response = await fetch(path, { ...init, credentials: 'same-origin', signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    networkStatus(false);
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  networkStatus(true);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    // A body refused before the API saw it (a proxy's size limit) has no JSON error.
    const code = error.code ?? (response.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'UNKNOWN');
    if (code === 'CONSENT_REQUIRED') consentRequired();
    if (response.status === 401 && code !== 'BAD_CREDENTIALS' && !NOT_SESSION_ENDED.some((p) => path.startsWith(p))) unauthenticated();
    throw new ApiError(response.status, code, error.message ?? '');
  }
  return data;
}

export async function api(method, path, body, { idempotencyKey } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  return send(path, {
    method, headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  }, TIMEOUT_MS);
}

// Sends a multipart/form-data body (a file upload). No Content-Type here: the browser sets it,
// with the boundary.
export async function apiForm(method, path, formData) {
  return send(path, { method, body: formData }, UPLOAD_TIMEOUT_MS);
}
