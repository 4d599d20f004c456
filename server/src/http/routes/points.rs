//! A student's points and charge requests.

use crate::db::charges::Decision;
use crate::http::auth::CurrentUser;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{path_id, ApiJson, ApiQuery};
use crate::http::state::AppState;
use crate::http::views::{ChargeReply, ChargeView, EntryView, PointsReply};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use storage::profile::clean_text;
use storage::FieldError;
use utoipa::{IntoParams, ToSchema};

const DEFAULT_PAGE: usize = 20;
const MIN_CHARGE: i64 = 1_000;
const MAX_CHARGE: i64 = 50_000;
const CHARGE_STEP: i64 = 500;

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// Entries older than this entry id.
    before: Option<String>,
    /// 1 to 100; 20 when left out.
    limit: Option<usize>,
}

/// `GET /api/me/points`: the balance and a page of entries, newest first.
#[utoipa::path(get, path = "/api/me/points", tag = "points", security(("session" = [])), params(PageQuery), responses((status = 200, body = PointsReply)))]
pub async fn points(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<PointsReply>> {
    let before = match page.before.as_deref() {
        Some(text) => Some(
            path_id(text).map_err(|_| ApiError::BadRequest("before must be an entry id".into()))?,
        ),
        None => None,
    };
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=crate::db::points::MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {}",
            crate::db::points::MAX_PAGE
        )));
    }
    let id = current.user.id;
    let balance = state.db.account(id)?.balance;
    let entries = state.db.entries(id, before, limit)?;
    let entries: Vec<EntryView> = entries.iter().map(EntryView::new).collect();
    Ok(Json(PointsReply { balance, entries }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeBody {
    amount: i64,
    depositor_name: String,
}

/// `POST /api/charges`: ask for points after a bank transfer.
#[utoipa::path(post, path = "/api/charges", tag = "points", security(("session" = [])), request_body = ChargeBody, responses((status = 201, body = ChargeReply)))]
pub async fn create_charge(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<ChargeBody>,
) -> ApiResult<(StatusCode, Json<ChargeReply>)> {
    current.require_consent(&state)?;
    if current.user.profile.is_none() {
        return Err(ApiError::unprocessable(
            "PROFILE_REQUIRED",
            "fill in your profile before charging points",
        ));
    }
    if !(MIN_CHARGE..=MAX_CHARGE).contains(&body.amount) || body.amount % CHARGE_STEP != 0 {
        return Err(FieldError::new(
            "AMOUNT",
            format!("amount must be {MIN_CHARGE} to {MAX_CHARGE} in steps of {CHARGE_STEP}"),
        )
        .into());
    }
    let depositor = clean_text(&body.depositor_name, "DEPOSITOR_NAME", 1, 20)?;
    let amount = u64::try_from(body.amount).expect("range checked above");
    let charge = state
        .db
        .create_charge(current.user.id, amount, &depositor)
        .await?;
    state.charge_feed.publish(charge.id, charge.status);
    Ok((
        StatusCode::CREATED,
        Json(ChargeReply {
            charge: ChargeView::new(&charge),
        }),
    ))
}

/// `GET /api/me/charges`, newest first.
#[utoipa::path(get, path = "/api/me/charges", tag = "points", security(("session" = [])), responses((status = 200, body = Vec<ChargeView>)))]
pub async fn my_charges(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<ChargeView>>> {
    let charges = state.db.charges_of(current.user.id)?;
    Ok(Json(charges.iter().map(ChargeView::new).collect()))
}

/// `DELETE /api/charges/{id}`: cancel one's own pending charge.
#[utoipa::path(delete, path = "/api/charges/{id}", tag = "points", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 200, body = ChargeReply)))]
pub async fn cancel_charge(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ChargeReply>> {
    let charge = state
        .db
        .decide_charge(path_id(&id)?, Decision::Cancel, current.user.id)
        .await?;
    state.charge_feed.publish(charge.id, charge.status);
    Ok(Json(ChargeReply {
        charge: ChargeView::new(&charge),
    }))
}
