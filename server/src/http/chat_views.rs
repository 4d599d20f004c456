//! JSON shapes of chat: the list, a history page, and the WebSocket frames both ways.

use crate::db::chats::ChatMessage;
use crate::domain::chat::{Chat, ChatError, Push};
use crate::model::time::rfc3339;
use serde::{Deserialize, Serialize};
use storage::UserId;
use utoipa::ToSchema;

/// A message as one of the two people sees it.
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    pub from_me: bool,
    pub text: String,
    pub at: String,
}

impl MessageView {
    pub fn new(message: &ChatMessage, me: UserId) -> Self {
        Self {
            id: message.id.to_string(),
            from_me: message.from == me,
            text: message.text.clone(),
            at: rfc3339(message.at_ms),
        }
    }
}

/// One chat in `GET /api/chats`.
#[derive(Serialize, ToSchema)]
pub struct ChatView {
    pub match_id: String,
    pub partner_nickname: String,
    pub last_message: Option<MessageView>,
    /// The partner's messages after my read marker (counted up to 999).
    pub unread: u64,
    /// The last message the partner has read, or null.
    pub partner_read_up_to: Option<String>,
    /// The partner withdrew or was banned: nothing more can be sent.
    pub read_only: bool,
    /// One of the two blocked the chat: nothing more can be sent.
    pub blocked: bool,
}

impl ChatView {
    pub fn new(chat: &Chat, me: UserId) -> Self {
        let state = &chat.state;
        Self {
            match_id: chat.match_id.to_string(),
            partner_nickname: chat.partner_nickname.clone(),
            last_message: state.last_message.as_ref().map(|m| MessageView::new(m, me)),
            unread: state.unread,
            partner_read_up_to: state.partner_read_up_to.map(|id| id.to_string()),
            read_only: chat.read_only,
            blocked: state.blocked,
        }
    }
}

/// What a client sends over the socket.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientFrame {
    Send {
        match_id: String,
        text: String,
        client_id: String,
    },
    Read {
        match_id: String,
        up_to: String,
    },
}

/// What the server sends over the socket.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerFrame<'a> {
    Message {
        match_id: String,
        #[serde(flatten)]
        message: MessageView,
        /// The sender's own id for it (null for the partner).
        client_id: Option<&'a str>,
    },
    Read {
        match_id: String,
        up_to: String,
        by_me: bool,
    },
    Error {
        code: &'static str,
        match_id: Option<&'a str>,
        client_id: Option<&'a str>,
    },
}

impl<'a> ServerFrame<'a> {
    /// `push` as `me` sees it.
    pub fn of(push: &'a Push, me: UserId) -> Self {
        match push {
            Push::Message(message) => Self::Message {
                match_id: message.match_id.to_string(),
                message: MessageView::new(message, me),
                client_id: (message.from == me).then_some(message.client_id.as_str()),
            },
            Push::Read {
                match_id,
                up_to,
                by,
            } => Self::Read {
                match_id: match_id.to_string(),
                up_to: up_to.to_string(),
                by_me: *by == me,
            },
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("frames serialize")
    }
}

/// The code a refused socket action answers with.
pub fn error_code(error: &ChatError) -> &'static str {
    match error {
        ChatError::NotFound => "NOT_FOUND",
        ChatError::Blocked => "BLOCKED",
        ChatError::ReadOnly => "READ_ONLY",
        ChatError::Invalid(_) => "INVALID_INPUT",
        ChatError::Db(_) => "INTERNAL",
    }
}
