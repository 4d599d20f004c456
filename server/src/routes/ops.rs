//! Operator tools: charge approval and points corrections.

use crate::auth::Operator;
use crate::db::charges::ChargeStatus;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::views::ChargeView;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use storage::profile::clean_text;
use storage::{FieldError, UserId};

#[derive(Deserialize)]
pub struct ChargeQuery {
    status: Option<ChargeStatus>,
}

/// `GET /api/ops/charges?status=PENDING`: pending charges with their students, oldest first.
pub async fn charges(
    State(state): State<AppState>,
    _operator: Operator,
    ApiQuery(query): ApiQuery<ChargeQuery>,
) -> ApiResult<Json<Vec<Value>>> {
    if query.status.is_some_and(|s| s != ChargeStatus::Pending) {
        return Err(ApiError::BadRequest(
            "only status=PENDING can be listed".into(),
        ));
    }
    let mut list = Vec::new();
    for charge in state.db.pending_charges()? {
        let nickname = state
            .db
            .user(charge.user_id)?
            .map(|u| u.nickname)
            .unwrap_or_default();
        let mut view =
            serde_json::to_value(ChargeView::new(&charge)).map_err(anyhow::Error::from)?;
        view["user_id"] = json!(charge.user_id.to_string());
        view["nickname"] = json!(nickname);
        list.push(view);
    }
    Ok(Json(list))
}

async fn decide(
    state: AppState,
    operator: Operator,
    id: &str,
    to: ChargeStatus,
) -> ApiResult<Json<Value>> {
    let charge = state
        .db
        .decide_charge(path_id(id)?, to, operator.0.id, false)?;
    state.db.durable().await?;
    Ok(Json(json!({ "charge": ChargeView::new(&charge) })))
}

/// Approves: credits the points exactly once, however often or concurrently it is called.
pub async fn approve(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    decide(state, operator, &id, ChargeStatus::Approved).await
}

pub async fn reject(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    decide(state, operator, &id, ChargeStatus::Rejected).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustBody {
    delta: i64,
    reason: String,
}

/// `POST /api/ops/users/{id}/points`: a correction with a reason.
pub async fn adjust_points(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AdjustBody>,
) -> ApiResult<Json<Value>> {
    let max = crate::db::points::MAX_ADJUST;
    if body.delta == 0 || body.delta.abs() > max {
        return Err(FieldError::new(
            "DELTA",
            format!("delta must be non-zero and at most {max} either way"),
        )
        .into());
    }
    let reason = clean_text(&body.reason, "REASON", 1, 200)?;
    let user = UserId(path_id(&id)?);
    state.db.user(user)?.ok_or(ApiError::NotFound)?;
    let account = state
        .db
        .adjust_points(user, body.delta, &reason, operator.0.id)?;
    state.db.durable().await?;
    Ok(Json(json!({ "balance": account.balance })))
}
