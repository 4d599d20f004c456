// Korean words for the API's codes and enums.
const ERRORS = {
  BAD_CREDENTIALS: '이메일 또는 비밀번호가 올바르지 않아요.',
  UNAUTHENTICATED: '로그인이 필요해요.',
  BANNED: '이용이 정지된 계정이에요. 부스에 문의해 주세요.',
  FORBIDDEN: '이 기능을 쓸 권한이 없어요.',
  NOT_FOUND: '찾을 수 없어요.',
  CONFLICT: '이미 처리되었거나 사용 중이에요.',
  PAYLOAD_TOO_LARGE: '입력이 너무 길어요.',
  BAD_REQUEST: '입력값을 확인해 주세요.',
  INVALID_EMAIL: '이메일 형식이 올바르지 않아요.',
  INVALID_PASSWORD: '비밀번호는 8~128자로 입력해 주세요.',
  INVALID_NICKNAME: '닉네임은 2~16자의 한글, 영문, 숫자, _만 쓸 수 있어요.',
  INVALID_BIRTH_YEAR: '출생연도가 가입 가능 범위를 벗어났어요.',
  INVALID_MBTI: 'MBTI는 네 쌍(E·I, S·N, T·F, J·P)에서 하나씩 골라 주세요.',
  INVALID_MAJOR: '학과는 1~40자로 입력해 주세요.',
  INVALID_HOBBIES: '취미는 1~5개 골라 주세요.',
  INVALID_CONTACT_ID: '연락처를 확인해 주세요. 전화번호는 숫자와 -만 쓸 수 있어요.',
  INVALID_SONG: '노래는 60자 이내로 입력해 주세요.',
  INVALID_COMMENT: '한마디는 200자 이내로 입력해 주세요.',
  GENDER_LOCKED: '성별은 한 번 정하면 바꿀 수 없어요.',
  PROFILE_REQUIRED: '먼저 프로필을 작성해 주세요.',
  INVALID_CONSENT: '모든 필수 항목에 동의해 주세요.',
  CONSENT_REQUIRED: '먼저 약관에 동의해 주세요.',
  INVALID_AMOUNT: '충전 금액은 1,000~50,000P, 500P 단위예요.',
  INVALID_DEPOSITOR_NAME: '입금자명은 1~20자로 입력해 주세요.',
  INVALID_IMPORTANT: '중요 조건은 고른 조건 중에서 정해 주세요.',
  INVALID_IDEMPOTENCY_KEY: '요청을 다시 보내 주세요.',
  IDEMPOTENCY_KEY_REUSED: '요청을 다시 보내 주세요.',
  INSUFFICIENT_POINTS: '포인트가 부족해요. 먼저 충전해 주세요.',
  NO_CANDIDATE: '지금은 매칭할 수 있는 상대가 없어요. 포인트는 차감되지 않았어요.',
  MATCH_LIMIT: '매칭 가능 횟수를 모두 사용했어요.',
  MATCHER_UNAVAILABLE: '매칭 서버가 잠시 응답하지 않아요. 포인트는 차감되지 않았어요. 다시 시도해 주세요.',
  RATE_LIMITED: '요청이 너무 많아요. 잠시 후 다시 시도해 주세요.',
  BALANCE_WOULD_BE_NEGATIVE: '잔액이 0보다 작아질 수 없어요.',
  INVALID_DELTA: '조정 금액은 0이 아닌 정수로, 1,000,000P까지 입력해 주세요.',
  INVALID_REASON: '사유는 1~200자로 입력해 주세요.',
  INVALID_CATEGORY: '신고 유형을 골라 주세요.',
  INVALID_CONTENT: '신고 내용은 1~300자로 입력해 주세요.',
  INVALID_IMAGE: '사진은 PNG, JPEG, WebP 파일만 올릴 수 있어요.',
  INVALID_TARGET: '자기 자신에게는 할 수 없어요.',
  TARGET_NOT_STUDENT: '학생 계정에만 할 수 있어요.',
  ADMIN_REQUIRED: '관리자만 할 수 있어요.',
  INVALID_TITLE: '제목은 1~60자로 입력해 주세요.',
  INVALID_POSTED_AT: '게시 시작 시각을 확인해 주세요.',
  INVALID_CLOSED_AT: '게시 종료 시각은 시작 시각보다 뒤여야 해요.',
  INVALID_BANK: '은행 이름은 1~30자로 입력해 주세요.',
  INVALID_ACCOUNT_NUMBER: '계좌번호는 숫자, 띄어쓰기, -로 30자까지 입력해 주세요.',
  INVALID_HOLDER: '예금주는 1~30자로 입력해 주세요.',
  INVALID_NOTE: '안내 문구는 200자까지 쓸 수 있어요.',
  INVALID_PERCENT: '할인율은 5~40%로 입력해 주세요.',
  INVALID_STARTS_AT: '시작 시각을 확인해 주세요.',
  INVALID_ENDS_AT: '끝나는 시각은 시작 시각보다 뒤여야 해요.',
  INVALID_BELOW: '잔액 기준은 0~1,000,000P로 입력해 주세요.',
  ALREADY_USED: '이미 받은 이벤트 포인트예요.',
  BALANCE_TOO_HIGH: '남은 포인트가 많아서 이번 이벤트 포인트는 받을 수 없어요.',
  PROMO_INACTIVE: '지금은 진행 중인 이벤트가 없어요.',
  INVALID_TOKEN: '링크가 만료됐거나 이미 사용됐어요. 다시 요청해 주세요.',
  INVALID_SCHOOL_EMAIL: '학교 이메일만 인증할 수 있어요.',
  INVALID_CODE: '코드가 맞지 않아요.',
  CODE_EXPIRED: '코드가 만료됐어요. 다시 받아 주세요.',
  SCHOOL_EMAIL_REQUIRED: '학교 이메일을 인증해야 매칭할 수 있어요.',
  NETWORK: '네트워크 연결을 확인해 주세요.',
};

