//! The landing page's counts (active users, matches made).
//!
//! Read on every landing page, so they live in memory; kept in the `meta` tree too, moved in
//! the same transaction as the change they count, so opening the database reads two keys.
//! Counting by scanning every user at open was the server's memory peak: sled keeps each node
//! it passes deserialized, several times its size on disk (heaptrack: 57 MB at 100,000 users
//! against an 8 MiB cache).

use super::batch::Tx;
use super::{abort, error::key_text, Db, DbError, DbResult, TxResult};
use std::sync::atomic::{AtomicU64, Ordering};

/// Users who have not withdrawn, in the `meta` tree.
const USERS_KEY: &[u8] = b"count/active_users";
/// Matches made, in the `meta` tree.
const MATCHES_KEY: &[u8] = b"count/matches";

/// The counts as committed and on disk: the flusher moves them once a change is durable.
#[derive(Default)]
pub struct Counters {
    /// Users who have not withdrawn.
    pub users: AtomicU64,
    /// Matches made.
    pub matches: AtomicU64,
}

/// The two counts at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Users who have not withdrawn.
    pub users: u64,
    /// Matches made.
    pub matches: u64,
}

/// A stored count.
#[derive(Debug, Clone, Copy)]
pub(super) enum Count {
    Users,
    Matches,
}

impl Count {
    fn key(self) -> &'static [u8] {
        match self {
            Count::Users => USERS_KEY,
            Count::Matches => MATCHES_KEY,
        }
    }
}

/// Moves the stored `count` by `delta` inside the caller's transaction. A count that would
/// go below zero (it drifted: see [`Db::recount`]) stays at zero and is logged: a landing-page
/// number must never refuse a withdrawal.
pub(super) fn add_in(tx: &Tx<'_>, count: Count, delta: i64) -> TxResult<()> {
    let key = count.key();
    let now = match tx.meta.get(key)? {
        Some(bytes) => parse(key, &bytes).map_err(abort)?,
        None => 0,
    };
    let next = now.checked_add_signed(delta).unwrap_or_else(|| {
        tracing::error!(count = ?count, now, delta, "a stored count drifted; `comatching-server audit` recounts it");
        now.saturating_add_signed(delta)
    });
    tx.meta.insert(key, &next.to_be_bytes())?;
    Ok(())
}

fn parse(key: &[u8], bytes: &[u8]) -> DbResult<u64> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| {
            DbError::Corrupt(format!(
                "meta/{} holds {} bytes",
                key_text(key),
                bytes.len()
            ))
        })
}

impl Db {
    /// Loads the stored counts into memory. A database made before they were stored is
    /// counted once by scanning, and the counts stored; called at open, before any write.
    pub(super) fn load_counters(&self) -> DbResult<()> {
        let users = match self.meta.get(USERS_KEY)? {
            Some(bytes) => parse(USERS_KEY, &bytes)?,
            None => self.store_count(USERS_KEY, self.scan_active_users()?)?,
        };
        let matches = match self.meta.get(MATCHES_KEY)? {
            Some(bytes) => parse(MATCHES_KEY, &bytes)?,
            None => self.store_count(MATCHES_KEY, self.matches.len() as u64)?,
        };
        self.counters.users.store(users, Ordering::Relaxed);
        self.counters.matches.store(matches, Ordering::Relaxed);
        Ok(())
    }

    /// Counts again by scanning and stores the counts when they differ from the stored ones,
    /// which a binary from before the counts were stored leaves behind if it ran on this data.
    /// Returns the stored and the counted ones when they differed. For a stopped server's
    /// database (`comatching-server audit`): a running one moves them meanwhile.
    pub fn recount(&self) -> DbResult<Option<(Counts, Counts)>> {
        let stored = Counts {
            users: self.counters.users.load(Ordering::Relaxed),
            matches: self.counters.matches.load(Ordering::Relaxed),
        };
        let counted = Counts {
            users: self.scan_active_users()?,
            matches: self.matches.len() as u64,
        };
        if stored == counted {
            return Ok(None);
        }
        self.store_count(USERS_KEY, counted.users)?;
        self.store_count(MATCHES_KEY, counted.matches)?;
        self.flush()?;
        self.counters.users.store(counted.users, Ordering::Relaxed);
        self.counters
            .matches
            .store(counted.matches, Ordering::Relaxed);
        Ok(Some((stored, counted)))
    }

