//! Role gates: extracting [`Operator`] or [`Admin`] answers 401 without a session and 403 with
//! the wrong role.

use super::CurrentUser;
use crate::db::users::{Role, UserRecord};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// A signed-in `OPERATOR` or `ADMIN`.
pub struct Operator(pub UserRecord);

/// A signed-in `ADMIN`.
pub struct Admin(pub UserRecord);

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentUser { user, .. } = CurrentUser::from_request_parts(parts, state).await?;
        match user.role {
            Role::Operator | Role::Admin => Ok(Self(user)),
            Role::User => Err(ApiError::Forbidden),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentUser { user, .. } = CurrentUser::from_request_parts(parts, state).await?;
        match user.role {
            Role::Admin => Ok(Self(user)),
            Role::User | Role::Operator => Err(ApiError::Forbidden),
        }
    }
}
