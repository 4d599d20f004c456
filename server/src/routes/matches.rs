use crate::auth::CurrentUser;
use crate::db::idempotency::SavedReply;
use crate::db::matches::{Proposal, Spend};
use crate::db::now_ms;
use crate::db::points::Reservation;
use crate::db::users::UserRecord;
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views::{CountReply, MatchCreated, MatchView, QuoteReply};
use crate::{matchmaker, pricing};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore;
use serde::Deserialize;
use serde_json::Value;
use std::future::Future;
use std::time::Instant;
use storage::matching::{MatchReply, MatchRequest};
use storage::options::{MatchOptions, MatchOptionsDraft};
use storage::seoul;
use storage::UserId;
use utoipa::ToSchema;

/// Candidates the matcher may propose that turn out stale before we give up with 404.
const MAX_PROPOSALS: usize = 3;
/// The longest `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 64;

/// Runs one stage of a match request and records its time in `match_stage_seconds{stage}`,
/// so a slow match shows where it waited (its lock, the reservation, the matcher, the record).
async fn timed<T>(stage: &'static str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let output = work.await;
    metrics::histogram!("match_stage_seconds", "stage" => stage)
        .record(started.elapsed().as_secs_f64());
    output
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    #[serde(default)]
    options: MatchOptionsDraft,
}

/// `POST /api/matches/quote`: what these options cost.
#[utoipa::path(post, path = "/api/matches/quote", tag = "matches", security(("session" = [])), request_body = MatchBody, responses((status = 200, body = QuoteReply)))]
pub async fn quote(
    State(state): State<AppState>,
    _current: CurrentUser,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<Json<QuoteReply>> {
    let options = MatchOptions::parse(body.options)?;
    let price = pricing::price(&state.config, &options);
    Ok(Json(QuoteReply { price }))
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::unprocessable(
            "INVALID_IDEMPOTENCY_KEY",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible characters"),
        )
    };
    let key = value.to_str().map_err(|_| invalid())?.trim();
    if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(invalid());
    }
    Ok(Some(key.to_owned()))
}

/// `POST /api/matches`: reserve the price, ask the matcher, spend or release.
/// A repeated `Idempotency-Key` answers the first reply again and charges nothing.
#[utoipa::path(post, path = "/api/matches", tag = "matches", security(("session" = [])), request_body = MatchBody, params(("Idempotency-Key" = Option<String>, Header, description = "1 to 64 visible characters; a repeat answers the first reply again")), responses((status = 201, body = MatchCreated), (status = 503, body = ErrorBody, description = "MATCHER_UNAVAILABLE: nothing was charged")))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<Response> {
    state.limits.matches(current.user.id)?;
    let key = idempotency_key(&headers)?;
    let options = MatchOptions::parse(body.options)?;
    let fingerprint = serde_json::to_string(&options).map_err(anyhow::Error::from)?;
    let me = current.user;
    let _turn = timed("lock", state.user_locks.lock(me.id)).await;
    if let Some(key) = &key {
        if let Some(saved) = state.db.saved_reply(me.id, key)? {
            if saved.fingerprint != fingerprint {
                return Err(ApiError::unprocessable(
                    "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was used for a different request",
                ));
            }
            let status = StatusCode::from_u16(saved.status).map_err(anyhow::Error::from)?;
            return Ok((status, Json(saved.body)).into_response());
        }
    }
    let idempotency = key.as_deref().map(|k| (k, fingerprint.as_str()));
    let outcome = attempt(&state, &me, &options, idempotency).await;
    let label = match &outcome {
        Ok(_) => "MATCHED".to_owned(),
        Err(error) => error.body()["error"]["code"]
            .as_str()
            .unwrap_or("ERROR")
            .to_owned(),
    };
    metrics::counter!("match_outcomes_total", "outcome" => label).increment(1);
    match outcome {
        Ok(body) => Ok((StatusCode::CREATED, Json(body)).into_response()),
        Err(error) => {
            // 4xx outcomes are kept too; a 503 is not, so that a retry tries again.
            if let (Some(key), true) = (&key, error.status().is_client_error()) {
                let saved = SavedReply {
                    fingerprint,
                    status: error.status().as_u16(),
                    body: error.body(),
                    at_ms: now_ms(),
                };
                state.db.save_reply(me.id, key, &saved)?;
                state.db.durable().await?;
            }
            Err(error)
        }
    }
}

