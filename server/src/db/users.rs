//! Users: accounts, profiles and pickable state. Every change the matcher must learn of
//! bumps the user's version and writes an outbox event in the same transaction.

use super::bans;
use super::batch::Tx;
use super::ops_audit::{self, Actor, OpsAction};
use super::promo;
use super::sessions;
use super::{abort, decode, encode, key_id, now_ms, outbox, Db, DbError, DbResult, TxResult};
use crate::model::account::{Email, Nickname};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use std::collections::{btree_map::Entry, BTreeMap};
use std::sync::atomic::Ordering;
use storage::events::{UserEvent, UserRemoved, UserUpserted};
use storage::profile::Profile;
use storage::UserId;

/// What a sign-up asks for beyond the account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub bonus: u64,
    pub operator_request: bool,
    /// Made by a first sign-in with a provider: the identity is linked in the same commit.
    pub identity: Option<NewIdentity>,
}

/// An identity (see [`super::oidc::identity_key`]) and its provider's id.
#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub key: Vec<u8>,
    pub provider: String,
}

/// A ban or its lifting, by `actor`.
pub struct BanChange {
    pub id: UserId,
    pub banned: bool,
    pub actor: Actor,
    pub reason: Option<String>,
}

/// [`Db::set_banned`] inside a transaction (a report resolved with a ban runs it too).
pub(super) fn set_banned_in(
    tx: &Tx<'_>,
    change: &BanChange,
    sessions: &[sled::IVec],
) -> TxResult<UserRecord> {
    let (id, banned) = (change.id, change.banned);
    let mut user = read_in(tx.users, id)?.ok_or_else(|| abort(DbError::NotFound("user")))?;
    if user.banned != banned {
        user.banned = banned;
        store_and_queue_event_in(tx, &mut user)?;
        let action = if banned {
            OpsAction::Ban
        } else {
            OpsAction::Unban
        };
        let reason = change.reason.clone();
        ops_audit::record_in(
            tx.ops_audit,
            change.actor,
            action,
            id.to_string(),
            reason,
            None,
        )?;
    }
    if banned {
        let record = bans::BanRecord {
            user_id: id,
            reason: change.reason.clone().unwrap_or_default(),
            by: change.actor.0,
            at_ms: now_ms(),
        };
        bans::put_in(tx.bans, &record)?;
    } else {
        bans::remove_in(tx.bans, id)?;
    }
    sessions::end_in(tx, sessions)?;
    Ok(user)
}

/// Users whose state one transaction of `republish_all_users` queues.
const REPUBLISH_BATCH: usize = 256;

/// The `meta` key holding [`Nickname::key_version`] as of the last build of the `nicknames`
/// index; absent in databases from before look-alike keys (their keys are lower case only).
const NICKNAME_KEY_VERSION: &[u8] = b"nickname_key_version";

/// `USER` | `OPERATOR` | `ADMIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    User,
    Operator,
    Admin,
}

/// One user as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub nickname: String,
    pub password_hash: String,
    pub role: Role,
    pub created_at_ms: i64,
    pub profile: Option<Profile>,
    pub dont_pick_me: bool,
    pub withdrawn: bool,
    /// Banned by an operator: out of the pool, cannot sign in.
    #[serde(default)]
    pub banned: bool,
    /// Grows with every change the matcher must learn of.
    pub version: u64,
    /// The school address this user verified (see [`super::school_email`]).
    #[serde(default)]
    pub school_email: Option<String>,
    /// Asked to become an operator at sign-up: pending, or rejected.
    #[serde(default)]
    pub operator_request: Option<OperatorRequest>,
    /// Sign-in providers linked to this account (their configured ids).
    #[serde(default)]
    pub providers: Vec<String>,
    /// The consent given: which documents' version, and when; none before (or after
    /// withdrawing).
    #[serde(default)]
    pub consent: Option<Consent>,
}

/// A consent as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub version: u32,
    pub at_ms: i64,
}

/// Where an operator sign-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperatorRequest {
    Pending,
    Rejected,
}

