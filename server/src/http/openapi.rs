//! The OpenAPI 3 description of the HTTP API, generated from the handlers' `#[utoipa::path]`
//! attributes and the reply types as the router registers them, served at
//! `GET /api/openapi.json`.

use super::error::ErrorBody;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, PathItem, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "COMAtching", description = "The HTTP API of API.md."),
    components(schemas(ErrorBody)),
    tags(
        (name = "public", description = "No session needed"),
        (name = "account", description = "Sign-up, sessions, the student's own data"),
        (name = "matches", description = "Priced matches"),
        (name = "points", description = "Balance, ledger and charge requests"),
        (name = "ops", description = "Operators (role OPERATOR or ADMIN)"),
        (name = "admin", description = "Admins only"),
    )
)]
struct ApiDoc;

/// The session cookie as a security scheme, and API.md's error body as the answer of every
/// operation to a client error (each handler lists only its successes).
struct SessionAndErrors;

impl Modify for SessionAndErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let cookie = ApiKeyValue::with_description(
            super::auth::session::COOKIE_NAME,
            "set by signup and login",
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let error = ResponseBuilder::new()
            .description("API.md's error body; the code says what was wrong")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                operation
                    .responses
                    .responses
                    .entry("4XX".to_owned())
                    .or_insert_with(|| RefOr::T(error.clone()));
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The description before the routes add their paths: title, tags, shared schemas.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The description with every route's paths, the session scheme and the error body, as the
/// JSON text served.
pub fn finish(mut description: utoipa::openapi::OpenApi) -> Arc<str> {
    SessionAndErrors.modify(&mut description);
    description
        .to_pretty_json()
        .expect("the description serializes")
        .into()
}

/// `GET /api/openapi.json`.
pub async fn serve(description: Arc<str>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        description.to_string(),
    )
}
