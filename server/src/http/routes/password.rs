//! Getting back in and changing the password: a reset link by mail (single use, 30 minutes,
//! no hint whether the account exists) and a change for a signed-in user.

use crate::domain::password;
use crate::http::auth::CurrentUser;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::http::middleware::WriteTurn;
use crate::http::state::AppState;
use crate::mail::reset_mail;
use crate::model::account::{Email, Password};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Extension;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use std::net::SocketAddr;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestBody {
    email: String,
}

/// A reset token: 256 random bits, URL-safe.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Queues the reset mail if `email` is a live account's (at most three an hour).
async fn send_reset(state: &AppState, email: &Email) -> anyhow::Result<()> {
    let Some(user) = state.db.user_by_email(email)? else {
        return Ok(());
    };
    if user.withdrawn || user.banned {
        return Ok(());
    }
    let token = new_token();
    let link = format!("{}/reset#token={token}", state.config.public_url());
    let mail = reset_mail(&user.email, &link);
    state
        .db
        .request_password_reset(user.id, &token, mail)
        .await?;
    Ok(())
}

/// `POST /api/auth/password-reset`: 202 whatever the address. The lookup and the mail happen
/// after the reply, so neither the answer nor its timing tells whether the account exists.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "account", request_body = ResetRequestBody, responses((status = 202, description = "a mail is on its way if the account exists")))]
pub async fn request_reset(
    State(state): State<AppState>,
    Extension(turn): Extension<WriteTurn>,
    ApiJson(body): ApiJson<ResetRequestBody>,
) -> ApiResult<StatusCode> {
    let email = Email::parse(&body.email)?;
    tokio::spawn(async move {
        let _turn = turn;
        if let Err(e) = send_reset(&state, &email).await {
            tracing::warn!(error = %format!("{e:#}"), "password reset mail");
        }
    });
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmBody {
    token: String,
    password: String,
}

/// `POST /api/auth/password-reset/confirm`: the new password; every session ends.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "account", request_body = ResetConfirmBody, responses((status = 204, description = "the password is changed; sign in with it"), (status = 422, body = ErrorBody, description = "INVALID_TOKEN: unknown, used or expired")))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<ResetConfirmBody>,
) -> ApiResult<StatusCode> {
    let password = Password::parse(&body.password)?;
    if body.token.is_empty() || body.token.len() > 100 {
        return Err(ApiError::unprocessable(
            "INVALID_TOKEN",
            "this link is unknown, used or expired",
        ));
    }
    let hash = password::hash(password.expose().to_owned(), Some(peer.ip())).await?;
    state.db.confirm_password_reset(&body.token, hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    current_password: String,
    new_password: String,
}

/// `PUT /api/me/password`: the user's other sessions end; this one stays.
#[utoipa::path(put, path = "/api/me/password", tag = "account", security(("session" = [])), request_body = ChangeBody, responses((status = 204, description = "changed"), (status = 401, body = ErrorBody, description = "BAD_CREDENTIALS: the current password is wrong")))]
pub async fn change(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    current: CurrentUser,
    ApiJson(body): ApiJson<ChangeBody>,
) -> ApiResult<StatusCode> {
    let new_password = Password::parse(&body.new_password)?;
    let user = &current.user;
    let hash = Some(user.password_hash.clone());
    if !password::verify(body.current_password, hash, Some(peer.ip())).await? {
        return Err(ApiError::BadCredentials);
    }
    let hash = password::hash(new_password.expose().to_owned(), Some(peer.ip())).await?;
    state
        .db
        .change_password(user.id, &current.token, hash)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
