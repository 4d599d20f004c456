use crate::auth::CurrentUser;
use crate::db::matches::Rejected;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::matchmaker;
use crate::state::AppState;
use crate::views::MatchView;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{json, Value};
use storage::matching::{MatchReply, MatchRequest};
use storage::options::{MatchOptions, MatchOptionsDraft};
use storage::seoul;

/// Candidates the matcher may propose that turn out stale before we give up with 404.
const MAX_PROPOSALS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    #[serde(default)]
    options: MatchOptionsDraft,
}

/// Asks the matcher for a candidate and records the match both ways.
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let options = MatchOptions::parse(body.options)?;
    let me = current.user;
    let profile = me.profile.as_ref().ok_or_else(|| {
        ApiError::unprocessable(
            "PROFILE_REQUIRED",
            "fill in your profile before asking for a match",
        )
    })?;
    let mut request = MatchRequest {
        request_id: rand::rng().next_u64(),
        requester_id: me.id,
        requester: profile.features(me.pickable()),
        options: options.clone(),
        exclude: state.db.partners_of(me.id)?,
        seed: rand::rng().next_u64(),
    };
    for _ in 0..MAX_PROPOSALS {
        let (candidate, important_applied) =
            match matchmaker::ask(&state.nats, &request, state.config.match_timeout()).await? {
                MatchReply::Matched {
                    candidate,
                    important_applied,
                } => (candidate, important_applied),
                MatchReply::NoCandidate => return Err(ApiError::NoCandidate),
                MatchReply::Refused { reason } => {
                    tracing::error!(%reason, "the matcher refused a request");
                    return Err(ApiError::MatcherUnavailable);
                }
            };
        match state
            .db
            .record_match(me.id, candidate, &options, important_applied)?
        {
            Ok(record) => {
                state.db.durable().await?;
                let view = MatchView::new(&record, seoul::current_year());
                return Ok((
                    StatusCode::CREATED,
                    Json(json!({ "match": view, "balance": 0 })),
                ));
            }
            Err(Rejected::CandidateGone | Rejected::AlreadyPaired) => {
                request.exclude.push(candidate)
            }
        }
    }
    Err(ApiError::NoCandidate)
}

/// The user's matches, newest first.
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
pub async fn picked_me(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Value>> {
    let count = state.db.picked_me_count(current.user.id)?;
    Ok(Json(json!({ "count": count })))
}
