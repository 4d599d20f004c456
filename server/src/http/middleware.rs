//! What runs around every request: the per-address limit, the write barrier, panics.

use super::error::error_response;
use super::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// State-changing requests hold the write barrier (shared), so a backup, which takes it
/// exclusively, sees no write in flight.
pub async fn hold_write_barrier(
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
pub async fn limit_address(
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

pub fn panic_response() -> Response {
    tracing::error!("a handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}
