//! API.md's routes: each declared once, with its OpenAPI description (utoipa-axum), so the
//! router and `GET /api/openapi.json` cannot disagree.

mod admin;
mod assets;
mod auth;
mod booth;
pub mod catalog;
mod charge_events;
mod chats;
mod consent;
mod discounts;
mod health;
mod matches;
mod me;
mod notices;
mod oidc;
mod operator_requests;
mod ops;
mod password;
mod payment;
mod points;
mod promo;
mod reports;
mod school_email;
mod sessions;

use super::error::ApiError;
use super::extract::MAX_BODY_BYTES;
use super::metrics;
use super::middleware::{
    check_origin, hold_write_barrier, limit_address, panic_response, shed, UPLOAD_BODY_BYTES,
};
use super::openapi;
use super::state::AppState;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::routing::get;
use axum::Router;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Only our own scripts, styles and API; no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Every route of API.md with its description.
fn api() -> OpenApiRouter<AppState> {
    // A report may carry an image: its body limit is the upload one, not the JSON one.
    let uploads = OpenApiRouter::new()
        .routes(routes!(reports::create))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES));
    OpenApiRouter::with_openapi(openapi::document())
        .merge(uploads)
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(catalog::catalog))
        .routes(routes!(catalog::public_stats))
        .routes(routes!(auth::signup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(password::request_reset))
        .routes(routes!(password::confirm_reset))
        .routes(routes!(password::change))
        .routes(routes!(auth::operator_signup))
        .routes(routes!(consent::documents))
        .routes(routes!(consent::give))
        .routes(routes!(oidc::providers))
        .routes(routes!(oidc::start))
        .routes(routes!(oidc::callback))
        .routes(routes!(operator_requests::list))
        .routes(routes!(operator_requests::approve))
        .routes(routes!(operator_requests::reject))
        .routes(routes!(school_email::send_code))
        .routes(routes!(school_email::verify))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::logout_others))
        .routes(routes!(me::me, me::withdraw))
        .routes(routes!(me::put_profile))
        .routes(routes!(me::put_pickable))
        .routes(routes!(matches::create, matches::list))
        .routes(routes!(matches::picked_me))
        .routes(routes!(matches::quote))
        .routes(routes!(matches::feedback))
        .routes(routes!(chats::list))
        .routes(routes!(chats::messages))
        .routes(routes!(chats::block))
        .routes(routes!(chats::socket))
        .routes(routes!(notices::current))
        .routes(routes!(notices::all, notices::create))
        .routes(routes!(notices::update, notices::delete))
        .routes(routes!(payment::get))
        .routes(routes!(payment::put))
        .routes(routes!(discounts::list))
        .routes(routes!(discounts::create))
        .routes(routes!(discounts::delete))
        .routes(routes!(promo::set))
        .routes(routes!(promo::claim))
        .routes(routes!(booth::create))
        .routes(routes!(booth::lookup))
        .routes(routes!(booth::charge))
        .routes(routes!(reports::list))
        .routes(routes!(reports::resolve))
        .routes(routes!(reports::image))
        .routes(routes!(reports::bans))
        .routes(routes!(points::points))
        .routes(routes!(points::my_charges))
        .routes(routes!(points::create_charge))
        .routes(routes!(points::cancel_charge))
        .routes(routes!(ops::charges))
        .routes(routes!(charge_events::charge_events))
        .routes(routes!(ops::approve))
        .routes(routes!(ops::reject))
        .routes(routes!(ops::adjust_points))
        .routes(routes!(ops::search_users))
        .routes(routes!(ops::user_detail))
        .routes(routes!(ops::ban))
        .routes(routes!(ops::unban))
        .routes(routes!(ops::stats))
        .routes(routes!(ops::audit_trail))
        .routes(routes!(ops::export_matches))
        .routes(routes!(ops::export_candidates))
        .routes(routes!(admin::set_role))
        .routes(routes!(admin::audit))
}

/// The whole app: the API, its description at `/api/openapi.json`, the web app, and the
/// layers every request passes, innermost first: the body read before the write barrier is
/// taken (within the body timeout), the same-origin check, security headers, panics, load
/// shedding, metrics, and the per-address limit outermost.
pub fn router(state: AppState) -> Router {
    let (api, description) = api().split_for_parts();
    let description = openapi::finish(description);
    let serving = state.config.serving;
    let shedding = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(shed))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::new(serving.max_in_flight));
    api.route(
        "/api/openapi.json",
        get(move || openapi::serve(description.clone())),
    )
    .fallback_service(
        Router::new()
            .fallback(assets::serve)
            .layer(CompressionLayer::new()),
    )
    .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(middleware::from_fn_with_state(
        state.clone(),
        hold_write_barrier,
    ))
    .layer(RequestBodyTimeoutLayer::new(serving.body_read_timeout()))
    .layer(middleware::from_fn_with_state(state.clone(), check_origin))
    .layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    ))
    .layer(CatchPanicLayer::custom(|_| panic_response()))
    .layer(TraceLayer::new_for_http())
    .layer(shedding)
    .route_layer(middleware::from_fn(metrics::track))
    .layer(middleware::from_fn_with_state(state.clone(), limit_address))
    .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The description has the routes as the router registers them, each answering client
    /// errors with API.md's error body.
    #[test]
    fn every_route_is_described_with_the_error_body() {
        let (_, description) = api().split_for_parts();
        let document: serde_json::Value =
            serde_json::from_str(&openapi::finish(description)).unwrap();
        let paths = document["paths"].as_object().unwrap();
        assert!(paths["/api/matches"]["post"].is_object());
        assert!(paths["/api/matches"]["get"].is_object());
        assert!(paths["/api/ops/users/{id}/ban"]["post"].is_object());
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
