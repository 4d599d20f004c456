//! The server's one error type: every failure becomes API.md's
//! `{"error": {"code", "message"}}` with a fitting status. Internal errors are logged once,
//! here, and never echoed to clients.

use crate::db::idempotency::Refusal;
use crate::db::DbError;
use crate::domain::chat::ChatError;
use crate::domain::matchmaker::MatchError;
use crate::domain::operators::OpsRefusal;
use crate::domain::password::PasswordError;
use crate::domain::reports::image::{ImageError, MAX_IMAGE_BYTES};
use crate::domain::reports::ReportError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use storage::FieldError;

/// When an overloaded server asks to be tried again.
const OVERLOADED_RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("your role may not do this")]
    Forbidden,
    /// 403 `BANNED`; the message is the operator's reason.
    #[error("{0}")]
    Banned(String),
    /// 403 with a code of its own (`TARGET_NOT_STUDENT`, `ADMIN_REQUIRED`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// 409 with a code of its own (`FEEDBACK_CLOSED`).
    #[error("{message}")]
    ConflictCode { code: &'static str, message: String },
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// 422 with a code of its own (`GENDER_LOCKED`, `PROFILE_REQUIRED`).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("not enough points")]
    InsufficientPoints,
    #[error("you have reached the limit of {0} matches")]
    MatchLimit(u64),
    #[error("too many requests; try again in {0} seconds")]
    RateLimited(u64),
    #[error("nobody can be matched with you right now")]
    NoCandidate,
    #[error("the matcher is not reachable; nothing was charged, try again shortly")]
    MatcherUnavailable,
    #[error("the server is busy; try again in a second")]
    Overloaded,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("this request must come from the service's own pages")]
    CrossOrigin,
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            code,
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, String) {
        let (status, code) = match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            Self::BadCredentials => (StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "FORBIDDEN"),
            Self::Banned(_) => (StatusCode::FORBIDDEN, "BANNED"),
            Self::Refused { code, .. } => (StatusCode::FORBIDDEN, *code),
            Self::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "CONFLICT"),
            Self::ConflictCode { code, .. } => (StatusCode::CONFLICT, *code),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
            Self::Invalid(e) => return (StatusCode::UNPROCESSABLE_ENTITY, e.code()),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, *code),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            Self::InsufficientPoints => (StatusCode::PAYMENT_REQUIRED, "INSUFFICIENT_POINTS"),
            Self::MatchLimit(_) => (StatusCode::TOO_MANY_REQUESTS, "MATCH_LIMIT"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
            Self::NoCandidate => (StatusCode::NOT_FOUND, "NO_CANDIDATE"),
            Self::MatcherUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "MATCHER_UNAVAILABLE"),
            Self::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "OVERLOADED"),
            Self::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "REQUEST_TIMEOUT"),
            Self::CrossOrigin => (StatusCode::FORBIDDEN, "CROSS_ORIGIN"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
        };
        (status, code.to_owned())
    }
}

/// API.md's error body: `{"error": {"code", "message"}}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable, e.g. `INSUFFICIENT_POINTS` or `INVALID_MBTI`.
    pub code: String,
    /// For people; may change.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        let (code, message) = (code.into(), message.into());
        Self {
            error: ErrorDetail { code, message },
        }
    }
}

