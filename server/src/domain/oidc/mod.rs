//! OpenID Connect sign-in as a relying party (`openidconnect`): the authorization code flow
//! with PKCE (S256), `state` and `nonce`, discovery and the provider's JWKS; the ID token's
//! signature, issuer, audience, expiry and nonce are checked by the crate's verifier.
//!
//! A flow's secrets (the PKCE verifier, the nonce) stay on the server, in sled under the
//! `state` the browser carries: single use, ten minutes. An identity (issuer, subject) links
//! to exactly one account; a first sign-in makes the account, linked in the same commit.

mod accounts;
mod provider;

pub use accounts::account_for;
pub use provider::Provider;

use crate::db::oidc::{identity_key, OidcFlow};
use crate::db::{now_ms, Db};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope,
};

/// A client built from discovery: authorization endpoint set, token endpoint maybe.
type RelyingParty = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use storage::UserId;

/// Discovery documents are reused this long (keys rotate; providers change rarely).
const METADATA_TTL: Duration = Duration::from_secs(600);
/// A provider must answer within this.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a sign-in failed: the code `/?login_error=` carries to the web app.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("unknown, used or expired sign-in state")]
    State,
    #[error("the provider could not be reached or refused: {0}")]
    Provider(String),
    #[error("the ID token failed its checks: {0}")]
    Token(String),
    #[error("the user cancelled at the provider")]
    Denied,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl OidcError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::State => "OIDC_STATE",
            Self::Provider(_) | Self::Db(_) => "OIDC_PROVIDER",
            Self::Token(_) => "OIDC_TOKEN",
            Self::Denied => "OIDC_DENIED",
        }
    }
}

/// Who came back from the provider.
pub struct Identity {
    pub provider: String,
    pub key: Vec<u8>,
    pub nickname: Option<String>,
    pub email: Option<String>,
    pub next: String,
    pub link_user: Option<UserId>,
}

/// The configured providers and their discovery documents.
pub struct Oidc {
    providers: Vec<Provider>,
    http: openidconnect::reqwest::Client,
    metadata: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
    /// `<public-url>`: redirect URIs are `<public-url>/api/auth/oidc/<id>/callback`.
    public_url: String,
}

impl Oidc {
    pub fn new(specs: &[String], public_url: String) -> anyhow::Result<Self> {
        let providers = specs
            .iter()
            .map(|s| Provider::parse(s))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would let a provider point us anywhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()?;
        Ok(Self {
            providers,
            http,
            metadata: Mutex::default(),
            public_url,
        })
    }

    /// `(id, name)` of each provider, for the sign-in buttons.
    pub fn providers(&self) -> impl Iterator<Item = &Provider> {
        self.providers.iter()
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    async fn metadata(&self, provider: &Provider) -> Result<CoreProviderMetadata, OidcError> {
        if let Some((at, cached)) = self.metadata.lock().expect("lock").get(&provider.id) {
            if at.elapsed() < METADATA_TTL {
                return Ok(cached.clone());
            }
        }
        self.discover(provider).await
    }

    /// Fetches the discovery document and the keys afresh (and caches them).
    async fn discover(&self, provider: &Provider) -> Result<CoreProviderMetadata, OidcError> {
        let issuer = IssuerUrl::new(provider.issuer.clone())
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Provider(format!("discovery: {e}")))?;
        let entry = (Instant::now(), metadata.clone());
        self.metadata
            .lock()
            .expect("lock")
            .insert(provider.id.clone(), entry);
        Ok(metadata)
    }

    fn redirect_uri(&self, provider: &Provider) -> Result<RedirectUrl, OidcError> {
        let uri = format!("{}/api/auth/oidc/{}/callback", self.public_url, provider.id);
        RedirectUrl::new(uri).map_err(|e| OidcError::Provider(e.to_string()))
    }

    fn client(
        &self,
        provider: &Provider,
        metadata: CoreProviderMetadata,
    ) -> Result<RelyingParty, OidcError> {
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_uri(provider)?))
    }

    /// Where to send the browser to sign in (or link, for `link_user`), landing on `next`,
    /// and the `state` the browser must bring back (also kept in a cookie: see the route).
    pub async fn start(
        &self,
        db: &Db,
        provider: &Provider,
        next: String,
        link_user: Option<UserId>,
    ) -> Result<(String, String), OidcError> {
        let client = self.client(provider, self.metadata(provider).await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let flow = OidcFlow {
            provider: provider.id.clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            next,
            link_user,
            created_at_ms: now_ms(),
        };
        db.start_oidc_flow(state.secret().clone(), flow).await?;
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Completes a sign-in: the state is taken (once), the code exchanged with the PKCE
    /// verifier, and the ID token checked.
    pub async fn finish(
        &self,
        db: &Db,
        provider: &Provider,
        state: String,
        code: String,
    ) -> Result<Identity, OidcError> {
        let flow = db.take_oidc_flow(state).await?.ok_or(OidcError::State)?;
        if flow.provider != provider.id {
            return Err(OidcError::State);
        }
        let client = self.client(provider, self.metadata(provider).await?)?;
        let exchange = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()));
        let tokens = exchange
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                // It answered, and refused the code (used, expired, not ours): not an outage.
                RequestTokenError::ServerResponse(refusal) => {
                    OidcError::Token(format!("code refused: {refusal}"))
                }
                other => OidcError::Provider(format!("token: {other}")),
            })?;
        let id_token = openidconnect::TokenResponse::id_token(&tokens)
            .ok_or_else(|| OidcError::Token("no ID token".into()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // The provider may have rotated its keys since they were cached: fetch them
            // again and check once more.
            Err(_) => {
                let fresh = self.client(provider, self.discover(provider).await?)?;
                let verifier = fresh.id_token_verifier();
                let checked = id_token.claims(&verifier, &nonce);
                checked
                    .map_err(|e| OidcError::Token(e.to_string()))?
                    .clone()
            }
        };
        let nickname = claims
            .nickname()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let email = claims
            .email()
            .filter(|_| claims.email_verified() == Some(true))
            .map(|e| e.as_str().to_owned());
        Ok(Identity {
            provider: provider.id.clone(),
            key: identity_key(claims.issuer().as_str(), claims.subject().as_str()),
            nickname,
            email,
            next: flow.next,
            link_user: flow.link_user,
        })
    }
}
