//! The promotion: admins switch it on and off; a student claims it once while their balance is
//! under its threshold.

use crate::db::settings::PromoConfig;
use crate::http::auth::{Admin, CurrentUser};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::http::routes::catalog::PromoView;
use crate::http::state::AppState;
use crate::http::views::BalanceReply;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use storage::FieldError;
use utoipa::ToSchema;

/// The top-up's bounds.
const AMOUNT_RANGE: std::ops::RangeInclusive<u64> = 100..=5_000;
/// The highest balance threshold.
const MAX_BELOW: u64 = 1_000_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoBody {
    active: bool,
    /// 100 to 5,000 points.
    amount: i64,
    /// The balance under which it may be claimed, 0 to 1,000,000.
    below: i64,
}

/// `PUT /api/admin/promo`.
#[utoipa::path(put, path = "/api/admin/promo", tag = "festival", security(("session" = [])), request_body = PromoBody, responses((status = 200, body = PromoView), (status = 422, body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<PromoBody>,
) -> ApiResult<Json<PromoView>> {
    let amount = u64::try_from(body.amount)
        .ok()
        .filter(|a| AMOUNT_RANGE.contains(a))
        .ok_or_else(|| FieldError::new("AMOUNT", "amount is 100 to 5,000 points"))?;
    let below = u64::try_from(body.below)
        .ok()
        .filter(|b| *b <= MAX_BELOW)
        .ok_or_else(|| FieldError::new("BELOW", "below is 0 to 1,000,000 points"))?;
    let promo = PromoConfig {
        active: body.active,
        amount,
        below,
    };
    state.db.set_promo(promo).await?;
    Ok(Json(promo.into()))
}

/// `POST /api/me/promo`: claims the promotion, once.
#[utoipa::path(post, path = "/api/me/promo", tag = "festival", security(("session" = [])), responses((status = 200, body = BalanceReply), (status = 403, body = ErrorBody, description = "PROMO_INACTIVE"), (status = 409, body = ErrorBody, description = "ALREADY_USED"), (status = 422, body = ErrorBody, description = "BALANCE_TOO_HIGH")))]
pub async fn claim(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<BalanceReply>> {
    let balance = state.db.claim_promo(current.user.id).await?;
    Ok(Json(BalanceReply { balance }))
}
