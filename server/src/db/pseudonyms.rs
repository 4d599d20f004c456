//! Pseudonyms for the training export: HMAC-SHA256 of a user id under a random key that is
//! kept in the database and never leaves the server.
//!
//! A hash of the id with the database's instance id would not do: the instance id is public
//! (it prefixes every `Nats-Msg-Id` on the `USERS` stream, see [`Db::message_id`]), so anyone
//! who reads the stream could hash every id and turn the pseudonyms back into users. The key is
//! made at the first open and stored in sled's default tree, so pseudonyms stay stable across
//! restarts and a restored backup.

use super::{Db, DbError, DbResult};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use storage::UserId;

/// Bytes of the key: SHA-256's output size, the least RFC 2104 recommends.
const KEY_BYTES: usize = 32;
/// The key's name in sled's default tree.
const KEY_NAME: &[u8] = b"pseudonym_key";
/// Bytes of the HMAC a pseudonym keeps (written as twice as many hex digits).
const PSEUDONYM_BYTES: usize = 8;

/// The secret the pseudonyms are keyed with.
pub(super) type Key = [u8; KEY_BYTES];

/// The stored key, or a new random one, stored and flushed before it is used (a pseudonym
/// handed out must never change).
pub(super) fn key(db: &sled::Db) -> DbResult<Key> {
    if let Some(stored) = db.get(KEY_NAME)? {
        return Key::try_from(&stored[..]).map_err(|_| {
            DbError::Corrupt(format!(
                "the pseudonym key has {} bytes, not {KEY_BYTES}",
                stored.len()
            ))
        });
    }
    let mut key = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut key);
    db.insert(KEY_NAME, &key[..])?;
    db.flush()?;
    Ok(key)
}

impl Db {
    /// `user`'s pseudonym in exports (16 hex digits): the same user always gets the same one in
    /// this database, and without the key, which only the server holds, it cannot be turned
    /// back into an id.
    pub fn pseudonym(&self, user: UserId) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.pseudonym_key)
            .expect("HMAC takes a key of any length");
        mac.update(&user.0.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..PSEUDONYM_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::reopen;
    use sha2::Digest;

    /// What the export used to write: SHA-256 of `instance:id`, which anyone who reads the
    /// stream's message ids can compute.
    fn public_hash(instance: &str, user: UserId) -> String {
        let digest = Sha256::digest(format!("{instance}:{}", user.0));
        digest[..PSEUDONYM_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[tokio::test]
    async fn pseudonyms_are_stable_distinct_and_not_computable_from_the_instance_id() {
        let dir = tempfile::tempdir().unwrap();
        let (alice, bob) = (UserId(1), UserId(2));
        let db = Db::open(dir.path()).unwrap();
        let first = db.pseudonym(alice);
        assert_eq!(first.len(), 2 * PSEUDONYM_BYTES, "{first}");
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
        assert_ne!(first, db.pseudonym(bob));
        assert_ne!(first, public_hash(db.instance(), alice));
        drop(db);

        let db = reopen(dir.path());
        assert_eq!(db.pseudonym(alice), first, "stable across a reopen");
        let other_dir = tempfile::tempdir().unwrap();
        let other = Db::open(other_dir.path()).unwrap();
        assert_ne!(
            other.pseudonym(alice),
            first,
            "another database has its own key"
        );
    }
}
