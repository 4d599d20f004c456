//! One chat WebSocket: frames in, pushes out, pings, and every bound that keeps a socket cheap.
//!
//! The loop owns the socket. Incoming frames are acted on one at a time (a send waits for its
//! commit, about a millisecond); pushes come from the hub's bounded queue, and a socket whose
//! queue the hub closed (it fell [`SOCKET_QUEUE`] behind) is closed with 1013 "try again
//! later". A client that answers no ping within [`IDLE_TIMEOUT`] is gone; a write that cannot
//! go out within [`SEND_TIMEOUT`] ends the connection. At shutdown every socket is closed
//! with 1001 "going away". The session is checked again before every frame is acted on and
//! at every ping, so signing out, withdrawing or a ban ends the socket too (1008).

use super::chat_views::{error_code, ClientFrame, ServerFrame};
use super::extract::path_id;
use super::state::AppState;
use crate::domain::chat::hub::Registration;
#[cfg(doc)]
use crate::domain::chat::hub::SOCKET_QUEUE;
use crate::domain::chat::ChatError;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use std::time::Duration;
use storage::UserId;
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};

/// How often the server pings.
pub const PING_INTERVAL: Duration = Duration::from_secs(25);
/// A socket silent (no frame, no pong) for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// One frame must go out within this.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest frame accepted from a client (a 500-character message is at most ~2 KB).
pub const MAX_FRAME_BYTES: usize = 8 * 1024;
/// Each socket's read and write buffers. The library's default (128 KiB each) made an idle
/// socket cost ~136 KiB of server memory; chat frames are a few hundred bytes.
pub const SOCKET_BUFFER_BYTES: usize = 4 * 1024;

/// Why the loop ended, to close the socket with the right code.
enum End {
    ClientLeft,
    Close(u16, &'static str),
}

/// The socket's owner: who they are and the session they opened it with.
pub struct Owner {
    pub user: UserId,
    pub token: String,
}

impl Owner {
    /// Whether the session still stands and its user may still chat.
    fn signed_in(&self, state: &AppState) -> bool {
        let session = state
            .db
            .session_user(&self.token, state.config.session_limits());
        let active = |id| {
            let user = state.db.user(id).ok().flatten();
            user.is_some_and(|u| !u.withdrawn && !u.banned)
        };
        matches!(session, Ok(Some(id)) if id == self.user && active(id))
    }
}

/// Serves one socket of `owner` until either side ends it.
pub async fn run(
    mut socket: WebSocket,
    state: AppState,
    owner: Owner,
    mut registration: Registration,
) {
    let end = serve(&mut socket, &state, &owner, &mut registration).await;
    if let End::Close(code, reason) = end {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
    }
}

async fn serve(
    socket: &mut WebSocket,
    state: &AppState,
    owner: &Owner,
    registration: &mut Registration,
) -> End {
    let user = owner.user;
    let mut ping = interval(PING_INTERVAL);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut heard = Instant::now();
    loop {
        let outgoing = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(message)) => {
                    heard = Instant::now();
                    match message {
                        Message::Text(_) if !owner.signed_in(state) => return End::Close(close_code::POLICY, "signed out"),
                        Message::Text(text) => answer(state, user, text.as_str()).await,
                        Message::Binary(_) => Some(refusal("INVALID_INPUT", None, None)),
                        Message::Close(_) => return End::ClientLeft,
                        Message::Ping(_) | Message::Pong(_) => None,
                    }
                }
                Some(Err(_)) | None => return End::ClientLeft,
            },
            push = registration.pushes.recv() => match push {
                Some(push) => Some(ServerFrame::of(&push, user).json()),
                None => return End::Close(close_code::AGAIN, "too far behind"),
            },
            _ = ping.tick() => {
                if heard.elapsed() > IDLE_TIMEOUT {
                    return End::Close(close_code::AWAY, "idle");
                }
                if !owner.signed_in(state) {
                    return End::Close(close_code::POLICY, "signed out");
                }
                if !send(socket, Message::Ping(Default::default())).await {
                    return End::ClientLeft;
                }
                None
            }
            () = state.shutdown.cancelled() => return End::Close(close_code::AWAY, "server restarting"),
        };
        if let Some(json) = outgoing {
            if !send(socket, Message::Text(json.into())).await {
                return End::ClientLeft;
            }
        }
    }
}

async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

fn refusal(code: &'static str, match_id: Option<&str>, client_id: Option<&str>) -> String {
    ServerFrame::Error {
        code,
        match_id,
        client_id,
    }
    .json()
}

/// Acts on one client frame; returns a refusal for this socket only, if any (what succeeds
/// reaches both people through the hub, this socket included).
async fn answer(state: &AppState, user: UserId, text: &str) -> Option<String> {
    let Ok(frame) = serde_json::from_str::<ClientFrame>(text) else {
        return Some(refusal("INVALID_INPUT", None, None));
    };
    match frame {
        ClientFrame::Send {
            match_id,
            text,
            client_id,
        } => {
            let refused = |code| Some(refusal(code, Some(&match_id), Some(&client_id)));
            let Ok(id) = path_id(&match_id) else {
                return refused("NOT_FOUND");
            };
            if state.limits.chat(user.0).is_err() {
                return refused("RATE_LIMITED");
            }
            let _writing = state.write_barrier.read().await;
            match state.chats.send(user, id, &text, &client_id).await {
                Ok(_) => None,
                Err(e) => refused(logged(e)),
            }
        }
        ClientFrame::Read { match_id, up_to } => {
            let refused = |code| Some(refusal(code, Some(&match_id), None));
            let (Ok(id), Ok(up_to)) = (path_id(&match_id), up_to.parse::<u64>()) else {
                return refused("INVALID_INPUT");
            };
            let _writing = state.write_barrier.read().await;
            match state.chats.read(user, id, up_to).await {
                Ok(_) => None,
                Err(e) => refused(logged(e)),
            }
        }
    }
}

/// The refusal's code; a failure (not a refusal) is logged once here, never sent.
fn logged(error: ChatError) -> &'static str {
    match error {
        ChatError::Db(cause) => {
            let cause = anyhow::Error::new(cause);
            tracing::error!(error = %format!("{cause:#}"), "chat action failed");
            "INTERNAL"
        }
        refused => error_code(&refused),
    }
}
