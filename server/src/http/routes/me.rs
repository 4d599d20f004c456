use crate::http::auth::{session, CurrentUser};
use crate::http::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use crate::http::views::{MeView, PickableReply, ProfileReply};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use storage::profile::{Profile, ProfileDraft};
use storage::seoul;
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/me", tag = "account", security(("session" = [])), responses((status = 200, body = MeView)))]
pub async fn me(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<MeView>> {
    let match_count = state.db.match_count(current.user.id)?;
    let points = state.db.account(current.user.id)?.balance;
    let promo = state.db.promo_available(current.user.id)?;
    Ok(Json(MeView::new(&current.user, match_count, points, promo)))
}

#[utoipa::path(put, path = "/api/me/profile", tag = "account", security(("session" = [])), request_body = ProfileDraft, responses((status = 200, body = ProfileReply)))]
pub async fn put_profile(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(draft): ApiJson<ProfileDraft>,
) -> ApiResult<Json<ProfileReply>> {
    current.require_consent(&state)?;
    let profile = Profile::parse(draft, seoul::current_year())?;
    let user = state.db.save_profile(current.user.id, profile).await?;
    Ok(Json(ProfileReply {
        profile: user.profile,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickableBody {
    dont_pick_me: bool,
}

#[utoipa::path(put, path = "/api/me/pickable", tag = "account", security(("session" = [])), request_body = PickableBody, responses((status = 200, body = PickableReply)))]
pub async fn put_pickable(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<PickableBody>,
) -> ApiResult<Json<PickableReply>> {
    let user = state
        .db
        .set_dont_pick_me(current.user.id, body.dont_pick_me)
        .await?;
    Ok(Json(PickableReply {
        dont_pick_me: user.dont_pick_me,
    }))
}

/// Withdraw: leaves the pool at once (a `UserRemoved` event), ends every session.
#[utoipa::path(delete, path = "/api/me", tag = "account", security(("session" = [])), responses((status = 204, description = "withdrawn; the records stay")))]
pub async fn withdraw(
    State(state): State<AppState>,
    current: CurrentUser,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    state.db.withdraw(current.user.id).await?;
    let jar = jar.remove(session::removal(state.config.tls.enabled()));
    Ok((StatusCode::NO_CONTENT, jar))
}
