//! HTTPS terminated by the server itself with certificates obtained and renewed over ACME
//! (TLS-ALPN-01 on the HTTPS port, so nothing else must listen), no reverse proxy. Plain HTTP
//! then only redirects to HTTPS, and responses carry HSTS.

use super::serving::{drain_on, serve_plain, ServingArgs};
use anyhow::Context;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::StreamExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls_acme::caches::DirCache;
use rustls_acme::AcmeConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::set_header::SetResponseHeaderLayer;

/// Browsers remember for two years to come back only over HTTPS.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// HTTPS settings; HTTPS is on when at least one `--tls-domain` is given.
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// A domain to serve over HTTPS with an ACME certificate (repeatable, or comma-separated).
    #[arg(
        long = "tls-domain",
        env = "COMATCHING_TLS_DOMAINS",
        value_delimiter = ','
    )]
    pub tls_domains: Vec<String>,
    /// Address for HTTPS.
    #[arg(long, env = "COMATCHING_HTTPS_ADDR", default_value = "0.0.0.0:443")]
    pub https_addr: SocketAddr,
    /// ACME account contact, e.g. `mailto:ops@example.ac.kr` (repeatable).
    #[arg(long, env = "COMATCHING_ACME_CONTACT", value_delimiter = ',')]
    pub acme_contact: Vec<String>,
    /// Where the ACME account and certificates are kept across restarts. Default:
    /// `<data-dir>/acme`.
    #[arg(long, env = "COMATCHING_ACME_CACHE")]
    pub acme_cache: Option<PathBuf>,
    /// The ACME directory URL. Default: Let's Encrypt production.
    #[arg(
        long,
        env = "COMATCHING_ACME_DIRECTORY",
        conflicts_with = "acme_staging"
    )]
    pub acme_directory: Option<String>,
    /// Use Let's Encrypt's staging directory (for trying a deployment out).
    #[arg(long)]
    pub acme_staging: bool,
    /// A CA certificate (PEM) to trust for the ACME directory, e.g. Pebble's in tests.
    #[arg(long, env = "COMATCHING_ACME_ROOT")]
    pub acme_root: Option<PathBuf>,
}

impl TlsArgs {
    /// HTTPS off (development and tests): plain HTTP on `--http-addr`.
    pub fn off() -> Self {
        Self {
            tls_domains: Vec::new(),
            https_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            acme_contact: Vec::new(),
            acme_cache: None,
            acme_directory: None,
            acme_staging: false,
            acme_root: None,
        }
    }

    pub fn enabled(&self) -> bool {
        !self.tls_domains.is_empty()
    }
}

/// The rustls client config for talking to the ACME directory: the usual web roots, plus
/// `--acme-root` if given.
fn acme_client_config(root: Option<&PathBuf>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = root {
        for cert in CertificateDer::pem_file_iter(path)
            .with_context(|| format!("read {}", path.display()))?
        {
            roots
                .add(cert.context("parse --acme-root")?)
                .context("add --acme-root")?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Serves `app` over HTTPS and redirects plain HTTP on `http` until `cancel`, both with the
/// connection limits.
pub async fn serve(
    tls: &TlsArgs,
    limits: &ServingArgs,
    data_dir: &std::path::Path,
    app: Router,
    http: TcpListener,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let cache = tls
        .acme_cache
        .clone()
        .unwrap_or_else(|| data_dir.join("acme"));
    let directory = match (&tls.acme_directory, tls.acme_staging) {
        (Some(url), _) => url.clone(),
        (None, true) => rustls_acme::acme::LETS_ENCRYPT_STAGING_DIRECTORY.to_owned(),
        (None, false) => rustls_acme::acme::LETS_ENCRYPT_PRODUCTION_DIRECTORY.to_owned(),
    };
    let mut state = AcmeConfig::new_with_client_config(
        &tls.tls_domains,
        acme_client_config(tls.acme_root.as_ref())?,
    )
    .contact(&tls.acme_contact)
    .cache(DirCache::new(cache))
    .directory(&directory)
    .state();
    let acceptor = state.axum_acceptor(state.default_rustls_config());
    let events = cancel.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                event = state.next() => match event {
                    Some(Ok(ok)) => tracing::info!(event = ?ok, "certificate event"),
                    Some(Err(error)) => tracing::error!(%error, "certificate error"),
                    None => return,
                },
                () = events.cancelled() => return,
            }
        }
    });
    let handle = axum_server::Handle::new();
    let app = app.layer(SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    ));
    tracing::info!(address = %tls.https_addr, domains = ?tls.tls_domains, %directory, "serving HTTPS");
    let mut server = axum_server::bind(tls.https_addr)
        .acceptor(limits.guard(acceptor))
        .handle(handle.clone());
    limits.tune(&mut server);
    let https = server.serve(app.into_make_service_with_connect_info::<SocketAddr>());
    let (https_port, domains) = (tls.https_addr.port(), tls.tls_domains.clone());
    let redirect = Router::new().fallback(move |request: Request| {
        let domains = domains.clone();
        async move { redirect(request, &domains, https_port) }
    });
    drain_on(cancel.clone(), handle);
    let plain = serve_plain(redirect, http, limits, cancel);
    let (https, plain) = tokio::join!(https, plain);
    https.context("HTTPS")?;
    plain.context("HTTP redirect")?;
    Ok(())
}

/// 308 to the same path over HTTPS on the requested host when it is one of ours, else on our
/// first domain: the `Host` header never chooses where a browser is sent.
fn redirect(request: Request, domains: &[String], https_port: u16) -> Response {
    let asked = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.rsplit_once(':')
                .map_or(h, |(name, _)| name)
                .to_ascii_lowercase()
        });
    let Some(first) = domains.first() else {
        return (StatusCode::NOT_FOUND, "no HTTPS domain is configured").into_response();
    };
    let host = asked
        .and_then(|asked| domains.iter().find(|d| d.eq_ignore_ascii_case(&asked)))
        .unwrap_or(first);
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let location = format!("https://{host}{port}{path}");
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}
