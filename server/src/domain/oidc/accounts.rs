//! The account behind a provider's identity: the one linked before, or a new one made on the
//! first sign-in, linked in the same commit.

use super::Identity;
use crate::db::signup::{NewAccount, NewIdentity};
use crate::db::users::UserRecord;
use crate::db::{Db, DbError};
use crate::domain::password;
use crate::model::account::{Email, Nickname};
use rand::Rng;
use sha2::{Digest, Sha256};

/// New-account attempts at most (a taken nickname or address is tried another way).
const MAX_ATTEMPTS: u32 = 5;

/// The account for `identity`; `provider_name` names made-up nicknames ("카카오사용자1234").
pub async fn account_for(
    db: &Db,
    provider_name: &str,
    identity: &Identity,
) -> anyhow::Result<UserRecord> {
    if let Some(id) = db.identity_user(&identity.key)? {
        return db
            .user(id)?
            .ok_or_else(|| anyhow::anyhow!("identity linked to missing user {id}"));
    }
    // Nobody knows this password: the account signs in through its provider.
    let secret: String = (0..32)
        .map(|_| rand::rng().sample(rand::distr::Alphanumeric) as char)
        .collect();
    let hash = password::hash(secret, None).await?;
    for attempt in 0..MAX_ATTEMPTS {
        let email = email_for(identity, attempt)?;
        let nickname = nickname_for(identity, provider_name, attempt)?;
        let account = NewAccount {
            identity: Some(NewIdentity {
                key: identity.key.clone(),
                provider: identity.provider.clone(),
            }),
            ..NewAccount::default()
        };
        match db.sign_up(&email, &nickname, hash.clone(), account).await {
            Ok(user) => return Ok(user),
            Err(DbError::EmailTaken | DbError::NicknameTaken) => continue,
            Err(DbError::IdentityTaken) => {
                let id = db
                    .identity_user(&identity.key)?
                    .ok_or_else(|| anyhow::anyhow!("identity vanished"))?;
                return db
                    .user(id)?
                    .ok_or_else(|| anyhow::anyhow!("identity linked to missing user {id}"));
            }
            Err(other) => return Err(other.into()),
        }
    }
    anyhow::bail!("no free nickname or address after {MAX_ATTEMPTS} tries")
}

/// The provider's verified address first; then one of our own that cannot receive mail.
fn email_for(identity: &Identity, attempt: u32) -> anyhow::Result<Email> {
    if attempt == 0 {
        if let Some(email) = identity.email.as_deref().and_then(|e| Email::parse(e).ok()) {
            return Ok(email);
        }
    }
    let digest = Sha256::digest(&identity.key);
    let tag: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Ok(Email::parse(&format!(
        "{}-{tag}-{attempt}@users.comatching.invalid",
        identity.provider
    ))?)
}

/// The provider's nickname first; then a made-up one.
fn nickname_for(
    identity: &Identity,
    provider_name: &str,
    attempt: u32,
) -> anyhow::Result<Nickname> {
    if attempt == 0 {
        if let Some(nickname) = identity
            .nickname
            .as_deref()
            .and_then(|n| Nickname::parse(n).ok())
        {
            return Ok(nickname);
        }
    }
    let digits = rand::rng().random_range(1_000..10_000);
    Ok(Nickname::parse(&format!("{provider_name}사용자{digits}"))?)
}
