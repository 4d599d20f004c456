//! `GET /metrics` (Prometheus text): request counts and latencies by route, match outcomes,
//! outbox depth and oldest entry age. Only from loopback or with an operator session.

use crate::http::auth::Operator;
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

#[utoipa::path(get, path = "/metrics", tag = "ops", security(("session" = [])), responses((status = 200, content_type = "text/plain", body = String, description = "Prometheus text format (loopback or an operator session)")))]
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> ApiResult<Response> {
    if !peer.ip().is_loopback() {
        let (mut parts, _) = request.into_parts();
        Operator::from_request_parts(&mut parts, &state).await?;
    }
    metrics::gauge!("outbox_depth").set(state.db.outbox_len() as f64);
    let age_ms = state.db.outbox_oldest_age_ms().map_err(ApiError::from)?;
    metrics::gauge!("outbox_oldest_age_seconds").set(age_ms as f64 / 1_000.0);
    let text = storage::telemetry::prometheus().render();
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// Counts every request and times it, labelled by route (the pattern, not the path).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
