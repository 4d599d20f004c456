//! The signed-in user, from the session cookie.

use super::session::COOKIE_NAME;
use crate::db::users::UserRecord;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

/// A live session's user (not withdrawn). Extracting it answers 401 otherwise.
pub struct CurrentUser {
    pub user: UserRecord,
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(COOKIE_NAME)
            .map(|c| c.value().to_owned())
            .ok_or(ApiError::Unauthenticated)?;
        let user_id = state
            .db
            .session_user(&token, state.config.session_idle_ms())?
            .ok_or(ApiError::Unauthenticated)?;
        let user = state
            .db
            .user(user_id)?
            .filter(|u| !u.withdrawn && !u.banned)
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user, token })
    }
}
