//! Chat between the two people of a match: messages, who sent what once, read markers, blocks.
//!
//! Keys put a chat's records together: `chat_messages` is (match id, message id) so a chat's
//! history is one range read either way; message ids come from one counter in `meta` moved on
//! inside the writer's transaction, so ids follow the commit order and a chat's order is the
//! order its messages became durable. `chat_sent` holds (match id, sender, client id) → the
//! message id: a resend after a lost acknowledgement finds the message instead of storing a
//! second one. Markers and blocks are one key per chat (and person).

use super::batch::Tx;
use super::{abort, decode, encode, now_ms, pair_key, Db, DbError, DbResult, TxResult};
use serde::{Deserialize, Serialize};
use storage::UserId;

/// Messages one history page holds at most.
pub const MAX_PAGE: usize = 100;
/// Unread messages counted at most per chat (the badge shows "99+" long before).
pub const MAX_UNREAD_COUNTED: u64 = 999;
/// The `meta` key of the last message id handed out.
const MESSAGE_SEQUENCE: &[u8] = b"chat_message_sequence";

/// One message as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: u64,
    pub match_id: u64,
    pub from: UserId,
    /// As shown: trimmed and masked by the word filter before it was stored.
    pub text: String,
    pub at_ms: i64,
    pub client_id: String,
}

/// A message to store, already checked and masked by the caller.
pub struct NewMessage {
    pub match_id: u64,
    pub from: UserId,
    pub text: String,
    pub client_id: String,
}

/// What storing a message gave: the message, and whether it was stored before (a resend).
pub struct Posted {
    pub message: ChatMessage,
    pub duplicate: bool,
}

/// One person's view of a chat's state.
pub struct ChatState {
    pub last_message: Option<ChatMessage>,
    /// The partner's messages after my read marker (at most [`MAX_UNREAD_COUNTED`]).
    pub unread: u64,
    pub partner_read_up_to: Option<u64>,
    pub blocked: bool,
}

fn message_key(match_id: u64, id: u64) -> [u8; 16] {
    pair_key(match_id, id)
}

fn sent_key(match_id: u64, from: UserId, client_id: &str) -> Vec<u8> {
    let mut key = pair_key(match_id, from.0).to_vec();
    key.extend_from_slice(client_id.as_bytes());
    key
}

fn read_u64(bytes: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(bytes).ok().map(u64::from_be_bytes)
}

/// Hands out the next message id inside the transaction.
fn next_id(tx: &Tx<'_>) -> TxResult<u64> {
    let last = tx.meta.get(MESSAGE_SEQUENCE)?;
    let next = last.as_deref().and_then(read_u64).unwrap_or(0) + 1;
    tx.meta.insert(MESSAGE_SEQUENCE, &next.to_be_bytes())?;
    Ok(next)
}

/// Stores `new` unless the chat is blocked or the message was stored before.
fn post_in(tx: &Tx<'_>, new: &NewMessage) -> TxResult<Posted> {
    if tx.chat_blocks.get(new.match_id.to_be_bytes())?.is_some() {
        return Err(abort(DbError::ChatBlocked));
    }
    let sent = sent_key(new.match_id, new.from, &new.client_id);
    if let Some(id) = tx.chat_sent.get(&sent)? {
        let id = read_u64(&id).ok_or_else(|| abort(DbError::Corrupt("chat_sent value".into())))?;
        let key = message_key(new.match_id, id);
        let bytes = tx.chat_messages.get(key)?.ok_or_else(|| {
            abort(DbError::Corrupt(format!(
                "chat message {id} is indexed but missing"
            )))
        })?;
        let message = decode("chat_messages", &key, &bytes).map_err(abort)?;
        return Ok(Posted {
            message,
            duplicate: true,
        });
    }
    let message = ChatMessage {
        id: next_id(tx)?,
        match_id: new.match_id,
        from: new.from,
        text: new.text.clone(),
        at_ms: now_ms(),
        client_id: new.client_id.clone(),
    };
    let key = message_key(message.match_id, message.id);
    tx.chat_messages.insert(&key, encode(&message))?;
    tx.chat_sent.insert(sent, &message.id.to_be_bytes())?;
    Ok(Posted {
        message,
        duplicate: false,
    })
}

