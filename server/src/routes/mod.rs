//! The HTTP API of API.md.

mod admin;
mod assets;
mod auth;
mod catalog;
mod health;
mod matches;
mod me;
mod metrics;
mod openapi;
mod ops;
mod points;

use crate::error::{error_response, ApiError};
use crate::extract::MAX_BODY_BYTES;
use crate::state::AppState;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use std::net::SocketAddr;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Only our own scripts, styles and API; no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(openapi::openapi_json))
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
        .route("/api/matches/quote", post(matches::quote))
        .route("/api/me/points", get(points::points))
        .route("/api/me/charges", get(points::my_charges))
        .route("/api/charges", post(points::create_charge))
        .route("/api/charges/{id}", delete(points::cancel_charge))
        .route("/api/ops/charges", get(ops::charges))
        .route("/api/ops/charges/{id}/approve", post(ops::approve))
        .route("/api/ops/charges/{id}/reject", post(ops::reject))
        .route("/api/ops/users/{id}/points", post(ops::adjust_points))
        .route("/api/ops/users", get(ops::search_users))
        .route("/api/ops/users/{id}", get(ops::user_detail))
        .route("/api/ops/users/{id}/ban", post(ops::ban))
        .route("/api/ops/users/{id}/unban", post(ops::unban))
        .route("/api/ops/stats", get(ops::stats))
        .route("/api/ops/audit", get(ops::audit_trail))
        .route("/api/admin/export/matches.csv", get(ops::export_matches))
        .route("/api/admin/users/{id}/role", put(admin::set_role))
        .route("/api/admin/audit", get(admin::audit))
        .fallback(assets::serve)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(|_| panic_response()))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            hold_write_barrier,
        ))
        .route_layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(state.clone(), limit_address))
        .with_state(state)
}

/// State-changing requests hold the write barrier (shared), so a backup, which takes it
/// exclusively, sees no write in flight.
async fn hold_write_barrier(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let _shared = state.write_barrier.read().await;
    next.run(request).await
}

/// The loose per-address limit, on every request.
async fn limit_address(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match state.limits.address(peer.ip()) {
        Ok(()) => next.run(request).await,
        Err(limited) => limited.into_response(),
    }
}

fn panic_response() -> Response {
    tracing::error!("a handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}
