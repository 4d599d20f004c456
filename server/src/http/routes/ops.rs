//! Operator tools: charge approval and points corrections.

use crate::db::charges::{ChargeStatus, Decision};
use crate::db::ops_audit::Actor;
use crate::db::stats::OpsStats;
use crate::db::Db;
use crate::domain::operators;
use crate::http::auth::{Admin, Operator};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{path_id, ApiJson, ApiQuery};
use crate::http::state::AppState;
use crate::http::views::{
    timestamp, BalanceReply, BanReply, ChargeReply, ChargeView, EntryView, MatchView, OpsAuditView,
    PendingChargeView, PointsReply, UserDetailReply, UserDetailView, UserSummary,
};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use storage::profile::clean_text;
use storage::{FieldError, UserId};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct ChargeQuery {
    /// Only `PENDING` can be listed.
    status: Option<ChargeStatus>,
}

/// `GET /api/ops/charges?status=PENDING`: pending charges with their students, oldest first.
#[utoipa::path(get, path = "/api/ops/charges", tag = "ops", security(("session" = [])), params(ChargeQuery), responses((status = 200, body = Vec<PendingChargeView>)))]
pub async fn charges(
    State(state): State<AppState>,
    _operator: Operator,
    ApiQuery(query): ApiQuery<ChargeQuery>,
) -> ApiResult<Json<Vec<PendingChargeView>>> {
    if query.status.is_some_and(|s| s != ChargeStatus::Pending) {
        return Err(ApiError::BadRequest(
            "only status=PENDING can be listed".into(),
        ));
    }
    let mut list = Vec::new();
    for charge in state.db.pending_charges()? {
        let user = state.db.user(charge.user_id)?;
        let contact = user
            .as_ref()
            .and_then(|u| u.profile.as_ref())
            .map(|p| p.contact.clone());
        list.push(PendingChargeView {
            charge: ChargeView::new(&charge),
            user_id: charge.user_id.to_string(),
            nickname: user.map(|u| u.nickname).unwrap_or_default(),
            contact,
        });
    }
    Ok(Json(list))
}

async fn decide(
    state: AppState,
    operator: Operator,
    id: &str,
    decision: Decision,
) -> ApiResult<Json<ChargeReply>> {
    let id = path_id(id)?;
    let owner = state.db.charge(id)?.ok_or(ApiError::NotFound)?.user_id;
    let owner = state.db.user(owner)?.ok_or(ApiError::NotFound)?;
    operators::may_act_on(&operator.0, &owner)?;
    let charge = state.db.decide_charge(id, decision, operator.0.id).await?;
    state.charge_feed.publish(charge.id, charge.status);
    Ok(Json(ChargeReply {
        charge: ChargeView::new(&charge),
    }))
}

