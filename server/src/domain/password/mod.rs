//! argon2id password hashing, off the async threads and admitted through one [`gate::Gate`]
//! (each hash takes ~19 MiB and tens of milliseconds of a core).

mod gate;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
pub use gate::Busy;
use gate::Gate;
use std::net::IpAddr;
use std::sync::LazyLock;

/// Why a hash was not computed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error("password hashing failed")]
    Failed(#[from] anyhow::Error),
}

/// The process's one gate: hashing is bounded across every caller.
static GATE: LazyLock<Gate> = LazyLock::new(Gate::new);

/// A hash to verify against when the email is unknown, so that timing does not tell.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("a password nobody has").expect("hashing a constant"));

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The argon2id PHC string for `password`, for a request from `from` (`None`: the command
/// line).
pub async fn hash(password: String, from: Option<IpAddr>) -> Result<String, PasswordError> {
    let admission = GATE.admit(from)?;
    Ok(admission.run(move || hash_blocking(&password)).await??)
}

/// Whether `password` matches `hash`; with `None` it spends the same time and says no.
pub async fn verify(
    password: String,
    hash: Option<String>,
    from: Option<IpAddr>,
) -> Result<bool, PasswordError> {
    let admission = GATE.admit(from)?;
    let matched = admission
        .run(move || match hash {
            Some(hash) => verify_blocking(&password, &hash),
            None => {
                verify_blocking(&password, &DUMMY_HASH);
                false
            }
        })
        .await?;
    Ok(matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse".into(), None).await.unwrap();
        let b = hash("correct horse".into(), None).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse".into(), Some(a.clone()), None)
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(a), None).await.unwrap());
        assert!(!verify("correct horse".into(), None, None).await.unwrap());
    }
}