impl Db {
    /// Stores a message durably (or finds the one stored under the same client id).
    pub async fn post_message(&self, new: NewMessage) -> DbResult<Posted> {
        self.write(move |tx| post_in(tx, &new)).await
    }

    /// Up to `limit` messages of a chat before message `before` (or the newest), newest first.
    pub fn chat_messages(
        &self,
        match_id: u64,
        before: Option<u64>,
        limit: usize,
    ) -> DbResult<Vec<ChatMessage>> {
        let start = message_key(match_id, 0);
        let end = message_key(match_id, before.unwrap_or(u64::MAX));
        let mut page = Vec::with_capacity(limit.min(MAX_PAGE));
        for item in self
            .chat_messages
            .range(start..end)
            .rev()
            .take(limit.min(MAX_PAGE))
        {
            let (key, bytes) = item?;
            page.push(decode("chat_messages", &key, &bytes)?);
        }
        Ok(page)
    }

    /// Moves `user`'s read marker in a chat forward to `up_to` (never past the chat's last
    /// message, never back); returns the marker.
    pub async fn mark_read(&self, match_id: u64, user: UserId, up_to: u64) -> DbResult<u64> {
        let newest = self.chat_messages(match_id, None, 1)?.first().map(|m| m.id);
        let up_to = up_to.min(newest.unwrap_or(0));
        self.write(move |tx| {
            let key = pair_key(match_id, user.0);
            let old = tx.chat_reads.get(key)?.as_deref().and_then(read_u64);
            let marker = old.unwrap_or(0).max(up_to);
            if Some(marker) != old {
                tx.chat_reads.insert(&key, &marker.to_be_bytes())?;
            }
            Ok(marker)
        })
        .await
    }

    /// Blocks a chat: no message either way from now on. Blocking twice keeps the first.
    pub async fn block_chat(&self, match_id: u64, by: UserId) -> DbResult<()> {
        self.write(move |tx| {
            let key = match_id.to_be_bytes();
            if tx.chat_blocks.get(key)?.is_none() {
                tx.chat_blocks.insert(&key, &by.0.to_be_bytes())?;
            }
            Ok(())
        })
        .await
    }

    /// The chat of `match_id` as `me` (whose partner is `partner`) sees it.
    pub fn chat_state(&self, match_id: u64, me: UserId, partner: UserId) -> DbResult<ChatState> {
        let marker = |user: UserId| -> DbResult<Option<u64>> {
            let bytes = self.chat_reads.get(pair_key(match_id, user.0))?;
            Ok(bytes.as_deref().and_then(read_u64))
        };
        let mine = marker(me)?.unwrap_or(0);
        let mut unread = 0;
        let after_mine =
            message_key(match_id, mine.saturating_add(1))..=message_key(match_id, u64::MAX);
        for item in self.chat_messages.range(after_mine) {
            let (key, bytes) = item?;
            let message: ChatMessage = decode("chat_messages", &key, &bytes)?;
            unread += u64::from(message.from == partner);
            if unread >= MAX_UNREAD_COUNTED {
                break;
            }
        }
        Ok(ChatState {
            last_message: self.chat_messages(match_id, None, 1)?.pop(),
            unread,
            partner_read_up_to: marker(partner)?,
            blocked: self.chat_blocks.get(match_id.to_be_bytes())?.is_some(),
        })
    }

    /// Whether `partner` wrote in the chat of `match_id` within `window_ms` of `since_ms`.
    pub fn wrote_within(
        &self,
        match_id: u64,
        partner: UserId,
        since_ms: i64,
        window_ms: i64,
    ) -> DbResult<bool> {
        for item in self.chat_messages.scan_prefix(match_id.to_be_bytes()) {
            let (key, bytes) = item?;
            let message: ChatMessage = decode("chat_messages", &key, &bytes)?;
            if message.at_ms > since_ms.saturating_add(window_ms) {
                return Ok(false);
            }
            if message.from == partner {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Ids of the matches where `user` was the one picked, newest first (bounded).
    pub fn matches_picking(&self, user: UserId, limit: usize) -> DbResult<Vec<u64>> {
        let mut ids = Vec::new();
        for item in self
            .picked_me
            .scan_prefix(user.to_be_bytes())
            .rev()
            .take(limit)
        {
            let (key, _) = item?;
            ids.extend(super::pair_second(&key));
        }
        Ok(ids)
    }
}
