//! The signed-in user, from the session cookie.

use super::session;
use crate::db::users::UserRecord;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// A live session's user (not withdrawn). Extracting it answers 401 otherwise.
pub struct CurrentUser {
    pub user: UserRecord,
    pub token: String,
}

impl CurrentUser {
    /// 403 `CONSENT_REQUIRED` unless the user accepted the documents in force (a profile, a
    /// charge and a match all need it).
    pub fn require_consent(&self, state: &AppState) -> Result<(), ApiError> {
        if self
            .user
            .consented_to(state.config.accounts.consent_version)
        {
            return Ok(());
        }
        Err(ApiError::Refused {
            code: "CONSENT_REQUIRED",
            message: "accept the terms and the consent documents first".into(),
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session::token(&parts.headers, state.config.tls.enabled())?
            .ok_or(ApiError::Unauthenticated)?;
        let user_id = state
            .db
            .session_user(&token, state.config.session_limits())?
            .ok_or(ApiError::Unauthenticated)?;
        let user = state
            .db
            .user(user_id)?
            .filter(|u| !u.withdrawn && !u.banned)
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user, token })
    }
}