/// Approves: credits the points exactly once, however often or concurrently it is called.
#[utoipa::path(post, path = "/api/ops/charges/{id}/approve", tag = "ops", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 200, body = ChargeReply)))]
pub async fn approve(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<ChargeReply>> {
    decide(state, operator, &id, Decision::Approve).await
}

#[utoipa::path(post, path = "/api/ops/charges/{id}/reject", tag = "ops", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 200, body = ChargeReply)))]
pub async fn reject(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<ChargeReply>> {
    decide(state, operator, &id, Decision::Reject).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustBody {
    delta: i64,
    reason: String,
}

/// `POST /api/ops/users/{id}/points`: a correction with a reason.
#[utoipa::path(post, path = "/api/ops/users/{id}/points", tag = "ops", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body = AdjustBody, responses((status = 200, body = BalanceReply)))]
pub async fn adjust_points(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AdjustBody>,
) -> ApiResult<Json<BalanceReply>> {
    let max = crate::db::points::MAX_ADJUST;
    if body.delta == 0 || body.delta.unsigned_abs() > max.unsigned_abs() {
        return Err(FieldError::new(
            "DELTA",
            format!("delta must be non-zero and at most {max} either way"),
        )
        .into());
    }
    let reason = clean_text(&body.reason, "REASON", 1, 200)?;
    let target = state
        .db
        .user(UserId(path_id(&id)?))?
        .ok_or(ApiError::NotFound)?;
    operators::may_act_on(&operator.0, &target)?;
    operators::may_adjust(&operator.0, body.delta, state.config.operator_adjust_cap)?;
    let account = state
        .db
        .adjust_points(target.id, body.delta, &reason, operator.0.id)
        .await?;
    Ok(Json(BalanceReply {
        balance: account.balance,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// 1 to 100 characters: part of a nickname, email, major or contact.
    q: Option<String>,
    /// 1 to 50; 20 when left out.
    limit: Option<usize>,
}

/// `GET /api/ops/users?q=TEXT&limit=N`: full-text search, best match first.
#[utoipa::path(get, path = "/api/ops/users", tag = "ops", security(("session" = [])), params(SearchQuery), responses((status = 200, body = Vec<UserSummary>)))]
pub async fn search_users(
    State(state): State<AppState>,
    _operator: Operator,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<UserSummary>>> {
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    if q.is_empty() || q.chars().count() > 100 {
        return Err(ApiError::BadRequest("q must be 1 to 100 characters".into()));
    }
    let limit = query.limit.unwrap_or(20);
    if !(1..=crate::search::MAX_RESULTS).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {}",
            crate::search::MAX_RESULTS
        )));
    }
    let mut found = Vec::new();
    for id in state.search.query(q, limit)? {
        found.extend(state.db.user(id)?.as_ref().map(UserSummary::new));
    }
    Ok(Json(found))
}

/// `GET /api/ops/users/{id}`: the user, profile, points, charges and matches.
#[utoipa::path(get, path = "/api/ops/users/{id}", tag = "ops", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 200, body = UserDetailReply)))]
pub async fn user_detail(
    State(state): State<AppState>,
    _operator: Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<UserDetailReply>> {
    let id = UserId(path_id(&id)?);
    let user = state.db.user(id)?.ok_or(ApiError::NotFound)?;
    let year = storage::seoul::current_year();
    let entries: Vec<EntryView> = state
        .db
        .entries(id, None, 50)?
        .iter()
        .map(EntryView::new)
        .collect();
    let charges: Vec<ChargeView> = state
        .db
        .charges_of(id)?
        .iter()
        .map(ChargeView::new)
        .collect();
    let matches: Vec<MatchView> = state
        .db
        .matches_of(id)?
        .iter()
        .map(|m| MatchView::new(m, year))
        .collect();
    let balance = state.db.account(id)?.balance;
    Ok(Json(UserDetailReply {
        user: UserDetailView {
            summary: UserSummary::new(&user),
            dont_pick_me: user.dont_pick_me,
            created_at: timestamp(user.created_at_ms),
        },
        profile: user.profile,
        points: PointsReply { balance, entries },
        charges,
        matches,
        picked_me: state.db.picked_me_count(id)?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanBody {
    reason: Option<String>,
}

/// The optional `{reason}` of a ban or unban (an empty body is fine).
fn ban_reason(body: &[u8]) -> ApiResult<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: BanBody = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body does not fit: {e}")))?;
    Ok(match parsed.reason {
        Some(reason) => Some(clean_text(&reason, "REASON", 1, 200)?),
        None => None,
    })
}

async fn set_banned(
    state: AppState,
    operator: Operator,
    id: &str,
    banned: bool,
    body: &[u8],
) -> ApiResult<Json<BanReply>> {
    let reason = ban_reason(body)?;
    let target = state
        .db
        .user(UserId(path_id(id)?))?
        .ok_or(ApiError::NotFound)?;
    operators::may_act_on(&operator.0, &target)?;
    if banned && reason.is_none() {
        return Err(FieldError::new("REASON", "a ban needs a reason (1 to 200 characters)").into());
    }
    let user = state
        .db
        .set_banned(target.id, banned, Actor(operator.0.id), reason)
        .await?;
    Ok(Json(BanReply {
        id: user.id.to_string(),
        banned: user.banned,
    }))
}

/// Bans: sessions end, login answers 403 `BANNED`, the matcher drops them from the pool.
#[utoipa::path(post, path = "/api/ops/users/{id}/ban", tag = "ops", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body(content = BanBody, description = "the reason is required (422 INVALID_REASON)"), responses((status = 200, body = BanReply)))]
pub async fn ban(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<BanReply>> {
    set_banned(state, operator, &id, true, &body).await
}

#[utoipa::path(post, path = "/api/ops/users/{id}/unban", tag = "ops", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body(content = Option<BanBody>, description = "optional"), responses((status = 200, body = BanReply)))]
pub async fn unban(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<BanReply>> {
    set_banned(state, operator, &id, false, &body).await
}

/// `GET /api/ops/stats`.
#[utoipa::path(get, path = "/api/ops/stats", tag = "ops", security(("session" = [])), responses((status = 200, body = OpsStats)))]
pub async fn stats(
    State(state): State<AppState>,
    _operator: Operator,
) -> ApiResult<Json<OpsStats>> {
    let db = state.db.clone();
    let stats = tokio::task::spawn_blocking(move || db.ops_stats())
        .await
        .map_err(anyhow::Error::from)??;
    Ok(Json(stats))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// 100 when left out.
    limit: Option<usize>,
}

/// `GET /api/ops/audit`: operator actions, newest first (admins only).
#[utoipa::path(get, path = "/api/ops/audit", tag = "admin", security(("session" = [])), params(AuditQuery), responses((status = 200, body = Vec<OpsAuditView>)))]
pub async fn audit_trail(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<OpsAuditView>>> {
    let entries = state.db.ops_audit_entries(query.limit.unwrap_or(100))?;
    Ok(Json(entries.iter().map(OpsAuditView::new).collect()))
}

/// `GET /api/admin/export/matches.csv`: streamed, pseudonymous, no contacts.
#[utoipa::path(get, path = "/api/admin/export/matches.csv", tag = "admin", security(("session" = [])), responses((status = 200, content_type = "text/csv", body = String, description = "pseudonymous, no contacts")))]
pub async fn export_matches(State(state): State<AppState>, _admin: Admin) -> Response {
    stream_csv(state, "matches.csv", |db, emit| {
        crate::ops::export::matches_csv(db, emit)
    })
}

/// `GET /api/admin/export/candidates.csv`: every student with a profile, with the pseudonyms
/// of the match export (for `comatching-matcher train`).
#[utoipa::path(get, path = "/api/admin/export/candidates.csv", tag = "admin", security(("session" = [])), responses((status = 200, content_type = "text/csv", body = String, description = "pseudonymous, no names or contacts")))]
pub async fn export_candidates(State(state): State<AppState>, _admin: Admin) -> Response {
    stream_csv(state, "candidates.csv", |db, emit| {
        crate::ops::export::candidates_csv(db, emit)
    })
}

/// Streams an export as a CSV attachment: the rows are made on a blocking thread and handed on
/// in chunks (a few at most in flight), so memory stays bounded whatever the size.
fn stream_csv(
    state: AppState,
    file_name: &'static str,
    rows: impl FnOnce(&Db, &mut dyn FnMut(Vec<u8>) -> bool) -> anyhow::Result<u64> + Send + 'static,
) -> Response {
    let (chunks, receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db = state.db.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = rows(&db, &mut |chunk| chunks.blocking_send(chunk).is_ok()) {
            tracing::error!(error = %format!("{e:#}"), file_name, "export failed part-way");
        }
    });
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(chunk), receiver))
    });
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
