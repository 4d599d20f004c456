//! Extractors that turn bad requests into our error format.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// The largest request body accepted anywhere.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `axum::Json`, but a body that does not parse or fit the shape is our 400 (or 413).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(reject(rejection)),
        }
    }
}

fn reject(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge(MAX_BODY_BYTES);
    }
    let message = match rejection {
        JsonRejection::JsonDataError(e) => format!("the body does not fit: {}", e.body_text()),
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_owned(),
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON (Content-Type: application/json)".to_owned()
        }
        other => other.body_text(),
    };
    ApiError::BadRequest(message)
}
