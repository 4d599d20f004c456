use crate::auth::{session::COOKIE_NAME, CurrentUser};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views::MeView;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use serde_json::{json, Value};
use storage::profile::{Profile, ProfileDraft};
use storage::seoul;

pub async fn me(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<MeView>> {
    let match_count = state.db.match_count(current.user.id)?;
    let points = state.db.account(current.user.id)?.balance;
    Ok(Json(MeView::new(&current.user, match_count, points)))
}

pub async fn put_profile(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(draft): ApiJson<ProfileDraft>,
) -> ApiResult<Json<Value>> {
    let profile = Profile::parse(draft, seoul::current_year())?;
    let user = state.db.save_profile(current.user.id, profile).await?;
    state.search.changed(user.id);
    state.db.durable().await?;
    Ok(Json(json!({ "profile": user.profile })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PickableBody {
    dont_pick_me: bool,
}

pub async fn put_pickable(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<PickableBody>,
) -> ApiResult<Json<Value>> {
    let user = state
        .db
        .set_dont_pick_me(current.user.id, body.dont_pick_me)
        .await?;
    state.db.durable().await?;
    Ok(Json(json!({ "dont_pick_me": user.dont_pick_me })))
}

/// Withdraw: leaves the pool at once (a `UserRemoved` event), ends every session.
pub async fn withdraw(
    State(state): State<AppState>,
    current: CurrentUser,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    state.db.withdraw(current.user.id).await?;
    state.db.durable().await?;
    let jar = jar.remove(Cookie::build(COOKIE_NAME).path("/"));
    Ok((StatusCode::NO_CONTENT, jar))
}
