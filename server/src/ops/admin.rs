//! `comatching-server admin create`: the first admin, made on a stopped server's database.

use crate::db::users::{Role, UserRecord};
use crate::db::Db;
use crate::domain::password;
use crate::model::account::{Email, Nickname, Password};
use anyhow::Context;

/// Creates an admin, or makes an existing account with that email an admin with this password
/// (so running it again is harmless).
pub async fn create_admin(
    db: &Db,
    email: &str,
    raw_password: &str,
    nickname: &str,
) -> anyhow::Result<UserRecord> {
    let email = Email::parse(email).context("--email")?;
    let password = Password::parse(raw_password).context("the password")?;
    let hash = password::hash(password.expose().to_owned(), None).await?;
    let user = match db.user_by_email(&email)? {
        Some(existing) => db.reset_credentials(existing.id, hash).await?,
        None => {
            let nickname = Nickname::parse(nickname).context("--nickname")?;
            db.create_user(&email, &nickname, hash).await?
        }
    };
    let admin = db.set_role(user.id, Role::Admin, None).await?;
    db.flush()?;
    Ok(admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn creates_then_promotes_idempotently() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let first = create_admin(&db, "boss@x.kr", "password-1", "관리자")
            .await
            .unwrap();
        assert_eq!(first.role, Role::Admin);
        let again = create_admin(&db, "BOSS@x.kr", "password-2", "ignored")
            .await
            .unwrap();
        assert_eq!(again.id, first.id);
        assert!(
            password::verify("password-2".into(), Some(again.password_hash), None)
                .await
                .unwrap()
        );
        assert!(create_admin(&db, "x@x.kr", "short", "관리자2")
            .await
            .is_err());
    }
}
