use crate::db::signup::NewAccount;
use crate::domain::password;
use crate::http::auth::{session, CurrentUser};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use crate::http::views::{MeView, UserReply};
use crate::model::account::{Email, Nickname, Password};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use std::net::SocketAddr;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    email: String,
    password: String,
    nickname: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
    /// "로그인 유지": the session lasts `--session-remember-days` and the cookie gets that
    /// Max-Age; without it the cookie ends with the browser.
    #[serde(default)]
    remember: bool,
}

/// Makes the account and its session; the reply of both sign-ups.
async fn register(
    state: &AppState,
    peer: SocketAddr,
    jar: CookieJar,
    body: SignupBody,
    account: NewAccount,
) -> ApiResult<impl IntoResponse + use<>> {
    let email = Email::parse(&body.email)?;
    let nickname = Nickname::parse(&body.nickname)?;
    let password = Password::parse(&body.password)?;
    let hash = password::hash(password.expose().to_owned(), Some(peer.ip())).await?;
    let bonus = account.bonus;
    let user = state.db.sign_up(&email, &nickname, hash, account).await?;
    let token = state.db.create_session(user.id).await?;
    let jar = jar.add(session::cookie(token, state.config.tls.enabled(), None));
    let promo = state.db.promo_available(user.id)?;
    let user = MeView::new(&user, 0, bonus, promo);
    Ok((StatusCode::CREATED, jar, Json(UserReply { user })))
}

#[utoipa::path(post, path = "/api/auth/signup", tag = "account", request_body = SignupBody, responses((status = 201, body = UserReply, description = "signed up and signed in (sets the session cookie)")))]
pub async fn signup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignupBody>,
) -> ApiResult<impl IntoResponse> {
    let account = NewAccount {
        bonus: state.config.signup_bonus,
        ..NewAccount::default()
    };
    register(&state, peer, jar, body, account).await
}

/// `POST /api/auth/operator-signup`: an account whose operator request waits for an admin.
#[utoipa::path(post, path = "/api/auth/operator-signup", tag = "account", request_body = SignupBody, responses((status = 201, body = UserReply, description = "signed up with a pending operator request (sets the session cookie)")))]
pub async fn operator_signup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignupBody>,
) -> ApiResult<impl IntoResponse> {
    let account = NewAccount {
        operator_request: true,
        ..NewAccount::default()
    };
    register(&state, peer, jar, body, account).await
}

#[utoipa::path(post, path = "/api/auth/login", tag = "account", request_body = LoginBody, responses((status = 200, body = UserReply, description = "signed in (sets the session cookie)")))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<impl IntoResponse> {
    state.limits.login(peer.ip(), &body.email)?;
    // A malformed email cannot belong to anyone: same answer as a wrong password.
    let user = match Email::parse(&body.email) {
        Ok(email) => state.db.user_by_email(&email)?.filter(|u| !u.withdrawn),
        Err(_) => None,
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !password::verify(body.password, hash, Some(peer.ip())).await? {
        return Err(ApiError::BadCredentials);
    }
    let user = user.expect("verified against a user's hash");
    if user.banned {
        let reason = state.db.ban_of(user.id)?.map(|ban| ban.reason);
        return Err(ApiError::Banned(
            reason.unwrap_or_else(|| "this account is banned".into()),
        ));
    }
    let token = state.db.start_session(user.id, body.remember).await?;
    let match_count = state.db.match_count(user.id)?;
    let points = state.db.account(user.id)?.balance;
    let max_age = body
        .remember
        .then(|| state.config.session_limits().remember_ms / 1_000);
    let jar = jar.add(session::cookie(token, state.config.tls.enabled(), max_age));
    let view = MeView::new(
        &user,
        match_count,
        points,
        state.db.promo_available(user.id)?,
    );
    Ok((jar, Json(UserReply { user: view })))
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "account", security(("session" = [])), responses((status = 204, description = "signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    state.db.end_session(&current.token).await?;
    let jar = jar.remove(session::removal(state.config.tls.enabled()));
    Ok((StatusCode::NO_CONTENT, jar))
}
