//! The HTTP API of API.md.

mod auth;
mod catalog;
mod health;
mod matches;
mod me;

use crate::error::{error_response, ApiError};
use crate::extract::MAX_BODY_BYTES;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/catalog", get(catalog::catalog))
        .route("/api/stats/public", get(catalog::public_stats))
        .route("/api/auth/signup", post(auth::signup))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/me", get(me::me).delete(me::withdraw))
        .route("/api/me/profile", put(me::put_profile))
        .route("/api/me/pickable", put(me::put_pickable))
        .route("/api/matches", post(matches::create).get(matches::list))
        .route("/api/matches/picked-me", get(matches::picked_me))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| panic_response()))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn panic_response() -> Response {
    tracing::error!("a handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}
