//! Priced matches: the quote, the request (the matchmaker runs it), and the history.

use crate::domain::pricing;
use crate::http::auth::CurrentUser;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::path_id;
use crate::http::extract::ApiJson;
use crate::http::middleware::WriteTurn;
use crate::http::state::AppState;
use crate::http::views::{CountReply, MatchCreated, MatchReply, MatchView, QuoteReply};
use crate::model::idempotency_key::IdempotencyKey;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use axum::Json;
use serde::Deserialize;
use storage::options::{MatchOptions, MatchOptionsDraft};
use storage::seoul;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    #[serde(default)]
    options: MatchOptionsDraft,
}

/// `POST /api/matches/quote`: what these options cost now (the running discount applied).
#[utoipa::path(post, path = "/api/matches/quote", tag = "matches", security(("session" = [])), request_body = MatchBody, responses((status = 200, body = QuoteReply)))]
pub async fn quote(
    State(state): State<AppState>,
    _current: CurrentUser,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<Json<QuoteReply>> {
    let options = MatchOptions::parse(body.options)?;
    let discount = state.db.active_discount(crate::db::now_ms())?;
    let price = pricing::price(&state.config, &options, discount.map(|d| d.percent));
    Ok(Json(QuoteReply {
        price: price.charged,
        list_price: price.list,
        discount_percent: price.discount_percent,
    }))
}

/// `POST /api/matches`: the matchmaker asks the matcher, then records the match and spends
/// its price in one commit, to the end even if this client leaves (holding the request's share
/// of the write barrier until then). A repeated `Idempotency-Key` answers the first reply again
/// and charges nothing.
#[utoipa::path(post, path = "/api/matches", tag = "matches", security(("session" = [])), request_body = MatchBody, params(("Idempotency-Key" = Option<String>, Header, description = "1 to 64 visible characters; a repeat answers the first reply again")), responses((status = 201, body = MatchCreated), (status = 503, body = ErrorBody, description = "MATCHER_UNAVAILABLE: nothing was charged")))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Extension(turn): Extension<WriteTurn>,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<(StatusCode, Json<MatchCreated>)> {
    state.limits.matches(current.user.id)?;
    current.require_consent(&state)?;
    if state.config.accounts.require_school_email && current.user.school_email.is_none() {
        return Err(ApiError::Refused {
            code: "SCHOOL_EMAIL_REQUIRED",
            message: "verify a school e-mail address first".into(),
        });
    }
    let key = headers
        .get("idempotency-key")
        .map(|value| IdempotencyKey::parse(value.as_bytes()))
        .transpose()?;
    let options = MatchOptions::parse(body.options)?;
    let matched = state
        .matchmaker
        .request(current.user, options, key, turn)
        .await?;
    let reply = MatchCreated {
        matched: MatchView::new(&matched.record, seoul::current_year()),
        balance: matched.balance,
    };
    Ok((StatusCode::CREATED, Json(reply)))
}

/// The user's matches, newest first.
#[utoipa::path(get, path = "/api/matches", tag = "matches", security(("session" = [])), responses((status = 200, body = Vec<MatchView>)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<MatchView>>> {
    let year = seoul::current_year();
    let records = state.db.matches_of(current.user.id)?;
    Ok(Json(
        records.iter().map(|r| MatchView::new(r, year)).collect(),
    ))
}

/// How many times others were matched with the user.
#[utoipa::path(get, path = "/api/matches/picked-me", tag = "matches", security(("session" = [])), responses((status = 200, body = CountReply)))]
pub async fn picked_me(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<CountReply>> {
    let count = state.db.picked_me_count(current.user.id)?;
    Ok(Json(CountReply { count }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    good: bool,
}

/// `PUT /api/matches/{id}/feedback`: the requester says whether it was a good match (the last
/// answer within a day counts); the training export carries it.
#[utoipa::path(put, path = "/api/matches/{id}/feedback", tag = "matches", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body = FeedbackBody, responses((status = 200, body = MatchReply), (status = 409, body = ErrorBody, description = "FEEDBACK_CLOSED: more than a day after the match")))]
pub async fn feedback(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FeedbackBody>,
) -> ApiResult<Json<MatchReply>> {
    let record = state
        .db
        .set_feedback(path_id(&id)?, current.user.id, body.good)
        .await?;
    let matched = MatchView::new(&record, seoul::current_year());
    Ok(Json(MatchReply { matched }))
}