impl UserRecord {
    /// May others be matched with this user?
    pub fn pickable(&self) -> bool {
        !self.dont_pick_me
            && !self.withdrawn
            && !self.banned
            && self.profile.is_some()
            && self.consent.is_some()
    }

    /// Whether the user accepted `version` of the documents.
    pub fn consented_to(&self, version: u32) -> bool {
        self.consent.is_some_and(|c| c.version == version)
    }

    /// The event that tells the matcher this user's current state; `None` while the user has
    /// no profile (the matcher has never heard of them).
    pub fn event(&self) -> Option<UserEvent> {
        let profile = self.profile.as_ref()?;
        Some(if self.withdrawn {
            UserEvent::Removed(UserRemoved {
                user_id: self.id,
                version: self.version,
            })
        } else {
            UserEvent::Upserted(UserUpserted {
                user_id: self.id,
                version: self.version,
                features: profile.features(self.pickable()),
            })
        })
    }
}

/// Reads a user inside a transaction.
pub fn read_in(users: &TransactionalTree, id: UserId) -> TxResult<Option<UserRecord>> {
    let key = id.to_be_bytes();
    match users.get(key)? {
        Some(bytes) => Ok(Some(decode("users", &key, &bytes).map_err(abort)?)),
        None => Ok(None),
    }
}

/// Applies `change` to a live (not withdrawn) user, stores it and queues its event.
fn change_in(
    tx: &Tx<'_>,
    id: UserId,
    change: &impl Fn(&mut UserRecord) -> DbResult<()>,
) -> TxResult<UserRecord> {
    let mut user = read_in(tx.users, id)?
        .filter(|u| !u.withdrawn)
        .ok_or_else(|| abort(DbError::UserGone(id)))?;
    change(&mut user).map_err(abort)?;
    store_and_queue_event_in(tx, &mut user)?;
    Ok(user)
}

/// Stores a user whose change the matcher need not hear of (role, password).
pub(super) fn store_in(tx: &Tx<'_>, user: &UserRecord) -> TxResult<()> {
    tx.users.insert(&user.id.to_be_bytes(), encode(user))?;
    tx.user_changed(user.id);
    Ok(())
}

/// Stores a change the matcher must hear of: bumps the user's version, stores the user and
/// queues the event with that version in the outbox, in the caller's transaction.
fn store_and_queue_event_in(tx: &Tx<'_>, user: &mut UserRecord) -> TxResult<()> {
    user.version += 1;
    store_in(tx, user)?;
    if let Some(event) = user.event() {
        outbox::push_in(tx.outbox, user.id, &event)?;
    }
    Ok(())
}

impl Db {
    pub fn user(&self, id: UserId) -> DbResult<Option<UserRecord>> {
        let key = id.to_be_bytes();
        self.users
            .get(key)?
            .map(|bytes| decode("users", &key, &bytes))
            .transpose()
    }

    pub fn user_by_email(&self, email: &Email) -> DbResult<Option<UserRecord>> {
        match self.emails.get(email.key())? {
            Some(id) => self.user(UserId(key_id("emails", &id)?)),
            None => Ok(None),
        }
    }

