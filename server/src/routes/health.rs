use crate::error::error_response;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// 200 whenever the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when sled is open and NATS is connected; 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let nats = state.nats.connection_state() == async_nats::connection::State::Connected;
    if nats {
        Json(json!({ "status": "ready", "nats": "connected", "outbox": state.db.outbox_len() }))
            .into_response()
    } else {
        error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "NOT_READY",
            "NATS is not connected",
        )
    }
}
