//! The `nicknames` index's keys: rebuilt at open when the way keys are made has changed, so a
//! look-alike of a name taken under an older key is still found.

use super::Db;
use super::DbResult;
use crate::model::account::Nickname;
use std::collections::{btree_map::Entry, BTreeMap};
use storage::UserId;

/// The `meta` key holding [`Nickname::key_version`] as of the last build of the `nicknames`
/// index; absent in databases from before look-alike keys (their keys are lower case only).
const NICKNAME_KEY_VERSION: &[u8] = b"nickname_key_version";

impl Db {
    /// Rebuilds the `nicknames` index from the users when it was built another way than
    /// [`Nickname::key`] builds keys today (see [`Nickname::key_version`]): otherwise a
    /// look-alike of a name taken under an older key would find no entry and be let in. Runs
    /// at open, before any write. The new index replaces the old in one atomic batch and the
    /// version is written after it, so a crash between the two only means it runs again.
    /// Never fails the open over one user: a stored nickname that no longer parses is left out
    /// of the index, and of users whose names now share a key the first keeps it (both warned).
    pub(super) fn migrate_nickname_keys(&self) -> DbResult<()> {
        let version = Nickname::key_version();
        if self.meta.get(NICKNAME_KEY_VERSION)?.as_deref() == Some(version.as_bytes()) {
            return Ok(());
        }
        let mut index = sled::Batch::default();
        for old_key in self.nicknames.iter().keys() {
            index.remove(old_key?);
        }
        let keys = self.nickname_keys()?;
        for (key, id) in &keys {
            index.insert(key.as_bytes(), &id.to_be_bytes());
        }
        self.nicknames.apply_batch(index)?;
        self.meta.insert(NICKNAME_KEY_VERSION, version.as_bytes())?;
        self.flush()?;
        tracing::info!(%version, nicknames = keys.len(), "rebuilt the nickname index");
        Ok(())
    }

    /// Every user's nickname key and its holder, read in id order so that of users whose
    /// names share a key the oldest keeps it (see `migrate_nickname_keys`).
    fn nickname_keys(&self) -> DbResult<BTreeMap<String, UserId>> {
        let mut keys = BTreeMap::new();
        for user in self.all_users() {
            let user = user?;
            let Ok(nickname) = Nickname::parse(&user.nickname) else {
                tracing::warn!(
                    user = %user.id,
                    nickname = ?user.nickname,
                    "stored nickname no longer parses: left out of the nickname index"
                );
                continue;
            };
            match keys.entry(nickname.key()) {
                Entry::Vacant(entry) => {
                    entry.insert(user.id);
                }
                Entry::Occupied(entry) => tracing::warn!(
                    user = %user.id,
                    keeps = %entry.get(),
                    nickname = ?user.nickname,
                    "nickname looks like an older user's: the older keeps the key"
                ),
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::UserRecord;
    use crate::db::{encode, key_id, reopen, DbError};
    use crate::model::account::Email;

    async fn sign_up(db: &Db, email: &str, nickname: &str) -> DbResult<UserRecord> {
        let email = Email::parse(email).unwrap();
        let nickname = Nickname::parse(nickname).unwrap();
        db.create_user(&email, &nickname, "hash".into()).await
    }

    fn key(nickname: &str) -> String {
        Nickname::parse(nickname).unwrap().key()
    }

    /// The `nicknames` index as (key, user) pairs, in key order.
    fn nickname_index(db: &Db) -> Vec<(String, UserId)> {
        db.nicknames
            .iter()
            .map(|item| {
                let (key, id) = item.unwrap();
                let key = String::from_utf8(key.to_vec()).unwrap();
                (key, UserId(key_id("nicknames", &id).unwrap()))
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_nickname_that_only_looks_like_a_taken_one_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        sign_up(&db, "a@x.kr", "alice").await.unwrap();
        for (email, look_alike) in [("b@x.kr", "\u{430}lice"), ("c@x.kr", "ＡＬＩＣＥ")] {
            let taken = sign_up(&db, email, look_alike).await;
            assert!(matches!(taken, Err(DbError::NicknameTaken)), "{taken:?}");
        }
        sign_up(&db, "d@x.kr", "김민수").await.unwrap();
        sign_up(&db, "e@x.kr", "김민서").await.unwrap();
        assert_eq!(db.all_users().count(), 3);
    }

    /// A database from before look-alike keys holds lower-case keys: reopening rebuilds the
    /// index with today's keys, the older of two users whose names now share a key keeps it,
    /// and a stored name that no longer parses is left out instead of failing the open.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reopening_an_old_database_rebuilds_its_nickname_keys() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let mina = sign_up(&db, "a@x.kr", "Mina").await.unwrap();
        let bob = sign_up(&db, "b@x.kr", "bob").await.unwrap();
        let mut rnina = sign_up(&db, "c@x.kr", "later").await.unwrap();
        let mut blank = sign_up(&db, "d@x.kr", "blank").await.unwrap();
        // What the old rules let in: "rnina" beside "Mina", and a name of Hangul fillers.
        rnina.nickname = "rnina".into();
        blank.nickname = "\u{3164}\u{3164}".into();
        db.nicknames.clear().unwrap();
        for user in [&mina, &bob, &rnina, &blank] {
            db.users
                .insert(user.id.to_be_bytes(), encode(user))
                .unwrap();
            db.nicknames
                .insert(user.nickname.to_lowercase(), &user.id.to_be_bytes())
                .unwrap();
        }
        db.meta.remove(NICKNAME_KEY_VERSION).unwrap();
        db.flush().unwrap();
        drop(db);

        let db = reopen(dir.path());
        assert_eq!(key("Mina"), "rnina");
        let expected = vec![(key("bob"), bob.id), (key("Mina"), mina.id)];
        assert_eq!(nickname_index(&db), expected);
        let version = db.meta.get(NICKNAME_KEY_VERSION).unwrap().unwrap();
        assert_eq!(&*version, Nickname::key_version().as_bytes());
        let taken = sign_up(&db, "e@x.kr", "b\u{43E}b").await;
        assert!(matches!(taken, Err(DbError::NicknameTaken)), "{taken:?}");
    }
}
