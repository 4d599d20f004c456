//! Users: accounts, profiles and pickable state. Every change the matcher must learn of
//! bumps the user's version and writes an outbox event in the same transaction.

use super::ops_audit::{self, Actor, OpsAction};
use super::{abort, decode, encode, now_ms, outbox, Db, TxResult};
use crate::account::{Email, Nickname};
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use std::sync::atomic::Ordering;
use storage::events::{UserEvent, UserRemoved, UserUpserted};
use storage::profile::Profile;
use storage::UserId;

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
}

impl UserRecord {
    /// May others be matched with this user?
    pub fn pickable(&self) -> bool {
        !self.dont_pick_me && !self.withdrawn && !self.banned && self.profile.is_some()
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
    match users.get(id.to_be_bytes())? {
        Some(bytes) => Ok(Some(decode(&bytes).map_err(abort)?)),
        None => Ok(None),
    }
}

/// Bumps the version, stores the user and queues the event for the matcher.
fn publish_in(
    users: &TransactionalTree,
    outbox: &TransactionalTree,
    user: &mut UserRecord,
) -> TxResult<()> {
    user.version += 1;
    users.insert(&user.id.to_be_bytes(), encode(user))?;
    if let Some(event) = user.event() {
        outbox::push_in(outbox, user.id, &event)?;
    }
    Ok(())
}

impl Db {
    pub fn user(&self, id: UserId) -> ApiResult<Option<UserRecord>> {
        self.users
            .get(id.to_be_bytes())?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    pub fn user_by_email(&self, email: &Email) -> ApiResult<Option<UserRecord>> {
        match self.emails.get(email.key())? {
            Some(id) => self.user(UserId(u64::from_be_bytes(
                id.as_ref()
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("bad email index entry"))?,
            ))),
            None => Ok(None),
        }
    }

    /// Creates a user; 409 when the email or nickname is taken.
    pub async fn create_user(
        &self,
        email: &Email,
        nickname: &Nickname,
        password_hash: String,
    ) -> ApiResult<UserRecord> {
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
        };
        let (email_key, nickname_key, record) = (email.key(), nickname.key(), encode(&user));
        self.write(move |tx| {
            if tx.emails.get(&email_key)?.is_some() {
                return Err(abort(ApiError::Conflict(
                    "this email is already registered".into(),
                )));
            }
            if tx.nicknames.get(&nickname_key)?.is_some() {
                return Err(abort(ApiError::Conflict("this nickname is taken".into())));
            }
            tx.emails.insert(email_key.as_bytes(), &id.to_be_bytes())?;
            tx.nicknames
                .insert(nickname_key.as_bytes(), &id.to_be_bytes())?;
            tx.users.insert(&id.to_be_bytes(), record.clone())?;
            Ok(())
        })
        .await?;
        self.counters.users.fetch_add(1, Ordering::Relaxed);
        Ok(user)
    }

    /// Applies `change` to a live user, then stores it and queues its event, atomically.
    async fn change_user(
        &self,
        id: UserId,
        change: impl Fn(&mut UserRecord) -> Result<(), ApiError> + Send + 'static,
    ) -> ApiResult<UserRecord> {
        let changed = self
            .write(move |tx| {
                let mut user = read_in(tx.users, id)?
                    .filter(|u| !u.withdrawn)
                    .ok_or_else(|| abort(ApiError::Unauthenticated))?;
                change(&mut user).map_err(abort)?;
                publish_in(tx.users, tx.outbox, &mut user)?;
                Ok(user)
            })
            .await?;
        self.outbox_added.notify_one();
        Ok(changed)
    }

    /// Sets the profile. Gender cannot change once set.
    pub async fn save_profile(&self, id: UserId, profile: Profile) -> ApiResult<UserRecord> {
        self.change_user(id, move |user| {
            if let Some(old) = &user.profile {
                if old.gender != profile.gender {
                    return Err(ApiError::unprocessable(
                        "GENDER_LOCKED",
                        "gender cannot change once set",
                    ));
                }
            }
            user.profile = Some(profile.clone());
            Ok(())
        })
        .await
    }

    pub async fn set_dont_pick_me(&self, id: UserId, dont_pick_me: bool) -> ApiResult<UserRecord> {
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
    ) -> ApiResult<UserRecord> {
        self.write(move |tx| {
            let mut user = read_in(tx.users, id)?.ok_or_else(|| abort(ApiError::NotFound))?;
            user.role = role;
            tx.users.insert(&id.to_be_bytes(), encode(&user))?;
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

    /// Bans or unbans: the user leaves (or rejoins) the pool through the usual event, and a ban
    /// ends their sessions at once.
    pub async fn set_banned(
        &self,
        id: UserId,
        banned: bool,
        actor: Actor,
        reason: Option<String>,
    ) -> ApiResult<UserRecord> {
        let action = if banned {
            OpsAction::Ban
        } else {
            OpsAction::Unban
        };
        let user = self
            .write(move |tx| {
                let mut user = read_in(tx.users, id)?.ok_or_else(|| abort(ApiError::NotFound))?;
                if user.banned != banned {
                    user.banned = banned;
                    publish_in(tx.users, tx.outbox, &mut user)?;
                    ops_audit::record_in(
                        tx.ops_audit,
                        actor,
                        action,
                        id.to_string(),
                        reason.clone(),
                        None,
                    )?;
                }
                Ok(user)
            })
            .await?;
        self.outbox_added.notify_one();
        if banned {
            self.end_sessions_of(id)?;
        }
        Ok(user)
    }

    /// Sets a new password hash and ends the user's sessions (admin recovery).
    pub async fn reset_credentials(
        &self,
        id: UserId,
        password_hash: String,
    ) -> ApiResult<UserRecord> {
        let user = self
            .write(move |tx| {
                let mut user = read_in(tx.users, id)?.ok_or_else(|| abort(ApiError::NotFound))?;
                user.password_hash = password_hash.clone();
                tx.users.insert(&id.to_be_bytes(), encode(&user))?;
                Ok(user)
            })
            .await?;
        self.end_sessions_of(id)?;
        Ok(user)
    }

    /// Withdraws: the user leaves the pool at once; their records stay.
    pub async fn withdraw(&self, id: UserId) -> ApiResult<UserRecord> {
        let user = self
            .change_user(id, |user| {
                user.withdrawn = true;
                Ok(())
            })
            .await?;
        self.counters.users.fetch_sub(1, Ordering::Relaxed);
        self.end_sessions_of(id)?;
        Ok(user)
    }
}
