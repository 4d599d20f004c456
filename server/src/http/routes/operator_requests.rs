//! Admins decide operator sign-ups.

use crate::db::ops_audit::Actor;
use crate::http::auth::Admin;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::path_id;
use crate::http::state::AppState;
use crate::http::views::{MeView, UserReply};
use crate::model::time::rfc3339;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use storage::UserId;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OperatorRequestView {
    user_id: String,
    email: String,
    nickname: String,
    at: String,
}

/// `GET /api/admin/operator-requests`: pending, oldest first.
#[utoipa::path(get, path = "/api/admin/operator-requests", tag = "admin", security(("session" = [])), responses((status = 200, body = Vec<OperatorRequestView>)))]
pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<Json<Vec<OperatorRequestView>>> {
    let pending = state.db.operator_requests()?;
    let views = pending
        .into_iter()
        .map(|(user, at)| OperatorRequestView {
            user_id: user.id.to_string(),
            email: user.email,
            nickname: user.nickname,
            at: rfc3339(at),
        })
        .collect();
    Ok(Json(views))
}

async fn decide(
    state: AppState,
    admin: Admin,
    id: &str,
    approve: bool,
) -> ApiResult<Json<UserReply>> {
    let user = UserId(path_id(id)?);
    let actor = Actor(admin.0.id);
    let user = state
        .db
        .decide_operator_request(user, approve, actor)
        .await?;
    let points = state.db.account(user.id)?.balance;
    let matches = state.db.match_count(user.id)?;
    let user = MeView::new(&user, matches, points, false);
    Ok(Json(UserReply { user }))
}

/// `POST /api/admin/operator-requests/{user_id}/approve`: the role becomes `OPERATOR` at once.
#[utoipa::path(post, path = "/api/admin/operator-requests/{user_id}/approve", tag = "admin", security(("session" = [])), params(("user_id" = String, Path, description = "a decimal id")), responses((status = 200, body = UserReply), (status = 404, body = ErrorBody, description = "no pending request")))]
pub async fn approve(
    State(state): State<AppState>,
    admin: Admin,
    Path(user_id): Path<String>,
) -> ApiResult<Json<UserReply>> {
    decide(state, admin, &user_id, true).await
}

/// `POST /api/admin/operator-requests/{user_id}/reject`.
#[utoipa::path(post, path = "/api/admin/operator-requests/{user_id}/reject", tag = "admin", security(("session" = [])), params(("user_id" = String, Path, description = "a decimal id")), responses((status = 200, body = UserReply), (status = 404, body = ErrorBody, description = "no pending request")))]
pub async fn reject(
    State(state): State<AppState>,
    admin: Admin,
    Path(user_id): Path<String>,
) -> ApiResult<Json<UserReply>> {
    decide(state, admin, &user_id, false).await
}
