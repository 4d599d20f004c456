//! One-tap sign-in with an OpenID provider (Kakao, a school SSO…): the buttons' list, the start
//! (a redirect to the provider) and the callback (a redirect to where the student was, signed
//! in, or to `/?login_error=CODE`, with nothing written).

use crate::db::DbError;
use crate::domain::oidc::{account_for, OidcError};
use crate::http::auth::session;
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};
use storage::UserId;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ProviderView {
    id: String,
    name: String,
}

/// `GET /api/auth/providers`: the configured sign-in providers (empty when none).
#[utoipa::path(get, path = "/api/auth/providers", tag = "account", responses((status = 200, body = Vec<ProviderView>)))]
pub async fn providers(State(state): State<AppState>) -> Json<Vec<ProviderView>> {
    let list = state.oidc.providers().map(|p| ProviderView {
        id: p.id.clone(),
        name: p.name.clone(),
    });
    Json(list.collect())
}

/// The cookie that ties a flow's `state` to the browser that started it.
const FLOW_COOKIE: &str = "oidc_state";
const FLOW_COOKIE_PATH: &str = "/api/auth/oidc";

/// HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET from another site),
/// ten minutes, only sent to the sign-in paths.
fn flow_cookie(state: String, https: bool) -> Cookie<'static> {
    Cookie::build((FLOW_COOKIE, state))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .path(FLOW_COOKIE_PATH)
        .max_age(time::Duration::minutes(10))
        .build()
}

/// A 302 to `location` (API.md asks for 302 on both legs of the flow).
fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

fn failed(code: &str) -> Response {
    found(&format!("/?login_error={code}"))
}

/// `next` when it is a path on this site; `/` otherwise (never another origin).
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.len() <= 200
                && path.chars().all(|c| !c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct StartQuery {
    /// A local path to land on afterwards (`/` when absent or not local).
    next: Option<String>,
}

/// The signed-in user of this request, if any (a provider is then linked, not signed in with).
fn signed_in(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<UserId>> {
    let Some(token) = session::token(headers, state.config.tls.enabled())? else {
        return Ok(None);
    };
    let user = state
        .db
        .session_user(&token, state.config.session_limits())?;
    Ok(user.filter(|id| matches!(state.db.user(*id), Ok(Some(u)) if !u.withdrawn && !u.banned)))
}

/// `GET /api/auth/oidc/{id}/start?next=/path`: 302 to the provider.
#[utoipa::path(get, path = "/api/auth/oidc/{id}/start", tag = "account", params(("id" = String, Path, description = "a configured provider"), StartQuery), responses((status = 302, description = "to the provider, or to /?login_error=OIDC_PROVIDER"), (status = 404, description = "no such provider")))]
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<StartQuery>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<Response> {
    let provider = state.oidc.provider(&id).ok_or(ApiError::NotFound)?;
    let next = local_path(query.next.as_deref());
    let link_user = signed_in(&state, &headers)?;
    Ok(
        match state.oidc.start(&state.db, provider, next, link_user).await {
            Ok((url, flow_state)) => {
                let cookie = flow_cookie(flow_state, state.config.tls.enabled());
                (jar.add(cookie), found(&url)).into_response()
            }
            Err(e) => {
                tracing::warn!(provider = %id, error = %e, "sign-in could not start");
                failed(e.code())
            }
        },
    )
}

#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal (`access_denied` when the student cancelled).
    error: Option<String>,
}

/// `GET /api/auth/oidc/{id}/callback`: back from the provider.
#[utoipa::path(get, path = "/api/auth/oidc/{id}/callback", tag = "account", params(("id" = String, Path, description = "a configured provider"), CallbackQuery), responses((status = 302, description = "to `next` signed in, or to /?login_error=CODE with no session")))]
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<CallbackQuery>,
    jar: CookieJar,
) -> ApiResult<Response> {
    let provider = state.oidc.provider(&id).ok_or(ApiError::NotFound)?;
    let (Some(code), Some(flow_state)) = (query.code, query.state) else {
        let code = match query.error.as_deref() {
            Some("access_denied") => OidcError::Denied.code(),
            Some(_) => OidcError::Provider(String::new()).code(),
            None => OidcError::State.code(),
        };
        return Ok(failed(code));
    };
    let identity = match state
        .oidc
        .finish(&state.db, provider, flow_state, code)
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "sign-in failed");
            return Ok(failed(e.code()));
        }
    };
    if let Some(user) = identity.link_user {
        return Ok(
            match state
                .db
                .link_identity(identity.key, identity.provider, user)
                .await
            {
                Ok(()) => found(&identity.next),
                Err(DbError::IdentityTaken) => failed("OIDC_LINKED_ELSEWHERE"),
                Err(e) => return Err(e.into()),
            },
        );
    }
    let user = account_for(&state.db, &provider.name, &identity).await?;
    if user.banned || user.withdrawn {
        return Ok(failed(if user.banned { "BANNED" } else { "WITHDRAWN" }));
    }
    let token = state.db.create_session(user.id).await?;
    let jar = jar.add(session::cookie(token, state.config.tls.enabled(), None));
    Ok((jar, found(&identity.next)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_landed_on() {
        assert_eq!(local_path(Some("/#/home")), "/#/home");
        for other in [
            None,
            Some("https://evil.example/"),
            Some("//evil.example"),
            Some("/\\evil"),
            Some("home"),
        ] {
            assert_eq!(local_path(other), "/", "{other:?}");
        }
    }
}
