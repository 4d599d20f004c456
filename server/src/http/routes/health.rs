use crate::http::error::{error_response, ErrorBody};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct HealthReply {
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ReadyReply {
    status: &'static str,
    nats: &'static str,
    /// Profile changes not yet handed to NATS.
    outbox: usize,
}

/// 200 whenever the process answers.
#[utoipa::path(get, path = "/healthz", tag = "public", responses((status = 200, body = HealthReply, description = "the process is up")))]
pub async fn healthz() -> Json<HealthReply> {
    Json(HealthReply { status: "ok" })
}

/// 200 when sled is open and NATS is connected; 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "public", responses((status = 200, body = ReadyReply, description = "ready to serve"), (status = 503, body = ErrorBody, description = "NOT_READY: NATS is not connected")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let nats = state.nats.connection_state() == async_nats::connection::State::Connected;
    if nats {
        let outbox = state.db.outbox_len();
        let reply = ReadyReply {
            status: "ready",
            nats: "connected",
            outbox,
        };
        Json(reply).into_response()
    } else {
        error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "NOT_READY",
            "NATS is not connected",
        )
    }
}
