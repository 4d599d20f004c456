//! One configured OpenID provider: `--oidc-provider id=kakao,name=카카오,issuer=URL,
//! client-id=…,client-secret-file=PATH`. The secret is read from the file (never a flag value
//! or a log line); a school SSO or Google is another line of configuration, not code.

use std::path::Path;

/// A provider as configured.
#[derive(Clone)]
pub struct Provider {
    /// Short, URL-safe: it names the provider in paths and in `providers` lists.
    pub id: String,
    /// The button's name: "카카오로 시작하기".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Parses a flag value and reads its secret file.
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        let field = |name: &str| -> anyhow::Result<String> {
            spec.split(',')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| key.trim() == name)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| anyhow::anyhow!("--oidc-provider needs {name}=…"))
        };
        let id = field("id")?;
        anyhow::ensure!(
            id.len() <= 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "--oidc-provider id {id:?}: lower-case letters, digits and hyphens"
        );
        let secret_file = field("client-secret-file")?;
        let client_secret = std::fs::read_to_string(Path::new(&secret_file))
            .map_err(|e| anyhow::anyhow!("--oidc-provider {id}: read client-secret-file: {e}"))?
            .trim()
            .to_owned();
        anyhow::ensure!(
            !client_secret.is_empty(),
            "--oidc-provider {id}: the secret file is empty"
        );
        Ok(Self {
            name: field("name")?,
            issuer: field("issuer")?,
            client_id: field("client-id")?,
            client_secret,
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_keep_the_secret_out_of_debug() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("kakao.secret");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let spec = format!(
            "id=kakao,name=카카오,issuer=https://kauth.kakao.com,client-id=abc,client-secret-file={}",
            secret.display()
        );
        let provider = Provider::parse(&spec).unwrap();
        assert_eq!(
            (provider.id.as_str(), provider.name.as_str()),
            ("kakao", "카카오")
        );
        assert_eq!(provider.client_secret, "s3cret");
        assert!(!format!("{provider:?}").contains("s3cret"));
        for bad in [
            "id=kakao",
            "id=Kakao!,name=x,issuer=y,client-id=z,client-secret-file=/nope",
        ] {
            assert!(Provider::parse(bad).is_err(), "{bad}");
        }
    }
}
