//! What runs around every request: the per-address limit, the same-origin check, load
//! shedding, the write barrier (after the body is read), panics.

use super::error::{error_response, ApiError};
use super::extract::MAX_BODY_BYTES;
use super::state::AppState;
use crate::domain::reports::image::MAX_IMAGE_BYTES;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::error::Error as _;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::OwnedRwLockReadGuard;

/// Requests that change nothing: no origin check, no barrier.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// GETs that write, and so hold the barrier (not the origin check: the provider's redirect
/// brings them): OpenID sign-in's start (its flow) and callback (an account, its link, a
/// session).
fn writes_on_get(path: &str) -> bool {
    path.starts_with("/api/auth/oidc/")
}

/// A state-changing request's share of the write barrier, in its extensions. Work the request
/// leaves running once it is answered or abandoned (a match whose client left, a reset mail
/// queued after the reply) keeps a clone, so a backup waits for that work too.
#[derive(Clone)]
pub struct WriteTurn {
    _shared: Arc<OwnedRwLockReadGuard<()>>,
}

/// State-changing requests hold the write barrier (shared), so a backup, which takes it
/// exclusively, sees no write in flight; see [`WriteTurn`] for work that outlives the request.
/// The body is read first (bounded in size, and in time by the body timeout), so a slow client
/// never holds the barrier; a body that is not JSON is refused here, before any handler (a
/// report may come as a form with an image: larger).
pub async fn hold_write_barrier(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) && !writes_on_get(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let upload = parts.uri.path() == UPLOAD_PATH;
    let limit = if upload {
        UPLOAD_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) => return body_error(&e, limit).into_response(),
    };
    let form = upload && is_type(&parts.headers, "multipart/form-data");
    if !bytes.is_empty() && !is_type(&parts.headers, "application/json") && !form {
        return ApiError::BadRequest(
            "send the body as JSON (Content-Type: application/json)".into(),
        )
        .into_response();
    }
    let mut request = Request::from_parts(parts, Body::from(bytes));
    let turn = WriteTurn {
        _shared: Arc::new(state.write_barrier.clone().read_owned().await),
    };
    // Extractors drop the request's extensions before the handler runs: this clone holds the
    // barrier until the response.
    request.extensions_mut().insert(turn.clone());
    let response = next.run(request).await;
    drop(turn);
    response
}

/// The one request that may carry a form with a file (a report's image), and its limit.
const UPLOAD_PATH: &str = "/api/reports";
pub const UPLOAD_BODY_BYTES: usize = MAX_IMAGE_BYTES + MAX_BODY_BYTES;

fn is_type(headers: &HeaderMap, wanted: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(wanted))
}

/// Why a body could not be read: too large, too slow, or cut off.
fn body_error(error: &axum::Error, limit: usize) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(e) = cause {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::RequestTimeout;
        }
        if e.is::<http_body_util::LengthLimitError>() {
            return ApiError::PayloadTooLarge(limit);
        }
        cause = e.source();
    }
    ApiError::BadRequest("the body could not be read".into())
}

/// A state-changing request must come from our own origin: a page on another origin of the
/// same site (another `*.ac.kr` host, which SameSite=Lax lets through) is refused. Browsers
/// say where a request comes from in `Sec-Fetch-Site` or, older ones, `Origin`; a request with
/// neither is not from a browser page, so it cannot carry a victim's cookie against their will.
pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_safe(request.method()) || same_origin(request.headers(), state.config.tls.enabled()) {
        return next.run(request).await;
    }
    metrics::counter!("http_cross_origin_refused_total").increment(1);
    ApiError::CrossOrigin.into_response()
}

/// A WebSocket handshake is a GET that browsers send cross-site with cookies: it must name our
/// own origin (every browser sends `Origin` on one).
pub fn websocket_origin_ok(headers: &HeaderMap, https: bool) -> bool {
    headers.contains_key(header::ORIGIN) && same_origin(headers, https)
}

fn same_origin(headers: &HeaderMap, https: bool) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return true;
    };
    let scheme = if https { "https" } else { "http" };
    text(header::HOST.as_str()).is_some_and(|host| origin == format!("{scheme}://{host}"))
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

/// More requests in flight than `--max-in-flight`: 503 `OVERLOADED` at once, counted.
pub async fn shed(_: tower::BoxError) -> Response {
    metrics::counter!("http_shed_total").increment(1);
    ApiError::Overloaded.into_response()
}

pub fn panic_response() -> Response {
    tracing::error!("a handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_our_own_origin_may_change_things() {
        let host = ("host", "comatching.ac.kr");
        assert!(same_origin(&headers(&[host]), true), "not from a page");
        assert!(same_origin(
            &headers(&[host, ("sec-fetch-site", "same-origin")]),
            true
        ));
        assert!(!same_origin(
            &headers(&[host, ("sec-fetch-site", "same-site")]),
            true
        ));
        assert!(!same_origin(
            &headers(&[host, ("sec-fetch-site", "cross-site")]),
            true
        ));
        let ours = ("origin", "https://comatching.ac.kr");
        let sibling = ("origin", "https://evil.ac.kr");
        assert!(same_origin(&headers(&[host, ours]), true));
        assert!(
            !same_origin(&headers(&[host, ours]), false),
            "scheme counts"
        );
        assert!(!same_origin(&headers(&[host, sibling]), true));
        assert!(!same_origin(&headers(&[host, ("origin", "null")]), true));
    }
}
