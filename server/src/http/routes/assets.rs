//! The web app, embedded into the binary from `web/` (no build step, nothing to deploy beside
//! the binary; debug builds read the folder live).

use crate::http::error::ApiError;
use axum::http::{header, Method, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web/"]
struct Web;

/// Serves `web/` for GET and HEAD outside `/api/` (the app itself at `/` and `/reset`);
/// anything else is our 404.
pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if !(method == Method::GET || method == Method::HEAD) || path.starts_with("/api/") {
        return ApiError::NotFound.into_response();
    }
    let name = match path.trim_start_matches('/') {
        // `/reset` is the page a reset mail links to (the token follows in the fragment).
        "" | "reset" => "index.html",
        other => other,
    };
    match Web::get(name) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                // No hashed file names (no build step): revalidate every time.
                (header::CACHE_CONTROL, "no-cache".to_owned()),
            ],
            file.data,
        )
            .into_response(),
        None => ApiError::NotFound.into_response(),
    }
}
