//! argon2id password hashing, off the async threads and bounded in concurrency
//! (each hash takes ~19 MiB and tens of milliseconds).

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// Hashes computed at once at most; more wait their turn. Fewer on fewer cores: a hash is
/// pure CPU, so more at once than cores only adds memory.
const MAX_CONCURRENT_HASHES: usize = 4;

static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new(cores.clamp(1, MAX_CONCURRENT_HASHES)))
});

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

/// The argon2id PHC string for `password`.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = HASHING
        .clone()
        .acquire_owned()
        .await
        .context("hash semaphore")?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("hash task")?
}

/// Whether `password` matches `hash`; with `None` it spends the same time and says no.
pub async fn verify(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    let _permit = HASHING
        .clone()
        .acquire_owned()
        .await
        .context("hash semaphore")?;
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .context("verify task")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse".into()).await.unwrap();
        let b = hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse".into(), Some(a.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(a)).await.unwrap());
        assert!(!verify("correct horse".into(), None).await.unwrap());
    }
}