/// Checks the limit, reserves the price while asking the matcher, and proposes; releases the
/// reservation on failure.
async fn attempt(
    state: &AppState,
    me: &UserRecord,
    options: &MatchOptions,
    idempotency: Option<(&str, &str)>,
) -> ApiResult<Value> {
    let Some(profile) = me.profile.as_ref() else {
        return Err(ApiError::unprocessable(
            "PROFILE_REQUIRED",
            "fill in your profile before asking for a match",
        ));
    };
    let limit = state.config.match_limit;
    if state.db.match_count(me.id)? as u64 >= limit {
        return Err(ApiError::MatchLimit(limit));
    }
    let price = pricing::price(&state.config, options);
    // Also checked here so that a student without points costs no matcher query; the
    // reservation checks again, atomically.
    if state.db.account(me.id)?.available() < price {
        return Err(ApiError::InsufficientPoints);
    }
    let request = MatchRequest {
        request_id: rand::rng().next_u64(),
        requester_id: me.id,
        requester: profile.features(me.pickable()),
        options: options.clone(),
        exclude: state.db.partners_of(me.id)?,
        seed: rand::rng().next_u64(),
    };
    // The reservation and the first question run together: asking changes nothing, and the
    // spend waits for the reservation to be on disk. A crash leaves the reservation on disk
    // (released at the next start, reported by the audit until then) or not at all; either
    // way nothing is charged.
    let (reservation, first) = tokio::join!(
        timed("reserve", state.db.reserve(me.id, price)),
        ask(state, &request),
    );
    let reservation = reservation?;
    let outcome = propose(
        state,
        me,
        options,
        &reservation,
        request,
        first,
        idempotency,
    )
    .await;
    if outcome.is_err() {
        if let Err(e) = state.db.release(&reservation).await {
            tracing::error!(error = %e, reservation = reservation.id, "release failed; the next start releases it");
        }
    }
    outcome
}

/// One question to the matcher: a candidate and whether the important option applied.
async fn ask(state: &AppState, request: &MatchRequest) -> ApiResult<(UserId, bool)> {
    let timeout = state.config.match_timeout();
    match timed("ask", matchmaker::ask(&state.nats, request, timeout)).await? {
        MatchReply::Matched {
            candidate,
            important_applied,
        } => Ok((candidate, important_applied)),
        MatchReply::NoCandidate => Err(ApiError::NoCandidate),
        MatchReply::Refused { reason } => {
            tracing::error!(%reason, "the matcher refused a request");
            Err(ApiError::MatcherUnavailable)
        }
    }
}

/// Records the matcher's proposal; one that turns out stale (matched meanwhile, or no longer
/// pickable) is excluded and the matcher asked again, at most [`MAX_PROPOSALS`] in all.
async fn propose(
    state: &AppState,
    me: &UserRecord,
    options: &MatchOptions,
    reservation: &Reservation,
    mut request: MatchRequest,
    first: ApiResult<(UserId, bool)>,
    idempotency: Option<(&str, &str)>,
) -> ApiResult<Value> {
    let year = seoul::current_year();
    let reply = move |record: &_, balance: u64| {
        let matched = MatchView::new(record, year);
        serde_json::to_value(MatchCreated { matched, balance }).expect("a match reply serializes")
    };
    let mut proposed = first;
    for proposal in 1..=MAX_PROPOSALS {
        let (candidate, important_applied) = proposed?;
        let pair = Proposal {
            requester: me.id,
            candidate,
            options: options.clone(),
            important_applied,
        };
        let spend = Spend {
            reservation: reservation.clone(),
            refund: pricing::refund(&state.config, options, important_applied),
            idempotency: idempotency
                .map(|(key, fingerprint)| (key.to_owned(), fingerprint.to_owned())),
        };
        match timed("record", state.db.record_match(pair, spend, reply)).await? {
            Ok((record, balance)) => return Ok(reply(&record, balance)),
            Err(_) if proposal < MAX_PROPOSALS => {
                request.exclude.push(candidate);
                proposed = ask(state, &request).await;
            }
            Err(_) => break,
        }
    }
    Err(ApiError::NoCandidate)
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
