//! Cash at the booth: a student shows a code (valid ten minutes, one charge); the operator
//! looks it up (limited per operator) and credits the cash once, whatever the retries.

use crate::db::booth::BoothCharge;
use crate::domain::booth;
use crate::domain::operators;
use crate::http::auth::{CurrentUser, Operator};
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use crate::http::views::BalanceReply;
use crate::model::idempotency_key::IdempotencyKey;
use crate::model::time::rfc3339;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use storage::profile::Contact;
use storage::FieldError;
use utoipa::ToSchema;

/// Cash taken at once, in points.
const AMOUNT_RANGE: std::ops::RangeInclusive<u64> = 100..=100_000;

#[derive(Serialize, ToSchema)]
pub struct BoothCodeReply {
    code: String,
    expires_at: String,
    /// The code as an SVG QR picture.
    qr_svg: String,
}

/// `POST /api/me/booth-code`: a new code for the booth (the previous one stops working).
#[utoipa::path(post, path = "/api/me/booth-code", tag = "festival", security(("session" = [])), responses((status = 201, body = BoothCodeReply)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<(StatusCode, Json<BoothCodeReply>)> {
    let code = booth::new_code();
    let record = state.db.create_booth_code(current.user.id, &code).await?;
    let reply = BoothCodeReply {
        qr_svg: booth::qr_svg(&code),
        expires_at: rfc3339(record.expires_at_ms),
        code,
    };
    Ok((StatusCode::CREATED, Json(reply)))
}

#[derive(Serialize, ToSchema)]
pub struct BoothStudent {
    user_id: String,
    nickname: String,
    points: u64,
    contact: Option<Contact>,
}

/// The student behind a valid code; unknown, expired and used codes are all not found.
fn student_of(state: &AppState, operator: &Operator, raw: &str) -> ApiResult<BoothStudent> {
    state.limits.booth_lookup(operator.0.id)?;
    let code = booth::parse_code(raw).ok_or(ApiError::NotFound)?;
    let booth = state.db.booth_code(&code)?.ok_or(ApiError::NotFound)?;
    let user = state.db.user(booth.user)?.ok_or(ApiError::NotFound)?;
    Ok(BoothStudent {
        user_id: user.id.to_string(),
        points: state.db.account(user.id)?.balance,
        contact: user.profile.as_ref().map(|p| p.contact.clone()),
        nickname: user.nickname,
    })
}

/// `GET /api/ops/booth-code/{code}`: who is at the booth.
#[utoipa::path(get, path = "/api/ops/booth-code/{code}", tag = "festival", security(("session" = [])), params(("code" = String, Path, description = "the code the student shows")), responses((status = 200, body = BoothStudent), (status = 404, body = ErrorBody, description = "unknown, expired or used"), (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    operator: Operator,
    Path(code): Path<String>,
) -> ApiResult<Json<BoothStudent>> {
    Ok(Json(student_of(&state, &operator, &code)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoothChargeBody {
    /// 100 to 100,000 points.
    amount: i64,
}

/// `POST /api/ops/booth-code/{code}/charge`: credits the cash taken, once per
/// `Idempotency-Key` (required): a retry answers the same balance.
#[utoipa::path(post, path = "/api/ops/booth-code/{code}/charge", tag = "festival", security(("session" = [])), params(("code" = String, Path, description = "the code the student shows"), ("Idempotency-Key" = String, Header, description = "required: one per cash payment")), request_body = BoothChargeBody, responses((status = 200, body = BalanceReply), (status = 404, body = ErrorBody)))]
pub async fn charge(
    State(state): State<AppState>,
    operator: Operator,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BoothChargeBody>,
) -> ApiResult<Json<BalanceReply>> {
    let key = headers
        .get("idempotency-key")
        .map(|value| IdempotencyKey::parse(value.as_bytes()))
        .transpose()?
        .ok_or_else(|| FieldError::new("IDEMPOTENCY_KEY", "send an Idempotency-Key header"))?;
    let amount = u64::try_from(body.amount)
        .ok()
        .filter(|a| AMOUNT_RANGE.contains(a))
        .ok_or_else(|| FieldError::new("AMOUNT", "amount is 100 to 100,000 points"))?;
    let code = booth::parse_code(&code).ok_or(ApiError::NotFound)?;
    if let Some(booth) = state.db.booth_code(&code)? {
        let target = state.db.user(booth.user)?.ok_or(ApiError::NotFound)?;
        operators::may_act_on(&operator.0, &target)?;
    }
    let charge = BoothCharge {
        operator: operator.0.id,
        amount,
        idempotency_key: key.as_str().to_owned(),
    };
    let charged = state.db.booth_charge(&code, charge).await?;
    Ok(Json(BalanceReply {
        balance: charged.balance,
    }))
}
