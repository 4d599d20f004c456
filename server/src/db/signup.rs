//! Making an account: the user, its unique e-mail and nickname keys, and what the sign-up asks
//! for beside it (a bonus, an operator request, a provider identity), in one transaction.

use super::batch::Tx;
use super::counters::{self, Count};
use super::promo;
use super::users::{store_in, OperatorRequest, Role, UserRecord};
use super::{abort, now_ms, Db, DbError, DbResult};
use crate::model::account::{Email, Nickname};
use std::sync::atomic::Ordering;
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

impl Db {
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
            past_consents: Vec::new(),
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
            counters::add_in(tx, Count::Users, 1)?;
            store_in(tx, &record)
        };
        self.write_then(step, move |_| {
            counters.users.fetch_add(1, Ordering::Relaxed);
        })
        .await?;
        Ok(user)
    }
}
