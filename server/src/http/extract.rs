//! Extractors that turn bad requests into our error format.

use crate::http::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
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

/// `axum::extract::Query`, but a query string that does not fit is our 400.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::BadRequest(
                format!("the query does not fit: {}", e.body_text()),
            )),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// Parses an id from a path; anything that is not one is simply not found.
pub fn path_id(text: &str) -> Result<u64, ApiError> {
    storage::UserId::parse(text)
        .map(|id| id.0)
        .ok_or(ApiError::NotFound)
}
