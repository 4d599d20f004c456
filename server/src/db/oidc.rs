//! OpenID Connect: sign-in attempts in flight (by their `state`, single use, short-lived) and
//! the identities (issuer, subject) linked to accounts, one account each.

use super::users::{read_in, store_in};
use super::{abort, decode, encode, now_ms, Db, DbError, DbResult};
use serde::{Deserialize, Serialize};
use storage::UserId;

/// How long a sign-in may take at the provider.
pub const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
/// Sign-ins in flight at most (abandoned ones expire); past it new ones are refused.
pub const MAX_FLOWS: usize = 10_000;

/// What the server remembers between sending a browser to the provider and its return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OidcFlow {
    pub provider: String,
    pub pkce_verifier: String,
    pub nonce: String,
    /// A local path to land on.
    pub next: String,
    /// A signed-in user linking this provider, rather than signing in.
    pub link_user: Option<UserId>,
    pub created_at_ms: i64,
}

/// The identity key: issuer and subject, which together name one person at one provider.
pub fn identity_key(issuer: &str, subject: &str) -> Vec<u8> {
    let mut key = issuer.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(subject.as_bytes());
    key
}

impl Db {
    /// Remembers a flow under its `state` (expired ones are dropped to make room).
    pub async fn start_oidc_flow(&self, state: String, flow: OidcFlow) -> DbResult<()> {
        if self.oidc_flows.len() >= MAX_FLOWS {
            self.drop_expired_flows()?;
            if self.oidc_flows.len() >= MAX_FLOWS {
                return Err(DbError::Full("sign-ins in flight"));
            }
        }
        self.write(move |tx| {
            tx.oidc_flows.insert(state.as_bytes(), encode(&flow))?;
            Ok(())
        })
        .await
    }

    fn drop_expired_flows(&self) -> DbResult<()> {
        for item in self.oidc_flows.iter() {
            let (key, bytes) = item?;
            let flow: OidcFlow = decode("oidc_flows", &key, &bytes)?;
            if now_ms() - flow.created_at_ms > FLOW_TTL_MS {
                self.oidc_flows.remove(key)?;
            }
        }
        Ok(())
    }

    /// Takes the flow of `state` (once: a replayed state finds nothing), if still fresh.
    pub async fn take_oidc_flow(&self, state: String) -> DbResult<Option<OidcFlow>> {
        let flow = self
            .write(move |tx| {
                let Some(bytes) = tx.oidc_flows.remove(state.as_bytes())? else {
                    return Ok(None);
                };
                decode::<OidcFlow>("oidc_flows", state.as_bytes(), &bytes)
                    .map(Some)
                    .map_err(abort)
            })
            .await?;
        Ok(flow.filter(|f| now_ms() - f.created_at_ms <= FLOW_TTL_MS))
    }

    /// The account an identity is linked to.
    pub fn identity_user(&self, key: &[u8]) -> DbResult<Option<UserId>> {
        Ok(self
            .identities
            .get(key)?
            .and_then(|id| <[u8; 8]>::try_from(id.as_ref()).ok())
            .map(|id| UserId(u64::from_be_bytes(id))))
    }

    /// Links an identity to `user` (and the provider to their list); refused when it is
    /// another account's.
    pub async fn link_identity(
        &self,
        key: Vec<u8>,
        provider: String,
        user: UserId,
    ) -> DbResult<()> {
        self.write(move |tx| {
            if let Some(owner) = tx.identities.get(&key)? {
                if owner.as_ref() != user.to_be_bytes() {
                    return Err(abort(DbError::IdentityTaken));
                }
                return Ok(());
            }
            tx.identities.insert(key.as_slice(), &user.to_be_bytes())?;
            let mut record =
                read_in(tx.users, user)?.ok_or_else(|| abort(DbError::UserGone(user)))?;
            if !record.providers.contains(&provider) {
                record.providers.push(provider.clone());
            }
            store_in(tx, &record)
        })
        .await
    }
}
