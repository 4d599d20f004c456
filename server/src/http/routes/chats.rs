//! Chat between matched students: the list, history pages, blocking, and the WebSocket.

use crate::http::auth::CurrentUser;
use crate::http::chat_socket::{self, MAX_FRAME_BYTES, SOCKET_BUFFER_BYTES};
use crate::http::chat_views::{ChatView, MessageView};
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::path_id;
use crate::http::middleware::websocket_origin_ok;
use crate::http::state::AppState;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

/// Messages a page holds unless asked for fewer.
const DEFAULT_PAGE: usize = 50;

/// `GET /api/chats`: a chat for every match either way, latest activity first.
#[utoipa::path(get, path = "/api/chats", tag = "chats", security(("session" = [])), responses((status = 200, body = Vec<ChatView>)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<ChatView>>> {
    let me = current.user.id;
    let chats = state.chats.list(me)?;
    Ok(Json(chats.iter().map(|c| ChatView::new(c, me)).collect()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Messages before this id (a page further back); the newest when absent.
    before: Option<String>,
    /// 1 to 100; 50 when absent.
    limit: Option<usize>,
}

/// `GET /api/chats/{match_id}/messages`: a page of the chat, newest first; only its two people.
#[utoipa::path(get, path = "/api/chats/{match_id}/messages", tag = "chats", security(("session" = [])), params(("match_id" = String, Path, description = "a decimal id"), PageQuery), responses((status = 200, body = Vec<MessageView>), (status = 404, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(match_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Vec<MessageView>>> {
    let before = match page.before {
        Some(id) => Some(id.parse::<u64>().map_err(|_| {
            ApiError::unprocessable("INVALID_BEFORE", "before must be a message id")
        })?),
        None => None,
    };
    let me = current.user.id;
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    let page = state
        .chats
        .history(me, path_id(&match_id)?, before, limit)?;
    Ok(Json(page.iter().map(|m| MessageView::new(m, me)).collect()))
}

/// `POST /api/chats/{match_id}/block`: no more messages either way.
#[utoipa::path(post, path = "/api/chats/{match_id}/block", tag = "chats", security(("session" = [])), params(("match_id" = String, Path, description = "a decimal id")), responses((status = 200, body = ChatView), (status = 404, body = ErrorBody)))]
pub async fn block(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(match_id): Path<String>,
) -> ApiResult<Json<ChatView>> {
    let me = current.user.id;
    let chat = state.chats.block(me, path_id(&match_id)?).await?;
    Ok(Json(ChatView::new(&chat, me)))
}

/// `GET /api/chats/ws`: the live chat socket (same origin, signed in, at most five a user).
#[utoipa::path(get, path = "/api/chats/ws", tag = "chats", security(("session" = [])), responses((status = 101, description = "switching to the WebSocket protocol"), (status = 400, body = ErrorBody, description = "not a WebSocket handshake"), (status = 403, body = ErrorBody, description = "CROSS_ORIGIN"), (status = 429, body = ErrorBody, description = "too many open sockets")))]
pub async fn socket(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::BadRequest(format!("open this with a WebSocket handshake: {rejection}"))
    })?;
    if !websocket_origin_ok(&headers, state.config.tls.enabled()) {
        return Err(ApiError::CrossOrigin);
    }
    let user = current.user.id;
    let registration = state
        .chats
        .join(user)
        .ok_or(ApiError::RateLimited(chat_socket::PING_INTERVAL.as_secs()))?;
    Ok(upgrade
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| {
            let owner = chat_socket::Owner {
                user,
                token: current.token,
            };
            chat_socket::run(socket, state, owner, registration)
        }))
}
