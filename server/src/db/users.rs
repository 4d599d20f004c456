//! Users: accounts, profiles and pickable state. Every change the matcher must learn of
//! bumps the user's version and writes an outbox event in the same transaction.

use super::batch::Tx;
use super::counters::{self, Count};
use super::ops_audit::{self, Actor, OpsAction};
use super::sessions;
use super::{abort, decode, encode, key_id, outbox, Db, DbError, DbResult, TxResult};
use crate::model::account::Email;
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use std::sync::atomic::Ordering;
use storage::events::{UserEvent, UserRemoved, UserUpserted};
use storage::profile::Profile;
use storage::UserId;

/// Users whose state one transaction of `republish_all_users` queues.
pub(super) const REPUBLISH_BATCH: usize = 256;

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
    /// The consent to the documents in force: which version, and when; none before, after
    /// withdrawing, or once a newer version is put in force (see [`super::consents`]).
    #[serde(default)]
    pub consent: Option<Consent>,
    /// Consents to versions no longer in force, oldest first: the record of what was accepted.
    #[serde(default)]
    pub past_consents: Vec<Consent>,
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
pub(super) fn store_and_queue_event_in(tx: &Tx<'_>, user: &mut UserRecord) -> TxResult<()> {
    user.version += 1;
    store_in(tx, user)?;
    if let Some(event) = user.event() {
        outbox::push_in(tx, user.id, &event)?;
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

    /// Every user's id, in id order (for the passes that change users a batch at a time).
    pub(super) fn user_ids(&self) -> DbResult<Vec<UserId>> {
        self.users
            .iter()
            .keys()
            .map(|key| Ok(UserId(key_id("users", &key?)?)))
            .collect()
    }

    /// Whether nobody has signed up yet.
    pub fn has_no_users(&self) -> bool {
        self.users.is_empty()
    }

    /// Queues every user's current state for the matcher again, one batch per
    /// [`REPUBLISH_BATCH`] users (the day the stream is lost). Harmless to repeat: each event
    /// carries the user's current version, and the matcher keeps only newer versions.
    pub async fn republish_all_users(&self) -> DbResult<u64> {
        let ids = self.user_ids()?;
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
                            outbox::push_in(tx, id, &event)?;
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
            counters::add_in(tx, Count::Users, -1)?;
            sessions::end_in(tx, &sessions)?;
            Ok(user)
        };
        self.write_then(step, move |_| {
            // Saturating, as the stored count (`counters::add_in`).
            let _ = counters
                .users
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    Some(n.saturating_sub(1))
                });
        })
        .await
    }
}

impl Db {
    /// After a restore: the stream may hold newer versions than the restored users (changes
    /// made after the backup, now lost), which the matchers would keep over anything the
    /// restored server sends. Each such user gets a version past the stream's and its restored
    /// state queued; a user the stream knows and the backup does not is queued as removed.
    /// Returns how many events were queued.
    pub async fn supersede_stream_versions(
        &self,
        stream: std::collections::HashMap<UserId, u64>,
    ) -> DbResult<u64> {
        let stream: Vec<(UserId, u64)> = stream.into_iter().collect();
        let mut queued = 0;
        for chunk in stream.chunks(REPUBLISH_BATCH) {
            let chunk = chunk.to_vec();
            queued += self
                .write(move |tx| {
                    let mut queued = 0;
                    for &(id, on_stream) in &chunk {
                        let restored = read_in(tx.users, id)?;
                        if restored.as_ref().is_some_and(|u| u.version > on_stream) {
                            continue;
                        }
                        let event = match restored {
                            Some(mut user) => {
                                user.version = on_stream;
                                store_and_queue_event_in(tx, &mut user)?;
                                if user.event().is_some() {
                                    queued += 1;
                                    continue;
                                }
                                UserEvent::Removed(UserRemoved {
                                    user_id: id,
                                    version: user.version,
                                })
                            }
                            None => UserEvent::Removed(UserRemoved {
                                user_id: id,
                                version: on_stream + 1,
                            }),
                        };
                        outbox::push_in(tx, id, &event)?;
                        tx.user_changed(id);
                        queued += 1;
                    }
                    Ok(queued)
                })
                .await?;
        }
        Ok(queued)
    }
}
