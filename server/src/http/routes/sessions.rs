//! The signed-in user's sessions (devices), and signing out everywhere else.

use crate::http::auth::CurrentUser;
use crate::http::error::ApiResult;
use crate::http::state::AppState;
use crate::model::time::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    id: String,
    /// This request's session.
    current: bool,
    created_at: String,
    last_seen_at: String,
    /// Signed in with "로그인 유지".
    remember: bool,
}

/// `GET /api/me/sessions`: newest first.
#[utoipa::path(get, path = "/api/me/sessions", tag = "account", security(("session" = [])), responses((status = 200, body = Vec<SessionView>)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<SessionView>>> {
    let sessions = state.db.sessions_of(current.user.id, &current.token)?;
    let views = sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            current: s.current,
            created_at: rfc3339(s.record.created_at_ms),
            last_seen_at: rfc3339(s.record.last_seen_ms),
            remember: s.record.remember,
        })
        .collect();
    Ok(Json(views))
}

/// `POST /api/me/sessions/logout-others`: every other session ends.
#[utoipa::path(post, path = "/api/me/sessions/logout-others", tag = "account", security(("session" = [])), responses((status = 204, description = "the other sessions ended")))]
pub async fn logout_others(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<StatusCode> {
    state
        .db
        .end_other_sessions(current.user.id, &current.token)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
