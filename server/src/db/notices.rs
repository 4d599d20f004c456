//! Notices admins post for everyone: each shown from `posted_at` until `closed_at` (if any).

use super::{abort, decode, encode, Db, DbError, DbResult};
use serde::{Deserialize, Serialize};

/// Notices kept at most (listing reads them all).
pub const MAX_NOTICES: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeRecord {
    pub id: u64,
    pub title: String,
    pub content: String,
    pub posted_at_ms: i64,
    pub closed_at_ms: Option<i64>,
}

impl NoticeRecord {
    /// Whether the notice is shown at `now_ms`.
    pub fn shown_at(&self, now_ms: i64) -> bool {
        self.posted_at_ms <= now_ms && self.closed_at_ms.is_none_or(|closed| now_ms < closed)
    }
}

/// A notice's text and schedule, checked by the caller.
#[derive(Debug, Clone)]
pub struct NoticeDraft {
    pub title: String,
    pub content: String,
    pub posted_at_ms: i64,
    pub closed_at_ms: Option<i64>,
}

impl Db {
    /// Every notice, the latest posted first.
    pub fn notices(&self) -> DbResult<Vec<NoticeRecord>> {
        let mut notices = Vec::new();
        for item in self.notices.iter().take(MAX_NOTICES) {
            let (key, bytes) = item?;
            notices.push(decode::<NoticeRecord>("notices", &key, &bytes)?);
        }
        notices.sort_by_key(|n| std::cmp::Reverse((n.posted_at_ms, n.id)));
        Ok(notices)
    }

    /// Posts a notice (409 past [`MAX_NOTICES`]).
    pub async fn create_notice(&self, draft: NoticeDraft) -> DbResult<NoticeRecord> {
        if self.notices.len() >= MAX_NOTICES {
            return Err(DbError::Full("notices"));
        }
        let id = self.generate_id()?;
        let notice = NoticeRecord {
            id,
            title: draft.title,
            content: draft.content,
            posted_at_ms: draft.posted_at_ms,
            closed_at_ms: draft.closed_at_ms,
        };
        self.write(move |tx| {
            tx.notices.insert(&id.to_be_bytes(), encode(&notice))?;
            Ok(notice.clone())
        })
        .await
    }

    /// Replaces a notice's text and schedule.
    pub async fn update_notice(&self, id: u64, draft: NoticeDraft) -> DbResult<NoticeRecord> {
        self.write(move |tx| {
            let key = id.to_be_bytes();
            if tx.notices.get(key)?.is_none() {
                return Err(abort(DbError::NotFound("notice")));
            }
            let notice = NoticeRecord {
                id,
                title: draft.title.clone(),
                content: draft.content.clone(),
                posted_at_ms: draft.posted_at_ms,
                closed_at_ms: draft.closed_at_ms,
            };
            tx.notices.insert(&key, encode(&notice))?;
            Ok(notice)
        })
        .await
    }

    pub async fn delete_notice(&self, id: u64) -> DbResult<()> {
        self.write(move |tx| match tx.notices.remove(&id.to_be_bytes())? {
            Some(_) => Ok(()),
            None => Err(abort(DbError::NotFound("notice"))),
        })
        .await
    }
}