    /// Every user, in id order (a scan: the command line, counters, search rebuilds).
    pub fn all_users(&self) -> impl Iterator<Item = DbResult<UserRecord>> + '_ {
        self.users.iter().map(|item| {
            let (key, bytes) = item?;
            decode("users", &key, &bytes)
        })
    }

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

    /// Whether nobody has signed up yet.
    pub fn has_no_users(&self) -> bool {
        self.users.is_empty()
    }

    /// Queues every user's current state for the matcher again, one batch per
    /// [`REPUBLISH_BATCH`] users (the day the stream is lost). Harmless to repeat: each event
    /// carries the user's current version, and the matcher keeps only newer versions.
    pub async fn republish_all_users(&self) -> DbResult<u64> {
        let ids: Vec<UserId> = self
            .users
            .iter()
            .keys()
            .map(|key| Ok(UserId(key_id("users", &key?)?)))
            .collect::<DbResult<_>>()?;
        let mut queued = 0;
        for chunk in ids.chunks(REPUBLISH_BATCH) {
            let chunk = chunk.to_vec();
            queued += self
                .write(move |tx| {
                    let mut queued = 0;
                    for &id in &chunk {
                        let Some(user) = read_in(tx.users, id)? else {
                            continue;
                        };
                        if let Some(event) = user.event() {
                            outbox::push_in(tx.outbox, id, &event)?;
                            tx.user_changed(id);
                            queued += 1;
                        }
                    }
                    Ok(queued)
                })
                .await?;
        }
        Ok(queued)
    }

    /// Creates a user; 409 when the email or nickname is taken.
    pub async fn create_user(
        &self,
        email: &Email,
        nickname: &Nickname,
        password_hash: String,
    ) -> DbResult<UserRecord> {
        self.sign_up(email, nickname, password_hash, NewAccount::default())
            .await
    }

    /// [`Db::create_user`] with what the sign-up asks for: a bonus (a `PROMO` entry in the same
    /// transaction; none when 0) and an operator request (pending until an admin decides).
    pub async fn sign_up(
        &self,
        email: &Email,
        nickname: &Nickname,
        password_hash: String,
        account: NewAccount,
    ) -> DbResult<UserRecord> {
        let bonus = account.bonus;
        let account = account.clone();
        let id = UserId(self.generate_id()?);
        let user = UserRecord {
            id,
            email: email.as_str().to_owned(),
            nickname: nickname.as_str().to_owned(),
            password_hash,
            role: Role::User,
            created_at_ms: now_ms(),
            profile: None,
            dont_pick_me: false,
            withdrawn: false,
            banned: false,
            version: 0,
            school_email: None,
            operator_request: account.operator_request.then_some(OperatorRequest::Pending),
            providers: account
                .identity
                .iter()
                .map(|i| i.provider.clone())
                .collect(),
            consent: None,
        };
        let (email_key, nickname_key, record) = (email.key(), nickname.key(), user.clone());
        let counters = self.counters.clone();
        let step = move |tx: &Tx<'_>| {
            if tx.emails.get(&email_key)?.is_some() {
                return Err(abort(DbError::EmailTaken));
            }
            if tx.nicknames.get(&nickname_key)?.is_some() {
                return Err(abort(DbError::NicknameTaken));
            }
            tx.emails.insert(email_key.as_bytes(), &id.to_be_bytes())?;
            tx.nicknames
                .insert(nickname_key.as_bytes(), &id.to_be_bytes())?;
            promo::signup_bonus_in(tx, id, bonus)?;
            if let Some(identity) = &account.identity {
                if tx.identities.get(&identity.key)?.is_some() {
                    return Err(abort(DbError::IdentityTaken));
                }
                tx.identities
                    .insert(identity.key.as_slice(), &id.to_be_bytes())?;
            }
            if record.operator_request.is_some() {
                tx.operator_requests
                    .insert(&id.to_be_bytes(), &record.created_at_ms.to_be_bytes())?;
            }
            store_in(tx, &record)
        };
        self.write_then(step, move |_| {
            counters.users.fetch_add(1, Ordering::Relaxed);
        })
        .await?;
        Ok(user)
    }

    /// Applies `change` to a live user, then stores it and queues its event, atomically.
    async fn change_user(
        &self,
        id: UserId,
        change: impl Fn(&mut UserRecord) -> DbResult<()> + Send + 'static,
    ) -> DbResult<UserRecord> {
        self.write(move |tx| change_in(tx, id, &change)).await
    }

    /// Sets the profile. Gender cannot change once set.
    pub async fn save_profile(&self, id: UserId, profile: Profile) -> DbResult<UserRecord> {
        self.change_user(id, move |user| {
            if let Some(old) = &user.profile {
                if old.gender != profile.gender {
                    return Err(DbError::GenderLocked);
                }
            }
            user.profile = Some(profile.clone());
            Ok(())
        })
        .await
    }

    /// Records consent to `version` of the documents. Before a profile the matcher has never
    /// heard of the user, so nothing is published; after, the user may become pickable, so
    /// the usual versioned event goes out.
    pub async fn give_consent(&self, id: UserId, version: u32) -> DbResult<UserRecord> {
        self.write(move |tx| {
            let mut user = read_in(tx.users, id)?
                .filter(|u| !u.withdrawn)
                .ok_or_else(|| abort(DbError::UserGone(id)))?;
            user.consent = Some(Consent {
                version,
                at_ms: now_ms(),
            });
            if user.profile.is_some() {
                store_and_queue_event_in(tx, &mut user)?;
            } else {
                store_in(tx, &user)?;
            }
            Ok(user)
        })
        .await
    }

    pub async fn set_dont_pick_me(&self, id: UserId, dont_pick_me: bool) -> DbResult<UserRecord> {
        self.change_user(id, move |user| {
            user.dont_pick_me = dont_pick_me;
            Ok(())
        })
        .await
    }

    /// Grants `role`; recorded in the audit trail when an operator (not the CLI) does it.
    /// Roles do not concern the matcher: no version bump, no event.
    pub async fn set_role(
        &self,
        id: UserId,
        role: Role,
        actor: Option<Actor>,
    ) -> DbResult<UserRecord> {
        self.write(move |tx| {
            let mut user =
                read_in(tx.users, id)?.ok_or_else(|| abort(DbError::NotFound("user")))?;
            user.role = role;
            store_in(tx, &user)?;
            if let Some(actor) = actor {
                let detail = Some(format!("{role:?}").to_uppercase());
                ops_audit::record_in(
                    tx.ops_audit,
                    actor,
                    OpsAction::SetRole,
                    id.to_string(),
                    None,
                    detail,
                )?;
            }
            Ok(user)
        })
        .await
    }

    /// Bans (with `reason`, required) or unbans a user: the user leaves or rejoins the pool,
    /// a ban ends every session in the same commit and is listed in `bans` until lifted.
    pub async fn set_banned(
        &self,
        id: UserId,
        banned: bool,
        actor: Actor,
        reason: Option<String>,
    ) -> DbResult<UserRecord> {
        let sessions = if banned {
            self.session_keys_of(id)?
        } else {
            Vec::new()
        };
        self.write(move |tx| {
            let change = BanChange {
                id,
                banned,
                actor,
                reason: reason.clone(),
            };
            set_banned_in(tx, &change, &sessions)
        })
        .await
    }

    /// Sets a new password hash and ends the user's sessions in the same commit (admin
    /// recovery).
    pub async fn reset_credentials(
        &self,
        id: UserId,
        password_hash: String,
    ) -> DbResult<UserRecord> {
        let sessions = self.session_keys_of(id)?;
        self.write(move |tx| {
            let mut user =
                read_in(tx.users, id)?.ok_or_else(|| abort(DbError::NotFound("user")))?;
            user.password_hash = password_hash.clone();
            store_in(tx, &user)?;
            sessions::end_in(tx, &sessions)?;
            Ok(user)
        })
        .await
    }

    /// Withdraws: the user leaves the pool and their sessions end, in one commit; their
    /// records stay.
    pub async fn withdraw(&self, id: UserId) -> DbResult<UserRecord> {
        let sessions = self.session_keys_of(id)?;
        let counters = self.counters.clone();
        let step = move |tx: &Tx<'_>| {
            let user = change_in(tx, id, &|user: &mut UserRecord| {
                user.withdrawn = true;
                user.consent = None;
                Ok(())
            })?;
            sessions::end_in(tx, &sessions)?;
            Ok(user)
        };
        self.write_then(step, move |_| {
            counters.users.fetch_sub(1, Ordering::Relaxed);
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;

    /// How often, and how far apart, a reopen is tried while sled's background threads still
    /// hold the closed database's lock.
    const REOPEN_TRIES: u32 = 100;
    const REOPEN_PAUSE: Duration = Duration::from_millis(20);

    fn reopen(dir: &Path) -> Arc<Db> {
        for _ in 1..REOPEN_TRIES {
            if let Ok(db) = Db::open(dir) {
                return db;
            }
            std::thread::sleep(REOPEN_PAUSE);
        }
        Db::open(dir).expect("reopen the database")
    }

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