    fn scan_active_users(&self) -> DbResult<u64> {
        let mut active = 0;
        for user in self.all_users() {
            active += u64::from(!user?.withdrawn);
        }
        Ok(active)
    }

    fn store_count(&self, key: &[u8], value: u64) -> DbResult<u64> {
        self.meta.insert(key, &value.to_be_bytes())?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::{Email, Nickname};

    async fn sign_up(db: &Db, i: usize) -> storage::UserId {
        let email = Email::parse(&format!("c{i}@x.kr")).unwrap();
        let nickname = Nickname::parse(&format!("c{i}")).unwrap();
        db.create_user(&email, &nickname, "hash".into())
            .await
            .unwrap()
            .id
    }

    fn counts(db: &Db) -> (u64, u64) {
        let counters = db.counters();
        (
            counters.users.load(Ordering::Relaxed),
            counters.matches.load(Ordering::Relaxed),
        )
    }

    /// Sign-ups and withdrawals move the count in memory and on disk alike: a reopened
    /// database reads what the running one showed, and one whose counts were never stored
    /// counts them once by scanning.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counts_survive_a_restart_and_are_counted_once_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(counts(&db), (0, 0));
        let mut users = Vec::new();
        for i in 0..3 {
            users.push(sign_up(&db, i).await);
        }
        db.withdraw(users[1]).await.unwrap();
        assert!(db.withdraw(users[1]).await.is_err(), "withdrawn twice");
        assert_eq!(counts(&db), (2, 0));
        drop(db);

        let db = crate::db::reopen(dir.path());
        assert_eq!(counts(&db), (2, 0));
        db.meta.remove(USERS_KEY).unwrap();
        db.meta.remove(MATCHES_KEY).unwrap();
        db.flush().unwrap();
        drop(db);

        let db = crate::db::reopen(dir.path());
        assert_eq!(counts(&db), (2, 0));
        assert_eq!(
            db.meta.get(USERS_KEY).unwrap().as_deref(),
            Some(&2u64.to_be_bytes()[..]),
            "the scanned count is stored"
        );
    }

    /// A count left behind by a binary that did not move it is corrected by a recount, and
    /// until then a withdrawal that would take it below zero still goes through.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_drifted_count_never_refuses_a_withdrawal_and_a_recount_corrects_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let (first, second) = (sign_up(&db, 0).await, sign_up(&db, 1).await);
        assert_eq!(db.recount().unwrap(), None, "nothing to correct");
        db.meta.insert(USERS_KEY, &0u64.to_be_bytes()).unwrap();
        db.withdraw(first).await.unwrap();
        assert_eq!(
            db.meta.get(USERS_KEY).unwrap().as_deref(),
            Some(&0u64.to_be_bytes()[..])
        );
        drop(db);

        let db = crate::db::reopen(dir.path());
        assert_eq!(counts(&db), (0, 0), "the drifted count as stored");
        let (zero, one) = (
            Counts {
                users: 0,
                matches: 0,
            },
            Counts {
                users: 1,
                matches: 0,
            },
        );
        assert_eq!(db.recount().unwrap(), Some((zero, one)));
        assert_eq!(counts(&db), (1, 0));
        db.withdraw(second).await.unwrap();
        assert_eq!(counts(&db), (0, 0));
        drop(db);
        assert_eq!(counts(&crate::db::reopen(dir.path())), (0, 0));
    }
}
