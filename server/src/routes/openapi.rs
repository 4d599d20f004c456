//! The OpenAPI 3 description of the HTTP API, generated from the handlers' `#[utoipa::path]`
//! attributes and the reply types, served at `GET /api/openapi.json`.

use crate::error::ErrorBody;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::LazyLock;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, PathItem, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "COMAtching", description = "The HTTP API of API.md."),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::metrics::metrics,
        super::catalog::catalog,
        super::catalog::public_stats,
        super::auth::signup,
        super::auth::login,
        super::auth::logout,
        super::me::me,
        super::me::withdraw,
        super::me::put_profile,
        super::me::put_pickable,
        super::matches::quote,
        super::matches::create,
        super::matches::list,
        super::matches::picked_me,
        super::points::points,
        super::points::my_charges,
        super::points::create_charge,
        super::points::cancel_charge,
        super::ops::charges,
        super::ops::approve,
        super::ops::reject,
        super::ops::adjust_points,
        super::ops::search_users,
        super::ops::user_detail,
        super::ops::ban,
        super::ops::unban,
        super::ops::stats,
        super::ops::audit_trail,
        super::ops::export_matches,
        super::admin::set_role,
        super::admin::audit,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SessionAndErrors),
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
            crate::auth::session::COOKIE_NAME,
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

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the description serializes")
});

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The paths the router serves, read from its source: `.route("PATH", …)`.
    fn routed_paths() -> BTreeSet<String> {
        include_str!("mod.rs")
            .split(".route(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|path| *path != "/api/openapi.json")
            .map(str::to_owned)
            .collect()
    }

    /// Every route of the router is described, and nothing else is.
    #[test]
    fn the_description_lists_every_route_of_the_router() {
        let document: serde_json::Value = serde_json::from_str(&DOCUMENT).unwrap();
        let paths = document["paths"].as_object().unwrap();
        let described: BTreeSet<String> = paths.keys().cloned().collect();
        assert_eq!(described, routed_paths());
        for (path, item) in paths {
            for (method, operation) in item.as_object().unwrap() {
                assert!(
                    operation["responses"]["4XX"].is_object(),
                    "{method} {path} lacks the error body"
                );
            }
        }
    }
}