export function errorText(error) {
  // A banned student's login: the API's message is the operator's reason, word for word.
  if (error.code === 'BANNED' && error.message) return `이용이 정지된 계정이에요. 사유: ${error.message}`;
  if (error.code === 'CONFLICT' && /nickname/i.test(error.message)) return '이미 사용 중인 닉네임이에요.';
  if (error.code === 'CONFLICT' && /email/i.test(error.message)) return '이미 가입된 이메일이에요.';
  if (error.code === 'CONFLICT' && /pending/i.test(error.message)) return '이미 대기 중인 충전 요청이 있어요.';
  return ERRORS[error.code] ?? '문제가 생겼어요. 잠시 후 다시 시도해 주세요.';
}

// The form field an error belongs to: INVALID_BIRTH_YEAR → birth_year; a taken nickname → nickname.
export function errorField(error) {
  if (error.code === 'CONFLICT' && /nickname/i.test(error.message)) return 'nickname';
  if (error.code === 'CONFLICT' && /email/i.test(error.message)) return 'email';
  if (error.code === 'BAD_CREDENTIALS') return 'password';
  return error.code.startsWith('INVALID_') ? error.code.slice(8).toLowerCase() : null;
}

// What a refused chat message (a WebSocket `error` event's code) means.
const CHAT_ERRORS = {
  NOT_FOUND: '이 대화를 찾을 수 없어요.',
  BLOCKED: '차단된 대화라 메시지를 보낼 수 없어요.',
  READ_ONLY: '상대가 더 이상 대화할 수 없어 메시지를 보낼 수 없어요.',
  RATE_LIMITED: '메시지를 너무 빨리 보내고 있어요. 잠시 후 자동으로 다시 보낼게요.',
  INVALID_INPUT: '메시지는 1~500자로 입력해 주세요.',
};

export function chatErrorText(code) {
  return CHAT_ERRORS[code] ?? errorText({ code });
}

// A report's refusals: where each one goes in the report form (a field, or null for the
// form's alert) and what it says.
const REPORT_ERRORS = {
  PAYLOAD_TOO_LARGE: ['image', '사진은 2MB까지 올릴 수 있어요.'],
  CONFLICT: [null, '이 대화는 이미 신고했어요. 운영자가 확인하고 있어요.'],
  NOT_FOUND: [null, '이 대화를 찾을 수 없어요.'],
};

export function reportError(error) {
  const [field, text] = REPORT_ERRORS[error.code] ?? [errorField(error), errorText(error)];
  return { field, text };
}

// For a form whose errors read differently from the usual (the same code means another limit
// there): `overrides` maps a code to [field or null, text], or to a function of the error giving
// that (or nothing, for the usual); anything else is explained as usual.
export function explainWith(overrides) {
  return (error) => {
    const entry = overrides[error.code];
    const [field, text] = (typeof entry === 'function' ? entry(error) : entry) ?? [errorField(error), errorText(error)];
    return { field, text };
  };
}

/// A 409 that means a list is at its limit ('too many notices: remove some first').
export const isFull = (error) => error.code === 'CONFLICT' && /too many/i.test(error.message ?? '');

export const REPORT_CATEGORY = {
  HARASSMENT: '괴롭힘·불쾌한 말', FAKE_PROFILE: '가짜 프로필', SPAM: '스팸·광고', OTHER: '기타',
};
export const REPORT_STATUS = { OPEN: '처리 대기', DISMISSED: '기각', BANNED: '이용 정지' };

export const GENDER = { MALE: '남성', FEMALE: '여성' };
export const FREQUENCY = { FREQUENT: '자주', NORMAL: '보통', RARE: '가끔' };
export const CONTACT = { KAKAO: '카카오톡 아이디', INSTAGRAM: '인스타그램', PHONE: '전화번호' };
/// A contact in one line for operators ('카카오톡 minsu_kakao'); an unknown type as given.
export const CONTACT_SHORT = { KAKAO: '카카오톡', INSTAGRAM: '인스타그램', PHONE: '전화' };
export const contactText = (contact) => (contact
  ? `${CONTACT_SHORT[contact.type] ?? contact.type} ${contact.id}`
  : '연락처 없음');
export const CATEGORY = {
  SPORTS: '운동', CULTURE_ART: '문화·예술', MUSIC: '음악', TRAVEL: '여행',
  DAILY_STUDY: '일상·공부', GAME: '게임', OTHER: '기타',
};
export const ENTRY = { CHARGE: '충전', ADJUST: '조정', MATCH: '매칭', REFUND: '환불', PROMO: '이벤트 지급' };
export const CHARGE_STATUS = { PENDING: '확인 대기', APPROVED: '충전 완료', REJECTED: '거절됨', CANCELLED: '취소됨' };
/// Where an operator application stands (`GET /api/me`'s `operator_request`).
export const OPERATOR_REQUEST = {
  PENDING: '운영진 신청이 접수됐어요. 관리자가 승인하면 운영 메뉴가 열려요.',
  REJECTED: '운영진 신청이 거절됐어요.',
};
export const ROLE = { USER: '학생', OPERATOR: '운영진', ADMIN: '관리자' };
/// An enum's Korean words from `map`, or the value itself when the map does not know it.
export const label = (map, value) => map[value] ?? value;
export const AGE = { OLDER: '연상', YOUNGER: '연하', EQUAL: '동갑' };
