//! Prometheus metrics: every request counted and timed by route (the pattern, not the path),
//! method and status, with every label bounded (unknown methods are `OTHER`, unmatched paths
//! `unmatched`), so invented requests cannot grow the registry. Served on its own address
//! (`--metrics-addr`, loopback by default), as the matcher does, never on the public port.

use super::serving::{serve_plain, ServingArgs};
use crate::db::Db;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Where the server's metrics are served by default (the matcher's are on 9102).
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9101";

/// Serves `GET /metrics` on `listener` until `cancel`.
pub async fn serve(
    listener: TcpListener,
    db: Arc<Db>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let app = axum::Router::new()
        .route("/metrics", get(render))
        .with_state(db);
    serve_plain(app, listener, &ServingArgs::default(), cancel).await
}

/// `GET /metrics`: the registry, with the outbox's depth and age read now.
async fn render(State(db): State<Arc<Db>>) -> Response {
    metrics::gauge!("outbox_depth").set(db.outbox_len() as f64);
    match db.outbox_oldest_age_ms() {
        Ok(age_ms) => metrics::gauge!("outbox_oldest_age_seconds").set(age_ms as f64 / 1_000.0),
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "outbox age"),
    }
    let text = storage::telemetry::prometheus().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// The method as a label: the standard ones by name, anything else `OTHER`.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 7] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::PATCH,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("OTHER", Method::as_str)
}

/// Counts every request and times it, labelled by route, method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_label(request.method());
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let invented = Method::from_bytes(b"XYZZY").unwrap();
        assert_eq!(method_label(&invented), "OTHER");
    }
}
