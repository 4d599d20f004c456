//! The web app, embedded into the binary from `web/` (no build step, nothing to deploy beside
//! the binary; debug builds read the folder live).

use crate::http::error::ApiError;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web/"]
struct Web;

/// Serves `web/` for GET and HEAD outside `/api/` (the app itself at `/` and `/reset`);
/// anything else is our 404. Each file carries an `ETag` (its content hash): browsers
/// revalidate every time (there are no fingerprinted names, no build step) and a repeat visit
/// gets 304s instead of the files. Compression is a layer around this (see the router).
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if !(method == Method::GET || method == Method::HEAD) || path.starts_with("/api/") {
        return ApiError::NotFound.into_response();
    }
    let name = match path.trim_start_matches('/') {
        // `/reset` is the page a reset mail links to (the token follows in the fragment).
        "" | "reset" => "index.html",
        other => other,
    };
    let Some(file) = Web::get(name) else {
        return ApiError::NotFound.into_response();
    };
    let hash = file.metadata.sha256_hash();
    let etag: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{etag}\"");
    let cache = [
        (header::ETAG, etag.clone()),
        // No hashed file names (no build step): revalidate every time, cheaply.
        (header::CACHE_CONTROL, "no-cache".to_owned()),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let content_type = [(header::CONTENT_TYPE, file.metadata.mimetype().to_owned())];
    (content_type, cache, file.data).into_response()
}
