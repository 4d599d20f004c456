//! Chat between the two people of a match: who may read and write which chat, what a message
//! becomes before it is stored (trimmed, masked), and who hears of it once it is durable.
//!
//! A message reaches the sockets only after the writer has put it on disk, so whatever a
//! client was shown survives a crash; a resend with the same client id finds the stored
//! message instead of making a second one.

mod filter;
pub mod hub;

use crate::db::chats::{ChatMessage, ChatState, NewMessage, MAX_PAGE};
use crate::db::{Db, DbError};
use crate::model::chat_text::{ChatText, ClientId};
use filter::WordFilter;
use hub::{Hub, Registration};
use std::sync::Arc;
use storage::UserId;

/// Chats listed at most (each side of the match limit).
pub const MAX_LISTED_CHATS: usize = 200;

/// What goes out to a socket; rendered per recipient (`from_me`, `by_me`).
#[derive(Debug)]
pub enum Push {
    Message(ChatMessage),
    Read {
        match_id: u64,
        up_to: u64,
        by: UserId,
    },
}

/// Why a chat action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// No such match, or the user is not one of its two people.
    #[error("no such chat")]
    NotFound,
    #[error("this chat is blocked")]
    Blocked,
    #[error("the partner can no longer chat")]
    ReadOnly,
    #[error(transparent)]
    Invalid(#[from] storage::FieldError),
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for ChatError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::ChatBlocked => Self::Blocked,
            DbError::NotFound(_) => Self::NotFound,
            other => Self::Db(other),
        }
    }
}

/// One chat as its member sees it.
pub struct Chat {
    pub match_id: u64,
    /// When the match was made (the chat's start).
    pub since_ms: i64,
    pub partner_nickname: String,
    pub state: ChatState,
    pub read_only: bool,
}

/// The two people of a chat, from the asker's side.
struct Members {
    match_id: u64,
    since_ms: i64,
    me: UserId,
    partner: UserId,
}

/// The chat service the HTTP layer calls.
pub struct Chats {
    db: Arc<Db>,
    hub: Arc<Hub>,
    filter: &'static WordFilter,
}

impl Chats {
    pub fn new(db: Arc<Db>) -> Self {
        Self {
            db,
            hub: Arc::default(),
            filter: WordFilter::embedded(),
        }
    }

    /// Registers a socket of `user`; `None` past the per-user limit.
    pub fn join(&self, user: UserId) -> Option<Registration> {
        self.hub.join(user)
    }

    fn members(&self, user: UserId, match_id: u64) -> Result<Members, ChatError> {
        let record = self.db.match_record(match_id)?.ok_or(ChatError::NotFound)?;
        let partner = if record.requester == user {
            record.partner
        } else if record.partner == user {
            record.requester
        } else {
            return Err(ChatError::NotFound);
        };
        Ok(Members {
            match_id,
            since_ms: record.at_ms,
            me: user,
            partner,
        })
    }

    /// A partner who withdrew or was banned can no longer answer: the chat is read-only.
    fn partner_gone(&self, partner: UserId) -> Result<bool, ChatError> {
        Ok(self
            .db
            .user(partner)?
            .is_none_or(|u| u.withdrawn || u.banned))
    }

    fn chat(&self, members: &Members) -> Result<Chat, ChatError> {
        let partner = self.db.user(members.partner)?;
        let read_only = partner.as_ref().is_none_or(|u| u.withdrawn || u.banned);
        Ok(Chat {
            match_id: members.match_id,
            since_ms: members.since_ms,
            partner_nickname: partner.map(|u| u.nickname).unwrap_or_default(),
            state: self
                .db
                .chat_state(members.match_id, members.me, members.partner)?,
            read_only,
        })
    }

    /// Every chat of `user` (a chat per match either way), latest activity first.
    pub fn list(&self, user: UserId) -> Result<Vec<Chat>, ChatError> {
        let mine = self.db.matches_of(user)?.into_iter().map(|m| m.id);
        let picked = self.db.matches_picking(user, MAX_LISTED_CHATS)?;
        let mut chats = Vec::new();
        for match_id in mine.chain(picked) {
            chats.push(self.chat(&self.members(user, match_id)?)?);
        }
        let activity = |c: &Chat| {
            c.state
                .last_message
                .as_ref()
                .map_or(c.since_ms, |m| m.at_ms)
        };
        chats.sort_by_key(|c| std::cmp::Reverse(activity(c)));
        Ok(chats)
    }

    /// A page of a chat's messages, newest first.
    pub fn history(
        &self,
        user: UserId,
        match_id: u64,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, ChatError> {
        self.members(user, match_id)?;
        Ok(self
            .db
            .chat_messages(match_id, before, limit.clamp(1, MAX_PAGE))?)
    }

    /// Stores a message (masked) and pushes it to both people; a resend with the same
    /// client id goes back to the sender only, as stored the first time.
    pub async fn send(
        &self,
        user: UserId,
        match_id: u64,
        text: &str,
        client_id: &str,
    ) -> Result<ChatMessage, ChatError> {
        let text = ChatText::parse(text)?;
        let client_id = ClientId::parse(client_id)?;
        let members = self.members(user, match_id)?;
        if self.partner_gone(members.partner)? {
            return Err(ChatError::ReadOnly);
        }
        let new = NewMessage {
            match_id,
            from: user,
            text: self.filter.mask(text.as_str()).into_owned(),
            client_id: client_id.as_str().to_owned(),
        };
        let posted = self.db.post_message(new).await?;
        metrics::counter!("chat_messages_total", "duplicate" => posted.duplicate.to_string())
            .increment(1);
        let push = Arc::new(Push::Message(posted.message.clone()));
        self.hub.deliver(user, &push);
        if !posted.duplicate {
            self.hub.deliver(members.partner, &push);
        }
        Ok(posted.message)
    }

    /// Moves `user`'s read marker and tells both people.
    pub async fn read(&self, user: UserId, match_id: u64, up_to: u64) -> Result<u64, ChatError> {
        let members = self.members(user, match_id)?;
        let marker = self.db.mark_read(match_id, user, up_to).await?;
        let push = Arc::new(Push::Read {
            match_id,
            up_to: marker,
            by: user,
        });
        self.hub.deliver(user, &push);
        self.hub.deliver(members.partner, &push);
        Ok(marker)
    }

    /// Blocks the chat for both people; what was said stays readable.
    pub async fn block(&self, user: UserId, match_id: u64) -> Result<Chat, ChatError> {
        let members = self.members(user, match_id)?;
        self.db.block_chat(match_id, user).await?;
        self.chat(&members)
    }
}