/// An error response made outside handlers (panics, readiness).
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(ErrorBody::new(code, message))).into_response()
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    /// The JSON body this error answers with.
    pub fn body(&self) -> serde_json::Value {
        let (_, code) = self.status_and_code();
        serde_json::to_value(ErrorBody::new(code, self.to_string()))
            .expect("an error body serializes")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let retry_after = match self {
            Self::RateLimited(seconds) => Some(seconds),
            Self::Overloaded => Some(OVERLOADED_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// The one place database answers become API.md's: refusals get their codes, failures stay
/// internal with their whole cause (logged once, in `into_response`).
impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::EmailTaken
            | DbError::NicknameTaken
            | DbError::ChargePending
            | DbError::ReportOpen
            | DbError::ReportResolved => Self::Conflict(error.to_string()),
            DbError::ChargeDecided { .. } => Self::Conflict(error.to_string()),
            DbError::Overlap | DbError::Full(_) => Self::Conflict(error.to_string()),
            DbError::InvalidToken => Self::unprocessable("INVALID_TOKEN", error.to_string()),
            DbError::SchoolEmailTaken => Self::Conflict(error.to_string()),
            DbError::TooSoon => Self::RateLimited(60),
            DbError::AlreadyUsed => Self::ConflictCode {
                code: "ALREADY_USED",
                message: error.to_string(),
            },
            DbError::PromoInactive => Self::Refused {
                code: "PROMO_INACTIVE",
                message: error.to_string(),
            },
            DbError::BalanceTooHigh => Self::unprocessable("BALANCE_TOO_HIGH", error.to_string()),
            DbError::FeedbackClosed => Self::ConflictCode {
                code: "FEEDBACK_CLOSED",
                message: error.to_string(),
            },
            DbError::NotFound(_) => Self::NotFound,
            DbError::UserGone(_) => Self::Unauthenticated,
            DbError::GenderLocked => Self::unprocessable("GENDER_LOCKED", error.to_string()),
            DbError::InsufficientPoints => Self::InsufficientPoints,
            DbError::BalanceWouldBeNegative => {
                Self::unprocessable("BALANCE_WOULD_BE_NEGATIVE", error.to_string())
            }
            failure => Self::Internal(anyhow::Error::new(failure)),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        let message = error.to_string();
        match error {
            ChatError::NotFound => Self::NotFound,
            ChatError::Blocked => Self::ConflictCode {
                code: "BLOCKED",
                message,
            },
            ChatError::ReadOnly => Self::ConflictCode {
                code: "READ_ONLY",
                message,
            },
            ChatError::Invalid(field) => Self::Invalid(field),
            ChatError::Db(cause) => cause.into(),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::NotFound => Self::NotFound,
            ReportError::Invalid(field) => Self::Invalid(field),
            ReportError::Image(ImageError::TooLarge) => Self::PayloadTooLarge(MAX_IMAGE_BYTES),
            ReportError::Image(ImageError::NotAnImage) => {
                Self::unprocessable("INVALID_IMAGE", ImageError::NotAnImage.to_string())
            }
            ReportError::Image(failure) => Self::Internal(anyhow::Error::new(failure)),
            ReportError::Db(cause) => cause.into(),
        }
    }
}

impl From<OpsRefusal> for ApiError {
    fn from(refusal: OpsRefusal) -> Self {
        let message = refusal.to_string();
        match refusal {
            OpsRefusal::OnSelf => Self::unprocessable("INVALID_TARGET", message),
            OpsRefusal::NotAStudent => Self::Refused {
                code: "TARGET_NOT_STUDENT",
                message,
            },
            OpsRefusal::AdminRequired { .. } => Self::Refused {
                code: "ADMIN_REQUIRED",
                message,
            },
        }
    }
}

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Busy(_) => Self::Overloaded,
            PasswordError::Failed(e) => Self::Internal(e),
        }
    }
}

impl From<MatchError> for ApiError {
    fn from(error: MatchError) -> Self {
        match error {
            MatchError::Refused(Refusal::ProfileRequired) => Self::unprocessable(
                "PROFILE_REQUIRED",
                "fill in your profile before asking for a match",
            ),
            MatchError::Refused(Refusal::MatchLimit(limit)) => Self::MatchLimit(limit),
            MatchError::Refused(Refusal::InsufficientPoints) => Self::InsufficientPoints,
            MatchError::Refused(Refusal::NoCandidate) => Self::NoCandidate,
            MatchError::KeyReused => {
                Self::unprocessable("IDEMPOTENCY_KEY_REUSED", error.to_string())
            }
            MatchError::MatcherUnavailable => Self::MatcherUnavailable,
            MatchError::Db(e) => e.into(),
            MatchError::Panicked => Self::Internal(anyhow::Error::new(error)),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
